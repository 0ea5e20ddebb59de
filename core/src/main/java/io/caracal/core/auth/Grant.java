package io.caracal.core.auth;

/**
 * An admitted call: who made it, and the hook that records its result when the operation is
 * audited. A transport calls {@link #finished} once, when it has answered.
 */
public interface Grant {

  /** The grant of a server without access control: anonymous, nothing recorded. */
  Grant OPEN =
      new Grant() {
        @Override
        public Principal principal() {
          return Principal.ANONYMOUS;
        }

        @Override
        public void finished(boolean ok, String result) {}
      };

  /** Returns the caller. */
  Principal principal();

  /**
   * Records the call's result (for audited operations; otherwise does nothing).
   *
   * @param ok whether the call succeeded
   * @param result a short result for the audit log: {@code ok}, or the error's kind and status
   */
  void finished(boolean ok, String result);
}
