/**
 * TensorFlow Serving's REST API on its own listener ({@link
 * io.caracal.server.tfserving.TfsRestServer}): model status, metadata and predict, answered as TF
 * Serving answers them, over core's {@link io.caracal.core.InferenceService}. Every failure becomes
 * a TF status in one place, {@link io.caracal.server.tfserving.TfsErrors}.
 */
@NullMarked
package io.caracal.server.tfserving;

import org.jspecify.annotations.NullMarked;
