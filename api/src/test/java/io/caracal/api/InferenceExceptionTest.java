package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InferenceExceptionTest {

  @Test
  void of_carriesTheError_andItsMessage_withoutAStackTrace() {
    InferenceError error = new InferenceError.QueueFull("resnet", 4);
    InferenceException e = InferenceException.of(error);
    assertThat(e.error()).isSameAs(error);
    assertThat(e)
        .hasMessage("model 'resnet' is overloaded: its queue of 4 requests is full, retry later")
        .hasNoCause();
    assertThat(e.getStackTrace()).isEmpty();
  }

  @Test
  void invalid_isAStacklessInvalidInput() {
    InferenceException e = InferenceException.invalid("INPUT1", "expected 2 inputs but got 1");
    assertThat(e.error())
        .isEqualTo(new InferenceError.InvalidInput("INPUT1", "expected 2 inputs but got 1"));
    assertThat(e).hasMessage("expected 2 inputs but got 1");
    assertThat(e.getStackTrace()).isEmpty();
  }

  @Test
  void withStackTrace_recordsWhereItWasCreated() {
    InferenceException e = InferenceException.withStackTrace(new InferenceError.Internal("abc"));
    assertThat(e.getStackTrace())
        .extracting(StackTraceElement::getMethodName)
        .contains("withStackTrace_recordsWhereItWasCreated");
    assertThat(e).hasMessage("internal error (correlation id abc)");
  }

  @Test
  void suppression_isDisabled() {
    InferenceException e = InferenceException.withStackTrace(new InferenceError.Internal("abc"));
    e.addSuppressed(new IllegalStateException("x"));
    assertThat(e.getSuppressed()).isEmpty();
  }

  @Test
  void nullError_isRefused() {
    assertThatThrownBy(() -> InferenceException.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("error");
    assertThatThrownBy(() -> InferenceException.withStackTrace(null)).hasMessage("error");
  }

  @Test
  void internal_keepsTheCause_underANewCorrelationId_thatTheMessageShows() {
    IllegalStateException cause = new IllegalStateException("/opt/models/x: boom");
    InferenceException a = InferenceException.internal(cause);
    InferenceException b = InferenceException.internal(cause);
    assertThat(a).hasCause(cause);
    assertThat(a.isUnexpected()).isTrue();
    assertThat(a.correlationId()).matches("[0-9a-f]{16}").isNotEqualTo(b.correlationId());
    assertThat(a.getMessage())
        .isEqualTo("internal error (correlation id " + a.correlationId() + ")")
        .doesNotContain("boom");
  }

  @Test
  void backendFailure_namesTheModel_notTheBackendsMessage() {
    InferenceException e =
        InferenceException.backendFailure("resnet", new RuntimeException("ORT: /tmp/x"));
    assertThat(e.error()).isInstanceOf(InferenceError.BackendFailure.class);
    assertThat(e.isUnexpected()).isTrue();
    assertThat(e.getMessage())
        .startsWith("inference failed for model 'resnet': internal error")
        .doesNotContain("ORT");
  }

  @Test
  void from_unwrapsFutureWrappers_andWrapsEverythingElseAsInternal() {
    InferenceException known = InferenceException.of(new InferenceError.ShuttingDown());
    assertThat(
            InferenceException.from(
                new java.util.concurrent.CompletionException(
                    new java.util.concurrent.ExecutionException(known))))
        .isSameAs(known);
    assertThat(known.isUnexpected()).isFalse();
    assertThat(known.correlationId()).isEmpty();
    IllegalStateException other = new IllegalStateException("x");
    InferenceException wrapped =
        InferenceException.from(new java.util.concurrent.CompletionException(other));
    assertThat(wrapped.error()).isInstanceOf(InferenceError.Internal.class);
    assertThat(wrapped).hasCause(other);
  }
}
