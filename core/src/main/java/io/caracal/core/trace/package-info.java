/**
 * Runtime trace settings shared by the transports' trace extension and read by the tracer: global
 * values and per-model overrides ({@link io.caracal.core.trace.TraceSettings}). No OpenTelemetry
 * type appears here; the tracer lives in its own module.
 */
@NullMarked
package io.caracal.core.trace;

import org.jspecify.annotations.NullMarked;
