/**
 * Test fixtures shared by Caracal's modules: locating the read-only shared data folder ({@link
 * io.caracal.testing.SharedData}), reading NumPy {@code .npy} files into tensors ({@link
 * io.caracal.testing.Npy}), building small tensors by hand ({@link io.caracal.testing.TestTensors})
 * and waiting for an observable state ({@link io.caracal.testing.Await}). No JUnit dependency:
 * tests call {@code Assumptions} themselves.
 */
@NullMarked
package io.caracal.testing;

import org.jspecify.annotations.NullMarked;
