package io.caracal.core.cache;

import io.caracal.api.InferenceRequest;
import io.caracal.api.NamedTensor;
import io.caracal.api.ParameterValue;
import io.caracal.api.RequestedOutput;
import io.caracal.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The identity of a cached response: the model, the model's load generation (bumped by every load,
 * reload and unload, so that an entry computed before a reload is never found after it) and the
 * SHA-256 digest of the request's canonical encoding. Two keys are equal when all three are; the
 * full 32-byte digest is the identity (its hash code only spreads keys over the table), so a
 * collision would take a SHA-256 collision.
 *
 * <p>The digest covers, in this order: the model name; the version asked for (none = the latest,
 * which the generation keeps fresh); every input, sorted by name, with its name, datatype, shape
 * and data bytes; every requested output, sorted by name, with its parameters (such as {@code
 * classification}); and the request parameters. Parameters are sorted by name and enter with their
 * type, so {@code 1} and {@code "1"} differ. Left out, because they do not change the answer: the
 * request id (the hit is answered with the caller's own id), the parameters {@code priority},
 * {@code timeout} (scheduling), {@code binary_data_output} and {@code headers} (transport) ({@link
 * #LEFT_OUT_PARAMETERS}), and the per-output {@code binary_data} flag (transport formatting).
 * Requests with a {@code sequence_id}, {@code sequence_start} or {@code sequence_end} parameter are
 * never cached ({@link #bypasses}).
 *
 * <p>Every variable-length field is length-prefixed and every list count-prefixed, so that no two
 * different requests encode to the same bytes (shape {@code [1,4]} and {@code [2,2]} with equal
 * data, or an input {@code "ab"} with data {@code "c"} and {@code "a"} with {@code "bc"}, differ).
 * Immutable.
 */
public final class CacheKey {
  /** Request parameters that do not change the answer: scheduling and transport formatting. */
  public static final Set<String> LEFT_OUT_PARAMETERS =
      Set.of("priority", "timeout", "binary_data_output", "headers");

  /** Per-output parameters that do not change the answer (transport formatting). */
  public static final Set<String> LEFT_OUT_OUTPUT_PARAMETERS = Set.of("binary_data");

  /** Request parameters that make a request part of a sequence: such requests are not cached. */
  public static final Set<String> SEQUENCE_PARAMETERS =
      Set.of("sequence_id", "sequence_start", "sequence_end");

  private final String model;
  private final long generation;
  private final byte[] digest;

  private CacheKey(String model, long generation, byte[] digest) {
    this.model = model;
    this.generation = generation;
    this.digest = digest;
  }

  /** Returns whether the request must never be cached: it carries a sequence parameter. */
  public static boolean bypasses(InferenceRequest request) {
    for (String p : SEQUENCE_PARAMETERS) {
      if (request.parameters().containsKey(p)) {
        return true;
      }
    }
    return false;
  }

  /** Returns the key of {@code request} under the model's load {@code generation}. */
  public static CacheKey of(InferenceRequest request, long generation) {
    Canonical c = new Canonical();
    c.string(request.modelName());
    OptionalLong version = request.version();
    c.flag(version.isPresent());
    c.i64(version.orElse(0));

    List<NamedTensor> inputs = new ArrayList<>(request.inputs());
    inputs.sort(Comparator.comparing(NamedTensor::name));
    c.u32(inputs.size());
    for (NamedTensor in : inputs) {
      c.string(in.name());
      Tensor t = in.tensor();
      c.string(t.dataType().name());
      c.u32(t.shape().rank());
      for (int i = 0; i < t.shape().rank(); i++) {
        c.i64(t.shape().dim(i));
      }
      c.bytes(t.data());
    }

    List<RequestedOutput> outputs = new ArrayList<>(request.outputs());
    outputs.sort(Comparator.comparing(RequestedOutput::name));
    c.u32(outputs.size());
    for (RequestedOutput out : outputs) {
      c.string(out.name());
      c.parameters(out.parameters(), LEFT_OUT_OUTPUT_PARAMETERS);
    }
    c.parameters(request.parameters(), LEFT_OUT_PARAMETERS);
    return new CacheKey(request.modelName(), generation, c.digest());
  }

  /** Returns the model the key belongs to. */
  public String model() {
    return model;
  }

  /** Returns the model's load generation the key was made under. */
  public long generation() {
    return generation;
  }

  /** Returns a copy of the 32-byte SHA-256 digest. */
  public byte[] digest() {
    return digest.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CacheKey k
        && k.generation == generation
        && k.model.equals(model)
        && MessageDigest.isEqual(k.digest, digest);
  }

  @Override
  public int hashCode() {
    // spreads keys only; equality compares the whole digest
    return Arrays.hashCode(digest);
  }

  @Override
  public String toString() {
    return model + "#" + generation + ":" + HexFormat.of().formatHex(digest);
  }

  /** The canonical encoding, written straight into the digest: fixed-width numbers, prefixes. */
  private static final class Canonical {
    private final MessageDigest md = sha256();
    private final ByteBuffer scratch = ByteBuffer.allocate(Long.BYTES);

    void flag(boolean b) {
      md.update((byte) (b ? 1 : 0));
    }

    void u32(int n) {
      md.update(scratch.clear().putInt(n).array(), 0, Integer.BYTES);
    }

    void i64(long n) {
      md.update(scratch.clear().putLong(n).array(), 0, Long.BYTES);
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      u32(b.length);
      md.update(b);
    }

    void bytes(ByteBuffer data) {
      i64(data.remaining());
      md.update(data);
    }

    void parameters(Map<String, ParameterValue> parameters, Set<String> leftOut) {
      Map<String, ParameterValue> kept = new TreeMap<>();
      parameters.forEach((k, v) -> {
        if (!leftOut.contains(k)) {
          kept.put(k, v);
        }
      });
      u32(kept.size());
      kept.forEach((k, v) -> {
        string(k);
        switch (v) {
          case ParameterValue.Bool b -> {
            md.update((byte) 'b');
            flag(b.value());
          }
          case ParameterValue.Int i -> {
            md.update((byte) 'i');
            i64(i.value());
          }
          case ParameterValue.Real r -> {
            md.update((byte) 'r');
            i64(Double.doubleToLongBits(r.value()));
          }
          case ParameterValue.Str s -> {
            md.update((byte) 's');
            string(s.value());
          }
        }
      });
    }

    byte[] digest() {
      return md.digest();
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError("every Java platform has SHA-256", e);
      }
    }
  }
}
