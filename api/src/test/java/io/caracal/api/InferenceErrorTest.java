package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class InferenceErrorTest {

  /** One instance of every variant. The switch in {@link #expectedCode} fails to compile when one is added. */
  static final List<InferenceError> ALL =
      List.of(
          new InferenceError.ModelNotFound("m", OptionalLong.empty()),
          new InferenceError.ModelNotReady("m", OptionalLong.of(2), "loading"),
          new InferenceError.InvalidInput("INPUT0", "bad INPUT0"),
          new InferenceError.RequestTooLarge("too large"),
          new InferenceError.QueueFull("m", 4),
          new InferenceError.DeadlineExceeded("m"),
          new InferenceError.Cancelled("m"),
          new InferenceError.BackendFailure("m", "no output"),
          new InferenceError.Unsupported("no sequences"),
          new InferenceError.ShuttingDown(),
          new InferenceError.Internal("internal error"));

  static ErrorCode expectedCode(InferenceError e) {
    return switch (e) {
      case InferenceError.ModelNotFound x -> ErrorCode.NOT_FOUND;
      case InferenceError.ModelNotReady x -> ErrorCode.UNAVAILABLE;
      case InferenceError.InvalidInput x -> ErrorCode.INVALID_ARGUMENT;
      case InferenceError.RequestTooLarge x -> ErrorCode.RESOURCE_EXHAUSTED;
      case InferenceError.QueueFull x -> ErrorCode.UNAVAILABLE;
      case InferenceError.DeadlineExceeded x -> ErrorCode.DEADLINE_EXCEEDED;
      case InferenceError.Cancelled x -> ErrorCode.CANCELLED;
      case InferenceError.BackendFailure x -> ErrorCode.INTERNAL;
      case InferenceError.Unsupported x -> ErrorCode.UNIMPLEMENTED;
      case InferenceError.ShuttingDown x -> ErrorCode.UNAVAILABLE;
      case InferenceError.Internal x -> ErrorCode.INTERNAL;
    };
  }

  @Test
  void everyVariant_hasItsCodeAndAMessage() {
    assertThat(ALL).extracting(Object::getClass).doesNotHaveDuplicates()
        .hasSameSizeAs(InferenceError.class.getPermittedSubclasses());
    for (InferenceError e : ALL) {
      assertThat(e.code()).as(e.toString()).isEqualTo(expectedCode(e));
      assertThat(e.message()).as(e.toString()).isNotBlank();
    }
  }

  @Test
  void modelNotFound_namesTheModelAndVersion() {
    assertThat(new InferenceError.ModelNotFound("resnet", OptionalLong.empty()).message())
        .isEqualTo("Request for unknown model: 'resnet' is not found");
    assertThat(new InferenceError.ModelNotFound("resnet", OptionalLong.of(3)).message())
        .isEqualTo("Request for unknown model: 'resnet' version 3 is not found");
  }

  @Test
  void modelNotReady_namesTheModelVersionAndReason() {
    assertThat(new InferenceError.ModelNotReady("resnet", OptionalLong.of(3), "").message())
        .isEqualTo("Request for unknown model: 'resnet' version 3 is not at ready state");
    assertThat(new InferenceError.ModelNotReady("resnet", OptionalLong.of(3), "failed to load").message())
        .isEqualTo("Request for unknown model: 'resnet' version 3 is not at ready state: failed to load");
    assertThat(new InferenceError.ModelNotReady("resnet", OptionalLong.empty(), "").message())
        .isEqualTo("Request for unknown model: 'resnet' has no available versions");
    assertThat(new InferenceError.ModelNotReady("resnet", OptionalLong.empty(), "still loading").message())
        .isEqualTo("Request for unknown model: 'resnet' has no available versions: still loading");
  }

  @Test
  void generatedMessages_nameTheModelAndTheLimit() {
    assertThat(new InferenceError.QueueFull("resnet", 128).message())
        .isEqualTo("model 'resnet' is overloaded: its queue of 128 requests is full, retry later");
    assertThat(new InferenceError.DeadlineExceeded("resnet").message())
        .isEqualTo("request for model 'resnet' exceeded its deadline");
    assertThat(new InferenceError.Cancelled("resnet").message()).isEqualTo("request for model 'resnet' was cancelled");
    assertThat(new InferenceError.BackendFailure("resnet", "the model produced no output").message())
        .isEqualTo("inference failed for model 'resnet': the model produced no output");
    assertThat(new InferenceError.ShuttingDown().message()).isEqualTo("the server is shutting down");
  }

  @Test
  void givenMessages_areKeptAsGiven() {
    InferenceError.InvalidInput invalid = new InferenceError.InvalidInput("INPUT0", "unexpected shape for input 'INPUT0'");
    assertThat(invalid.field()).isEqualTo("INPUT0");
    assertThat(invalid.message()).isEqualTo("unexpected shape for input 'INPUT0'");
    assertThat(new InferenceError.InvalidInput("", "no inputs").field()).isEmpty();
    assertThat(new InferenceError.RequestTooLarge("over 1 MB").message()).isEqualTo("over 1 MB");
    assertThat(new InferenceError.Unsupported("no sequences").message()).isEqualTo("no sequences");
    assertThat(new InferenceError.Internal("internal error").message()).isEqualTo("internal error");
  }

  @Test
  void nulls_areRefused_namingTheComponent() {
    assertThatThrownBy(() -> new InferenceError.ModelNotFound(null, OptionalLong.empty()))
        .isInstanceOf(NullPointerException.class).hasMessage("model");
    assertThatThrownBy(() -> new InferenceError.ModelNotFound("m", null)).hasMessage("version");
    assertThatThrownBy(() -> new InferenceError.ModelNotReady("m", OptionalLong.empty(), null)).hasMessage("reason");
    assertThatThrownBy(() -> new InferenceError.InvalidInput(null, "x")).hasMessage("field");
    assertThatThrownBy(() -> new InferenceError.InvalidInput("x", null)).hasMessage("message");
    assertThatThrownBy(() -> new InferenceError.QueueFull(null, 1)).hasMessage("model");
    assertThatThrownBy(() -> new InferenceError.BackendFailure("m", null)).hasMessage("detail");
    assertThatThrownBy(() -> new InferenceError.Internal(null)).hasMessage("message");
  }

  @Test
  void equality_isByValue() {
    assertThat(new InferenceError.QueueFull("m", 4)).isEqualTo(new InferenceError.QueueFull("m", 4))
        .isNotEqualTo(new InferenceError.QueueFull("m", 5));
    assertThat(new InferenceError.ShuttingDown()).isEqualTo(new InferenceError.ShuttingDown());
  }
}
