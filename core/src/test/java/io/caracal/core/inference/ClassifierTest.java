package io.caracal.core.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.InferenceException;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClassifierTest {

  static List<String> strings(Tensor t) {
    return t.bytesElements().stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  static Tensor int32(Shape s, int... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int x : v) {
      b.putInt(x);
    }
    return Tensor.of(DataType.INT32, s, b.flip());
  }

  static Tensor fp32(Shape s, float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : v) {
      b.putFloat(x);
    }
    return Tensor.of(DataType.FP32, s, b.flip());
  }

  @Test
  void integers_topKPerBatchRow_withLabels() {
    Tensor t = int32(Shape.of(2, 4), 1, 16, 3, 16, 9, 8, 7, 6);
    Tensor c = Classifier.classify("OUTPUT0", t, 2, true, List.of("a", "b", "c"));
    assertThat(c.dataType()).isEqualTo(DataType.BYTES);
    assertThat(c.shape()).isEqualTo(Shape.of(2, 2));
    // ties: lower index first; index 3 has no label
    assertThat(strings(c)).containsExactly("16:1:b", "16:3", "9:0:a", "8:1:b");
  }

  @Test
  void floats_sixDecimals_likeStdToString_andKBeyondCount() {
    Tensor t = fp32(Shape.of(3), 3.3f, -0.5f, 1e-7f);
    Tensor c = Classifier.classify("o", t, 10, false, List.of());
    assertThat(c.shape()).isEqualTo(Shape.of(3));
    assertThat(strings(c)).containsExactly("3.300000:0", "0.000000:2", "-0.500000:1");
    assertThat(Classifier.toStdString(-0.0)).isEqualTo("-0.000000");
    assertThat(Classifier.toStdString(1e20)).isEqualTo("100000000000000000000.000000");
    assertThat(Classifier.toStdString(0.0000005))
        .isEqualTo("0.000000"); // exact binary value is below the tie
    assertThat(Classifier.toStdString(Double.NaN)).isEqualTo("nan");
    assertThat(Classifier.toStdString(Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
  }

  @Test
  void unsignedAndBool() {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).putLong(5);
    Tensor t = Tensor.of(DataType.UINT64, Shape.of(2), b.flip());
    assertThat(strings(Classifier.classify("o", t, 1, false, List.of())))
        .containsExactly("18446744073709551615:0");
  }

  @Test
  void parameter_mustBeAPositiveInteger_namingTheOutput() {
    assertThat(
            Classifier.requested(
                List.of(
                    new RequestedOutput("A", Map.of("classification", new ParameterValue.Int(3))),
                    RequestedOutput.of("B"))))
        .isEqualTo(Map.of("A", 3));
    for (ParameterValue bad :
        List.of(
            new ParameterValue.Int(0),
            new ParameterValue.Int(-2),
            new ParameterValue.Str("3"),
            new ParameterValue.Real(1.5))) {
      assertThatThrownBy(() ->
              Classifier.requested(
                  List.of(new RequestedOutput("OUT", Map.of("classification", bad)))))
          .isInstanceOf(InferenceException.class)
          .hasMessageContaining("output 'OUT'");
    }
    assertThatThrownBy(() ->
            Classifier.classify(
                "S", Tensor.ofStrings(Shape.of(1), List.of("x")), 1, false, List.of()))
        .hasMessageContaining("BYTES");
  }
}
