/**
 * The PyTorch backend: serves TorchScript files ({@code model.pt}, Triton's platform {@code
 * pytorch_libtorch}) with libtorch 2.7.1 through DJL's PyTorch engine, offline. Registered through
 * {@link java.util.ServiceLoader} as {@link io.caracal.backend.pytorch.PyTorchBackendFactory}.
 */
@NullMarked
package io.caracal.backend.pytorch;

import org.jspecify.annotations.NullMarked;
