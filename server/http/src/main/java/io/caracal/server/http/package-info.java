/**
 * The V2 REST handlers: routing ({@code V2Route}), the streaming JSON and binary codec ({@code
 * V2JsonCodec}), and the one mapping of errors to HTTP statuses ({@link
 * io.caracal.server.http.HttpErrors}).
 */
@NullMarked
package io.caracal.server.http;

import org.jspecify.annotations.NullMarked;
