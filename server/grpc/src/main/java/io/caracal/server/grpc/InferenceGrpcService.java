package io.caracal.server.grpc;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.api.InferenceRequest;
import io.caracal.api.InferenceResponse;
import io.caracal.core.InferenceService;
import io.caracal.core.ModelRef;
import io.caracal.core.logging.LogSettings;
import io.caracal.core.observe.CallRecord;
import io.caracal.core.observe.CallTracker;
import io.caracal.core.trace.TraceSettings;
import io.caracal.proto.inference.GRPCInferenceServiceGrpc;
import io.caracal.proto.inference.LogSettingsRequest;
import io.caracal.proto.inference.LogSettingsResponse;
import io.caracal.proto.inference.ModelConfigRequest;
import io.caracal.proto.inference.ModelConfigResponse;
import io.caracal.proto.inference.ModelInferRequest;
import io.caracal.proto.inference.ModelInferResponse;
import io.caracal.proto.inference.ModelMetadataRequest;
import io.caracal.proto.inference.ModelMetadataResponse;
import io.caracal.proto.inference.ModelReadyRequest;
import io.caracal.proto.inference.ModelReadyResponse;
import io.caracal.proto.inference.ModelStatisticsRequest;
import io.caracal.proto.inference.ModelStatisticsResponse;
import io.caracal.proto.inference.ModelStreamInferResponse;
import io.caracal.proto.inference.RepositoryIndexRequest;
import io.caracal.proto.inference.RepositoryIndexResponse;
import io.caracal.proto.inference.RepositoryModelLoadRequest;
import io.caracal.proto.inference.RepositoryModelLoadResponse;
import io.caracal.proto.inference.RepositoryModelUnloadRequest;
import io.caracal.proto.inference.RepositoryModelUnloadResponse;
import io.caracal.proto.inference.ServerLiveRequest;
import io.caracal.proto.inference.ServerLiveResponse;
import io.caracal.proto.inference.ServerMetadataRequest;
import io.caracal.proto.inference.ServerMetadataResponse;
import io.caracal.proto.inference.ServerReadyRequest;
import io.caracal.proto.inference.ServerReadyResponse;
import io.caracal.proto.inference.TraceSettingRequest;
import io.caracal.proto.inference.TraceSettingResponse;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code inference.GRPCInferenceService} over an {@link InferenceService}. Inference hands off to
 * the service's future at once, so it may run on the transport thread; every other RPC may block
 * briefly and runs on the executor {@link GrpcServer} gives it. A cancelled call (client cancel,
 * expired {@code grpc-timeout}, closed connection) cancels the core future. Shared-memory and trace
 * RPCs are left to the generated base class, which answers {@code UNIMPLEMENTED}.
 */
