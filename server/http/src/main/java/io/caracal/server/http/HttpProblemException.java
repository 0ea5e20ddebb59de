package io.caracal.server.http;

/** The unchecked, stackless exception that carries an {@link HttpProblem} to {@link HttpErrors}. */
final class HttpProblemException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HttpProblem problem;

  HttpProblemException(HttpProblem problem) {
    super(problem.message(), null, false, false);
    this.problem = problem;
  }

  /** Returns the problem. */
  HttpProblem problem() {
    return problem;
  }
}
