/**
 * Model lifecycle: the {@link io.caracal.core.lifecycle.ModelRegistry} loads every model the
 * repository yields (through its loader), tracks each version's state and hands out the ready ones.
 */
@NullMarked
package io.caracal.core.lifecycle;

import org.jspecify.annotations.NullMarked;