final class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private static final String STREAM_INFER =
      GRPCInferenceServiceGrpc.getModelStreamInferMethod().getFullMethodName();
  private static final Logger log = LoggerFactory.getLogger(InferenceGrpcService.class);

  private final InferenceService service;
  private final String serverName;
  private final String serverVersion;
  private final List<String> extensions;
  private final LogSettings logSettings;
  private final TraceSettings traceSettings;
  private final CallRecording recording;

  InferenceGrpcService(
      InferenceService service, String serverName, String serverVersion, List<String> extensions) {
    this(
        service,
        serverName,
        serverVersion,
        extensions,
        LogSettings.inMemory(),
        TraceSettings.disabled(),
        new CallRecording(CallTracker.NONE));
  }

  InferenceGrpcService(
      InferenceService service,
      String serverName,
      String serverVersion,
      List<String> extensions,
      LogSettings logSettings,
      TraceSettings traceSettings,
      CallRecording recording) {
    this.recording = Objects.requireNonNull(recording, "recording");
    this.traceSettings = Objects.requireNonNull(traceSettings, "traceSettings");
    this.logSettings = Objects.requireNonNull(logSettings, "logSettings");
    this.service = Objects.requireNonNull(service, "service");
    this.serverName = Objects.requireNonNull(serverName, "serverName");
    this.serverVersion = Objects.requireNonNull(serverVersion, "serverVersion");
    this.extensions = List.copyOf(extensions);
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    unary(
        out, "ServerLive", () -> ServerLiveResponse.newBuilder().setLive(service.isLive()).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    unary(
        out,
        "ServerReady",
        () -> ServerReadyResponse.newBuilder().setReady(service.isReady()).build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    unary(
        out,
        "ModelReady",
        () -> {
          ModelRef m = ModelRef.parse(request.getName(), request.getVersion());
          return ModelReadyResponse.newBuilder()
              .setReady(service.isModelReady(m.name(), m.version()))
              .build();
        });
  }

  @Override
  public void serverMetadata(
      ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    unary(
        out,
        "ServerMetadata",
        () ->
            ServerMetadataResponse.newBuilder()
                .setName(serverName)
                .setVersion(serverVersion)
                .addAllExtensions(extensions)
                .build());
  }

  @Override
  public void modelMetadata(
      ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    unary(
        out,
        "ModelMetadata",
        () -> {
          ModelRef m = ModelRef.parse(request.getName(), request.getVersion());
          return GrpcCodec.metadata(service.metadata(m.name(), m.version()));
        });
  }

  @Override
  public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
    unary(
        out,
        "ModelConfig",
        () -> {
          ModelRef m = ModelRef.parse(request.getName(), request.getVersion());
          return ModelConfigResponse.newBuilder()
              .setConfig(GrpcCodec.modelConfig(service.modelConfig(m.name(), m.version())))
              .build();
        });
  }

  @Override
  public void modelStatistics(
      ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    unary(
        out,
        "ModelStatistics",
        () -> {
          String model = request.getName();
          OptionalLong version = OptionalLong.empty();
          if (model.isEmpty()) {
            if (!request.getVersion().isEmpty()) {
              throw InferenceException.invalid("version", "a version needs a model name");
            }
          } else {
            version = ModelRef.parse(model, request.getVersion()).version();
          }
          ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
          for (io.caracal.api.ModelStatistics s : service.statistics(model, version)) {
            b.addModelStats(GrpcCodec.statistics(s));
          }
          return b.build();
        });
  }

  @Override
  public void repositoryIndex(
      RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
    unary(out, "RepositoryIndex", () -> GrpcCodec.index(service.index(), request.getReady()));
  }

  @Override
  public void repositoryModelLoad(
      RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
    unaryAsync(
        out,
        "RepositoryModelLoad",
        () -> {
          String model = ModelRef.name(request.getModelName());
          if (!request.getParametersMap().isEmpty()) {
            throw InferenceException.of(
                new InferenceError.Unsupported(
                    "load parameters ('config', 'file:...') are not supported: the model is loaded from the repository"));
          }
          return service
              .loadModel(model)
              .thenApply(v -> RepositoryModelLoadResponse.getDefaultInstance());
        });
  }

  @Override
  public void repositoryModelUnload(
      RepositoryModelUnloadRequest request, StreamObserver<RepositoryModelUnloadResponse> out) {
    unaryAsync(
        out,
        "RepositoryModelUnload",
        () -> {
          String model = ModelRef.name(request.getModelName());
          for (String k : request.getParametersMap().keySet()) {
            if (!k.equals("unload_dependents")) {
              throw InferenceException.invalid(k, "unknown unload parameter '" + k + "'");
            }
          }
          return service
              .unloadModel(model)
              .thenApply(v -> RepositoryModelUnloadResponse.getDefaultInstance());
        });
  }

  /**
   * Triton's logging extension: an empty request reads the settings, a non-empty one applies the
   * given subset (validated by core: never a file path) and returns them all.
   */
  @Override
  public void logSettings(LogSettingsRequest request, StreamObserver<LogSettingsResponse> out) {
    unary(
        out,
        "LogSettings",
        () -> {
          LogSettings.Values v;
          if (request.getSettingsCount() == 0) {
            v = logSettings.get();
          } else {
            Map<String, Object> changes = new LinkedHashMap<>();
            for (Map.Entry<String, LogSettingsRequest.SettingValue> e :
                request.getSettingsMap().entrySet()) {
              LogSettingsRequest.SettingValue sv = e.getValue();
              Object value =
                  switch (sv.getParameterChoiceCase()) {
                    case BOOL_PARAM -> sv.getBoolParam();
                    case UINT32_PARAM -> Integer.toUnsignedLong(sv.getUint32Param());
                    case STRING_PARAM -> sv.getStringParam();
                    case PARAMETERCHOICE_NOT_SET ->
                        throw InferenceException.invalid(
                            e.getKey(), "logging setting '" + e.getKey() + "' has no value");
                  };
              changes.put(e.getKey(), value);
            }
            v = logSettings.update(changes);
          }
          return LogSettingsResponse.newBuilder()
              .putSettings("log_file", logString(v.logFile()))
              .putSettings("log_info", logBool(v.logInfo()))
              .putSettings("log_warning", logBool(v.logWarning()))
              .putSettings("log_error", logBool(v.logError()))
              .putSettings(
                  "log_verbose_level",
                  LogSettingsResponse.SettingValue.newBuilder()
                      .setUint32Param(v.logVerboseLevel())
                      .build())
              .putSettings("log_format", logString(v.logFormat()))
              .build();
        });
  }

  /**
   * Triton's trace extension: an empty request reads the settings (global, or the model's), a
   * non-empty one applies the given subset (an empty value list clears a setting; core validates
   * and refuses {@code trace_file}) and returns them all.
   */
  @Override
  public void traceSetting(TraceSettingRequest request, StreamObserver<TraceSettingResponse> out) {
    unary(
        out,
        "TraceSetting",
        () -> {
          Map<String, @Nullable List<String>> changes = new LinkedHashMap<>();
          request
              .getSettingsMap()
              .forEach((k, v) -> changes.put(k, v.getValueCount() == 0 ? null : v.getValueList()));
          String model = request.getModelName().isEmpty() ? null : request.getModelName();
          TraceSettingResponse.Builder b = TraceSettingResponse.newBuilder();
          traceSettings
              .call(service, model, changes)
              .forEach((k, v) ->
                  b.putSettings(
                      k, TraceSettingResponse.SettingValue.newBuilder().addAllValue(v).build()));
          return b.build();
        });
  }

  private static LogSettingsResponse.SettingValue logBool(boolean b) {
    return LogSettingsResponse.SettingValue.newBuilder().setBoolParam(b).build();
  }

  private static LogSettingsResponse.SettingValue logString(String s) {
    return LogSettingsResponse.SettingValue.newBuilder().setStringParam(s).build();
  }

  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    CompletableFuture<InferenceResponse> f;
    try {
      CallRecord record = CallRecording.RECORD.get();
      if (record != null) {
        record.requested(request.getModelName(), request.getModelVersion());
      }
      InferenceRequest decoded = GrpcCodec.decodeInfer(request);
      f = service.infer(record == null ? decoded : decoded.withObserver(record));
    } catch (Throwable t) {
      fail(out, t, "ModelInfer", request.getId());
      return;
    }
    reply(out, f, GrpcCodec::encodeInfer, "ModelInfer", request.getId());
  }

  /*
   * Answers a call with a future's result once it completes: the encoded response, or the failure as
   * GrpcErrors maps it. A cancelled call cancels the future (withdrawing a queued request) and gets
   * no answer.
   */
  private static <R, T> void reply(
      StreamObserver<T> out,
      CompletableFuture<R> f,
      java.util.function.Function<R, T> encode,
      String rpc,
      String id) {
    ServerCallStreamObserver<T> call = (ServerCallStreamObserver<T>) out;
    call.setOnCancelHandler(() -> f.cancel(false));
    f.whenComplete((resp, err) -> {
      if (call.isCancelled()) {
        return;
      }
      try {
        if (err != null) {
          fail(out, err, rpc, id);
        } else {
          out.onNext(encode.apply(resp));
          out.onCompleted();
        }
      } catch (Throwable t) {
        fail(out, t, rpc, id);
      }
    });
  }

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(
      StreamObserver<ModelStreamInferResponse> out) {
    return new InferStream((ServerCallStreamObserver<ModelStreamInferResponse>) out);
  }

  private <T> void unary(StreamObserver<T> out, String rpc, Supplier<T> body) {
    T resp;
    try {
      resp = body.get();
    } catch (Throwable t) {
      fail(out, t, rpc, "");
      return;
    }
    out.onNext(resp);
    out.onCompleted();
  }

  private <T> void unaryAsync(
      StreamObserver<T> out, String rpc, Supplier<CompletableFuture<T>> body) {
    CompletableFuture<T> f;
    try {
      f = body.get();
    } catch (Throwable t) {
      fail(out, t, rpc, "");
      return;
    }
    reply(out, f, r -> r, rpc, "");
  }

  private static void fail(StreamObserver<?> out, Throwable t, String rpc, String id) {
    io.grpc.Status status = GrpcErrors.map(t, rpc, id);
    try {
      out.onError(status.asRuntimeException());
    } catch (RuntimeException e) {
      log.debug("{}: could not send the error (call already closed)", rpc, e);
    }
  }

  /**
   * One {@code ModelStreamInfer} call: each request gets exactly one response, in completion order;
   * a failed request answers with {@code error_message} (and {@code infer_response.id}) and the
   * stream stays open. The call completes once the client has half-closed and every request is
   * answered. Responses are written under a lock because completions arrive on execution threads.
   */
  private final class InferStream implements StreamObserver<ModelInferRequest> {
    private final ServerCallStreamObserver<ModelStreamInferResponse> out;
    private final CallRecording.Origin origin;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<CompletableFuture<InferenceResponse>> inFlight =
        ConcurrentHashMap.newKeySet();

    @GuardedBy("lock")
    private int pending;

    @GuardedBy("lock")
    private boolean halfClosed;

    @GuardedBy("lock")
    private boolean closed;

    InferStream(ServerCallStreamObserver<ModelStreamInferResponse> out) {
      this.out = out;
      CallRecording.Origin o = CallRecording.ORIGIN.get();
      this.origin = o == null ? new CallRecording.Origin(null, null, Map.of()) : o;
      out.setOnCancelHandler(this::cancelAll);
    }

    @Override
    public void onNext(ModelInferRequest request) {
      lock.lock();
      try {
        if (closed) {
          return;
        }
        pending++;
      } finally {
        lock.unlock();
      }
      CallRecord record = recording.start(STREAM_INFER, origin, recording.nextId());
      record.requested(request.getModelName(), request.getModelVersion());
      record.bytesIn(request.getSerializedSize());
      CompletableFuture<InferenceResponse> f;
      try {
        InferenceRequest r = GrpcCodec.decodeInfer(request);
        f = service.infer(r.withObserver(record));
      } catch (Throwable t) {
        answer(request, null, t, record);
        return;
      }
      inFlight.add(f);
      f.whenComplete((resp, err) -> {
        inFlight.remove(f);
        answer(request, resp, err, record);
      });
    }

    private void answer(
        ModelInferRequest request,
        @Nullable InferenceResponse resp,
        @Nullable Throwable err,
        CallRecord record) {
      ModelStreamInferResponse msg;
      io.grpc.Status status = io.grpc.Status.OK;
      try {
        if (err == null) {
          msg =
              ModelStreamInferResponse.newBuilder()
                  .setInferResponse(GrpcCodec.encodeInfer(Objects.requireNonNull(resp)))
                  .build();
        } else {
          status = GrpcErrors.map(err, "ModelStreamInfer", request.getId());
          msg = errorResponse(request, status);
        }
      } catch (Throwable t) {
        status = GrpcErrors.map(t, "ModelStreamInfer", request.getId());
        msg = errorResponse(request, status);
      }
      recording.finish(record, status, msg.getSerializedSize());
      lock.lock();
      try {
        pending--;
        if (closed || out.isCancelled()) {
          return;
        }
        out.onNext(msg);
        if (halfClosed && pending == 0) {
          closed = true;
          out.onCompleted();
        }
      } catch (RuntimeException e) {
        log.debug("ModelStreamInfer: could not send a response (call closed)", e);
      } finally {
        lock.unlock();
      }
    }

    private ModelStreamInferResponse errorResponse(
        ModelInferRequest request, io.grpc.Status status) {
      String message = status.getDescription();
      return ModelStreamInferResponse.newBuilder()
          .setErrorMessage(message == null || message.isEmpty() ? status.getCode().name() : message)
          .setInferResponse(
              ModelInferResponse.newBuilder()
                  .setId(request.getId())
                  .setModelName(request.getModelName())
                  .setModelVersion(request.getModelVersion()))
          .build();
    }

    @Override
    public void onError(Throwable t) {
      cancelAll();
    }

    @Override
    public void onCompleted() {
      lock.lock();
      try {
        halfClosed = true;
        if (pending == 0 && !closed) {
          closed = true;
          out.onCompleted();
        }
      } catch (RuntimeException e) {
        log.debug("ModelStreamInfer: could not complete (call closed)", e);
      } finally {
        lock.unlock();
      }
    }

    private void cancelAll() {
      lock.lock();
      try {
        closed = true;
      } finally {
        lock.unlock();
      }
      for (CompletableFuture<InferenceResponse> f : inFlight) {
        f.cancel(false);
      }
    }
  }
}
