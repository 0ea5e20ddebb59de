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
            new Object[] {
              new InferenceError.ModelNotFound("m", OptionalLong.empty()),
              Status.Code.INVALID_ARGUMENT
            },
            new Object[] {
              new InferenceError.ModelNotFound("m", OptionalLong.of(3)), Status.Code.NOT_FOUND
            },
            new Object[] {
              new InferenceError.ModelNotReady("m", OptionalLong.empty(), "r"),
              Status.Code.UNAVAILABLE
            },
            new Object[] {
              new InferenceError.InvalidInput("x", "bad x"), Status.Code.INVALID_ARGUMENT
            },
            new Object[] {
              new InferenceError.RequestTooLarge("big"), Status.Code.RESOURCE_EXHAUSTED
            },
            new Object[] {new InferenceError.QueueFull("m", 4), Status.Code.UNAVAILABLE},
            new Object[] {
              new InferenceError.TooManyCalls("repository", 16), Status.Code.UNAVAILABLE
            },
            new Object[] {new InferenceError.DeadlineExceeded("m"), Status.Code.DEADLINE_EXCEEDED},
            new Object[] {new InferenceError.Cancelled("m"), Status.Code.CANCELLED},
            new Object[] {new InferenceError.BackendFailure("m", "c0ffee"), Status.Code.INTERNAL},
            new Object[] {new InferenceError.Unsupported("no"), Status.Code.UNIMPLEMENTED},
            new Object[] {new InferenceError.ShuttingDown(), Status.Code.UNAVAILABLE},
            new Object[] {new InferenceError.Internal("c0ffee"), Status.Code.INTERNAL},
            new Object[] {new InferenceError.Unauthenticated("no"), Status.Code.UNAUTHENTICATED},
            new Object[] {new InferenceError.PermissionDenied("no"), Status.Code.PERMISSION_DENIED},
            new Object[] {new InferenceError.RateLimited("m", 1), Status.Code.RESOURCE_EXHAUSTED});
    for (Object[] c : cases) {
      InferenceError e = (InferenceError) c[0];
      Status s = GrpcErrors.status(e);
      assertThat(s.getCode()).as(e.toString()).isEqualTo(c[1]);
      assertThat(s.getDescription()).isEqualTo(e.message());
      Status mapped = GrpcErrors.map(new CompletionException(InferenceException.of(e)), "Test", "");
      assertThat(mapped.getCode()).isEqualTo(c[1]);
      assertThat(mapped.getDescription()).isEqualTo(e.message());
    }
  }

  @Test
  void unknownModel_isTritonsInvalidArgument_withTritonsText() {
    Status s = GrpcErrors.status(new InferenceError.ModelNotFound("x", OptionalLong.empty()));
    assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(s.getDescription()).isEqualTo("Request for unknown model: 'x' is not found");
  }

  @Test
  void unexpectedFailuresAreInternal_withACorrelationId_andNoDetail() {
    Status s = GrpcErrors.map(new IllegalStateException("/secret/path in message"), "Test", "id");
    assertThat(s.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(s.getDescription()).matches("internal error \\(correlation id [0-9a-f]{16}\\)");
  }

  @Test
  void cancellationIsCancelled() {
    assertThat(GrpcErrors.map(new CancellationException(), "Test", "").getCode())
        .isEqualTo(Status.Code.CANCELLED);
  }
}
