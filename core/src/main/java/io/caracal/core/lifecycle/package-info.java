/**
 * Model lifecycle: the {@link io.caracal.core.lifecycle.ModelRegistry} loads every model the
 * repository yields, tracks each version's state and hands out the ready ones.
 */
@NullMarked
package io.caracal.core.lifecycle;

import org.jspecify.annotations.NullMarked;
