/**
 * Generators for small, real ONNX models written with our own code from the {@code onnx.proto}
 * classes (as Triton generates its QA models), laid out as a Triton model repository: {@code
 * <repo>/<name>/<version>/model.onnx} plus an optional {@code config.pbtxt}. See {@link
 * io.caracal.testing.models.TestModels}.
 */
@NullMarked
package io.caracal.testing.models;

import org.jspecify.annotations.NullMarked;
