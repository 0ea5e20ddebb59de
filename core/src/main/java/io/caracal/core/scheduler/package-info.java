/**
 * Scheduling of backend calls: a {@link io.caracal.core.scheduler.ModelRunner} per model version,
 * the {@link io.caracal.core.scheduler.DynamicBatcher}, admits requests into bounded priority
 * queues, forms batches by Triton's rules on a single batcher thread and runs them on named
 * platform threads per instance, with failover and in-node scaling. Its parts are package-private
 * classes, each with one job (admission, queues, deadlines, the batch-forming rule, retries,
 * ordered release, the instance pool, the batch call).
 */
@NullMarked
package io.caracal.core.scheduler;

import org.jspecify.annotations.NullMarked;
