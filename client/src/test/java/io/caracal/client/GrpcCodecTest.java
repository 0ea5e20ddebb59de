package io.caracal.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.caracal.proto.inference.InferParameter;
import io.caracal.proto.inference.InferTensorContents;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GrpcCodecTest {
  @Test
  void requestCarriesRawInputContentsInInputOrder() {
    InferRequest req =
        InferRequest.builder("m")
            .version("2")
            .id("7")
            .parameter("priority", 1)
            .parameter("flag", true)
            .parameter("ratio", 0.5)
            .parameter("tag", "x")
            .input(InferInput.int32("A", new long[] {1, 2}, 1, 2).withParameter("p", "q"))
            .input(InferInput.strings("B", new long[] {1}, "hi"))
            .output(InferRequestedOutput.of("O").classification(3))
            .build();
    ModelInferRequest m = GrpcCodec.encode(req);
    assertThat(m.getModelName()).isEqualTo("m");
    assertThat(m.getModelVersion()).isEqualTo("2");
    assertThat(m.getId()).isEqualTo("7");
    assertThat(m.getParametersMap())
        .containsEntry("priority", InferParameter.newBuilder().setInt64Param(1).build())
        .containsEntry("flag", InferParameter.newBuilder().setBoolParam(true).build())
        .containsEntry("ratio", InferParameter.newBuilder().setDoubleParam(0.5).build())
        .containsEntry("tag", InferParameter.newBuilder().setStringParam("x").build());
    assertThat(m.getInputs(0).getName()).isEqualTo("A");
    assertThat(m.getInputs(0).getDatatype()).isEqualTo("INT32");
    assertThat(m.getInputs(0).getShapeList()).containsExactly(1L, 2L);
    assertThat(m.getInputs(0).getParametersMap()).containsKey("p");
    assertThat(m.getInputs(0).hasContents()).isFalse();
    assertThat(m.getRawInputContents(0).toByteArray()).containsExactly(1, 0, 0, 0, 2, 0, 0, 0);
    assertThat(m.getRawInputContents(1).toByteArray()).containsExactly(2, 0, 0, 0, 'h', 'i');
    assertThat(m.getOutputs(0).getParametersMap().get("classification").getInt64Param())
        .isEqualTo(3);
  }

  @Test
  void responseFromRawOutputContents() {
    ModelInferResponse r =
        ModelInferResponse.newBuilder()
            .setModelName("m")
            .setModelVersion("1")
            .setId("7")
            .putParameters("u", InferParameter.newBuilder().setUint64Param(5).build())
            .addOutputs(
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName("O")
                    .setDatatype("FP16")
                    .addShape(2))
            .addRawOutputContents(ByteString.copyFrom(new byte[] {0, 0x3e, 0, (byte) 0xc0}))
            .build();
    InferResult res = GrpcCodec.decode(r);
    assertThat(res.id()).contains("7");
    assertThat(res.parameters()).isEqualTo(Map.of("u", 5L));
    assertThat(res.output("O").asFloats()).containsExactly(1.5f, -2f);
  }

  @Test
  void responseFromTypedContents() {
    ModelInferResponse r =
        ModelInferResponse.newBuilder()
            .setModelName("m")
            .addOutputs(
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName("U")
                    .setDatatype("UINT16")
                    .addShape(2)
                    .setContents(
                        InferTensorContents.newBuilder().addUintContents(65535).addUintContents(1)))
            .addOutputs(
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName("S")
                    .setDatatype("BYTES")
                    .addShape(1)
                    .setContents(
                        InferTensorContents.newBuilder()
                            .addBytesContents(ByteString.copyFromUtf8("ü"))))
            .build();
    InferResult res = GrpcCodec.decode(r);
    assertThat(res.output("U").asInts()).containsExactly(65535, 1);
    assertThat(res.output("S").asStrings()).containsExactly("ü");
    assertThat(res.id()).isEmpty();
  }

  @Test
  void rawContentsMustMatchOutputs() {
    ModelInferResponse r =
        ModelInferResponse.newBuilder()
            .addOutputs(
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName("A")
                    .setDatatype("INT8")
                    .addShape(1))
            .addOutputs(
                ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName("B")
                    .setDatatype("INT8")
                    .addShape(1))
            .addRawOutputContents(ByteString.copyFrom(new byte[] {1}))
            .build();
    assertThatThrownBy(() -> GrpcCodec.decode(r)).hasMessageContaining("raw_output_contents");
  }
}
