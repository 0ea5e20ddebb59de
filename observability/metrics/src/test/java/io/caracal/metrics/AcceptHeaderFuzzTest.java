package io.caracal.metrics;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes the parsers of the request headers a client controls on the metrics listener ({@code
 * Accept}, {@code Accept-Encoding}): any value gives a format and a yes/no, never an exception.
 */
class AcceptHeaderFuzzTest {
  @FuzzTest(maxDuration = "5m")
  void negotiate(byte[] header) {
    String value = new String(header, StandardCharsets.ISO_8859_1); // what HTTP/1.1 carries
    AcceptHeader.negotiate(value);
    AcceptHeader.allowsGzip(value);
  }
}
