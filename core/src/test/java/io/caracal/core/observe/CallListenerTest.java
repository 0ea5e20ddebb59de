package io.caracal.core.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CallListenerTest {
  private static CallRecord call() {
    return new CallRecord(
        CallRecord.Protocol.HTTP,
        "POST",
        "/v2/models/{model}/infer",
        "r1",
        0,
        Instant.EPOCH,
        null,
        null,
        Map.of());
  }

  /** Records what it was told; the listener at {@code failing} throws after recording. */
  private static List<CallListener> listeners(int n, int failing, List<String> told) {
    return IntStream.range(0, n)
        .<CallListener>mapToObj(i ->
            new CallListener() {
              @Override
              public void started(CallRecord call) {
                told.add("start " + i);
                if (i == failing) {
                  throw new IllegalStateException("listener " + i);
                }
              }

              @Override
              public void finished(CallRecord call) {
                told.add("finish " + i);
                if (i == failing) {
                  throw new IllegalStateException("listener " + i);
                }
              }
            })
        .toList();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 6})
  void everyListenerIsToldInOrder_evenPastOneThatThrows(int n) {
    List<String> told = new ArrayList<>();
    CallListener all = CallListener.of(listeners(n, n / 2, told));
    CallRecord call = call();
    if (n == 1) {
      try {
        all.started(call); // a single listener is returned as it is
      } catch (IllegalStateException expected) {
        told.add("thrown");
      }
      assertThat(told).containsExactly("start 0", "thrown");
      return;
    }
    all.started(call);
    all.finished(call);
    List<String> expected = new ArrayList<>();
    IntStream.range(0, n).forEach(i -> expected.add("start " + i));
    IntStream.range(0, n).forEach(i -> expected.add("finish " + i));
    assertThat(told).containsExactlyElementsOf(expected);
  }

  @Test
  void noListeners_isNone() {
    assertThat(CallListener.of(List.of())).isSameAs(CallListener.NONE);
  }
}
