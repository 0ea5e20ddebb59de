package io.caracal.backend.tensorflow;

import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.BackendParameters;
import io.caracal.api.backend.ModelLoadException;
import java.util.Map;
import org.tensorflow.proto.ConfigProto;

/**
 * The TensorFlow settings of one model: the meta graph's tag and the signature, by the config
 * parameters Triton's TensorFlow backend reads ({@code TF_GRAPH_TAG}, default {@code serve}; {@code
 * TF_SIGNATURE_DEF}, default {@code serving_default}), and the thread counts from the server-wide
 * {@link BackendOptions} (the settings ONNX Runtime uses, {@code --intra-op-threads} and {@code
 * --inter-op-threads}), overridden by the parameters {@code intra_op_thread_count} and {@code
 * inter_op_thread_count} as for ONNX Runtime. When neither sets the intra-op count, a version with
 * several instances gives each {@code max(1, cores / instances)} threads. Every session has thread
 * pools of its own ({@code use_per_session_threads}), so that each model's counts apply
 * (TensorFlow's global pools take the first session's sizes for the whole process) and an unloaded
 * model's threads end with it.
 */
record TfSettings(String tag, String signatureKey, int intraOpThreads, int interOpThreads) {
  static final String GRAPH_TAG = "TF_GRAPH_TAG";
  static final String SIGNATURE_DEF = "TF_SIGNATURE_DEF";

  /**
   * Reads the settings.
   *
   * @throws ModelLoadException naming the parameter when a value is not valid
   */
  static TfSettings of(
      BackendOptions options, Map<String, String> parameters, int instances, int cores)
      throws ModelLoadException {
    return new TfSettings(
        name(parameters, GRAPH_TAG, "serve"),
        name(parameters, SIGNATURE_DEF, "serving_default"),
        BackendParameters.intraOpThreads(options, parameters, instances, cores),
        BackendParameters.interOpThreads(options, parameters));
  }

  /** Returns the session configuration (0 threads = TensorFlow's default, one per core). */
  ConfigProto toConfig() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(intraOpThreads)
        .setInterOpParallelismThreads(interOpThreads)
        .setUsePerSessionThreads(true)
        .build();
  }

  private static String name(Map<String, String> parameters, String key, String fallback)
      throws ModelLoadException {
    String v = parameters.get(key);
    if (v == null) {
      return fallback;
    }
    String s = v.strip();
    if (s.isEmpty() || s.length() > 256 || s.chars().anyMatch(Character::isISOControl)) {
      throw new ModelLoadException(
          "config parameter '" + key + "' must be a name of 1 to 256 printable characters");
    }
    return s;
  }
}
