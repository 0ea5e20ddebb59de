package io.caracal.server.tfserving;

import io.caracal.core.auth.Operation;
import io.caracal.proto.tfserving.ClassificationRequest;
import io.caracal.proto.tfserving.GetModelMetadataRequest;
import io.caracal.proto.tfserving.MultiInferenceRequest;
import io.caracal.proto.tfserving.PredictRequest;
import io.caracal.proto.tfserving.RegressionRequest;
import io.caracal.server.grpc.GrpcAccess;
import org.jspecify.annotations.Nullable;

/**
 * The operation of every method of TF Serving's {@code PredictionService} and {@code ModelService}:
 * predict, classify and regress are inference, metadata is model metadata, and a model's status is
 * health (as Triton's model readiness).
 */
enum TfsOperations implements GrpcAccess.Operations {
  INSTANCE;

  @Override
  public @Nullable Operation of(String fullMethod, Object message) {
    return switch (fullMethod) {
      case "tensorflow.serving.PredictionService/Predict",
          "tensorflow.serving.PredictionService/Classify",
          "tensorflow.serving.PredictionService/Regress",
          "tensorflow.serving.PredictionService/MultiInference" ->
          Operation.INFER;
      case "tensorflow.serving.PredictionService/GetModelMetadata" -> Operation.MODEL_METADATA;
      case "tensorflow.serving.ModelService/GetModelStatus" -> Operation.HEALTH;
      case "tensorflow.serving.ModelService/HandleReloadConfigRequest" -> Operation.REPOSITORY_LOAD;
      default -> null;
    };
  }

  @Override
  public @Nullable String model(Object message) {
    return switch (message) {
      case PredictRequest r -> r.getModelSpec().getName();
      case ClassificationRequest r -> r.getModelSpec().getName();
      case RegressionRequest r -> r.getModelSpec().getName();
      case GetModelMetadataRequest r -> r.getModelSpec().getName();
      // every task names the same model (TF Serving refuses the request otherwise)
      case MultiInferenceRequest r ->
          r.getTasksCount() == 0 ? null : r.getTasks(0).getModelSpec().getName();
      default -> null;
    };
  }
}
