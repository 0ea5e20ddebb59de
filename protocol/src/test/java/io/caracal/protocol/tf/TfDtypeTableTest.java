package io.caracal.protocol.tf;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.TensorMetadata;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The dtype table of TF Serving's REST API (digest §4.2), row and columnar: what each type accepts,
 * what it writes back, and what it refuses with which status.
 */
class TfDtypeTableTest {
  private static final JsonFactory JSON = TfPredictRequest.jsonFactory(64, 1 << 20);

  private static TfPredictRequest.Decoded decode(String body, DataType t) {
    return TfPredictRequest.parse(JSON, body.getBytes(StandardCharsets.UTF_8))
        .tensors(List.of(new TensorMetadata("v", t, Shape.of(-1), List.of())));
  }

  private static String echo(String body, DataType t) {
    TfPredictRequest.Decoded d = decode(body, t);
    return new String(
        TfPredictResponse.write(
            List.of(new NamedTensor("v", d.inputs().get(0).tensor())),
            d.format(),
            TfPredictResponse.Style.TF_SERVING),
        StandardCharsets.UTF_8);
  }

  private static String refusal(String body, DataType t) {
    try {
      decode(body, t);
    } catch (TfJsonException e) {
      return e.isUnimplemented() ? "501" : "400";
    }
    return "accepted";
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "BOOL|true,false|true,false",
        "UINT8|0,255,256|0,255,0",
        "INT8|-128,127,128|-128,127,-128",
        "INT16|-32768,32767|-32768,32767",
        "INT32|-2147483648,2147483647|-2147483648,2147483647",
        "INT64|-9223372036854775808,9007199254740993|-9223372036854775808,9007199254740993",
        "UINT32|0,4294967295|0,4294967295",
        "UINT64|18446744073709551615|18446744073709551615",
        "FP32|1,0.5,1e40,NaN|1.0,0.5,Infinity,NaN",
        "FP64|1,0.1,-Infinity|1.0,0.1,-Infinity",
        "BYTES|\"a\",\"\u00e9\"|\"a\",\"\u00e9\"",
      })
  void accepted_bothFormats_andWrittenBack(DataType t, String values, String written) {
    assertThat(echo("{\"instances\":[" + values + "]}", t))
        .isEqualTo("{\"predictions\":[" + written + "]}");
    assertThat(echo("{\"inputs\":[" + values + "]}", t))
        .isEqualTo("{\"outputs\":[" + written + "]}");
  }

  @ParameterizedTest(name = "{0}: {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "BOOL|1|400",
        "UINT8|1.0|400",
        "INT8|\"1\"|400",
        "INT32|2147483648|400",
        "INT64|1.5|400",
        "INT64|9223372036854775808|400",
        "UINT32|-1|400",
        "UINT32|4294967296|400",
        "UINT64|18446744073709551616|400",
        "FP32|\"1\"|400",
        "FP64|true|400",
        "BYTES|1|400",
        "FP16|1|501",
        "BF16|1|501",
        "UINT16|1|501",
      })
  void refused_bothFormats(DataType t, String value, String status) {
    assertThat(refusal("{\"inputs\":[" + value + "]}", t)).isEqualTo(status);
    // the row format wraps every element error into an INVALID_ARGUMENT
    assertThat(refusal("{\"instances\":[" + value + "]}", t)).isEqualTo("400");
  }
}
