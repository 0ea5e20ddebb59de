/**
 * The Prometheus endpoint: Triton's {@code nv_*} families (exact names, labels and units, read from
 * the statistics API at scrape time), Caracal's own families in base units (histograms observed by
 * a {@link io.caracal.core.observe.CallListener}, gauges read from core at scrape time), JVM and
 * process metrics, served on their own Netty listener with content negotiation.
 */
@NullMarked
package io.caracal.metrics;

import org.jspecify.annotations.NullMarked;
