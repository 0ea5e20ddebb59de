package io.caracal.accesslog;

import io.caracal.api.BatchExecution;
import io.caracal.api.RequestObserver.CacheOutcome;
import io.caracal.core.observe.CallRecord;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What the access log keeps of one finished call until its line is rendered: the numbers, and the
 * strings the line quotes (the record's own objects, not copies). {@link AccessLog} copies each
 * call into one of these on the thread that finished it, and its writer renders a whole block of
 * them later ({@link AccessLine}).
 *
 * <p>Why a copy and not the line: rendering on the thread that answers calls cost it about five
 * times what the same code costs in a tight loop (most likely because that thread's other work
 * between two calls leaves the renderer's code and branches cold), while copying a few fields costs
 * little anywhere; rendering a block at a time on the writer runs warm. Why a copy and not the
 * record: the record's fields are written by several threads and spread over several cache lines,
 * with the objects they point to; these entries sit in one array the writer reads in order.
 *
 * <p>Mutable and reused: guarded by whoever holds the block it belongs to.
 */
final class AccessEntry {
  /** {@link #batchSize} when the call ran in no batch. */
  static final long NO_BATCH = -1;

  long epochSecond;
  int nano;
  boolean grpc;
  int status;
  long version;
  long batchSize;
  long queueMicros;
  long computeMicros;
  long durationMicros;
  long bytesIn;
  long bytesOut;
  @Nullable CacheOutcome cache;
  String requestId = "";
  @Nullable String traceId;
  @Nullable String spanId;
  String method = "";
  String route = "";
  String statusText = "";

  /** The resolved model, or null (then {@link #requestedModel} is what the client asked for). */
  @Nullable String model;

  @Nullable String requestedModel;
  @Nullable String requestedVersion;
  @Nullable String errorType;
  @Nullable String clientAddress;
  @Nullable String userAgent;

  /** Copies what the line of {@code call} (which has finished) shows. */
  void copy(CallRecord call) {
    Instant t = call.startTime();
    epochSecond = t.getEpochSecond();
    nano = t.getNano();
    grpc = call.protocol() == CallRecord.Protocol.GRPC;
    status = call.status();
    version = call.version();
    BatchExecution e = call.execution();
    if (e == null) {
      batchSize = NO_BATCH;
      computeMicros = 0;
    } else {
      batchSize = e.size();
      computeMicros = (e.endNanos() - e.startNanos()) / 1000;
    }
    queueMicros = call.queueNanos() / 1000;
    durationMicros = call.durationNanos() / 1000;
    bytesIn = call.bytesIn();
    bytesOut = call.bytesOut();
    cache = call.cacheOutcome();
    requestId = call.requestId();
    traceId = call.traceId();
    spanId = call.spanId();
    method = call.method();
    route = call.route();
    statusText = call.statusText();
    model = call.model();
    requestedModel = call.requestedModel();
    requestedVersion = call.requestedVersion();
    errorType = call.errorType();
    clientAddress = call.clientAddress();
    userAgent = call.userAgent();
  }

  /** Returns an entry holding {@code call} (which has finished). */
  static AccessEntry of(CallRecord call) {
    AccessEntry e = new AccessEntry();
    e.copy(call);
    return e;
  }
}
