package io.caracal.protocol.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.NamedTensor;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TfPredictResponseTest {

  private static Tensor floats(Shape s, float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return Tensor.of(DataType.FP32, s, b.flip());
  }

  private static Tensor longs(DataType t, Shape s, long... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long f : v) {
      b.putLong(f);
    }
    return Tensor.of(t, s, b.flip());
  }

  private static String write(
      TfPredictRequest.Format f, TfPredictResponse.Style s, NamedTensor... o) {
    return new String(TfPredictResponse.write(List.of(o), f, s), StandardCharsets.UTF_8);
  }

  @Test
  void singleOutput_rowAndColumnar_halfPlusTwoGolden() {
    NamedTensor y = new NamedTensor("y", floats(Shape.of(3), 2.5f, 3f, 4.5f));
    assertThat(write(TfPredictRequest.Format.ROW, TfPredictResponse.Style.TF_SERVING, y))
        .isEqualTo("{\"predictions\":[2.5,3.0,4.5]}");
    assertThat(write(TfPredictRequest.Format.COLUMNAR, TfPredictResponse.Style.TF_SERVING, y))
        .isEqualTo("{\"outputs\":[2.5,3.0,4.5]}");
    assertThat(write(TfPredictRequest.Format.COLUMNAR, TfPredictResponse.Style.KSERVE_V1, y))
        .isEqualTo("{\"predictions\":[2.5,3.0,4.5]}");
  }

  @Test
  void severalOutputs_objectsPerRowOrByName() {
    NamedTensor a = new NamedTensor("a", floats(Shape.of(2, 1), 1f, 2f));
    NamedTensor b = new NamedTensor("b", longs(DataType.INT64, Shape.of(2), 9007199254740993L, -1));
    assertThat(write(TfPredictRequest.Format.ROW, TfPredictResponse.Style.TF_SERVING, a, b))
        .isEqualTo(
            "{\"predictions\":[{\"a\":[1.0],\"b\":9007199254740993},{\"a\":[2.0],\"b\":-1}]}");
    assertThat(write(TfPredictRequest.Format.COLUMNAR, TfPredictResponse.Style.TF_SERVING, a, b))
        .isEqualTo("{\"outputs\":{\"a\":[[1.0],[2.0]],\"b\":[9007199254740993,-1]}}");
  }

  @Test
  void nonFinite_bareForTf_nullForKServe() {
    NamedTensor y =
        new NamedTensor(
            "y", floats(Shape.of(3), Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
    assertThat(write(TfPredictRequest.Format.ROW, TfPredictResponse.Style.TF_SERVING, y))
        .isEqualTo("{\"predictions\":[NaN,Infinity,-Infinity]}");
    assertThat(write(TfPredictRequest.Format.ROW, TfPredictResponse.Style.KSERVE_V1, y))
        .isEqualTo("{\"predictions\":[null,null,null]}");
  }

  @Test
  void strings_rawOrB64ByName() {
    Tensor s =
        Tensor.ofBytes(Shape.of(2), List.of(new byte[] {'a', '"'}, new byte[] {(byte) 0xff}));
    byte[] raw =
        TfPredictResponse.write(
            List.of(new NamedTensor("s", s)),
            TfPredictRequest.Format.COLUMNAR,
            TfPredictResponse.Style.TF_SERVING);
    assertThat(raw)
        .containsExactly(
            "{\"outputs\":[\"a\\\"\",\"\u0000\"]}"
                .replace("\u0000", "\u00ff")
                .getBytes(StandardCharsets.ISO_8859_1));
    assertThat(
            write(
                TfPredictRequest.Format.COLUMNAR,
                TfPredictResponse.Style.TF_SERVING,
                new NamedTensor("s_bytes", s)))
        .isEqualTo("{\"outputs\":[{\"b64\":\"YSI=\"},{\"b64\":\"/w==\"}]}");
  }

  @Test
  void unsigned_andBool() {
    NamedTensor u = new NamedTensor("u", longs(DataType.UINT64, Shape.of(1), -1));
    assertThat(write(TfPredictRequest.Format.COLUMNAR, TfPredictResponse.Style.TF_SERVING, u))
        .isEqualTo("{\"outputs\":[18446744073709551615]}");
    Tensor b = Tensor.of(DataType.BOOL, Shape.of(2), ByteBuffer.wrap(new byte[] {1, 0}));
    assertThat(
            write(
                TfPredictRequest.Format.ROW,
                TfPredictResponse.Style.TF_SERVING,
                new NamedTensor("b", b)))
        .isEqualTo("{\"predictions\":[true,false]}");
  }

  @Test
  void rowErrors() {
    NamedTensor scalar = new NamedTensor("s", floats(Shape.of(), 1f));
    assertThatThrownBy(() ->
            TfPredictResponse.write(
                List.of(scalar), TfPredictRequest.Format.ROW, TfPredictResponse.Style.TF_SERVING))
        .hasMessage("Tensor name: s has no shape information ");
    NamedTensor a = new NamedTensor("a", floats(Shape.of(2), 1f, 2f));
    NamedTensor b = new NamedTensor("b", floats(Shape.of(1), 1f));
    assertThatThrownBy(() ->
            TfPredictResponse.write(
                List.of(a, b), TfPredictRequest.Format.ROW, TfPredictResponse.Style.TF_SERVING))
        .hasMessage("Tensor name: b has inconsistent batch size: 1 expecting: 2");
    NamedTensor h =
        new NamedTensor("h", Tensor.of(DataType.FP16, Shape.of(1), ByteBuffer.allocate(2)));
    assertThatThrownBy(() ->
            TfPredictResponse.write(
                List.of(h), TfPredictRequest.Format.COLUMNAR, TfPredictResponse.Style.TF_SERVING))
        .hasMessage("Failed to write JSON value for tensor type: half");
    assertThat(
            write(
                TfPredictRequest.Format.ROW,
                TfPredictResponse.Style.TF_SERVING,
                new NamedTensor("e", floats(Shape.of(0, 2)))))
        .isEqualTo("{\"predictions\":[]}");
  }
}
