/**
 * TensorFlow Serving's REST JSON (its {@code instances} row format and {@code inputs} columnar
 * format) as tensors, and tensors back as its {@code predictions} / {@code outputs} JSON, with TF
 * Serving's type rules, float printing and error texts ({@code util/json_tensor.cc}). Shared by the
 * TF Serving listener and the KServe V1 routes of the main HTTP port; no transport, no core.
 */
@NullMarked
package io.caracal.protocol.tf;

import org.jspecify.annotations.NullMarked;
