package io.caracal.server.tfserving;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelMetadata;
import io.caracal.api.ModelStatus;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * TF Serving's view of core's models, shared by its transports: a model spec (name, version or
 * label) resolved to a version, the version statuses TF's {@code GetModelStatus} lists, and the one
 * signature each version has ({@code serving_default}, from the model's inputs and outputs).
 * Thread-safe; never blocks.
 */
final class TfsModels {
  /** The key of the one signature every model version has. */
  static final String SERVING_DEFAULT = "serving_default";

  /** The signature's method name. */
  static final String PREDICT_METHOD = "tensorflow/serving/predict";

  private final InferenceService service;
  private final VersionLabels labels;

  TfsModels(InferenceService service, VersionLabels labels) {
    this.service = service;
    this.labels = labels;
  }

  InferenceService service() {
    return service;
  }

  /**
   * Returns the version a spec names: the version, the label's version, or empty for the latest.
   *
   * @throws TfStatus.Failure {@code Unrecognized servable version label: <l>}
   */
  OptionalLong version(String model, String version, String label) {
    if (!version.isEmpty()) {
      return OptionalLong.of(Long.parseLong(version));
    }
    if (!label.isEmpty()) {
      OptionalLong v = labels.version(model, label);
      if (v.isEmpty()) {
        throw TfStatus.invalid("Unrecognized servable version label: " + label).toException();
      }
      return v;
    }
    return OptionalLong.empty();
  }

  /**
   * Returns the model's name when the model could exist; a name no model can have is TF's {@code
   * Servable not found}.
   */
  static String checkedName(String model, OptionalLong version) {
    try {
      return ModelRef.name(model);
    } catch (InferenceException e) {
      throw InferenceException.of(new InferenceError.ModelNotFound(model, version));
    }
  }

  /** Returns the metadata of the version a spec resolved to (404 when it is not available). */
  ModelMetadata metadata(String model, OptionalLong version) {
    return service.metadata(checkedName(model, version), version);
  }

  /** Returns the version that answers: the requested one, or the newest ready one. */
  static long servedVersion(ModelMetadata md, OptionalLong version) {
    if (version.isPresent()) {
      return version.getAsLong();
    }
    List<String> vs = md.versions();
    return vs.isEmpty() ? 0 : Long.parseLong(vs.get(vs.size() - 1));
  }

  /**
   * A version's status as TF reports it.
   *
   * @param version the version
   * @param state {@code LOADING}, {@code AVAILABLE}, {@code UNLOADING} or {@code END}
   * @param errorCode {@code OK}, or the failure's code
   * @param errorMessage empty when OK
   */
  record VersionStatus(long version, String state, TfCode errorCode, String errorMessage) {}

  /**
   * Returns the model's versions, newest first, or one version; labels are not consulted, as TF's
   * {@code GetModelStatus} does not.
   *
   * @throws TfStatus.Failure {@code Could not find any versions of model <m>} or {@code Could not
   *     find version <v> of model <m>}
   */
  List<VersionStatus> statuses(String model, OptionalLong version) {
    List<VersionStatus> out = new ArrayList<>();
    for (ModelStatus s : service.index()) {
      if (s.name().equals(model)
          && s.version() > 0
          && (version.isEmpty() || s.version() == version.getAsLong())) {
        out.add(status(s));
      }
    }
    if (out.isEmpty()) {
      throw TfStatus.notFound(
              version.isEmpty()
                  ? "Could not find any versions of model " + model
                  : "Could not find version " + version.getAsLong() + " of model " + model)
          .toException();
    }
    out.sort(Comparator.comparingLong(VersionStatus::version).reversed());
    return out;
  }

  private static VersionStatus status(ModelStatus s) {
    return switch (s.state()) {
      case LOADING -> new VersionStatus(s.version(), "LOADING", TfCode.OK, "");
      case READY -> new VersionStatus(s.version(), "AVAILABLE", TfCode.OK, "");
      case UNLOADING -> new VersionStatus(s.version(), "UNLOADING", TfCode.OK, "");
      case UNAVAILABLE ->
          s.reason().isEmpty() || s.reason().equals("unloaded")
              ? new VersionStatus(s.version(), "END", TfCode.OK, "")
              : new VersionStatus(s.version(), "END", TfCode.INTERNAL, s.reason());
    };
  }

  /** Returns whether a signature name selects the one signature: empty or serving_default. */
  static boolean isDefaultSignature(String name) {
    return name.isEmpty() || name.equals(SERVING_DEFAULT);
  }
}
