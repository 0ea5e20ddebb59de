package io.caracal.backend.onnxruntime;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.api.backend.CallCancelledException;
import io.caracal.api.backend.Cancellation;
import io.caracal.api.backend.ModelInstance;
import io.caracal.testing.TestTensors;
import io.caracal.testing.models.TestModels;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancelled call stops ONNX Runtime (RunOptions' terminate flag) on the slow model, whose loop
 * would otherwise run for years, and the instance serves the next call.
 */
class CancellationTest {
  /** Loop trips no run finishes: only the terminate flag ends the call. */
  private static final long FOREVER = 1L << 40;

  @TempDir Path repo;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES) // a hang guard: without the flag the call never ends
  void aCancelledCallStopsInsideOnnxRuntimeAndTheInstanceServesTheNextOne() throws Exception {
    try (ModelInstance m = Models.load(TestModels.slow(repo, "slow", 0))) {
      Cancellation cancellation = Cancellation.create();
      Thread[] caller = new Thread[1];
      CompletableFuture<Throwable> ended = new CompletableFuture<>();
      caller[0] =
          Thread.ofPlatform()
              .start(() -> {
                try {
                  m.infer(inputs(FOREVER), List.of("OUTPUT0"), List.of(Map.of()), cancellation);
                  ended.complete(null);
                } catch (Throwable t) {
                  ended.complete(t);
                }
              });
      // The call is inside ONNX Runtime once its thread runs the native OrtSession.run.
      while (Arrays.stream(caller[0].getStackTrace())
          .noneMatch(f -> f.isNativeMethod() && f.getClassName().endsWith("OrtSession"))) {
        assertThat(ended).as("the endless call ended by itself").isNotDone();
        Thread.onSpinWait();
      }
      cancellation.cancel();

      assertThat(ended.get()).isInstanceOf(CallCancelledException.class);
      caller[0].join();
      List<NamedTensor> out =
          m.infer(inputs(3), List.of("OUTPUT0"), List.of(Map.of()), Cancellation.create());
      assertThat(out.get(0).tensor()).isEqualTo(fill(7f));
    }
  }

  @Test
  void aCallCancelledBeforeItStartsDoesNotRun() throws Exception {
    try (ModelInstance m = Models.load(TestModels.slow(repo, "slow", 0))) {
      Cancellation cancellation = Cancellation.create();
      cancellation.cancel();
      Throwable t = null;
      try {
        m.infer(inputs(FOREVER), List.of("OUTPUT0"), List.of(Map.of()), cancellation);
      } catch (CallCancelledException e) {
        t = e;
      }
      assertThat(t).isNotNull();
    }
  }

  @Test
  void anUncancelledCallRunsToItsEndAndItsRegistrationIsClosed() throws Exception {
    try (ModelInstance m = Models.load(TestModels.slow(repo, "slow", 0))) {
      Cancellation cancellation = Cancellation.create();
      List<NamedTensor> out =
          m.infer(inputs(2), List.of("OUTPUT0"), List.of(Map.of()), cancellation);
      assertThat(out.get(0).tensor()).isEqualTo(fill(7f));
      cancellation.cancel(); // after the call: the RunOptions it would touch are closed
      assertThat(cancellation.isCancelled()).isTrue();
    }
  }

  private static List<NamedTensor> inputs(long iterations) {
    return List.of(
        new NamedTensor("INPUT0", fill(7f)),
        new NamedTensor("ITERATIONS", TestTensors.int64(Shape.of(1, 1), iterations)));
  }

  private static Tensor fill(float v) {
    float[] x = new float[16];
    Arrays.fill(x, v);
    return TestTensors.fp32(Shape.of(1, 16), x);
  }
}
