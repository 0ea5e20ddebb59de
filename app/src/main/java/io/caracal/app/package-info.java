/**
 * The composition root: command line, configuration file and environment binding, and the wiring of
 * repository, registry, backends and transports into a running {@link io.caracal.app.Caracal}.
 */
@NullMarked
package io.caracal.app;

import org.jspecify.annotations.NullMarked;
