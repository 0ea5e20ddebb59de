package io.caracal.core.auth;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A call's credentials as its transport saw them, before anything is checked.
 *
 * @param authorization the {@code Authorization} header (HTTP) or {@code authorization} metadata
 *     (gRPC) as sent, or null
 * @param headers reads any other request header or metadata by lower-case name (restricted API
 *     categories compare one); null when absent
 * @param address the client's IP address, or null when unknown
 * @param certificate the client's verified TLS certificate (mTLS), or null
 */
public record Caller(
    @Nullable String authorization,
    Function<String, @Nullable String> headers,
    @Nullable String address,
    java.security.cert.@Nullable X509Certificate certificate) {

  /** Returns a caller that presents only {@code authorization} (tests, tools). */
  public static Caller bearer(@Nullable String authorization, @Nullable String address) {
    return new Caller(authorization, h -> null, address, null);
  }
}
