package io.caracal.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.grpc.Status;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {

  @Test
  void everyErrorHasItsCode() {
    List<Object[]> cases =
        List.of(
            new Object[] {new InferenceError.ModelNotFound("m", OptionalLong.empty()), Status.Code.NOT_FOUND},
            new Object[] {new InferenceError.ModelNotFound("m", OptionalLong.of(3)), Status.Code.NOT_FOUND},
            new Object[] {new InferenceError.ModelNotReady("m", OptionalLong.empty(), "r"), Status.Code.UNAVAILABLE},
            new Object[] {new InferenceError.InvalidInput("x", "bad x"), Status.Code.INVALID_ARGUMENT},
            new Object[] {new InferenceError.RequestTooLarge("big"), Status.Code.RESOURCE_EXHAUSTED},
            new Object[] {new InferenceError.QueueFull("m", 4), Status.Code.UNAVAILABLE},
            new Object[] {new InferenceError.DeadlineExceeded("m"), Status.Code.DEADLINE_EXCEEDED},
            new Object[] {new InferenceError.Cancelled("m"), Status.Code.CANCELLED},
            new Object[] {new InferenceError.BackendFailure("m", "boom"), Status.Code.INTERNAL},
            new Object[] {new InferenceError.Unsupported("no"), Status.Code.UNIMPLEMENTED},
            new Object[] {new InferenceError.ShuttingDown(), Status.Code.UNAVAILABLE},
            new Object[] {new InferenceError.Internal("oops"), Status.Code.INTERNAL});
    for (Object[] c : cases) {
      InferenceError e = (InferenceError) c[0];
      Status s = GrpcErrors.status(e);
      assertThat(s.getCode()).as(e.toString()).isEqualTo(c[1]);
      assertThat(s.getDescription()).isEqualTo(e.message());
      GrpcErrors.Mapped m = GrpcErrors.map(new CompletionException(InferenceException.of(e)));
      assertThat(m.status().getCode()).isEqualTo(c[1]);
      assertThat(m.unexpected()).isFalse();
    }
  }

  @Test
  void unexpectedFailuresAreInternalWithAGenericMessage() {
    GrpcErrors.Mapped m = GrpcErrors.map(new IllegalStateException("/secret/path in message"));
    assertThat(m.status().getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(m.status().getDescription()).isEqualTo(GrpcErrors.INTERNAL_MESSAGE);
    assertThat(m.unexpected()).isTrue();
  }

  @Test
  void cancellationIsCancelled() {
    assertThat(GrpcErrors.map(new CancellationException()).status().getCode()).isEqualTo(Status.Code.CANCELLED);
  }
}
