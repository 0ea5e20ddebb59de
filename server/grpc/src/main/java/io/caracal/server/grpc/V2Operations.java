package io.caracal.server.grpc;

import io.caracal.core.auth.Operation;
import io.caracal.proto.inference.LogSettingsRequest;
import io.caracal.proto.inference.ModelConfigRequest;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelStatisticsRequest;
import io.caracal.proto.inference.RepositoryModelLoadRequest;
import io.caracal.proto.inference.RepositoryModelUnloadRequest;
import io.caracal.proto.inference.TraceSettingRequest;
import org.jspecify.annotations.Nullable;

/**
 * The operation of every method of {@code inference.GRPCInferenceService}: a logging or trace call
 * that sets something is an update, one without settings a read. The standard health service is not
 * checked (it stays open).
 */
enum V2Operations implements GrpcAccess.Operations {
  INSTANCE;

  private static final String PREFIX = "inference.GRPCInferenceService/";

  @Override
  public @Nullable Operation of(String fullMethod, Object message) {
    if (!fullMethod.startsWith(PREFIX)) {
      return null;
    }
    return switch (fullMethod.substring(PREFIX.length())) {
      case "ServerLive", "ServerReady", "ModelReady" -> Operation.HEALTH;
      case "ServerMetadata" -> Operation.SERVER_METADATA;
      case "ModelMetadata" -> Operation.MODEL_METADATA;
      case "ModelInfer", "ModelStreamInfer" -> Operation.INFER;
      case "ModelConfig" -> Operation.MODEL_CONFIG;
      case "ModelStatistics" -> Operation.STATISTICS;
      case "RepositoryIndex" -> Operation.REPOSITORY_INDEX;
      case "RepositoryModelLoad" -> Operation.REPOSITORY_LOAD;
      case "RepositoryModelUnload" -> Operation.REPOSITORY_UNLOAD;
      case "SystemSharedMemoryStatus",
          "SystemSharedMemoryRegister",
          "SystemSharedMemoryUnregister",
          "CudaSharedMemoryStatus",
          "CudaSharedMemoryRegister",
          "CudaSharedMemoryUnregister" ->
          Operation.SHARED_MEMORY;
      case "TraceSetting" ->
          message instanceof TraceSettingRequest t && t.getSettingsCount() > 0
              ? Operation.TRACE_UPDATE
              : Operation.TRACE_READ;
      case "LogSettings" ->
          message instanceof LogSettingsRequest l && l.getSettingsCount() > 0
              ? Operation.LOGGING_UPDATE
              : Operation.LOGGING_READ;
      default -> null;
    };
  }

  @Override
  public @Nullable String model(Object message) {
    return switch (message) {
      case ModelInferRequest r -> r.getModelName();
      case ModelMetadataRequest r -> r.getName();
      case ModelConfigRequest r -> r.getName();
      case ModelStatisticsRequest r -> r.getName().isEmpty() ? null : r.getName();
      case RepositoryModelLoadRequest r -> r.getModelName();
      case RepositoryModelUnloadRequest r -> r.getModelName();
      case TraceSettingRequest r -> r.getModelName().isEmpty() ? null : r.getModelName();
      default -> null;
    };
  }
}
