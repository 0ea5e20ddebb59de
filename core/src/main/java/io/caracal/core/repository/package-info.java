/**
 * The model repository on disk: model-name validation, confined path resolution, strict parsing of
 * Triton's {@code config.pbtxt}, auto-completion of a config from the model's signature, and the
 * scan that says which model versions to load. Nothing here loads a model or runs inference.
 */
@NullMarked
package io.caracal.core.repository;

import org.jspecify.annotations.NullMarked;
