/**
 * Test fixtures shared by Caracal's modules: locating the read-only shared data folder ({@link
 * io.caracal.testing.SharedData}), reading NumPy {@code .npy} files into tensors ({@link
 * io.caracal.testing.Npy}) and building small tensors by hand ({@link io.caracal.testing.TestTensors}).
 * No JUnit dependency: tests call {@code Assumptions} themselves.
 */
@NullMarked
package io.caracal.testing;

import org.jspecify.annotations.NullMarked;
