package io.caracal.api;

import java.util.List;
import java.util.Objects;

/**
 * One successful backend execution of a batch, as its member requests' {@link RequestObserver}s see
 * it. Ticker times as in {@link RequestObserver}: the call started at {@code startNanos}, assembled
 * its inputs until {@code inputEndNanos}, ran the model until {@code inferEndNanos} and split the
 * outputs until {@code endNanos}.
 *
 * @param model the model name
 * @param version the model version
 * @param size the batch size (sum of the members' batch dimensions; 1 per request unbatched)
 * @param closeReason why the batcher closed the batch, in lower case ({@code full}, {@code
 *     preferred}, {@code delay_expired}, {@code instance_free}, {@code unbatched}, {@code retry})
 * @param instance the number of the instance that ran it
 * @param members the observers of the member requests, in batch order; a request whose observer is
 *     {@link RequestObserver#NONE} appears as NONE
 */
public record BatchExecution(
    String model,
    long version,
    long size,
    String closeReason,
    int instance,
    List<RequestObserver> members,
    long startNanos,
    long inputEndNanos,
    long inferEndNanos,
    long endNanos) {

  public BatchExecution {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(closeReason, "closeReason");
    members = List.copyOf(members);
  }

  /** Time spent assembling the batch's inputs. */
  public long inputNanos() {
    return inputEndNanos - startNanos;
  }

  /** Time the model ran. */
  public long inferNanos() {
    return inferEndNanos - inputEndNanos;
  }

  /** Time spent splitting the outputs. */
  public long outputNanos() {
    return endNanos - inferEndNanos;
  }

  /**
   * Whether {@code observer} is the first member of this batch that is observed (not {@link
   * RequestObserver#NONE}), so that a listener can record something once per batch (a batch span, a
   * batch-size sample).
   */
  public boolean isFirst(RequestObserver observer) {
    for (RequestObserver m : members) {
      if (m != RequestObserver.NONE) {
        return m == observer;
      }
    }
    return false;
  }
}
