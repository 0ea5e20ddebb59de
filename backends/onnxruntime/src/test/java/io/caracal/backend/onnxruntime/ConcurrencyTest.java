package io.caracal.backend.onnxruntime;

import static io.caracal.backend.onnxruntime.Models.load;
import static io.caracal.backend.onnxruntime.Models.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.ModelInstance;
import io.caracal.testing.TestTensors;
import io.caracal.testing.models.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One instance serves concurrent calls correctly. */
class ConcurrencyTest {
  @TempDir Path repo;

  @Test
  void fourThreadsTwoHundredCallsEach() throws Exception {
    try (ModelInstance m = load(TestModels.addSub(repo, "as", DataType.INT64, 0));
        ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<Integer>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int thread = t;
        futures.add(
            pool.submit(() -> {
              int ok = 0;
              for (int call = 0; call < 200; call++) {
                int rows = 1 + (call % 4);
                long[] a = new long[rows * 16];
                long[] b = new long[rows * 16];
                long[] sum = new long[rows * 16];
                long[] diff = new long[rows * 16];
                for (int i = 0; i < a.length; i++) {
                  a[i] = thread * 1_000_000L + call * 1000L + i;
                  b[i] = i * 7L - thread;
                  sum[i] = a[i] + b[i];
                  diff[i] = a[i] - b[i];
                }
                Shape s = Shape.of(rows, 16);
                Map<String, Tensor> out =
                    run(
                        m,
                        Map.of(
                            "INPUT0", TestTensors.int64(s, a), "INPUT1", TestTensors.int64(s, b)),
                        "OUTPUT0",
                        "OUTPUT1");
                assertThat(TestTensors.longs(out.get("OUTPUT0"))).containsExactly(sum);
                assertThat(TestTensors.longs(out.get("OUTPUT1"))).containsExactly(diff);
                ok++;
              }
              return ok;
            }));
      }
      for (Future<Integer> f : futures) {
        assertThat(f.get()).isEqualTo(200);
      }
    }
  }
}
