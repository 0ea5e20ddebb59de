/**
 * Caracal's core: the {@link io.caracal.core.InferenceService} that transports call, and the model
 * repository, registry and request validation behind it. No transport or runtime lives here.
 */
@NullMarked
package io.caracal.core;

import org.jspecify.annotations.NullMarked;
