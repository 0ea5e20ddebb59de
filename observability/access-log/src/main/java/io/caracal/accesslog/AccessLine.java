package io.caracal.accesslog;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver.CacheOutcome;
import io.caracal.core.observe.CallRecord;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Renders one call as one line of JSON. Field names follow OpenTelemetry's semantic conventions
 * where one exists ({@code http.*}, {@code rpc.*}, {@code error.type}, {@code client.address},
 * {@code user_agent.original}); durations are whole microseconds, as Triton's statistics count
 * them; the time is RFC 3339 UTC with nanoseconds.
 *
 * <p>The line is valid JSON whatever the client sent: every string is escaped, non-ASCII included
 * (so a lone surrogate or a control character in a header cannot break it), and client strings are
 * cut to a bounded length. Routes are templates, never raw paths; tensor data, parameters and other
 * headers are never written.
 */
public final class AccessLine {
  /** Longest client-supplied string kept (model name, user agent), in chars. */
  static final int MAX_CLIENT_STRING = 256;

  private static final JsonFactory JSON =
      JsonFactory.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();
  private static final com.fasterxml.jackson.core.io.SerializedString LINE_BREAK =
      new com.fasterxml.jackson.core.io.SerializedString("\n");

  private AccessLine() {}

  /** Returns the line of {@code call} (which has finished), without a line break. */
  public static String format(CallRecord call) {
    StringWriter out = new StringWriter(384);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      write(g, call);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  /**
   * Returns the lines of {@code calls} (which have finished), one per call, separated by line
   * breaks, without a final one: one generator for the lot, which is what makes a busy server's log
   * cheap.
   */
  public static String formatAll(java.util.List<CallRecord> calls) {
    StringWriter out = new StringWriter(384 * calls.size());
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.setRootValueSeparator(LINE_BREAK);
      for (CallRecord c : calls) {
        write(g, c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }

  private static void write(JsonGenerator g, CallRecord c) throws IOException {
    g.writeStartObject();
    g.writeStringField("ts", c.startTime().toString());
    g.writeStringField("event", "access");
    g.writeStringField("request_id", c.requestId());
    optional(g, "trace_id", c.traceId());
    optional(g, "span_id", c.spanId());
    g.writeStringField("protocol", c.protocol().label());
    if (c.protocol() == CallRecord.Protocol.HTTP) {
      g.writeStringField("http.request.method", clip(c.method(), 16));
      g.writeStringField("http.route", c.route());
      g.writeNumberField("http.response.status_code", c.status());
    } else {
      g.writeStringField("rpc.method", c.route());
      g.writeStringField("rpc.grpc.status_code", c.statusText());
    }
    String model = c.model();
    if (model != null) {
      g.writeStringField("model", model);
      g.writeStringField("model_version", Long.toString(c.version()));
    } else {
      optional(g, "model", clip(c.requestedModel(), MAX_CLIENT_STRING));
      String v = c.requestedVersion();
      optional(g, "model_version", v == null || v.isEmpty() ? null : clip(v, 64));
    }
    CacheOutcome cache = c.cacheOutcome();
    g.writeStringField("outcome", outcome(c, cache));
    optional(g, "error.type", c.errorType());
    optional(g, "cache", cache == null ? null : cache.name().toLowerCase(Locale.ROOT));
    BatchExecution e = c.execution();
    if (e != null) {
      g.writeNumberField("batch_size", e.size());
    }
    g.writeNumberField("queue_us", c.queueNanos() / 1000);
    g.writeNumberField("compute_us", e == null ? 0 : (e.endNanos() - e.startNanos()) / 1000);
    g.writeNumberField("duration_us", c.durationNanos() / 1000);
    g.writeNumberField("bytes_in", c.bytesIn());
    g.writeNumberField("bytes_out", c.bytesOut());
    optional(g, "client.address", c.clientAddress());
    optional(g, "user_agent.original", clip(c.userAgent(), MAX_CLIENT_STRING));
    g.writeEndObject();
  }

  private static String outcome(CallRecord c, @Nullable CacheOutcome cache) {
    if (c.failed()) {
      return "error";
    }
    return cache == CacheOutcome.HIT ? "cache_hit" : "ok";
  }

  private static void optional(JsonGenerator g, String name, @Nullable String value)
      throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  private static @Nullable String clip(@Nullable String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, max) + "...";
  }
}
