package io.caracal.protocol.v2;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import io.caracal.api.DataType;
import io.caracal.api.Tensor;
import io.caracal.testing.EdgeTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What {@link JsonTensorWriter} writes, {@link JsonTensorReader} reads back exactly, for every
 * datatype.
 */
class JsonTensorRoundTripTest {
  private static final JsonFactory JSON = new JsonFactory();

  private static Tensor roundTrip(Tensor t, JsonTensorReader reader) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      JsonTensorWriter.writeData(g, t);
    }
    try (JsonParser p = JSON.createParser(out.toByteArray())) {
      p.nextToken();
      return reader.read(p, t.dataType(), t.shape(), Long.MAX_VALUE);
    }
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void requests_carryJsonExactValues(DataType type) throws IOException {
    Tensor t = EdgeTensors.jsonExact(type);
    assertThat(roundTrip(t, JsonTensorReader.forRequests(100))).isEqualTo(t);
  }

  /**
   * Responses carry NaN and the infinities too (as strings); only BYTES that are not UTF-8 do not
   * survive JSON.
   */
  @ParameterizedTest
  @EnumSource(value = DataType.class, mode = EnumSource.Mode.EXCLUDE, names = "BYTES")
  void responses_carryEveryNumber(DataType type) throws IOException {
    Tensor t = EdgeTensors.of(type);
    assertThat(roundTrip(t, JsonTensorReader.forResponses())).isEqualTo(t);
  }
}
