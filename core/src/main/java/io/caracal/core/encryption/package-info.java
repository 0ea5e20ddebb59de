/**
 * Models encrypted at rest: the {@code .enc} file format (AES-256-GCM in authenticated chunks, each
 * bound to the model name, version, file name and key id), the key ring the server decrypts with,
 * and the in-memory decryption that hands a backend the plaintext without writing it to disk. The
 * format is described in {@code docs/security-models.md}. Only the JDK's {@code javax.crypto}.
 */
@NullMarked
package io.caracal.core.encryption;

import org.jspecify.annotations.NullMarked;
