package io.caracal.core.inference;

import static io.caracal.core.fixtures.Fixtures.int32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.NamedTensor;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import io.caracal.core.repository.ModelSpec;
import io.caracal.core.repository.ModelSpec.TensorSpec;
import io.caracal.core.repository.ModelSpec.VersionPolicy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;

class RequestValidatorTest {
  final RequestValidator validator = new RequestValidator(RequestLimits.ofDefault());

  static TensorSpec tensor(String name, DataType type, long... dims) {
    return new TensorSpec(name, type, Shape.of(dims), Optional.empty(), false, List.of());
  }

  static ModelSpec config(int maxBatch, List<TensorSpec> inputs, List<TensorSpec> outputs) {
    return new ModelSpec(
        "m",
        "p",
        "b",
        maxBatch,
        inputs,
        outputs,
        new VersionPolicy.Latest(1),
        1,
        Optional.empty(),
        "model.fake",
        Map.of());
  }

  static final ModelSpec SIMPLE =
      config(
          8,
          List.of(tensor("INPUT0", DataType.INT32, 16), tensor("INPUT1", DataType.INT32, 16)),
          List.of(tensor("OUTPUT0", DataType.INT32, 16), tensor("OUTPUT1", DataType.INT32, 16)));

  static InferenceRequest request(List<NamedTensor> inputs, List<RequestedOutput> outputs) {
    return new InferenceRequest("m", OptionalLong.empty(), "", inputs, outputs, Map.of());
  }

  static NamedTensor ones(String name, long... shape) {
    Shape s = Shape.of(shape);
    return new NamedTensor(name, int32(s, new int[Math.toIntExact(s.elementCount())]));
  }

  AbstractThrowableAssert<?, ? extends Throwable> rejects(InferenceRequest r, ModelSpec c) {
    return assertThatThrownBy(() -> validator.validate(r, c))
        .isInstanceOf(InferenceException.class);
  }

  static InferenceError error(Throwable t) {
    return ((InferenceException) t).error();
  }

  @Test
  void accepts_validBatchedRequest_andListsAllOutputsInModelOrder() {
    var plan =
        validator.validate(
            request(List.of(ones("INPUT1", 3, 16), ones("INPUT0", 3, 16)), List.of()), SIMPLE);
    assertThat(plan.batchSize()).isEqualTo(3);
    assertThat(plan.outputs()).containsExactly("OUTPUT0", "OUTPUT1");
    var only =
        validator.validate(
            request(
                List.of(ones("INPUT1", 1, 16), ones("INPUT0", 1, 16)),
                List.of(RequestedOutput.of("OUTPUT1"))),
            SIMPLE);
    assertThat(only.outputs()).containsExactly("OUTPUT1");
  }

  @Test
  void unknownInput() {
    rejects(
            request(
                List.of(ones("INPUT0", 1, 16), ones("INPUT1", 1, 16), ones("X", 1, 16)), List.of()),
            SIMPLE)
        .hasMessage("unexpected inference input 'X' for model 'm'")
        .satisfies(t ->
            assertThat(error(t))
                .isEqualTo(
                    new InferenceError.InvalidInput(
                        "X", "unexpected inference input 'X' for model 'm'")));
  }

  @Test
  void missingInput_withRequestIdPrefix() {
    var r =
        new InferenceRequest(
            "m", OptionalLong.empty(), "42", List.of(ones("INPUT0", 1, 16)), List.of(), Map.of());
    rejects(r, SIMPLE)
        .hasMessage(
            "[request id: 42] expected 2 inputs but got 1 inputs for model 'm'. Got input(s) ['INPUT0'], "
                + "but missing required input(s) ['INPUT1']. Please provide all required input(s).");
  }

  @Test
  void optionalInput_mayBeAbsent() {
    ModelSpec c =
        config(
            0,
            List.of(
                tensor("a", DataType.INT32, 2),
                new TensorSpec(
                    "b", DataType.INT32, Shape.of(2), Optional.empty(), true, List.of())),
            List.of(tensor("o", DataType.INT32, 2)));
    assertThat(validator.validate(request(List.of(ones("a", 2)), List.of()), c).batchSize())
        .isZero();
  }

  @Test
  void duplicateInput() {
    rejects(request(List.of(ones("INPUT0", 1, 16), ones("INPUT0", 1, 16)), List.of()), SIMPLE)
        .hasMessage("input 'INPUT0' already exists in request");
  }

  @Test
  void dataTypeMismatch() {
    NamedTensor fp =
        new NamedTensor(
            "INPUT0", Tensor.of(DataType.FP32, Shape.of(1, 16), ByteBuffer.allocate(64)));
    rejects(request(List.of(fp, ones("INPUT1", 1, 16)), List.of()), SIMPLE)
        .hasMessage("inference input 'INPUT0' data-type is 'FP32', but model 'm' expects 'INT32'");
  }

