/**
 * Caracal's public values (tensors, requests, responses, model descriptions), its single sealed
 * error type, and the small SPI that backends implement. Nothing here depends on a transport or a
 * runtime.
 */
@NullMarked
package io.caracal.api;

import org.jspecify.annotations.NullMarked;
