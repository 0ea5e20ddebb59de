/**
 * Fixtures for the transports' tests: {@link io.caracal.server.testing.FakeInferenceService}, a
 * core whose model names each stand for one behaviour.
 */
@NullMarked
package io.caracal.server.testing;

import org.jspecify.annotations.NullMarked;
