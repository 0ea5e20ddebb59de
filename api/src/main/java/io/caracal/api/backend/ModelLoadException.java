package io.caracal.api.backend;

/**
 * A model could not be loaded; the message is shown in the model's status and must name no absolute
 * path.
 */
public class ModelLoadException extends Exception {
  private static final long serialVersionUID = 1L;

  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
