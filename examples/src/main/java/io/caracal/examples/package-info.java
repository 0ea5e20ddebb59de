/** Writes the example model repository that {@code bin/serve-examples} serves. */
@NullMarked
package io.caracal.examples;

import org.jspecify.annotations.NullMarked;
