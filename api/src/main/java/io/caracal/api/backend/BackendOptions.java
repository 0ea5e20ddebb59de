package io.caracal.api.backend;

/**
 * Runtime options shared by all models.
 *
 * @param intraOpThreads threads one inference call may use inside an operator; 0 = the runtime's
 *     default (one per core)
 * @param interOpThreads threads for running independent operators in parallel; 0 = the runtime's
 *     default
 */
public record BackendOptions(int intraOpThreads, int interOpThreads) {
  public BackendOptions {
    if (intraOpThreads < 0) {
      throw new IllegalArgumentException("intraOpThreads < 0: " + intraOpThreads);
    }
    if (interOpThreads < 0) {
      throw new IllegalArgumentException("interOpThreads < 0: " + interOpThreads);
    }
  }

  /** Returns the runtime's defaults. */
  public static BackendOptions ofDefault() {
    return new BackendOptions(0, 0);
  }
}
