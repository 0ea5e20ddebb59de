package io.caracal.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.protobuf.DoubleValue;
import com.google.protobuf.FloatValue;
import com.google.protobuf.ListValue;
import com.google.protobuf.StringValue;
import com.google.protobuf.TextFormat;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.Value;
import io.caracal.proto.inference.ModelConfig;
import org.junit.jupiter.api.Test;

class ConfigJsonTest {
  private static ModelConfig config(String text) throws TextFormat.ParseException {
    return TextFormat.parse(text, ModelConfig.class);
  }

  @Test
  void print_isTritonsJson_withIntegersDefaultsAndOriginalNames() throws Exception {
    ModelConfig c =
        config(
            """
            name: "echo" platform: "onnxruntime_onnx" max_batch_size: 8
            input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ -1, 16 ] } ]
            output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [16] label_filename: "labels.txt" } ]
            dynamic_batching { max_queue_delay_microseconds: 100 priority_queue_policy { key: 1 value { max_queue_size: 4 } } }
            version_policy { latest { num_versions: 1 } }
            instance_group [ { count: 1 kind: KIND_CPU } ]
            parameters { key: "k" value { string_value: "v" } }
            """);
    assertThat(ConfigJson.print(c))
        .startsWith(
            "{\"name\":\"echo\",\"platform\":\"onnxruntime_onnx\",\"backend\":\"\",\"runtime\":\"\"")
        .contains("\"max_batch_size\":8")
        .contains("\"data_type\":\"TYPE_FP32\"")
        .contains("\"dims\":[-1,16]")
        .contains("\"max_queue_delay_microseconds\":100")
        .contains("\"priority_queue_policy\":{\"1\":{\"timeout_action\":\"REJECT\"")
        .contains("\"max_queue_size\":4")
        .contains("\"version_policy\":{\"latest\":{\"num_versions\":1}}")
        .contains("\"kind\":\"KIND_CPU\"")
        .contains("\"parameters\":{\"k\":{\"string_value\":\"v\"}}")
        .contains("\"batch_input\":[]")
        .contains("\"cc_model_filenames\":{}")
        // message fields and oneof members that are not set are left out
        .doesNotContain("\"sequence_batching\"")
        .doesNotContain("\"optimization\"")
        .doesNotContain("\"all\"");
  }

  @Test
  void print_scalars() {
    assertThat(ConfigJson.print(UInt64Value.of(-1))).isEqualTo("{\"value\":18446744073709551615}");
    assertThat(ConfigJson.print(UInt32Value.of(-1))).isEqualTo("{\"value\":4294967295}");
    assertThat(ConfigJson.print(BytesValue.of(ByteString.copyFrom(new byte[] {0, -1, 'a'}))))
        .isEqualTo("{\"value\":\"AP9h\"}");
    assertThat(ConfigJson.print(FloatValue.of(0.5f))).isEqualTo("{\"value\":0.5}");
    assertThat(ConfigJson.print(FloatValue.of(3f))).isEqualTo("{\"value\":3}");
    assertThat(ConfigJson.print(DoubleValue.of(Double.NaN))).isEqualTo("{\"value\":\"NaN\"}");
    assertThat(ConfigJson.print(DoubleValue.of(Double.NEGATIVE_INFINITY)))
        .isEqualTo("{\"value\":\"-Infinity\"}");
    assertThat(ConfigJson.print(DoubleValue.of(1e300))).isEqualTo("{\"value\":1.0E300}");
  }

  @Test
  void print_escapesStrings() {
    assertThat(ConfigJson.print(StringValue.of("a\"b\\c\n\t\u0001\u2028é")))
        .isEqualTo("{\"value\":\"a\\\"b\\\\c\\n\\t\\u0001\\u2028é\"}");
  }

  @Test
  void print_oneofMembersOnlyWhenSet() {
    Value v =
        Value.newBuilder()
            .setListValue(ListValue.newBuilder().addValues(Value.newBuilder().setBoolValue(true)))
            .build();
    assertThat(ConfigJson.print(v))
        .isEqualTo("{\"list_value\":{\"values\":[{\"bool_value\":true}]}}");
    assertThat(ConfigJson.print(Value.getDefaultInstance())).isEqualTo("{}");
  }
}
