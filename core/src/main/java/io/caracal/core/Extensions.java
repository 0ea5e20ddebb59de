package io.caracal.core;

import java.util.List;

/**
 * The protocol extensions this server implements, as server metadata lists them ({@code extensions}
 * of {@code GET /v2} and of gRPC ServerMetadata). Clients and Triton's test suite test every listed
 * extension, so the list holds only what works on the transports.
 */
public final class Extensions {
  private Extensions() {}

  /** The extension names, in Triton's spelling. */
  public static final List<String> SUPPORTED =
      List.of(
          "binary_tensor_data",
          "classification",
          "model_configuration",
          "model_repository",
          "logging",
          "parameters",
          "statistics",
          "trace");
}
