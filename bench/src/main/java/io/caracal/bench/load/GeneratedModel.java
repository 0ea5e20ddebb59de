package io.caracal.bench.load;

import io.caracal.testing.models.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a generated test model into a repository for the reliability scripts. Usage: {@code
 * GeneratedModel slow|dense REPOSITORY NAME}.
 *
 * <ul>
 *   <li>{@code slow} ({@code bench/deadline.sh}): a loop of 256×256 matrix products, as many as its
 *       {@code ITERATIONS} input says; one instance, requests may set their own timeout.
 *   <li>{@code dense} ({@code bench/load-unload-memory.sh}): 1024×1024 FP32 weights (4 MiB),
 *       OUTPUT0 = 2 × INPUT0, two instances, as {@code LoadUnloadCyclesIT} loads it.
 * </ul>
 */
public final class GeneratedModel {
  private GeneratedModel() {}

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args[1]);
    String name = args[2];
    String extra =
        switch (args[0]) {
          case "slow" -> {
            TestModels.slow(repo, name, 1);
            yield "dynamic_batching { default_queue_policy { allow_timeout_override: true } }\n"
                + "instance_group [ { count: 1 kind: KIND_CPU } ]\n";
          }
          case "dense" -> {
            TestModels.dense(repo, name, 1024, 2f, 4);
            yield "instance_group [ { count: 2, kind: KIND_CPU } ]\n";
          }
          default -> throw new IllegalArgumentException("slow or dense: " + args[0]);
        };
    Files.writeString(repo.resolve(name).resolve("config.pbtxt"), extra, StandardOpenOption.APPEND);
  }
}
