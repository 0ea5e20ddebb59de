package io.caracal.server.http;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpObjectDecoder;
import io.netty.handler.codec.http.HttpServerCodec;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads how many bytes of the chunk being received Netty's HTTP decoder still expects: the size the
 * chunk declared, less what has arrived. Netty keeps it in private fields ({@code chunkSize} while
 * {@code currentState} is {@code READ_CHUNKED_CONTENT}) and offers no hook, so this reads them
 * reflectively (and the decoder from {@link HttpServerCodec}, which keeps it private too); should a
 * Netty upgrade rename them, the probe answers 0 (a declared size is then refused only when the
 * bytes arrive, or by the body deadline), logs that once, and {@code BodyAccountingTest} fails.
 */
final class ChunkProbe {
  private static final Logger log = LoggerFactory.getLogger(ChunkProbe.class);
  private static final @Nullable Field CHUNK_SIZE = field("chunkSize");
  private static final @Nullable Field STATE = field("currentState");
  private static final @Nullable Method DECODER = decoderAccessor();

  private final @Nullable HttpObjectDecoder decoder;

  private ChunkProbe(@Nullable HttpObjectDecoder decoder) {
    this.decoder = decoder;
  }

  /** The probe of a connection's codec. */
  static ChunkProbe of(HttpServerCodec codec) {
    HttpObjectDecoder d = null;
    if (DECODER != null) {
      try {
        d = (HttpObjectDecoder) DECODER.invoke(codec);
      } catch (ReflectiveOperationException | ClassCastException e) {
        d = null;
      }
    }
    return new ChunkProbe(d);
  }

  /** Whether Netty's fields were found. */
  static boolean works() {
    return CHUNK_SIZE != null && STATE != null && DECODER != null;
  }

  /** Bytes of the current chunk still to come; 0 when no chunk's content is being read. */
  long restOfChunk() {
    if (CHUNK_SIZE == null || STATE == null || decoder == null) {
      return 0;
    }
    try {
      Object state = STATE.get(decoder);
      if (!(state instanceof Enum<?> e) || !e.name().equals("READ_CHUNKED_CONTENT")) {
        return 0;
      }
      return CHUNK_SIZE.getLong(decoder);
    } catch (IllegalAccessException e) {
      return 0;
    }
  }

  private static @Nullable Field field(String name) {
    try {
      Field f = HttpObjectDecoder.class.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn(
          "Netty's HttpObjectDecoder has no field {}: a chunked body that declares more than the"
              + " body limit is refused when its bytes arrive, not at once",
          name);
      return null;
    }
  }

  private static @Nullable Method decoderAccessor() {
    try {
      Method m = CombinedChannelDuplexHandler.class.getDeclaredMethod("inboundHandler");
      m.setAccessible(true);
      return m;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.warn(
          "Netty's HttpServerCodec does not show its decoder: a chunked body that declares more"
              + " than the body limit is refused when its bytes arrive, not at once");
      return null;
    }
  }
}
