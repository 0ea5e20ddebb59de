package io.caracal.it;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.caracal.testing.Await;
import io.caracal.testing.http.Http2Flood;
import io.caracal.testing.models.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Issue 12's log flooding: each stream refused by HTTP/2's limit made grpc-java log a 4 KB stack
 * trace in java.util.logging's own format. On the server as started by {@code caracal serve}, such
 * refusals leave no line; the server's own refusals are counted and logged at most once a minute.
 */
class GrpcFloodIT {
  @TempDir Path repo;

  @Test
  void refusedStreamsDoNotFloodTheLog() throws Exception {
    TestModels.dense(repo, "dense", 4, 2f, 8);
    List<String> lines = new CopyOnWriteArrayList<>();
    AppenderBase<ILoggingEvent> capture =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent e) {
            lines.add(e.getLoggerName() + " " + e.getFormattedMessage());
          }
        };
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    capture.setContext(root.getLoggerContext());
    capture.start();
    root.addAppender(capture);
    try (ItServer s = ItServer.start(repo)) {
      int port = s.server.grpcAddress().getPort();
      try (Http2Flood acked = new Http2Flood(port, true);
          Http2Flood unacked = new Http2Flood(port, false)) {
        acked.openStreams(300, "/inference.GRPCInferenceService/ModelInfer");
        unacked.openStreams(300, "/inference.GRPCInferenceService/ModelInfer");
        acked.roundTrip(); // the server has read (and refused) every stream beyond its limit
        unacked.roundTrip();
      }
      Await.until(
          "the server's refusal logged",
          Duration.ofSeconds(30),
          () -> lines.stream().anyMatch(l -> l.contains("refused a gRPC call")));
    } finally {
      root.detachAppender(capture);
    }
    assertThat(lines).noneMatch(l -> l.contains("Stream Error"));
    assertThat(lines.stream().filter(l -> l.contains("refused a gRPC call"))).hasSize(1);
  }
}
