package io.caracal.backend.onnxruntime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.BackendParameters;
import io.caracal.api.backend.ModelLoadException;
import java.util.Map;
import java.util.Optional;

/**
 * The ONNX Runtime session settings of one model: the server-wide {@link BackendOptions},
 * overridden by the model config's {@code parameters} with the names Triton's ONNX Runtime backend
 * reads ({@code intra_op_thread_count}, {@code inter_op_thread_count}, {@code execution_mode},
 * {@code enable_mem_arena}) plus {@code allow_spinning}. Other parameters are not ours and are left
 * alone (the scheduler reads {@code caracal.*}); a value that is not valid refuses the load with
 * the parameter's name and value.
 *
 * <p>When neither the model nor the server sets the intra-op thread count, a version with several
 * instances gives each instance {@code max(1, cores / instances)} threads, so that the instances
 * together use the cores once instead of each spinning up a pool of its own over all of them (two
 * instances of two threads each on two cores ran at half the speed of one call at a time).
 *
 * @param intraOpThreads threads one call uses inside an operator; 0 = ONNX Runtime's default
 * @param interOpThreads threads across operators (parallel execution mode); 0 = the default
 * @param parallel ORT_PARALLEL execution mode instead of ORT_SEQUENTIAL
 * @param memArena whether the CPU memory arena is on (ONNX Runtime's default: on)
 * @param allowSpinning empty = ONNX Runtime's default (spin); false stops idle pool threads from
 *     spinning, which frees CPU for the rest of the server on small machines
 */
record SessionSettings(
    int intraOpThreads,
    int interOpThreads,
    boolean parallel,
    boolean memArena,
    Optional<Boolean> allowSpinning) {
  static final String INTRA_OP = BackendParameters.INTRA_OP;
  static final String INTER_OP = BackendParameters.INTER_OP;
  static final String EXECUTION_MODE = "execution_mode";
  static final String MEM_ARENA = "enable_mem_arena";
  static final String ALLOW_SPINNING = "allow_spinning";

  /**
   * Reads the settings.
   *
   * @throws ModelLoadException naming the parameter when a value is not valid
   */
  static SessionSettings of(
      BackendOptions options, Map<String, String> parameters, int instances, int cores)
      throws ModelLoadException {
    return new SessionSettings(
        BackendParameters.intraOpThreads(options, parameters, instances, cores),
        BackendParameters.interOpThreads(options, parameters),
        executionMode(parameters),
        flag(parameters, MEM_ARENA).orElse(true),
        flag(parameters, ALLOW_SPINNING));
  }

  /** Returns new session options; the caller closes them. */
  OrtSession.SessionOptions toOptions() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    try {
      if (intraOpThreads > 0) {
        options.setIntraOpNumThreads(intraOpThreads);
      }
      if (interOpThreads > 0) {
        options.setInterOpNumThreads(interOpThreads);
      }
      if (parallel) {
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.PARALLEL);
      }
      if (!memArena) {
        options.setCPUArenaAllocator(false);
      }
      if (allowSpinning.isPresent()) {
        String v = allowSpinning.get() ? "1" : "0";
        options.addConfigEntry("session.intra_op.allow_spinning", v);
        options.addConfigEntry("session.inter_op.allow_spinning", v);
      }
      return options;
    } catch (OrtException | RuntimeException e) {
      options.close();
      throw e;
    }
  }

  private static boolean executionMode(Map<String, String> parameters) throws ModelLoadException {
    String v = parameters.get(EXECUTION_MODE);
    if (v == null) {
      return false;
    }
    return switch (v.trim()) {
      case "0" -> false;
      case "1" -> true;
      default -> throw bad(EXECUTION_MODE, v, "0 (sequential) or 1 (parallel)");
    };
  }

  private static Optional<Boolean> flag(Map<String, String> parameters, String key)
      throws ModelLoadException {
    String v = parameters.get(key);
    if (v == null) {
      return Optional.empty();
    }
    return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "1", "true" -> Optional.of(true);
      case "0", "false" -> Optional.of(false);
      default -> throw bad(key, v, "true/1 or false/0");
    };
  }

  private static ModelLoadException bad(String key, String value, String expected) {
    return BackendParameters.invalid(key, value, expected);
  }
}
