/**
 * The TensorFlow backend: serves SavedModels (Triton's platform {@code tensorflow_savedmodel}) with
 * TF Java, reading the signature from {@code saved_model.pb} before TensorFlow sees it and
 * converting tensors between Caracal's V2 binary encoding and TensorFlow's. Registered through
 * {@link java.util.ServiceLoader} as {@link
 * io.caracal.backend.tensorflow.TensorFlowBackendFactory}.
 */
@NullMarked
package io.caracal.backend.tensorflow;

import org.jspecify.annotations.NullMarked;
