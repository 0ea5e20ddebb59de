package io.caracal.core.repository;

import java.util.Optional;

/**
 * Triton's platform and backend names that a server without the matching backend still knows: the
 * ones an optional Caracal backend serves (built by the profile {@code all-backends}, or dropped
 * into {@code --backend-directory}), and the ones Caracal has no backend for. A config that names
 * one of them gets a reason that says which it is and how to add it, instead of "not supported".
 */
final class OptionalBackends {
  private OptionalBackends() {}

  /** An optional Caracal backend: its display name, artifact and the Triton names it serves. */
  private record Plugin(String display, String artifact, String backend, String platform) {}

  private static final Plugin[] PLUGINS = {
    new Plugin("TensorFlow", "caracal-backend-tensorflow", "tensorflow", "tensorflow_savedmodel"),
    new Plugin("PyTorch", "caracal-backend-pytorch", "pytorch", "pytorch_libtorch"),
  };

  /**
   * Returns why a model whose config names {@code platform} / {@code backend} cannot be served by
   * this server's backends, and how to add the one it needs, when that name is one Triton knows;
   * empty for a name unknown here.
   */
  static Optional<String> absent(String platform, String backend) {
    for (Plugin p : PLUGINS) {
      if (platform.equals(p.platform()) || (platform.isEmpty() && backend.equals(p.backend()))) {
        return Optional.of(
            "the "
                + p.display()
                + " backend is not installed in this server; build it with ./mvnw -Pall-backends"
                + " -DskipTests package (it lands in app/target/lib), or put "
                + p.artifact()
                + " and its dependency jars into a folder of --backend-directory");
      }
    }
    String name = platform.isEmpty() ? backend : platform;
    return switch (name) {
      case "tensorflow_graphdef" ->
          Optional.of(
              "TensorFlow GraphDef (frozen TF1 graphs) is not served; export a SavedModel"
                  + " (platform tensorflow_savedmodel, with caracal-backend-tensorflow)");
      case "python",
          "tensorrt",
          "tensorrt_plan",
          "openvino",
          "dali",
          "fil",
          "vllm",
          "tensorrtllm" ->
          Optional.of("Caracal has no " + name + " backend");
      default -> Optional.empty();
    };
  }
}
