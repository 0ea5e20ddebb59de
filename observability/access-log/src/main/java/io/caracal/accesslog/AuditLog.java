package io.caracal.accesslog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.caracal.core.auth.AuditEvent;
import io.caracal.core.auth.AuditSink;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one JSON object per line on the {@code caracal.audit} logger, for every management
 * call (load, unload, log and trace settings) with its result, and every call refused for its
 * credentials or permissions:
 *
 * <pre>{@code
 * {"time":"2026-12-03T10:00:00.123Z","principal":"ops","address":"10.0.0.7","protocol":"http",
 *  "action":"repository-load","model":"resnet","version":"1","sha256":"9f86...","result":"ok",
 *  "reason":""}
 * }</pre>
 *
 * Strings from the client (the model name, a reason that repeats one) are cut to 256 characters and
 * escaped; no token is ever part of an event. Written on the caller's thread: audited calls are
 * rare, and a refused call's line is what an operator needs to see. Thread-safe.
 */
public final class AuditLog implements AuditSink {
  /** The logger's name; {@code logback.xml} sends it to its own stream. */
  public static final String LOGGER = "caracal.audit";

  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

  private final Consumer<String> sink;

  /** Writes each line to {@code sink}. */
  public AuditLog(Consumer<String> sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  /** Returns the audit log of the {@code caracal.audit} logger at INFO. */
  public static AuditLog toLogger() {
    return new AuditLog(LoggerFactory.getLogger(LOGGER)::info);
  }

  @Override
  public void record(AuditEvent e) {
    sink.accept(format(e));
  }

  /** Returns the line of {@code e}, without a line break. */
  public static String format(AuditEvent e) {
    StringWriter out = new StringWriter(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", e.time().toString());
      g.writeStringField("principal", cut(e.principal()));
      g.writeStringField("address", e.address());
      g.writeStringField("protocol", e.protocol());
      g.writeStringField("action", e.action());
      g.writeStringField("model", cut(e.model()));
      g.writeStringField("version", e.version());
      g.writeStringField("sha256", e.artifactSha256());
      g.writeStringField("result", e.result());
      g.writeStringField("reason", cut(e.reason()));
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static String cut(String s) {
    return s.length() <= AccessLine.MAX_CLIENT_STRING
        ? s
        : s.substring(0, AccessLine.MAX_CLIENT_STRING) + "...";
  }
}
