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
    assertThat(e).hasMessage("model 'resnet' is overloaded: its queue of 4 requests is full, retry later").hasNoCause();
    assertThat(e.getStackTrace()).isEmpty();
  }

  @Test
  void invalid_isAStacklessInvalidInput() {
    InferenceException e = InferenceException.invalid("INPUT1", "expected 2 inputs but got 1");
    assertThat(e.error()).isEqualTo(new InferenceError.InvalidInput("INPUT1", "expected 2 inputs but got 1"));
    assertThat(e).hasMessage("expected 2 inputs but got 1");
    assertThat(e.getStackTrace()).isEmpty();
  }

  @Test
  void withStackTrace_recordsWhereItWasCreated() {
    InferenceException e = InferenceException.withStackTrace(new InferenceError.Internal("internal error"));
    assertThat(e.getStackTrace())
        .extracting(StackTraceElement::getMethodName)
        .contains("withStackTrace_recordsWhereItWasCreated");
    assertThat(e).hasMessage("internal error");
  }

  @Test
  void suppression_isDisabled() {
    InferenceException e = InferenceException.withStackTrace(new InferenceError.Internal("internal error"));
    e.addSuppressed(new IllegalStateException("x"));
    assertThat(e.getSuppressed()).isEmpty();
  }

  @Test
  void nullError_isRefused() {
    assertThatThrownBy(() -> InferenceException.of(null)).isInstanceOf(NullPointerException.class).hasMessage("error");
    assertThatThrownBy(() -> InferenceException.withStackTrace(null)).hasMessage("error");
  }
}
