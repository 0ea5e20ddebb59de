/**
 * Caracal's HTTP transport: {@link io.caracal.server.V2HttpServer} serves the KServe V2 REST
 * protocol (with the binary tensor data extension) over Netty, calling {@link
 * io.caracal.core.InferenceService}; {@link io.caracal.server.HttpLimits} holds its protocol limits.
 */
@NullMarked
package io.caracal.server;

import org.jspecify.annotations.NullMarked;