  @Test
  void shapeMismatch() {
    rejects(request(List.of(ones("INPUT0", 1, 8), ones("INPUT1", 1, 16)), List.of()), SIMPLE)
        .hasMessageStartingWith(
            "unexpected shape for input 'INPUT0' for model 'm'. Expected [-1,16], got [1,8].");
    rejects(request(List.of(ones("INPUT0", 16), ones("INPUT1", 1, 16)), List.of()), SIMPLE)
        .hasMessageStartingWith(
            "unexpected shape for input 'INPUT0' for model 'm'. Expected [-1,16], got [16].");
    ModelSpec fixed =
        config(
            0,
            List.of(tensor("a", DataType.INT32, 2, -1)),
            List.of(tensor("o", DataType.INT32, 2)));
    assertThat(validator.validate(request(List.of(ones("a", 2, 7)), List.of()), fixed).batchSize())
        .isZero();
    rejects(request(List.of(ones("a", 3, 7)), List.of()), fixed)
        .hasMessage("unexpected shape for input 'a' for model 'm'. Expected [2,-1], got [3,7].");
  }

  @Test
  void batchTooBig_zero_andMismatched() {
    rejects(request(List.of(ones("INPUT0", 9, 16), ones("INPUT1", 9, 16)), List.of()), SIMPLE)
        .hasMessage(
            "input 'INPUT0' has batch-size 9, but inference request batch-size must be <= 8 for 'm'");
    rejects(request(List.of(ones("INPUT0", 0, 16), ones("INPUT1", 0, 16)), List.of()), SIMPLE)
        .hasMessage(
            "input 'INPUT0' has batch-size 0, but inference request batch-size must be >= 1 for 'm'");
    rejects(request(List.of(ones("INPUT0", 2, 16), ones("INPUT1", 3, 16)), List.of()), SIMPLE)
        .hasMessage("input 'INPUT1' batch size does not match other inputs for 'm'");
  }

  @Test
  void tooManyElements_isRequestTooLarge() {
    ModelSpec big =
        config(
            0, List.of(tensor("a", DataType.BOOL, -1, -1)), List.of(tensor("o", DataType.BOOL, 1)));
    var v = new RequestValidator(new RequestLimits(64, 16, 100, 16));
    NamedTensor t =
        new NamedTensor("a", Tensor.of(DataType.BOOL, Shape.of(11, 10), ByteBuffer.allocate(110)));
    assertThatThrownBy(() -> v.validate(request(List.of(t), List.of()), big))
        .satisfies(e -> assertThat(error(e)).isInstanceOf(InferenceError.RequestTooLarge.class))
        .hasMessage("input 'a' has 110 elements, more than the limit of 100");
  }

  @Test
  void rankAndInputCountLimits() {
    ModelSpec c =
        config(
            0,
            List.of(tensor("a", DataType.BOOL, -1, -1, -1)),
            List.of(tensor("o", DataType.BOOL, 1)));
    var v = new RequestValidator(new RequestLimits(1, 2, 100, 16));
    NamedTensor t =
        new NamedTensor("a", Tensor.of(DataType.BOOL, Shape.of(1, 1, 1), ByteBuffer.allocate(1)));
    assertThatThrownBy(() -> v.validate(request(List.of(t), List.of()), c))
        .hasMessage("input 'a' has rank 3, more than the limit of 2");
    assertThatThrownBy(() -> v.validate(request(List.of(t, t), List.of()), c))
        .satisfies(e -> assertThat(error(e)).isInstanceOf(InferenceError.RequestTooLarge.class));
  }

  @Test
  void bytesElements_checkedAgainstLimit() {
    ModelSpec c =
        config(
            0, List.of(tensor("s", DataType.BYTES, -1)), List.of(tensor("o", DataType.BYTES, -1)));
    var v = new RequestValidator(new RequestLimits(64, 16, 100, 4));
    NamedTensor ok = new NamedTensor("s", Tensor.ofStrings(Shape.of(2), List.of("ab", "abcd")));
    assertThat(v.validate(request(List.of(ok), List.of()), c).outputs()).containsExactly("o");
    NamedTensor big = new NamedTensor("s", Tensor.ofStrings(Shape.of(1), List.of("abcde")));
    assertThatThrownBy(() -> v.validate(request(List.of(big), List.of()), c))
        .hasMessage("input 's' has a BYTES element of 5 bytes, more than the limit of 4");
  }

  @Test
  void unknownAndDuplicateOutputs() {
    List<NamedTensor> in = List.of(ones("INPUT0", 1, 16), ones("INPUT1", 1, 16));
    rejects(request(in, List.of(RequestedOutput.of("NOPE"))), SIMPLE)
        .hasMessage("unexpected inference output 'NOPE' for model 'm'");
    rejects(
            request(in, List.of(RequestedOutput.of("OUTPUT0"), RequestedOutput.of("OUTPUT0"))),
            SIMPLE)
        .hasMessage("output 'OUTPUT0' already exists in request");
  }

  @Test
  void hugeShapeClaim_isRefusedWithoutAllocation() {
    // Tensor.of itself refuses [2^31-1, 2^31-1] with 4 bytes, so transports never build it; a
    // zero-size tensor with a huge other dim must still be caught by the element limit.
    ModelSpec c =
        config(
            0,
            List.of(tensor("a", DataType.INT32, -1, -1)),
            List.of(tensor("o", DataType.INT32, 1)));
    NamedTensor t =
        new NamedTensor(
            "a",
            Tensor.of(
                DataType.INT32,
                Shape.of(0, Integer.MAX_VALUE),
                ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN)));
    assertThat(validator.validate(request(List.of(t), List.of()), c).outputs())
        .containsExactly("o");
  }
}
