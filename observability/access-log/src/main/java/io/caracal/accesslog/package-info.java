/**
 * The access log: one JSON object per transport call ({@link io.caracal.accesslog.AccessLine}),
 * written by {@link io.caracal.accesslog.AccessLog} off the request path.
 */
@NullMarked
package io.caracal.accesslog;

import org.jspecify.annotations.NullMarked;
