/**
 * HTTP test clients: {@link io.caracal.testing.http.RawHttp}, one raw HTTP/1.1 connection on which
 * a test controls every byte.
 */
@NullMarked
package io.caracal.testing.http;

import org.jspecify.annotations.NullMarked;
