/**
 * The inference path: {@link io.caracal.core.inference.DefaultInferenceService} looks a model up in
 * the registry, checks the request with {@link io.caracal.core.inference.RequestValidator}, shapes
 * the inputs for the backend, runs them on the model's runner and shapes the outputs for the
 * client.
 */
@NullMarked
package io.caracal.core.inference;

import org.jspecify.annotations.NullMarked;
