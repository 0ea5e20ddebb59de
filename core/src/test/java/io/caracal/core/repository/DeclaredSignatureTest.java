package io.caracal.core.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelSignature;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeclaredSignatureTest {

  @Test
  void noConfigDeclaresNothing() {
    assertThat(DeclaredSignature.of(Optional.empty()))
        .isEqualTo(new ModelSignature(List.of(), List.of()));
  }

  @Test
  void batchDimensionReshapeAndSequenceControlsAsTheModelSeesThem() throws Exception {
    var config =
        new ConfigParser()
            .parse(
                """
                platform: "pytorch_libtorch"
                max_batch_size: 4
                input [
                  { name: "INPUT__0" data_type: TYPE_FP32 dims: [ 3 ] },
                  { name: "INPUT__1" data_type: TYPE_INT64 dims: [ 6 ] reshape: { shape: [ 2, 3 ] } }
                ]
                output [ { name: "OUTPUT__0" data_type: TYPE_FP32 dims: [ -1 ] } ]
                sequence_batching {
                  control_input [
                    { name: "START" control [ { kind: CONTROL_SEQUENCE_START int32_false_true: [ 0, 1 ] } ] },
                    { name: "CORRID" control [ { kind: CONTROL_SEQUENCE_CORRID data_type: TYPE_UINT64 } ] }
                  ]
                }
                """,
                "m/config.pbtxt");
    assertThat(DeclaredSignature.of(Optional.of(config)))
        .isEqualTo(
            new ModelSignature(
                List.of(
                    IoSpec.of("INPUT__0", DataType.FP32, Shape.of(-1, 3)),
                    IoSpec.of("INPUT__1", DataType.INT64, Shape.of(-1, 2, 3)),
                    IoSpec.of("START", DataType.INT32, Shape.of(-1, 1)),
                    IoSpec.of("CORRID", DataType.UINT64, Shape.of(-1, 1))),
                List.of(IoSpec.of("OUTPUT__0", DataType.FP32, Shape.of(-1, -1)))));
  }

  @Test
  void withoutBatchingShapesAreTheDims() throws Exception {
    var config =
        new ConfigParser()
            .parse(
                """
                input [ { name: "x" data_type: TYPE_BOOL dims: [ 2, 2 ] }, { name: "untyped" dims: [ 1 ] } ]
                output [ { name: "y" data_type: TYPE_STRING dims: [ 1 ] } ]
                """,
                "m/config.pbtxt");
    assertThat(DeclaredSignature.of(Optional.of(config)))
        .isEqualTo(
            new ModelSignature(
                List.of(IoSpec.of("x", DataType.BOOL, Shape.of(2, 2))),
                List.of(IoSpec.of("y", DataType.BYTES, Shape.of(1)))));
  }
}
