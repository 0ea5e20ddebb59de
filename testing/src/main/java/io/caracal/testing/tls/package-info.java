/**
 * Test PKI: {@link io.caracal.testing.tls.TestCertificates} makes CAs, server and client
 * certificates (valid, expired, from another CA) at test time and writes them as the PEM files the
 * server reads; {@link io.caracal.testing.tls.TestCertificates.Issued#sslContext} builds the client
 * side.
 */
@NullMarked
package io.caracal.testing.tls;

import org.jspecify.annotations.NullMarked;
