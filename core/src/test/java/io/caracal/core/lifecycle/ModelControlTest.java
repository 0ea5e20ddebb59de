package io.caracal.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.fixtures.NoService;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ModelControlTest {
  final ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().factory());
  final CountDownLatch release = new CountDownLatch(1);
  final List<String> calls = new CopyOnWriteArrayList<>();

  /** Records each call; "slow" blocks until released, "broken" fails as a failed load does. */
  final ModelControl.Repository repository =
      new ModelControl.Repository() {
        @Override
        public void load(String model) {
          calls.add("load " + model);
          if (model.equals("slow")) {
            await();
          }
          if (model.equals("broken")) {
            throw InferenceException.of(
                new InferenceError.ModelNotReady(model, OptionalLong.empty(), "corrupt"));
          }
        }

        @Override
        public void unload(String model) {
          calls.add("unload " + model);
        }
      };

  @AfterEach
  void stop() {
    release.countDown();
    executor.shutdownNow();
  }

  void await() {
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  ModelControl control(ModelControlMode mode, int limit) {
    return new ModelControl(NoService.INSTANCE, repository, mode, executor, limit);
  }

  static InferenceError errorOf(CompletableFuture<?> f) {
    assertThat(f).failsWithin(10, TimeUnit.SECONDS);
    return InferenceException.from(f.handle((v, e) -> e).join()).error();
  }

  @Test
  void runsAtMostTheLimit_perInstance_andFreesTheSlotWhenACallEnds() {
    ModelControl control = control(ModelControlMode.EXPLICIT, 1);
    CompletableFuture<Void> first = control.loadModel("slow");
    assertThat(errorOf(control.unloadModel("other")))
        .as("the only slot is taken")
        .isEqualTo(new InferenceError.TooManyCalls("repository", 1));
    assertThat(control(ModelControlMode.EXPLICIT, 1).loadModel("other"))
        .as("another instance has its own slots")
        .succeedsWithin(10, TimeUnit.SECONDS);
    release.countDown();
    assertThat(first).succeedsWithin(10, TimeUnit.SECONDS);
    assertThat(errorOf(control.loadModel("broken")))
        .isInstanceOf(InferenceError.ModelNotReady.class);
    assertThat(control.unloadModel("third"))
        .as("a failed call gave its slot back")
        .succeedsWithin(10, TimeUnit.SECONDS);
    assertThat(calls)
        .containsExactlyInAnyOrder("load slow", "load other", "load broken", "unload third");
    assertThatThrownBy(() -> control(ModelControlMode.EXPLICIT, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void refusesOutsideExplicitMode_namingTheMode_andBadNamesBeforeAnyCall() {
    assertThat(errorOf(control(ModelControlMode.POLL, 1).loadModel("m")).message())
        .isEqualTo(
            "explicit model load is not allowed if model control mode is 'poll' (start the server with"
                + " --model-control-mode explicit)");
    assertThat(errorOf(control(ModelControlMode.NONE, 1).unloadModel("m")))
        .isInstanceOf(InferenceError.Unsupported.class);
    assertThat(errorOf(control(ModelControlMode.EXPLICIT, 1).loadModel("../etc")))
        .isInstanceOf(InferenceError.InvalidInput.class);
    assertThat(calls).isEmpty();
  }

  @Test
  void aClosedExecutor_isShuttingDown_andGivesTheSlotBack() {
    ModelControl control = control(ModelControlMode.EXPLICIT, 1);
    executor.shutdown();
    assertThat(errorOf(control.loadModel("m"))).isEqualTo(new InferenceError.ShuttingDown());
    assertThat(errorOf(control.loadModel("m")))
        .as("not TooManyCalls")
        .isEqualTo(new InferenceError.ShuttingDown());
  }

  /** A service that answers nothing: the decorator must not call it for repository calls. */
}
