package io.caracal.bench.faulty;

import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.BackendParameters;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import io.caracal.backend.onnxruntime.OnnxRuntimeBackendFactory;

/**
 * A backend for chaos benchmarks ({@code bench/chaos.sh}), loaded as a plug-in through {@code
 * --backend-directory}: backend and platform {@code faulty_onnxruntime}. It loads and runs an ONNX
 * model with the real {@link OnnxRuntimeBackendFactory}, and each instance fails every Nth call
 * with a {@link FaultInjectingInstance.InjectedFault} (a runtime exception, as a crashing runtime
 * would throw), N from the config parameter {@value #FAIL_EVERY} (default {@value
 * #DEFAULT_FAIL_EVERY}; 0 = never). The count is per instance and deterministic: calls N, 2N, 3N...
 * fail. It includes the server's warm-up calls of each new instance (two for a batching model
 * without {@code model_warmup}): with N of 2 or less the load fails, and with N = 3 every instance,
 * replacements included, fails its first real call. Not shipped: the server itself has no fault
 * switch.
 */
public final class FaultyBackendFactory implements BackendFactory {
  /** The config parameter that sets N. */
  public static final String FAIL_EVERY = "fail_every";

  /** N when the config does not set it: one call in 100 fails. */
  public static final int DEFAULT_FAIL_EVERY = 100;

  private static final String NAME = "faulty_onnxruntime";

  private final OnnxRuntimeBackendFactory onnx = new OnnxRuntimeBackendFactory();

  /** Creates the factory (called by {@link java.util.ServiceLoader}). */
  public FaultyBackendFactory() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String platform() {
    return NAME;
  }

  @Override
  public boolean supports(String platform, String backend) {
    return platform.equals(NAME) || backend.equals(NAME);
  }

  @Override
  public String defaultModelFileName() {
    return onnx.defaultModelFileName();
  }

  @Override
  public int defaultInstanceCount() {
    return onnx.defaultInstanceCount();
  }

  @Override
  public ModelInstance load(ModelArtifact artifact) throws ModelLoadException {
    int every = failEvery(artifact);
    return new FaultInjectingInstance(onnx.load(artifact), every);
  }

  private static int failEvery(ModelArtifact artifact) throws ModelLoadException {
    return BackendParameters.count(
        artifact.parameters(),
        FAIL_EVERY,
        DEFAULT_FAIL_EVERY,
        Integer.MAX_VALUE,
        "a count of calls, 0 (never fail) or more");
  }
}
