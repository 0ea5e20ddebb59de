package io.caracal.accesslog;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver.CacheOutcome;
import io.caracal.core.observe.CallRecord;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Renders calls as lines of JSON, one per call. Field names follow OpenTelemetry's semantic
 * conventions where one exists ({@code http.*}, {@code rpc.*}, {@code error.type}, {@code
 * client.address}, {@code user_agent.original}); durations are whole microseconds, as Triton's
 * statistics count them; the time is RFC 3339 UTC with nanoseconds.
 *
 * <p>The line is valid JSON whatever the client sent: every string is escaped, non-ASCII included
 * (so a lone surrogate or a control character in a header cannot break it), and client strings are
 * cut to a bounded length. Routes are templates, never raw paths; tensor data, parameters and other
 * headers are never written.
 *
 * <p>An instance keeps its buffer and the last second's time between blocks and belongs to one
 * thread (the access log's writer); the static methods render with a fresh one.
 */
public final class AccessLine {
  /** Longest client-supplied string kept (model name, user agent), in chars. */
  static final int MAX_CLIENT_STRING = 256;

  /** A buffer grown past this for one large block is not kept for the next. */
  private static final int KEEP_CAPACITY = 1 << 20;

  private final StringBuilder out = new StringBuilder(384);
  private final AsciiJsonLine json = new AsciiJsonLine(out);
  private final Rfc3339Instants instants = new Rfc3339Instants();

  AccessLine() {}

  /** Returns the line of {@code call} (which has finished), without a line break. */
  public static String format(CallRecord call) {
    return new AccessLine().render(List.of(call));
  }

  /**
   * Returns the lines of {@code calls} (which have finished), one per call, separated by line
   * breaks, without a final one.
   */
  public static String formatAll(List<CallRecord> calls) {
    return new AccessLine().render(calls);
  }

  /** As {@link #formatAll}, reusing this renderer's buffer and clock. */
  String render(List<CallRecord> calls) {
    out.setLength(0);
    for (int i = 0; i < calls.size(); i++) {
      if (i > 0) {
        out.append('\n');
      }
      write(calls.get(i));
    }
    String lines = out.toString();
    if (out.capacity() > KEEP_CAPACITY) {
      out.setLength(0);
      out.trimToSize();
    }
    return lines;
  }

  private void write(CallRecord c) {
    AsciiJsonLine g = json;
    g.begin();
    g.raw("ts").append('"');
    instants.append(out, c.startTime());
    out.append('"');
    g.string("event", "access");
    g.string("request_id", c.requestId());
    g.optional("trace_id", c.traceId());
    g.optional("span_id", c.spanId());
    g.string("protocol", c.protocol().label());
    if (c.protocol() == CallRecord.Protocol.HTTP) {
      g.string("http.request.method", cut(c.method(), 16));
      g.string("http.route", c.route());
      g.number("http.response.status_code", c.status());
    } else {
      g.string("rpc.method", c.route());
      g.string("rpc.grpc.status_code", c.statusText());
    }
    String model = c.model();
    if (model != null) {
      g.string("model", model);
      g.raw("model_version").append('"').append(c.version()).append('"');
    } else {
      g.optional("model", clip(c.requestedModel(), MAX_CLIENT_STRING));
      String v = c.requestedVersion();
      g.optional("model_version", v == null || v.isEmpty() ? null : clip(v, 64));
    }
    CacheOutcome cache = c.cacheOutcome();
    g.string("outcome", outcome(c, cache));
    g.optional("error.type", c.errorType());
    g.optional("cache", cache == null ? null : cache.name().toLowerCase(Locale.ROOT));
    BatchExecution e = c.execution();
    if (e != null) {
      g.number("batch_size", e.size());
    }
    g.number("queue_us", c.queueNanos() / 1000);
    g.number("compute_us", e == null ? 0 : (e.endNanos() - e.startNanos()) / 1000);
    g.number("duration_us", c.durationNanos() / 1000);
    g.number("bytes_in", c.bytesIn());
    g.number("bytes_out", c.bytesOut());
    g.optional("client.address", c.clientAddress());
    g.optional("user_agent.original", clip(c.userAgent(), MAX_CLIENT_STRING));
    g.end();
  }

  private static String outcome(CallRecord c, @Nullable CacheOutcome cache) {
    if (c.failed()) {
      return "error";
    }
    return cache == CacheOutcome.HIT ? "cache_hit" : "ok";
  }

  private static @Nullable String clip(@Nullable String s, int max) {
    return s == null ? null : cut(s, max);
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
