package io.caracal.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AccessLogTest {
  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking_closeWritesWhatIsQueued() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> lines = new CopyOnWriteArrayList<>();
    AccessLog log =
        new AccessLog(
            2,
            line -> {
              writing.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              lines.add(line);
            });
    log.finished(AccessLineTest.http("a", "x")); // taken by the writer, which blocks in the sink
    writing.await();
    log.finished(AccessLineTest.http("b", "x"));
    log.finished(AccessLineTest.http("c", "x")); // the queue (2) is full now
    for (int i = 0; i < 5; i++) {
      log.finished(AccessLineTest.http("dropped", "x"));
    }
    assertThat(log.dropped()).isEqualTo(5);
    release.countDown();
    log.close();
    assertThat(log.written()).isEqualTo(3);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).contains("\"model\":\"a\"");
    assertThat(lines.get(2)).contains("\"model\":\"c\"");
  }

  @Test
  void aSinkThatFailsLosesOnlyItsLine() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    AccessLog log =
        new AccessLog(
            8,
            line -> {
              if (line.contains("\"model\":\"bad\"")) {
                throw new IllegalStateException("disk full");
              }
              lines.add(line);
            });
    log.finished(AccessLineTest.http("bad", "x"));
    log.finished(AccessLineTest.http("good", "x"));
    log.close();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).contains("\"model\":\"good\"");
  }
}
