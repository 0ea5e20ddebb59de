package io.caracal.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.core.ForwardingInferenceService;
import io.caracal.core.fixtures.NoService;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Readiness through the admission decorator's states: starting, serving, draining. */
class DrainingAdmissionTest {
  final InferenceResponse answer = new InferenceResponse("m", 1, "", List.of(), Map.of());

  /** Answers every request at once. */
  final ForwardingInferenceService answering =
      new ForwardingInferenceService(NoService.INSTANCE) {
        @Override
        public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
          return CompletableFuture.completedFuture(answer);
        }
      };

  @Test
  void starting_servesRequestsButIsNotReadyUntilOpened() {
    DrainingAdmission admission = DrainingAdmission.starting(answering);

    assertThat(admission.isReady()).isFalse();
    assertThat(admission.isLive()).isTrue();
    assertThat(admission.infer(request())).isCompletedWithValue(answer);

    admission.open();
    assertThat(admission.isReady()).isTrue();
  }

  @Test
  void constructed_isReadyAtOnce_andNotOnceDraining() {
    DrainingAdmission admission = new DrainingAdmission(answering);
    assertThat(admission.isReady()).isTrue();

    admission.beginDrain();
    assertThat(admission.isReady()).isFalse();
    assertThat(admission.infer(request())).isCompletedWithValue(answer);
  }

  @Test
  void openAfterDrain_staysNotReady() {
    DrainingAdmission admission = DrainingAdmission.starting(answering);
    admission.beginDrain();
    admission.open();
    assertThat(admission.isReady()).isFalse();
  }

  private static InferenceRequest request() {
    return new InferenceRequest("m", OptionalLong.empty(), "", List.of(), List.of(), Map.of());
  }
}
