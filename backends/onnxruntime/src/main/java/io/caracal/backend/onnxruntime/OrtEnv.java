package io.caracal.backend.onnxruntime;

import ai.onnxruntime.OrtEnvironment;

/**
 * The one place that touches ONNX Runtime's environment. ORT Java keeps a single process-wide
 * {@link OrtEnvironment} that must never be closed while sessions live; we create it lazily on the
 * first model load and never close it.
 */
final class OrtEnv {
  private OrtEnv() {}

  /** Returns the process-wide environment, creating it on first use. */
  static OrtEnvironment get() {
    return OrtEnvironment.getEnvironment();
  }
}
