/**
 * The ONNX Runtime backend: inspects {@code .onnx} files with our own {@code onnx.proto} before
 * ONNX Runtime sees them, loads them into {@code OrtSession}s and converts tensors between
 * Caracal's V2 binary encoding and ONNX Runtime's. Registered through {@link
 * java.util.ServiceLoader} as {@link io.caracal.backend.onnxruntime.OnnxRuntimeBackendFactory}.
 */
@NullMarked
package io.caracal.backend.onnxruntime;

import org.jspecify.annotations.NullMarked;
