package io.caracal.app;

import io.caracal.accesslog.AccessLines;
import io.caracal.accesslog.AccessLog;
import io.caracal.core.observe.CallRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Real access log blocks for the logback tests: what {@link AccessLog} hands its sink. */
final class AccessBlocks {
  private AccessBlocks() {}

  /**
   * Logs one refused call (404) per model name and returns every block the writer handed over (it
   * may take the first call alone or all together).
   */
  static List<AccessLines> of(String... models) {
    List<AccessLines> blocks = new CopyOnWriteArrayList<>();
    AccessLog log = new AccessLog(8, blocks::add);
    for (String model : models) {
      CallRecord c =
          new CallRecord(
              CallRecord.Protocol.HTTP,
              "POST",
              "/v2/models/{model}/infer",
              "c1-1",
              0,
              Instant.parse("2026-12-04T15:00:00Z"),
              null,
              null,
              Map.of());
      c.requested(model, "");
      c.answered(404, "Not Found", "ModelNotFound", 10, 1000);
      log.finished(c);
    }
    log.close();
    return blocks;
  }
}
