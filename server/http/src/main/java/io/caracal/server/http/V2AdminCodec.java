package io.caracal.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.caracal.api.InferenceException;
import io.caracal.api.ModelState;
import io.caracal.api.ModelStatistics;
import io.caracal.api.ModelStatus;
import io.caracal.core.logging.LogSettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * JSON of the extension routes (statistics, repository, logging) in Triton's shapes, and the
 * parsing of their small request bodies. Bodies are bounded by the aggregator; parsing is shallow
 * (depth 4) and every failure is a 400. Thread-safe.
 */
final class V2AdminCodec {
  private final JsonFactory factory =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder().maxNestingDepth(4).maxNumberLength(40).build())
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
          .build();

  // --------------------------------------------------------------------------------- bodies

  /**
   * Parses an optional JSON object body into its top-level members (scalars and one-level objects).
   */
  Map<String, Object> object(ByteBuf body, String what) {
    Map<String, Object> out = new LinkedHashMap<>();
    members(
        body,
        what,
        (p, k, t) -> {
          if (t == JsonToken.START_OBJECT) {
            Map<String, Object> inner = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String ik = p.currentName();
              inner.put(ik, scalar(p, p.nextToken(), ik, what));
            }
            out.put(k, inner);
          } else {
            out.put(k, scalar(p, t, k, what));
          }
        });
    return out;
  }

  /** Reads one member of a body's top-level object; the parser is at its value ({@code t}). */
  @FunctionalInterface
  private interface MemberReader {
    void read(JsonParser p, String key, JsonToken t) throws IOException;
  }

  /**
   * Parses an optional JSON object body (empty or blank: no members), handing each top-level member
   * to {@code reader}; every failure is a 400 naming {@code what}.
   */
  private void members(ByteBuf body, String what, MemberReader reader) {
    if (!body.isReadable() || isBlank(body)) {
      return;
    }
    JsonUtf8.check(body);
    try (JsonParser p =
        factory.createParser((java.io.InputStream) new ByteBufInputStream(body.duplicate()))) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw InferenceException.invalid("", "the " + what + " body must be a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String k = p.currentName();
        reader.read(p, k, p.nextToken());
      }
      if (p.nextToken() != null) {
        throw InferenceException.invalid(
            "", "the " + what + " body has content after the JSON object");
      }
    } catch (JsonProcessingException e) {
      throw InferenceException.invalid(
          "",
          "the "
              + what
              + " body is not valid JSON: "
              + V2JsonCodec.truncate(String.valueOf(e.getOriginalMessage()), 200));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object scalar(JsonParser p, JsonToken t, String key, String what)
      throws IOException {
    return switch (t) {
      case VALUE_STRING -> p.getText();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw InferenceException.invalid(
              key, "'" + key + "' of the " + what + " body is out of range");
        }
        yield p.getLongValue();
      }
      case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
      default -> {
        p.skipChildren();
        throw InferenceException.invalid(
            key,
            "'"
                + V2JsonCodec.truncate(key, 64)
                + "' of the "
                + what
                + " body must be a string, number or boolean");
      }
    };
  }

  private static boolean isBlank(ByteBuf b) {
    for (int i = b.readerIndex(); i < b.writerIndex(); i++) {
      byte c = b.getByte(i);
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses a trace-setting body: each member is a string (a number is taken as its decimal string),
   * an array of strings ({@code trace_level}; an empty array changes nothing, as in Triton) or
   * {@code null} (clears the setting).
   */
  Map<String, @Nullable List<String>> traceSettings(ByteBuf body) {
    Map<String, @Nullable List<String>> out = new LinkedHashMap<>();
    members(
        body,
        "trace",
        (p, k, t) -> {
          switch (t) {
            case VALUE_NULL -> out.put(k, null);
            case VALUE_STRING, VALUE_NUMBER_INT -> out.put(k, List.of(p.getText()));
            case START_ARRAY -> {
              List<String> values = new ArrayList<>();
              while (p.nextToken() == JsonToken.VALUE_STRING) {
                values.add(p.getText());
              }
              if (p.currentToken() != JsonToken.END_ARRAY) {
                throw traceValue(k);
              }
              if (!values.isEmpty()) {
                out.put(k, values);
              }
            }
            default -> throw traceValue(k);
          }
        });
    return out;
  }

  private static InferenceException traceValue(String key) {
    return InferenceException.invalid(
        key,
        "'"
            + V2JsonCodec.truncate(key, 64)
            + "' of the trace body must be a string, an array of strings or null");
  }

  /** Writes the trace extension's answer: {@code trace_level} an array, the rest strings. */
  byte[] traceSettings(Map<String, List<String>> settings) {
    return write(g -> {
      g.writeStartObject();
      for (Map.Entry<String, List<String>> e : settings.entrySet()) {
        if (e.getKey().equals("trace_level")) {
          g.writeArrayFieldStart(e.getKey());
          for (String v : e.getValue()) {
            g.writeString(v);
          }
          g.writeEndArray();
        } else {
          g.writeStringField(e.getKey(), String.join(",", e.getValue()));
        }
      }
      g.writeEndObject();
    });
  }

  /** Returns the {@code ready} filter of an index body (false when absent). */
  boolean readyFilter(ByteBuf body) {
    Object ready = object(body, "repository index").get("ready");
    if (ready == null) {
      return false;
    }
    if (!(ready instanceof Boolean b)) {
      throw InferenceException.invalid("ready", "'ready' must be a boolean");
    }
    return b;
  }

  /**
   * Checks a load or unload body: only {@code parameters} is read; a {@code config} override and
   * {@code file:} contents are refused (Caracal never writes model files from a request).
   */
  void checkControlBody(ByteBuf body, String what) {
    Object params = object(body, what).get("parameters");
    if (params == null) {
      return;
    }
    if (!(params instanceof Map<?, ?> map)) {
      throw InferenceException.invalid("parameters", "'parameters' must be an object");
    }
    for (Object key : map.keySet()) {
      String k = String.valueOf(key);
      if (k.equals("config")) {
        throw InferenceException.invalid(
            k,
            "load parameter 'config' is not supported: change the model's config.pbtxt in the repository instead");
      }
      if (k.startsWith("file:")) {
        throw InferenceException.invalid(
            "file:",
            "load parameters 'file:<path>' are not supported: Caracal never writes model files from a request");
      }
    }
  }

  // --------------------------------------------------------------------------------- responses

  byte[] index(List<ModelStatus> index, boolean readyOnly) {
    return write(g -> {
      g.writeStartArray();
      for (ModelStatus s : index) {
        if (readyOnly && s.state() != ModelState.READY) {
          continue;
        }
        g.writeStartObject();
        g.writeStringField("name", s.name());
        if (s.version() > 0) {
          g.writeStringField("version", Long.toString(s.version()));
        }
        g.writeStringField("state", s.state().name());
        if (!s.reason().isEmpty()) {
          g.writeStringField("reason", s.reason());
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    });
  }

  byte[] statistics(List<ModelStatistics> stats) {
    return write(g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("model_stats");
      for (ModelStatistics s : stats) {
        g.writeStartObject();
        g.writeStringField("name", s.name());
        g.writeStringField("version", Long.toString(s.version()));
        g.writeNumberField("last_inference", s.lastInferenceMillis());
        g.writeNumberField("inference_count", s.inferenceCount());
        g.writeNumberField("execution_count", s.executionCount());
        ModelStatistics.InferStats i = s.inference();
        g.writeObjectFieldStart("inference_stats");
        duration(g, "success", i.success());
        duration(g, "fail", i.fail());
        duration(g, "queue", i.queue());
        duration(g, "compute_input", i.computeInput());
        duration(g, "compute_infer", i.computeInfer());
        duration(g, "compute_output", i.computeOutput());
        duration(g, "cache_hit", i.cacheHit());
        duration(g, "cache_miss", i.cacheMiss());
        g.writeEndObject();
        g.writeObjectFieldStart("response_stats");
        g.writeEndObject();
        g.writeArrayFieldStart("batch_stats");
        for (ModelStatistics.BatchStats b : s.batches()) {
          g.writeStartObject();
          g.writeNumberField("batch_size", b.batchSize());
          duration(g, "compute_input", b.computeInput());
          duration(g, "compute_infer", b.computeInfer());
          duration(g, "compute_output", b.computeOutput());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("memory_usage");
        g.writeEndArray();
        tail(g, s.tail());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /**
   * Caracal's own statistics, under one key Triton does not use (its clients ignore unknown keys):
   * the queue-wait maximum and percentiles and the longest batch call, to check the wait bound.
   */
  private static void tail(JsonGenerator g, ModelStatistics.TailStats t) throws IOException {
    g.writeObjectFieldStart("caracal");
    g.writeNumberField("queue_max_ns", t.queueMaxNanos());
    g.writeNumberField("queue_p50_ns", t.queueP50Nanos());
    g.writeNumberField("queue_p99_ns", t.queueP99Nanos());
    g.writeNumberField("compute_infer_max_ns", t.computeInferMaxNanos());
    g.writeEndObject();
  }

  private static void duration(JsonGenerator g, String name, ModelStatistics.Duration d)
      throws IOException {
    g.writeObjectFieldStart(name);
    g.writeNumberField("count", d.count());
    g.writeNumberField("ns", d.nanos());
    g.writeEndObject();
  }

  byte[] logSettings(LogSettings.Values v) {
    return write(g -> {
      g.writeStartObject();
      g.writeStringField("log_file", v.logFile());
      g.writeBooleanField("log_info", v.logInfo());
      g.writeBooleanField("log_warning", v.logWarning());
      g.writeBooleanField("log_error", v.logError());
      g.writeNumberField("log_verbose_level", v.logVerboseLevel());
      g.writeStringField("log_format", v.logFormat());
      g.writeEndObject();
    });
  }

  private interface Writer {
    void write(JsonGenerator g) throws IOException;
  }

  private byte[] write(Writer w) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
    try (JsonGenerator g = factory.createGenerator((OutputStream) bos)) {
      w.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }
}
