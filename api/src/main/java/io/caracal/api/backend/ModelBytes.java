package io.caracal.api.backend;

/**
 * The contents of a model file that the server holds only in memory, such as a model stored
 * encrypted in the repository: a backend that is handed one must create its session from these
 * bytes and never read {@link ModelArtifact#file()} (which names the encrypted file). Thread-safe.
 */
@FunctionalInterface
public interface ModelBytes {

  /**
   * Returns a fresh array holding the whole model (decrypted and authenticated anew on each call);
   * the caller owns it and should overwrite it with zeros once its session exists.
   *
   * @throws ModelLoadException with a message fit for the model's status when the contents cannot
   *     be produced (a wrong key, a modified or moved file)
   */
  byte[] read() throws ModelLoadException;
}
