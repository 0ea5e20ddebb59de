package io.caracal.core.scheduler;

import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.ModelSpec.DynamicBatching;
import io.caracal.core.repository.ModelSpec.QueuePolicy;
import io.caracal.core.repository.ModelSpec.TimeoutAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The scheduling rules of one model version, taken from its config ({@code max_batch_size}, {@code
 * dynamic_batching}, {@code instance_group}, {@code parameters caracal.*}) and the server's default
 * queue capacity.
 *
 * @param maxBatchSize the largest batch a backend call carries; 0 = no batch dimension
 * @param dynamic whether requests are combined (a {@code dynamic_batching} block and {@code
 *     max_batch_size > 0}); otherwise one request per call, without waiting
 * @param preferredBatchSizes preferred sizes, ascending
 * @param maxQueueDelayNanos how long the oldest request may wait for a batch to fill
 * @param preserveOrdering responses leave in the order their requests were dispatched
 * @param levels priority levels (at least 1); level 1 is the highest
 * @param defaultLevel the level of requests that give no priority (1..levels)
 * @param queues the queue policy of each level, index 0 = level 1
 * @param capacities the queue bound of each level (max_queue_size, or the server's default)
 * @param slotsPerInstance how many batches one instance runs at once
 * @param minInstances the fewest instances kept
 * @param maxInstances the most instances scaling may create
 * @param scaleUpQueueDelayNanos scale up while the oldest queued request waited longer than this
 * @param scaleDownIdleNanos retire an instance idle this long (above the minimum)
 */
public record BatchPolicy(
    int maxBatchSize,
    boolean dynamic,
    List<Integer> preferredBatchSizes,
    long maxQueueDelayNanos,
    boolean preserveOrdering,
    int levels,
    int defaultLevel,
    List<QueuePolicy> queues,
    List<Integer> capacities,
    int slotsPerInstance,
    int minInstances,
    int maxInstances,
    long scaleUpQueueDelayNanos,
    long scaleDownIdleNanos) {

  /** Config parameter: fewest instances (default: the instance_group count). */
  public static final String MIN_INSTANCES = "caracal.min_instances";

  /** Config parameter: most instances (default: the instance_group count, i.e. no scaling). */
  public static final String MAX_INSTANCES = "caracal.max_instances";

  /** Config parameter: queue wait (µs) above which an instance is added (default 100000). */
  public static final String SCALE_UP_QUEUE_DELAY_US = "caracal.scale_up_queue_delay_us";

  /**
   * Config parameter: idle time (ms) after which an instance above the minimum is retired (default
   * 60000).
   */
  public static final String SCALE_DOWN_IDLE_MS = "caracal.scale_down_idle_ms";

  public BatchPolicy {
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    queues = List.copyOf(queues);
    capacities = List.copyOf(capacities);
    if (levels < 1 || queues.size() != levels || capacities.size() != levels) {
      throw new IllegalArgumentException("levels " + levels + " vs " + queues.size() + " policies");
    }
    if (defaultLevel < 1 || defaultLevel > levels) {
      throw new IllegalArgumentException("default level " + defaultLevel + " not in 1.." + levels);
    }
    if (slotsPerInstance < 1 || minInstances < 1 || maxInstances < minInstances) {
      throw new IllegalArgumentException("bad instance settings");
    }
  }

  /**
   * Returns the policy of a completed config.
   *
   * @param config the model's config
   * @param defaultQueueCapacity the bound of queues whose policy says 0 (unbounded)
   * @param slotsPerInstance batches one instance runs at once
   * @throws IllegalArgumentException naming the parameter when a {@code caracal.*} parameter is bad
   */
  public static BatchPolicy of(ModelSpec config, int defaultQueueCapacity, int slotsPerInstance) {
    DynamicBatching db = config.dynamicBatching().orElse(null);
    boolean dynamic = db != null && config.maxBatchSize() > 0;
    int levels = db == null ? 1 : (int) Math.max(1, Math.min(db.priorityLevels(), 1_000_000));
    int defaultLevel =
        db == null || db.defaultPriorityLevel() < 1
            ? (levels + 1) / 2
            : (int) Math.min(db.defaultPriorityLevel(), levels);
    if (db != null && db.priorityLevels() > 0 && db.defaultPriorityLevel() < 1) {
      defaultLevel = levels; // Triton requires it; be lenient and use the lowest level
    }
    List<QueuePolicy> queues = new ArrayList<>();
    List<Integer> caps = new ArrayList<>();
    for (int l = 1; l <= levels; l++) {
      QueuePolicy p;
      if (db == null) {
        // Triton's default scheduler: no timeout unless the request sets one.
        p = new QueuePolicy(TimeoutAction.REJECT, 0, true, 0);
      } else {
        p = db.priorityQueuePolicy().getOrDefault((long) l, db.defaultQueuePolicy());
      }
      queues.add(p);
      caps.add(p.maxQueueSize() > 0 ? p.maxQueueSize() : defaultQueueCapacity);
    }
    List<Integer> preferred = new ArrayList<>();
    if (db != null) {
      for (int s : db.preferredBatchSizes()) {
        if (s > 0 && s <= config.maxBatchSize() && !preferred.contains(s)) {
          preferred.add(s);
        }
      }
      preferred.sort(null);
    }
    Map<String, String> params = config.parameters();
    int count = config.instanceCount();
    int min = intParam(params, MIN_INSTANCES, count, 1, 1024);
    int max = intParam(params, MAX_INSTANCES, Math.max(count, min), 1, 1024);
    if (max < min) {
      throw new IllegalArgumentException(
          "parameter '"
              + MAX_INSTANCES
              + "' ("
              + max
              + ") is below '"
              + MIN_INSTANCES
              + "' ("
              + min
              + ")");
    }
    long upMicros = intParam(params, SCALE_UP_QUEUE_DELAY_US, 100_000, 0, Integer.MAX_VALUE);
    long downMillis = intParam(params, SCALE_DOWN_IDLE_MS, 60_000, 0, Integer.MAX_VALUE);
    return new BatchPolicy(
        config.maxBatchSize(),
        dynamic,
        preferred,
        db == null ? 0 : Math.multiplyExact(Math.max(0, db.maxQueueDelayMicros()), 1000L),
        db != null && db.preserveOrdering(),
        levels,
        defaultLevel,
        queues,
        caps,
        slotsPerInstance,
        min,
        max,
        upMicros * 1000L,
        downMillis * 1_000_000L);
  }

  private static int intParam(Map<String, String> params, String key, int dflt, int lo, int hi) {
    String v = params.get(key);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < lo || n > hi) {
        throw new IllegalArgumentException(
            "parameter '" + key + "' must be in " + lo + ".." + hi + ", got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "parameter '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  /** Returns the queue policy of a level (1-based). */
  public QueuePolicy queue(int level) {
    return queues.get(level - 1);
  }
}
