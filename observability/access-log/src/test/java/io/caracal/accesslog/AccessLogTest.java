package io.caracal.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AccessLogTest {
  /** The lines of the blocks a sink received. */
  static List<String> lines(List<String> blocks) {
    return blocks.stream().flatMap(b -> Arrays.stream(b.split("\n"))).toList();
  }

  @Test
  void aFullBlockDropsAndCountsInsteadOfBlocking_whatWaitedIsWrittenAsOneBlock() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<String> blocks = new CopyOnWriteArrayList<>();
    AccessLog log =
        new AccessLog(
            2,
            block -> {
              writing.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              blocks.add(block.toString());
            });
    log.finished(AccessLineTest.http("a", "x")); // taken by the writer, which blocks in the sink
    writing.await();
    log.finished(AccessLineTest.http("b", "x"));
    log.finished(AccessLineTest.http("c", "x")); // this thread's block (2 lines) is full now
    for (int i = 0; i < 5; i++) {
      log.finished(AccessLineTest.http("dropped", "x"));
    }
    assertThat(log.dropped()).isEqualTo(5);
    release.countDown();
    log.close();
    assertThat(log.written()).isEqualTo(3);
    assertThat(blocks).hasSize(2); // "a" alone, then what queued behind it, together
    List<String> lines = lines(blocks);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).contains("\"model\":\"a\"").startsWith("{").endsWith("}");
    assertThat(lines.get(1)).contains("\"model\":\"b\"").startsWith("{").endsWith("}");
    assertThat(lines.get(2)).contains("\"model\":\"c\"");
  }

  @Test
  void callsFinishedOnSeveralThreads_eachGetOneWholeLine() throws Exception {
    // each thread renders into a block of its own; the writer takes every block
    List<String> blocks = new CopyOnWriteArrayList<>();
    AccessLog log = new AccessLog(AccessLog.DEFAULT_CAPACITY, b -> blocks.add(b.toString()));
    int threads = 4;
    int each = 500;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> started = new java.util.ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      started.add(
          Thread.ofPlatform()
              .start(() -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                for (int i = 0; i < each; i++) {
                  log.finished(AccessLineTest.http("m" + id + "-" + i, "ua\"\n\u00e9" + i));
                }
              }));
    }
    start.countDown();
    for (Thread t : started) {
      t.join();
    }
    log.close();
    assertThat(log.dropped()).isZero();
    assertThat(log.written()).isEqualTo(threads * each);
    com.fasterxml.jackson.databind.ObjectMapper json =
        new com.fasterxml.jackson.databind.ObjectMapper();
    java.util.Set<String> models = new java.util.HashSet<>();
    for (String line : lines(blocks)) {
      com.fasterxml.jackson.databind.JsonNode n = json.readTree(line);
      models.add(n.get("model").asText());
      assertThat(n.get("user_agent.original").asText()).startsWith("ua\"\n\u00e9");
    }
    assertThat(models).hasSize(threads * each);
  }

  @Test
  void aSinkThatFailsLosesOnlyItsBlock() throws Exception {
    AtomicInteger attempts = new AtomicInteger();
    CountDownLatch failed = new CountDownLatch(1);
    List<String> blocks = new CopyOnWriteArrayList<>();
    AccessLog log =
        new AccessLog(
            8,
            block -> {
              if (attempts.getAndIncrement() == 0) {
                failed.countDown();
                throw new IllegalStateException("disk full");
              }
              blocks.add(block.toString());
            });
    log.finished(AccessLineTest.http("bad", "x"));
    failed.await();
    log.finished(AccessLineTest.http("good", "x"));
    log.close();
    assertThat(lines(blocks)).hasSize(1);
    assertThat(blocks.get(0)).contains("\"model\":\"good\"");
    assertThat(log.written()).isEqualTo(1);
  }

  @Test
  void virtualThreadsShareOneBlock_andAThreadThatEndedIsForgottenOnceItsLinesAreWritten()
      throws Exception {
    List<String> blocks = new CopyOnWriteArrayList<>();
    AccessLog log = new AccessLog(AccessLog.DEFAULT_CAPACITY, b -> blocks.add(b.toString()));
    List<Thread> started = new java.util.ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int id = t;
      started.add(Thread.ofVirtual().start(() -> log.finished(AccessLineTest.http("v" + id, "x"))));
    }
    started.add(
        Thread.ofPlatform()
            .start(() -> {
              for (int i = 0; i < 3; i++) {
                log.finished(AccessLineTest.http("p" + i, "x"));
              }
            }));
    for (Thread t : started) {
      t.join();
    }
    log.close();
    // p has ended: its block went with its last lines; the virtual threads' shared one stays
    assertThat(log.threadBlocks()).isEqualTo(1);
    assertThat(log.written()).isEqualTo(11);
    assertThat(lines(blocks))
        .map(l -> l.replaceAll(".*\"model\":\"([^\"]+)\".*", "$1"))
        .containsExactlyInAnyOrder(
            "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "p0", "p1", "p2");
    log.finished(AccessLineTest.http("late", "x"));
    assertThat(log.dropped()).isEqualTo(1); // closed: counted, not kept
  }
}
