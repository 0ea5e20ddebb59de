package io.caracal.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.IntFunction;

/** Starts one client thread per call, releases them together and collects their answers. */
final class ConcurrentCalls {
  private ConcurrentCalls() {}

  /**
   * Runs {@code call(0) .. call(n - 1)} at once, each on its own platform thread released by one
   * latch, and returns their results by index once all have returned.
   */
  static JsonNode[] run(int n, IntFunction<JsonNode> call) throws InterruptedException {
    JsonNode[] out = new JsonNode[n];
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      clients.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                out[k] = call.apply(k);
              }));
    }
    go.countDown();
    for (Thread t : clients) {
      t.join();
    }
    return out;
  }
}
