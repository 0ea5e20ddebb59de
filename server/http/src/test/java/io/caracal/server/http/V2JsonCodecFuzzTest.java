package io.caracal.server.http;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.netty.buffer.Unpooled;
import java.util.OptionalLong;

/**
 * Fuzzes the V2 infer request decoder: the JSON header and the binary-extension sections split by
 * {@code Inference-Header-Content-Length}. The property: a request decodes, or is refused with
 * {@code InvalidInput} or {@code RequestTooLarge} (a 400 naming the field); never another
 * exception, a hang or an allocation beyond the limits.
 *
 * <p>{@code ./mvnw verify} runs the corpus in {@code
 * src/test/resources/.../V2JsonCodecFuzzTestInputs} (regression mode); {@code JAZZER_FUZZ=1} fuzzes
 * (see docs/fuzzing.md).
 */
class V2JsonCodecFuzzTest {
  private static final HttpLimits LIMITS =
      new HttpLimits(1 << 20, 64, 100, 4096, 8192, 1 << 16, java.time.Duration.ofSeconds(60));
  private static final V2JsonCodec CODEC = new V2JsonCodec(LIMITS);

  /**
   * The first byte chooses the {@code Inference-Header-Content-Length}: 0 = none, body = the rest;
   * 1 = the next two bytes (big-endian) in decimal, body = the rest after them; 2 = the next eight
   * bytes as text, body = the rest after them.
   */
  @FuzzTest(maxDuration = "5m")
  void decodeInfer(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int mode = (input[0] & 0xff) % 3;
    String header = null;
    int from = 1;
    if (mode == 1 && input.length >= 3) {
      header = Integer.toString(((input[1] & 0xff) << 8) | (input[2] & 0xff));
      from = 3;
    } else if (mode == 2 && input.length >= 9) {
      header = new String(input, 1, 8, java.nio.charset.StandardCharsets.ISO_8859_1);
      from = 9;
    }
    try {
      CODEC.decodeInfer(
          "m",
          OptionalLong.empty(),
          Unpooled.wrappedBuffer(input, from, input.length - from),
          header);
    } catch (InferenceException e) {
      if (!(e.error() instanceof InferenceError.InvalidInput)
          && !(e.error() instanceof InferenceError.RequestTooLarge)) {
        throw e;
      }
    }
  }
}
