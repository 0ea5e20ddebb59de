/**
 * Traces of transport calls with the OpenTelemetry SDK. {@link io.caracal.tracing.TracingListener}
 * is a {@link io.caracal.core.observe.CallListener}: it samples a call when it starts
 * (parent-based, every {@code trace_rate}-th root within {@code trace_count}, a per-second cap on
 * traces forced by clients), then builds the call's spans from its {@link
 * io.caracal.core.observe.CallRecord} when it is answered. {@link io.caracal.tracing.Tracing} owns
 * the SDK and the OTLP exporter; {@link io.caracal.tracing.TraceConfig} reads Triton's {@code
 * --trace-config} settings and the standard {@code OTEL_*} variables.
 */
@NullMarked
package io.caracal.tracing;

import org.jspecify.annotations.NullMarked;
