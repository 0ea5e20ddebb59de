package io.caracal.server.http;

import io.caracal.api.InferenceException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.jspecify.annotations.Nullable;

/**
 * gzip and deflate of infer bodies, as Triton does them: a request body with {@code
 * Content-Encoding: gzip|deflate} is decompressed (its decompressed size is bounded by the body
 * limit: 413 beyond), and the response is compressed with the acceptable coding of highest q-value
 * in {@code Accept-Encoding} among identity, gzip and deflate. {@code deflate} is zlib-wrapped (RFC
 * 1950). Only infer uses this: other responses are never compressed. Stateless.
 */
final class HttpCompression {
  private HttpCompression() {}

  /** A content coding. */
  enum Coding {
    IDENTITY,
    GZIP,
    DEFLATE;

    String token() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Parses a request's {@code Content-Encoding}; returns null for a coding other than these. */
  static @Nullable Coding requestCoding(@Nullable String header) {
    if (header == null) {
      return Coding.IDENTITY;
    }
    return switch (header.trim().toLowerCase(Locale.ROOT)) {
      case "", "identity" -> Coding.IDENTITY;
      case "gzip", "x-gzip" -> Coding.GZIP;
      case "deflate" -> Coding.DEFLATE;
      default -> null;
    };
  }

  /**
   * Chooses the response coding from {@code Accept-Encoding}: the listed coding of highest q, first
   * on ties.
   */
  static Coding responseCoding(String header) {
    if (header == null || header.isBlank()) {
      return Coding.IDENTITY;
    }
    Coding best = Coding.IDENTITY;
    double bestQ = 0;
    for (String part : header.split(",")) {
      String[] p = part.split(";");
      String token = p[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      for (int i = 1; i < p.length; i++) {
        String param = p[i].trim().toLowerCase(Locale.ROOT);
        if (param.startsWith("q=")) {
          try {
            q = Double.parseDouble(param.substring(2).trim());
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      Coding c =
          switch (token) {
            case "gzip", "x-gzip", "*" -> Coding.GZIP;
            case "deflate" -> Coding.DEFLATE;
            case "identity" -> Coding.IDENTITY;
            default -> null;
          };
      if (c != null && q > 0 && q > bestQ) {
        best = c;
        bestQ = q;
      }
    }
    return best;
  }

  /**
   * Decompresses a request body into a new buffer of at most {@code maxBytes} bytes, each chunk of
   * output first taken from {@code budget}.
   *
   * @throws InferenceException {@code RequestTooLarge} beyond the limit, {@code InvalidInput} for
   *     data that is not in the coding
   * @throws HttpProblemException {@code BytesInFlight} when the budget runs out
   */
  static ByteBuf decompress(
      ByteBuf body,
      Coding coding,
      int maxBytes,
      java.util.function.LongPredicate budget,
      ByteBufAllocator alloc) {
    return StrictInflater.inflate(body, coding == Coding.GZIP, maxBytes, budget, alloc);
  }

  /** Compresses a response body (released here) into a new buffer. */
  static ByteBuf compress(ByteBuf body, Coding coding, ByteBufAllocator alloc) {
    ByteBuf out = alloc.buffer(Math.max(64, body.readableBytes() / 2));
    boolean ok = false;
    try (OutputStream os =
        coding == Coding.GZIP
            ? new GZIPOutputStream(new ByteBufOutputStream(out), 8192)
            : new DeflaterOutputStream(new ByteBufOutputStream(out))) {
      body.readBytes(os, body.readableBytes());
      ok = true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      body.release();
      if (!ok) {
        out.release();
      }
    }
    return out;
  }
}
