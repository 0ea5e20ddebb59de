/**
 * Transport security shared by every listener. {@link io.caracal.tls.TlsCredentials} holds the
 * certificate, key and client CAs read from PEM files and reloads them when the files change; its
 * key manager and trust manager are consulted by each new handshake, so a rotation needs no restart
 * and leaves open connections alone. {@link io.caracal.tls.TlsPolicy} is the one list of protocols
 * and cipher suites; {@link io.caracal.tls.NettyTls} builds a Netty {@code SslContext} over both.
 */
@NullMarked
package io.caracal.tls;

import org.jspecify.annotations.NullMarked;
