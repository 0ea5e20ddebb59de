/**
 * A strict reader of the Prometheus text exposition formats (0.0.4 and OpenMetrics 1.0.0), in place
 * of {@code promtool check metrics}, for tests of the metrics endpoint.
 */
@NullMarked
package io.caracal.testing.metrics;

import org.jspecify.annotations.NullMarked;
