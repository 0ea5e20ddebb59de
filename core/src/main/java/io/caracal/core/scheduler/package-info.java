/**
 * Execution of backend calls: a {@link io.caracal.core.scheduler.ModelRunner} per model version
 * admits work into a bounded queue and runs it on named platform threads. A dynamic batcher will
 * later implement the same interface.
 */
@NullMarked
package io.caracal.core.scheduler;

import org.jspecify.annotations.NullMarked;
