package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class InferenceErrorTest {

  /** One instance of every variant. */
  static final List<InferenceError> ALL =
      List.of(
          new InferenceError.ModelNotFound("m", OptionalLong.empty()),
          new InferenceError.ModelNotReady("m", OptionalLong.of(2), "loading"),
          new InferenceError.InvalidInput("INPUT0", "bad INPUT0"),
          new InferenceError.RequestTooLarge("too large"),
          new InferenceError.QueueFull("m", 4),
          new InferenceError.TooManyCalls("repository", 16),
          new InferenceError.DeadlineExceeded("m"),
          new InferenceError.Cancelled("m"),
          new InferenceError.BackendFailure("m", "0123456789abcdef"),
          new InferenceError.Unsupported("no sequences"),
          new InferenceError.ShuttingDown(),
          new InferenceError.Internal("0123456789abcdef"),
          new InferenceError.Unauthenticated("invalid bearer token"),
          new InferenceError.PermissionDenied("principal 'a' may not use model 'm'"),
          new InferenceError.RateLimited("m", 2));

  @Test
  void everyVariant_hasAMessage() {
    assertThat(ALL)
        .extracting(Object::getClass)
        .doesNotHaveDuplicates()
        .hasSameSizeAs(InferenceError.class.getPermittedSubclasses());
    for (InferenceError e : ALL) {
      assertThat(e.message()).as(e.toString()).isNotBlank();
    }
  }

  @Test
  void rateLimited_saysWhenToRetry() {
    assertThat(new InferenceError.RateLimited("m", 2).message())
        .isEqualTo("rate limit exceeded for model 'm'; retry after 2 s");
    assertThat(new InferenceError.RateLimited("", 1).message())
        .isEqualTo("rate limit exceeded; retry after 1 s");
    assertThatThrownBy(() -> new InferenceError.RateLimited("m", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void modelNotFound_namesTheModelAndVersion() {
    assertThat(new InferenceError.ModelNotFound("resnet", OptionalLong.empty()).message())
        .isEqualTo("Request for unknown model: 'resnet' is not found");
    assertThat(new InferenceError.ModelNotFound("resnet", OptionalLong.of(3)).message())
        .isEqualTo("Request for unknown model: 'resnet' version 3 is not found");
    assertThat(new InferenceError.ModelNotFound("resnet", "99999999999999999999").message())
        .as("a version no long holds, as the client wrote it")
        .isEqualTo("Request for unknown model: 'resnet' version 99999999999999999999 is not found");
    assertThat(new InferenceError.ModelNotFound("resnet", OptionalLong.empty()).namesVersion())
        .isFalse();
    assertThat(new InferenceError.ModelNotFound("resnet", OptionalLong.of(3)))
        .isEqualTo(new InferenceError.ModelNotFound("resnet", "3"));
  }

  @Test
  void modelNotReady_namesTheModelVersionAndReason() {
    assertThat(new InferenceError.ModelNotReady("resnet", OptionalLong.of(3), "").message())
        .isEqualTo("Request for unknown model: 'resnet' version 3 is not at ready state");
    assertThat(
            new InferenceError.ModelNotReady("resnet", OptionalLong.of(3), "failed to load")
                .message())
        .isEqualTo(
            "Request for unknown model: 'resnet' version 3 is not at ready state: failed to load");
    assertThat(new InferenceError.ModelNotReady("resnet", OptionalLong.empty(), "").message())
        .isEqualTo("Request for unknown model: 'resnet' has no available versions");
    assertThat(
            new InferenceError.ModelNotReady("resnet", OptionalLong.empty(), "still loading")
                .message())
        .isEqualTo("Request for unknown model: 'resnet' has no available versions: still loading");
  }

  @Test
  void generatedMessages_nameTheModelAndTheLimit() {
    assertThat(new InferenceError.QueueFull("resnet", 128).message())
        .isEqualTo("model 'resnet' is overloaded: its queue of 128 requests is full, retry later");
    assertThat(new InferenceError.TooManyCalls("repository", 16).message())
        .isEqualTo("too many repository requests in progress; retry later");
    assertThat(new InferenceError.DeadlineExceeded("resnet").message())
        .isEqualTo("request for model 'resnet' exceeded its deadline");
    assertThat(new InferenceError.Cancelled("resnet").message())
        .isEqualTo("request for model 'resnet' was cancelled");
    assertThat(new InferenceError.ShuttingDown().message())
        .isEqualTo("the server is shutting down");
  }

  @Test
  void unexpectedFailures_showOnlyTheCorrelationId() {
    assertThat(new InferenceError.BackendFailure("resnet", "0123456789abcdef").message())
        .isEqualTo(
            "inference failed for model 'resnet': internal error (correlation id 0123456789abcdef)");
    assertThat(new InferenceError.Internal("0123456789abcdef").message())
        .isEqualTo("internal error (correlation id 0123456789abcdef)");
  }

  @Test
  void givenMessages_areKeptAsGiven() {
    InferenceError.InvalidInput invalid =
        new InferenceError.InvalidInput("INPUT0", "unexpected shape for input 'INPUT0'");
    assertThat(invalid.field()).isEqualTo("INPUT0");
    assertThat(invalid.message()).isEqualTo("unexpected shape for input 'INPUT0'");
    assertThat(new InferenceError.InvalidInput("", "no inputs").field()).isEmpty();
    assertThat(new InferenceError.RequestTooLarge("over 1 MB").message()).isEqualTo("over 1 MB");
    assertThat(new InferenceError.Unsupported("no sequences").message()).isEqualTo("no sequences");
  }

  @Test
  void nulls_areRefused_namingTheComponent() {
    assertThatThrownBy(() -> new InferenceError.ModelNotFound(null, OptionalLong.empty()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("model");
    assertThatThrownBy(() -> new InferenceError.ModelNotFound("m", (String) null))
        .hasMessage("version");
    assertThatThrownBy(() -> new InferenceError.ModelNotReady("m", OptionalLong.empty(), null))
        .hasMessage("reason");
    assertThatThrownBy(() -> new InferenceError.InvalidInput(null, "x")).hasMessage("field");
    assertThatThrownBy(() -> new InferenceError.InvalidInput("x", null)).hasMessage("message");
    assertThatThrownBy(() -> new InferenceError.QueueFull(null, 1)).hasMessage("model");
    assertThatThrownBy(() -> new InferenceError.BackendFailure("m", null))
        .hasMessage("correlationId");
    assertThatThrownBy(() -> new InferenceError.Internal(null)).hasMessage("correlationId");
  }

  @Test
  void equality_isByValue() {
    assertThat(new InferenceError.QueueFull("m", 4))
        .isEqualTo(new InferenceError.QueueFull("m", 4))
        .isNotEqualTo(new InferenceError.QueueFull("m", 5));
    assertThat(new InferenceError.ShuttingDown()).isEqualTo(new InferenceError.ShuttingDown());
  }
}
