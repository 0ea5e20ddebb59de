package io.caracal.server.http;

import java.util.Objects;

/**
 * A failure of the HTTP layer itself, beside core's {@link io.caracal.api.InferenceError}: the
 * framing, the route, the method, the content coding. {@link HttpErrors} maps each case to its
 * status, exhaustively, as it maps core's errors.
 */
sealed interface HttpProblem {

  /** Returns the message for the client's {@code error} member. */
  String message();

  /** The request could not be parsed as HTTP/1.1. */
  record Malformed() implements HttpProblem {
    @Override
    public String message() {
      return "malformed HTTP request";
    }
  }

  /** The request line is longer than the limit. */
  record RequestLineTooLong() implements HttpProblem {
    @Override
    public String message() {
      return "request line too long";
    }
  }

  /** The headers are larger than the limit. */
  record HeadersTooLarge() implements HttpProblem {
    @Override
    public String message() {
      return "request headers too large";
    }
  }

  /** The body is larger than the limit. */
  record BodyTooLarge(int maxBytes) implements HttpProblem {
    @Override
    public String message() {
      return "request body exceeds the maximum allowed size of " + maxBytes + " bytes";
    }
  }

  /** No route has this path. */
  /** The request line names an HTTP version other than 1.0 and 1.1 (RFC 9110 §15.6.6). */
  record VersionNotSupported() implements HttpProblem {
    @Override
    public String message() {
      return "HTTP version not supported: send HTTP/1.1 (or HTTP/2 through the gRPC port)";
    }
  }

  /** An HTTP/1.1 request without a Host header field (RFC 9112 §3.2 requires a 400). */
  record MissingHost() implements HttpProblem {
    @Override
    public String message() {
      return "missing Host header";
    }
  }

  /** The request did not arrive in time ({@link ConnectionLimits}): its header block or body. */
  record RequestTimeout(String part) implements HttpProblem {
    public RequestTimeout {
      Objects.requireNonNull(part, "part");
    }

    @Override
    public String message() {
      return "the request " + part + " did not arrive in time";
    }
  }

  /** The server, or this client address, has as many connections open as it allows. */
  record TooManyConnections() implements HttpProblem {
    @Override
    public String message() {
      return "too many connections: retry later";
    }
  }

  /** The request bytes in flight on this server (bodies, decompressed bodies) are at the budget. */
  record BytesInFlight() implements HttpProblem {
    @Override
    public String message() {
      return "too many request bytes in flight: retry later";
    }
  }

  record NoRoute() implements HttpProblem {
    @Override
    public String message() {
      return "Not Found";
    }
  }

  /** The route does not answer this method. */
  record MethodNotAllowed() implements HttpProblem {
    @Override
    public String message() {
      return "Method Not Allowed";
    }
  }

  /** The body's {@code Content-Encoding} is not one the server decodes. */
  record UnsupportedEncoding(String encoding) implements HttpProblem {
    public UnsupportedEncoding {
      Objects.requireNonNull(encoding, "encoding");
    }

    @Override
    public String message() {
      return "Content-Encoding "
          + V2JsonCodec.quote(encoding.trim())
          + " is not supported: send gzip, deflate or identity";
    }
  }

  /**
   * The model-ready probe's answer for a model that is not ready: Triton's HTTP endpoint answers it
   * as a failure ({@code Model version not ready}, with the reason when known).
   */
  record ModelVersionNotReady(String reason) implements HttpProblem {
    public ModelVersionNotReady {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public String message() {
      return reason.isEmpty() ? "Model version not ready" : "Model version not ready: " + reason;
    }
  }

  /**
   * Returns whether the connection is closed after the answer: the framing of the stream can no
   * longer be trusted.
   */
  default boolean closesConnection() {
    return this instanceof Malformed
        || this instanceof VersionNotSupported
        || this instanceof MissingHost
        || this instanceof RequestTimeout
        || this instanceof TooManyConnections
        || this instanceof RequestLineTooLong
        || this instanceof HeadersTooLarge
        || this instanceof BodyTooLarge;
  }

  /** Returns an exception carrying this problem, without a stack trace. */
  default HttpProblemException toException() {
    return new HttpProblemException(this);
  }
}
