package io.caracal.server.http;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decompresses a request body exactly: a gzip body is one or more complete members (RFC 1952:
 * header, deflate data, CRC-32 and length checked), a deflate body one zlib stream (RFC 1950), and
 * nothing may follow. The JDK's streams stop at the end of the data and ignore what follows it, so
 * that two readers of the same body could disagree about it; here trailing bytes are a 400. Output
 * is bounded by a byte limit as it is produced (413 beyond it), 8 KiB at a time, and each 8 KiB is
 * first taken from the server's {@link RequestBytes} budget (503 when it runs out).
 */
final class StrictInflater {
  private static final int CHUNK = 8192;
  private static final int FTEXT = 1;
  private static final int FHCRC = 2;
  private static final int FEXTRA = 4;
  private static final int FNAME = 8;
  private static final int FCOMMENT = 16;

  private final ByteBuffer in;
  private final int maxBytes;
  private final ByteBuf out;
  private final java.util.function.LongPredicate budget;
  private final String coding;
  private final byte[] chunk = new byte[CHUNK];

  private StrictInflater(
      ByteBuffer in,
      int maxBytes,
      ByteBuf out,
      java.util.function.LongPredicate budget,
      String coding) {
    this.budget = budget;
    this.in = in;
    this.maxBytes = maxBytes;
    this.out = out;
    this.coding = coding;
  }

  /**
   * Decompresses {@code body} ({@code gzip} if {@code gzip}, else zlib {@code deflate}) into a new
   * buffer of at most {@code maxBytes} bytes.
   *
   * @throws InferenceException {@code RequestTooLarge} beyond the limit, {@code InvalidInput} for
   *     data that is not exactly in the coding
   */
  static ByteBuf inflate(
      ByteBuf body,
      boolean gzip,
      int maxBytes,
      java.util.function.LongPredicate budget,
      ByteBufAllocator alloc) {
    ByteBuf out = alloc.heapBuffer(Math.min(Math.max(body.readableBytes() * 4, 256), maxBytes));
    boolean ok = false;
    try {
      ByteBuffer in = body.nioBuffer(body.readerIndex(), body.readableBytes());
      StrictInflater s = new StrictInflater(in, maxBytes, out, budget, gzip ? "gzip" : "deflate");
      if (gzip) {
        do {
          s.gzipMember();
        } while (in.hasRemaining());
      } else {
        s.zlib();
        if (in.hasRemaining()) {
          throw s.invalid();
        }
      }
      ok = true;
      return out;
    } finally {
      if (!ok) {
        out.release();
      }
    }
  }

  private void zlib() {
    Inflater inf = new Inflater(false);
    try {
      run(inf, null);
    } finally {
      inf.end();
    }
  }

  private void gzipMember() {
    if (u8() != 0x1f || u8() != 0x8b || u8() != 8) {
      throw invalid();
    }
    int flags = u8();
    if ((flags & ~(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT)) != 0) {
      throw invalid(); // reserved bits must be zero
    }
    skip(6); // MTIME, XFL, OS
    if ((flags & FEXTRA) != 0) {
      skip(u8() | (u8() << 8));
    }
    if ((flags & FNAME) != 0) {
      skipZeroTerminated();
    }
    if ((flags & FCOMMENT) != 0) {
      skipZeroTerminated();
    }
    if ((flags & FHCRC) != 0) {
      skip(2);
    }
    Inflater inf = new Inflater(true);
    CRC32 crc = new CRC32();
    long before = out.writerIndex();
    try {
      run(inf, crc);
    } finally {
      inf.end();
    }
    long crcValue = u32();
    long size = u32();
    if (crcValue != crc.getValue() || size != ((out.writerIndex() - before) & 0xFFFFFFFFL)) {
      throw invalid();
    }
  }

  /** Inflates from {@code in} until the stream ends; leaves {@code in} just after its data. */
  private void run(Inflater inf, java.util.zip.@org.jspecify.annotations.Nullable CRC32 crc) {
    inf.setInput(in.slice());
    int start = in.position();
    try {
      while (!inf.finished()) {
        int n = inf.inflate(chunk);
        if (n == 0) {
          if (inf.needsInput() || inf.needsDictionary()) {
            throw invalid(); // the data ended before the stream did
          }
          continue;
        }
        if (out.readableBytes() + (long) n > maxBytes) {
          throw InferenceException.of(
              new InferenceError.RequestTooLarge(
                  "decompressed request body exceeds the maximum allowed size of "
                      + maxBytes
                      + " bytes"));
        }
        if (!budget.test(n)) {
          throw new HttpProblem.BytesInFlight().toException();
        }
        if (crc != null) {
          crc.update(chunk, 0, n);
        }
        out.writeBytes(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw invalid();
    }
    in.position(start + (int) inf.getBytesRead());
  }

  private int u8() {
    if (!in.hasRemaining()) {
      throw invalid();
    }
    return in.get() & 0xff;
  }

  private long u32() {
    return (u8() | (u8() << 8) | (u8() << 16) | ((long) u8() << 24)) & 0xFFFFFFFFL;
  }

  private void skip(int n) {
    if (in.remaining() < n) {
      throw invalid();
    }
    in.position(in.position() + n);
  }

  private void skipZeroTerminated() {
    while (u8() != 0) {
      // skip the name or comment
    }
  }

  private InferenceException invalid() {
    return InferenceException.invalid("", "the request body is not valid " + coding + " data");
  }
}
