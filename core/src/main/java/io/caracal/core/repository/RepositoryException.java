package io.caracal.core.repository;

import java.util.Objects;

/**
 * A model repository entry cannot be used: a bad name, a path that leaves the repository, a config
 * that does not parse or contradicts the model. The message names files relative to the repository
 * root and is fit for a model's status; it never holds an absolute path.
 */
public final class RepositoryException extends Exception {
  private static final long serialVersionUID = 1L;

  public RepositoryException(String message) {
    super(message);
  }

  public RepositoryException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Returns the message, never null: every constructor takes one. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }
}
