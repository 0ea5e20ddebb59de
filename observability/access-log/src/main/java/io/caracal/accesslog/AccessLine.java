package io.caracal.accesslog;

import io.caracal.api.RequestObserver.CacheOutcome;
import io.caracal.core.observe.CallRecord;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
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
 * <p>An instance keeps the last second's time between lines and belongs to one thread (the access
 * log's writer, {@link AccessLog}); the static methods render with a fresh one.
 */
public final class AccessLine {
  /** Longest client-supplied string kept (model name, user agent), in chars. */
  static final int MAX_CLIENT_STRING = 256;

  private static final byte[] TS = AsciiJsonLine.name("ts");
  private static final byte[] EVENT = AsciiJsonLine.name("event");
  private static final byte[] REQUEST_ID = AsciiJsonLine.name("request_id");
  private static final byte[] TRACE_ID = AsciiJsonLine.name("trace_id");
  private static final byte[] SPAN_ID = AsciiJsonLine.name("span_id");
  private static final byte[] PROTOCOL = AsciiJsonLine.name("protocol");
  private static final byte[] HTTP_METHOD = AsciiJsonLine.name("http.request.method");
  private static final byte[] HTTP_ROUTE = AsciiJsonLine.name("http.route");
  private static final byte[] HTTP_STATUS = AsciiJsonLine.name("http.response.status_code");
  private static final byte[] RPC_METHOD = AsciiJsonLine.name("rpc.method");
  private static final byte[] RPC_STATUS = AsciiJsonLine.name("rpc.grpc.status_code");
  private static final byte[] MODEL = AsciiJsonLine.name("model");
  private static final byte[] MODEL_VERSION = AsciiJsonLine.name("model_version");
  private static final byte[] OUTCOME = AsciiJsonLine.name("outcome");
  private static final byte[] ERROR_TYPE = AsciiJsonLine.name("error.type");
  private static final byte[] CACHE = AsciiJsonLine.name("cache");
  private static final byte[] BATCH_SIZE = AsciiJsonLine.name("batch_size");
  private static final byte[] QUEUE_US = AsciiJsonLine.name("queue_us");
  private static final byte[] COMPUTE_US = AsciiJsonLine.name("compute_us");
  private static final byte[] DURATION_US = AsciiJsonLine.name("duration_us");
  private static final byte[] BYTES_IN = AsciiJsonLine.name("bytes_in");
  private static final byte[] BYTES_OUT = AsciiJsonLine.name("bytes_out");
  private static final byte[] CLIENT_ADDRESS = AsciiJsonLine.name("client.address");
  private static final byte[] USER_AGENT = AsciiJsonLine.name("user_agent.original");

  private static final String[] CACHE_LABELS =
      Arrays.stream(CacheOutcome.values())
          .map(o -> o.name().toLowerCase(Locale.ROOT))
          .toArray(String[]::new);

  private static final String HTTP_LABEL = CallRecord.Protocol.HTTP.label();
  private static final String GRPC_LABEL = CallRecord.Protocol.GRPC.label();

  private final Rfc3339Instants instants = new Rfc3339Instants();

  AccessLine() {}

  /** Returns the line of {@code call} (which has finished), without a line break. */
  public static String format(CallRecord call) {
    return formatAll(List.of(call));
  }

  /**
   * Returns the lines of {@code calls} (which have finished), one per call, separated by line
   * breaks, without a final one.
   */
  public static String formatAll(List<CallRecord> calls) {
    AccessEntry[] entries = calls.stream().map(AccessEntry::of).toArray(AccessEntry[]::new);
    AsciiJsonLine out = new AsciiJsonLine(384 * entries.length);
    new AccessLine()
        .appendAll(
            out,
            entries,
            entries.length,
            e -> {
              throw e;
            });
    if (entries.length > 0) {
      out.truncate(out.length() - 1);
    }
    return out.text();
  }

  /**
   * Appends the lines of the first {@code count} entries to {@code out}, each with its line break,
   * with this renderer's clock; an entry that fails to render loses its line, not the block, and is
   * handed to {@code failed}. Returns how many lines it appended.
   */
  int appendAll(
      AsciiJsonLine out, AccessEntry[] entries, int count, Consumer<RuntimeException> failed) {
    int appended = 0;
    for (int i = 0; i < count; i++) {
      int mark = out.length();
      try {
        append(out, entries[i]);
        out.put('\n');
        appended++;
      } catch (RuntimeException e) {
        out.truncate(mark);
        failed.accept(e);
      }
    }
    return appended;
  }

  /**
   * Appends the line of {@code c} to {@code g}, without a line break, with this renderer's clock.
   */
  void append(AsciiJsonLine g, AccessEntry c) {
    g.begin();
    g.member(TS);
    g.put('"');
    instants.append(g, c.epochSecond, c.nano);
    g.put('"');
    g.string(EVENT, "access");
    g.string(REQUEST_ID, c.requestId);
    g.optional(TRACE_ID, c.traceId);
    g.optional(SPAN_ID, c.spanId);
    if (!c.grpc) {
      g.string(PROTOCOL, HTTP_LABEL);
      g.string(HTTP_METHOD, cut(c.method, 16));
      g.string(HTTP_ROUTE, c.route);
      g.number(HTTP_STATUS, c.status);
    } else {
      g.string(PROTOCOL, GRPC_LABEL);
      g.string(RPC_METHOD, c.route);
      g.string(RPC_STATUS, c.statusText);
    }
    String model = c.model;
    if (model != null) {
      g.string(MODEL, model);
      g.member(MODEL_VERSION);
      g.put('"');
      g.digits(c.version);
      g.put('"');
    } else {
      g.optional(MODEL, clip(c.requestedModel, MAX_CLIENT_STRING));
      String v = c.requestedVersion;
      g.optional(MODEL_VERSION, v == null || v.isEmpty() ? null : clip(v, 64));
    }
    CacheOutcome cache = c.cache;
    g.string(OUTCOME, outcome(c.errorType != null, cache));
    g.optional(ERROR_TYPE, c.errorType);
    g.optional(CACHE, cache == null ? null : CACHE_LABELS[cache.ordinal()]);
    if (c.batchSize != AccessEntry.NO_BATCH) {
      g.number(BATCH_SIZE, c.batchSize);
    }
    g.number(QUEUE_US, c.queueMicros);
    g.number(COMPUTE_US, c.computeMicros);
    g.number(DURATION_US, c.durationMicros);
    g.number(BYTES_IN, c.bytesIn);
    g.number(BYTES_OUT, c.bytesOut);
    g.optional(CLIENT_ADDRESS, c.clientAddress);
    g.optional(USER_AGENT, clip(c.userAgent, MAX_CLIENT_STRING));
    g.end();
  }

  private static String outcome(boolean failed, @Nullable CacheOutcome cache) {
    if (failed) {
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
