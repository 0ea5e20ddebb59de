package io.caracal.server.http;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.InferenceException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonUtf8Test {
  /** A slice of a composite of direct and heap parts, as an aggregated request body is. */
  private static ByteBuf body(byte[]... parts) {
    CompositeByteBuf all = Unpooled.compositeBuffer();
    all.addComponent(true, Unpooled.wrappedBuffer("xx".getBytes(StandardCharsets.US_ASCII)));
    for (int i = 0; i < parts.length; i++) {
      ByteBuf part =
          i % 2 == 0 ? Unpooled.directBuffer(parts[i].length) : Unpooled.buffer(parts[i].length);
      all.addComponent(true, part.writeBytes(parts[i]));
    }
    return all.slice(2, all.readableBytes() - 2);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void asciiAndValidUtf8_acrossParts_pass() {
    assertThatCode(() -> JsonUtf8.check(body(bytes("{\"a\":"), bytes("[1,2]}"))))
        .doesNotThrowAnyException();
    assertThatCode(() -> JsonUtf8.check(body(bytes("{\"é\":"), bytes("\"ü€\"}"))))
        .doesNotThrowAnyException();
    assertThatCode(() -> JsonUtf8.check(body())).doesNotThrowAnyException();
  }

  @Test
  void anOverlongByteInALaterPart_isRefusedAtItsOffset() {
    byte[] overlong = {'"', (byte) 0xC0, (byte) 0xAE, '"', '}'};
    assertThatThrownBy(() -> JsonUtf8.check(body(bytes("{\"name\":"), overlong)))
        .isInstanceOf(InferenceException.class)
        .hasMessageContaining("invalid UTF-8 in the JSON request body (at byte 9)");
  }

  @Test
  void anEncodedSurrogate_isRefused() {
    byte[] surrogate = {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'};
    assertThatThrownBy(() -> JsonUtf8.check(body(bytes("[1,"), bytes("2,"), surrogate)))
        .hasMessageContaining("invalid UTF-8 in the JSON request body (at byte 6)");
  }
}
