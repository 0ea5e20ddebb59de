package io.caracal.deploy;

import io.caracal.testing.SharedData;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs {@code ../shared/k8s-schemas/validate.py} (python3 with PyYAML and jsonschema), which checks
 * each YAML document against the strict JSON Schema of its kind, as the API server does under
 * {@code fieldValidation=Strict}.
 */
record SchemaValidator(Path script) {
  /** The validator of the shared folder, or empty when the folder is absent. */
  static Optional<SchemaValidator> find() {
    return SharedData.root()
        .map(r -> r.resolve("k8s-schemas").resolve("validate.py"))
        .filter(Files::isRegularFile)
        .map(SchemaValidator::new);
  }

  /** What one run printed, and its exit code (0: every document passed). */
  record Result(int exit, String output) {}

  /** Validates files or folders; a kind with no schema fails. */
  Result validate(List<Path> inputs) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>();
    inputs.forEach(p -> args.add(p.toString()));
    return run(args, null);
  }

  /** Validates YAML text (e.g. a rendered chart) given on standard input. */
  Result validate(String yaml) throws IOException, InterruptedException {
    return run(List.of("-"), yaml);
  }

  private Result run(List<String> inputs, @org.jspecify.annotations.Nullable String stdin)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("python3", script.toString()));
    command.addAll(inputs);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }
}
