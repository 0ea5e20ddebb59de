package io.caracal.core.trace;

import io.caracal.api.InferenceError;
import io.caracal.api.InferenceException;
import io.caracal.core.InferenceService;
import io.caracal.core.repository.ModelNames;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The server's trace settings, as Triton's {@code trace} extension exposes them: global values and
 * per-model overrides, changed at run time by the transports and read by the tracer on every call.
 * The one place that validates changes from clients.
 *
 * <p>No setting names a file: a change that contains {@code trace_file}, whatever its value, is
 * refused with {@code Unsupported} and Triton's text (CVE-2024-0100: a client-chosen trace path let
 * Triton overwrite any file). The exporter's settings ({@code url}, {@code resource}, {@code
 * bsp_*}) and {@code trace_mode} are fixed at start; they are echoed and ignored in updates, as
 * Triton does.
 *
 * <p>Thread-safe. Updates take a lock and publish an immutable snapshot; {@link #scope} is one
 * volatile read (plus a map lookup when a model has overrides), cheap enough for every call.
 */
public final class TraceSettings {
  /*
   * Semantics follow Triton's TraceManager (server src/tracer.cc, read, not copied):
   * - A model override records which fields the model specified; the others follow the global
   *   values, also after a later global update. Clearing a field (JSON null, an empty gRPC value
   *   list) makes it follow the global again; a model with no specified field has no override.
   * - Clearing a global field restores its start-up value.
   * - trace_count is a live budget of root traces: sampling decrements it, GET shows what is left,
   *   and setting it starts a new budget. A model that does not specify it shares the global one.
   * - Each scope counts the calls it sees for trace_rate from the moment its settings change.
   */

  /** What a trace records. */
  public enum Level {
    /** Nothing is traced. */
    OFF,
    /** Spans with the call's timestamps (Triton's TIMESTAMPS). */
    TIMESTAMPS
  }

  /** The default trace mode: spans exported with the OpenTelemetry SDK. */
  public static final String MODE = "opentelemetry";

  /** Triton's own mode: JSON traces written to a file named at start. */
  public static final String TRITON_MODE = "triton";

  /** Triton's text for any change that names a trace file. */
  public static final String TRACE_FILE_REFUSED =
      "trace file location can not be updated through network protocol";

  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  /**
   * Trace settings.
   *
   * @param level what is traced; {@code OFF} = nothing
   * @param rate one root call in {@code rate} is traced (a counter, not chance); 0 = roots are
   *     never traced, only calls whose client asked for it
   * @param count root traces left; -1 = no limit, 0 = no more root traces
   * @param logFrequency Triton's file-mode setting, kept and validated for compatibility; unused by
   *     the OpenTelemetry mode
   */
  public record Values(Level level, long rate, int count, long logFrequency) {
    /** Triton's defaults: off, every 1000th call, no limit. */
    public static final Values DEFAULTS = new Values(Level.OFF, 1000, -1, 0);

    public Values {
      Objects.requireNonNull(level, "level");
      if (rate < 0 || rate > UINT32_MAX) {
        throw new IllegalArgumentException("trace rate must be 0.." + UINT32_MAX + ", got " + rate);
      }
      if (count < -1) {
        throw new IllegalArgumentException("trace count must be >= -1, got " + count);
      }
      if (logFrequency < 0 || logFrequency > UINT32_MAX) {
        throw new IllegalArgumentException(
            "log frequency must be 0.." + UINT32_MAX + ", got " + logFrequency);
      }
    }
  }

  /**
   * The settings one call is sampled under: a global or model scope. Immutable apart from its
   * counters.
   */
  public static final class Scope {
    /** 64 bytes of longs on either side of the counter: a cache line. */
    private static final int SEEN = 8;

    private final Level level;
    private final long rate;
    private final long logFrequency;

    /**
     * The count of root calls, at index {@link #SEEN} of an array whose other longs keep it alone
     * on its cache line. Every inference call bumps it as it starts, on whichever event loop runs
     * the call; a plain {@code AtomicLong}, allocated right after this scope, shared a line with
     * the fields every call reads here, so that each bump took that line from the other cores.
     */
    private final AtomicLongArray seen = new AtomicLongArray(2 * SEEN + 1);

    private final AtomicInteger remaining;

    Scope(Level level, long rate, long logFrequency, AtomicInteger remaining) {
      this.level = level;
      this.rate = rate;
      this.logFrequency = logFrequency;
      this.remaining = remaining;
    }

    /** Returns whether calls of this scope are traced at all. */
    public boolean isEnabled() {
      return level != Level.OFF;
    }

    /**
     * Counts one root call (a call whose client did not ask for a trace) and returns whether it is
     * the {@code rate}-th one and the {@code count} budget allows a trace, which it then uses up.
     */
    public boolean takeRoot() {
      if (rate == 0 || remaining.get() == 0) {
        return false;
      }
      if (seen.incrementAndGet(SEEN) % rate != 0) {
        return false;
      }
      while (true) {
        int left = remaining.get();
        if (left < 0) {
          return true;
        }
        if (left == 0) {
          return false;
        }
        if (remaining.compareAndSet(left, left - 1)) {
          return true;
        }
      }
    }

    /** Triton's mode: traces per file; 0 = one file, written when the server stops. */
    public long logFrequency() {
      return logFrequency;
    }

    Values values() {
      return new Values(level, rate, remaining.get(), logFrequency);
    }
  }

  /** A model's specified fields; null = follows the global value. */
  private record Override(
      @Nullable Level level,
      @Nullable Long rate,
      @Nullable AtomicInteger count,
      @Nullable Long logFrequency) {
    boolean isEmpty() {
      return level == null && rate == null && count == null && logFrequency == null;
    }
  }

  private record Snapshot(Scope global, Map<String, Scope> models) {}

  private final String mode;
  private final Values defaults;
  private final Map<String, String> exporterSettings;
  private final ReentrantLock lock = new ReentrantLock();
  // guarded by lock; the snapshot is the published view
  private Values global;
  private AtomicInteger globalCount;
  private final Map<String, Override> overrides = new HashMap<>();
  private volatile Snapshot snapshot;

  private TraceSettings(String mode, Values defaults, Map<String, String> exporterSettings) {
    if (!mode.equals(MODE) && !mode.equals(TRITON_MODE)) {
      throw new IllegalArgumentException("trace mode must be opentelemetry or triton, got " + mode);
    }
    this.mode = mode;
    this.defaults = defaults;
    this.exporterSettings =
        java.util.Collections.unmodifiableMap(new LinkedHashMap<>(exporterSettings));
    this.global = defaults;
    this.globalCount = new AtomicInteger(defaults.count());
    this.snapshot = publish();
  }

  /**
   * Creates settings that start at {@code initial} (also what clearing a global field restores).
   *
   * @param exporterSettings the exporter's fixed settings, echoed by reads ({@code url}, {@code
   *     resource}, {@code bsp_*}), in order
   */
  public static TraceSettings create(Values initial, Map<String, String> exporterSettings) {
    return create(MODE, initial, exporterSettings);
  }

  /**
   * Creates settings of {@code mode} ({@link #MODE} or {@link #TRITON_MODE}) that start at {@code
   * initial}.
   */
  public static TraceSettings create(
      String mode, Values initial, Map<String, String> exporterSettings) {
    return new TraceSettings(
        Objects.requireNonNull(mode, "mode"),
        Objects.requireNonNull(initial, "initial"),
        Objects.requireNonNull(exporterSettings, "exporterSettings"));
  }

  /** Returns settings with tracing off and no exporter: for servers without tracing and tests. */
  public static TraceSettings disabled() {
    return create(Values.DEFAULTS, Map.of());
  }

  /** Returns the scope a call for {@code model} (null: not known yet) is sampled under. */
  public Scope scope(@Nullable String model) {
    Snapshot s = snapshot;
    if (model == null || s.models().isEmpty()) {
      return s.global();
    }
    Scope m = s.models().get(model);
    return m == null ? s.global() : m;
  }

  /** Returns the effective settings of {@code model}, or the global ones when null. */
  public Values get(@Nullable String model) {
    return scope(model).values();
  }

  /**
   * Returns the effective settings of {@code model} (the global ones when null) as the trace API
   * answers them, in Triton's order and spelling: {@code trace_level} (its levels), {@code
   * trace_rate}, {@code trace_count}, {@code trace_mode}, then the exporter's settings; one string
   * each but the levels. {@code log_frequency} and {@code trace_file} are left out, as Triton
   * leaves them out in its OpenTelemetry mode.
   */
  public Map<String, List<String>> describe(@Nullable String model) {
    Values v = get(model);
    Map<String, List<String>> out = new LinkedHashMap<>();
    out.put("trace_level", List.of(v.level().name()));
    out.put("trace_rate", List.of(Long.toString(v.rate())));
    out.put("trace_count", List.of(Integer.toString(v.count())));
    if (mode.equals(TRITON_MODE)) {
      out.put("log_frequency", List.of(Long.toString(v.logFrequency())));
      out.put("trace_file", List.of(""));
    }
    out.put("trace_mode", List.of(mode));
    exporterSettings.forEach((k, value) -> out.put(k, List.of(value)));
    return java.util.Collections.unmodifiableMap(out);
  }

  /**
   * One call of the trace extension, as both transports make it (Triton's {@code HandleTrace} and
   * {@code TraceSetting}): a model-level call needs the model to be ready (any version), then a
   * non-empty {@code changes} is applied; the answer is always the full effective settings.
   *
   * @param service the server's service, for the readiness of {@code model}
   * @param model the model named, or null for the global settings
   * @param changes the settings to change as {@link #update} takes them; empty = read only
   * @throws InferenceException {@code InvalidInput} {@code Request for unknown model : <m>} when
   *     the model is not ready; as {@link #update} otherwise
   */
  public Map<String, List<String>> call(
      InferenceService service,
      @Nullable String model,
      Map<String, ? extends @Nullable List<String>> changes) {
    if (model != null && !isReady(service, model)) {
      throw InferenceException.invalid(
          "", "Request for unknown model : " + ModelNames.printable(model));
    }
    if (!changes.isEmpty()) {
      update(model, changes);
    }
    return describe(model);
  }

  private static boolean isReady(InferenceService service, String model) {
    try {
      return service.isModelReady(model, OptionalLong.empty());
    } catch (InferenceException e) {
      if (e.error() instanceof InferenceError.ModelNotFound
          || e.error() instanceof InferenceError.ModelNotReady) {
        return false; // Triton's one answer for both
      }
      throw e;
    }
  }

  /** Returns the trace mode, {@link #MODE} or {@link #TRITON_MODE}; fixed at start. */
  public String mode() {
    return mode;
  }

  /** Returns the exporter's fixed settings, as reads echo them. */
  public Map<String, String> exporterSettings() {
    return exporterSettings;
  }

  /**
   * Applies a partial update of the global settings ({@code model} null) or of a model's, and
   * returns the resulting effective settings. A value is the setting's strings (one, or the levels
   * of {@code trace_level}); null or an empty list clears it. Nothing changes when any entry is
   * refused.
   *
   * @throws InferenceException {@code Unsupported} with {@link #TRACE_FILE_REFUSED} when {@code
   *     trace_file} is present; {@code InvalidInput} naming the setting for an unparsable or
   *     out-of-range number (Triton's texts), an unknown or refused level, or an unknown name
   */
  public Values update(
      @Nullable String model, Map<String, ? extends @Nullable List<String>> changes) {
    if (changes.containsKey("trace_file")) {
      throw InferenceException.of(new InferenceError.Unsupported(TRACE_FILE_REFUSED));
    }
    Change<Level> level = Change.keep();
    Change<Long> rate = Change.keep();
    Change<Integer> count = Change.keep();
    Change<Long> logFrequency = Change.keep();
    for (Map.Entry<String, ? extends @Nullable List<String>> e : changes.entrySet()) {
      String key = e.getKey();
      List<String> value = e.getValue();
      boolean clear = value == null || value.isEmpty();
      switch (key) {
        case "trace_level" -> level = clear ? Change.clear() : Change.set(level(value));
        case "trace_rate" -> rate = clear ? Change.clear() : Change.set(uint32(key, value));
        case "trace_count" -> count = clear ? Change.clear() : Change.set(count(key, value));
        case "log_frequency" ->
            logFrequency = clear ? Change.clear() : Change.set(uint32(key, value));
        default -> {
          if (!key.equals("trace_mode") && !exporterSettings.containsKey(key)) {
            throw InferenceException.invalid(key, "unknown trace setting '" + printable(key) + "'");
          }
          // fixed at start: ignored, as Triton does
        }
      }
    }
    lock.lock();
    try {
      if (model == null) {
        global =
            new Values(
                level.apply(global.level(), defaults.level()),
                rate.apply(global.rate(), defaults.rate()),
                global.count(),
                logFrequency.apply(global.logFrequency(), defaults.logFrequency()));
        if (!count.isKeep()) {
          globalCount = new AtomicInteger(count.apply(0, defaults.count()));
        }
      } else {
        Override o = overrides.getOrDefault(model, new Override(null, null, null, null));
        AtomicInteger c = o.count();
        if (count.isClear()) {
          c = null;
        } else if (count.isSet()) {
          c = new AtomicInteger(count.value());
        }
        Override next =
            new Override(
                level.applyNullable(o.level()),
                rate.applyNullable(o.rate()),
                c,
                logFrequency.applyNullable(o.logFrequency()));
        if (next.isEmpty()) {
          overrides.remove(model);
        } else {
          overrides.put(model, next);
        }
      }
      snapshot = publish();
    } finally {
      lock.unlock();
    }
    return get(model);
  }

  /**
   * Builds the snapshot from the guarded state; called with the lock held or from the constructor.
   */
  private Snapshot publish() {
    Scope g = new Scope(global.level(), global.rate(), global.logFrequency(), globalCount);
    Map<String, Scope> models = new HashMap<>();
    for (Map.Entry<String, Override> e : overrides.entrySet()) {
      Override o = e.getValue();
      models.put(
          e.getKey(),
          new Scope(
              o.level() != null ? o.level() : global.level(),
              o.rate() != null ? o.rate() : global.rate(),
              o.logFrequency() != null ? o.logFrequency() : global.logFrequency(),
              o.count() != null ? o.count() : globalCount));
    }
    return new Snapshot(g, Map.copyOf(models));
  }

  /** One field's change in an update: keep, clear or set. */
  private record Change<T>(int kind, @Nullable T raw) {
    static <T> Change<T> keep() {
      return new Change<>(0, null);
    }

    static <T> Change<T> clear() {
      return new Change<>(1, null);
    }

    static <T> Change<T> set(T value) {
      return new Change<>(2, value);
    }

    boolean isKeep() {
      return kind == 0;
    }

    boolean isClear() {
      return kind == 1;
    }

    boolean isSet() {
      return kind == 2;
    }

    T value() {
      return Objects.requireNonNull(raw, "value");
    }

    /** The global field after the change: {@code current} kept, {@code initial} on clear. */
    T apply(T current, T initial) {
      return switch (kind) {
        case 0 -> current;
        case 1 -> initial;
        default -> value();
      };
    }

    /** A model's field after the change: null follows the global value. */
    @Nullable T applyNullable(@Nullable T current) {
      return switch (kind) {
        case 0 -> current;
        case 1 -> null;
        default -> value();
      };
    }
  }

  private static Level level(List<String> values) {
    Level out = null;
    for (String s : values) {
      switch (s) {
        case "OFF" -> {
          if (values.size() != 1) {
            throw InferenceException.invalid(
                "trace_level", "Expect only one trace level 'OFF' is specified");
          }
          out = Level.OFF;
        }
        case "TIMESTAMPS" -> out = Level.TIMESTAMPS;
        case "TENSORS" ->
            throw InferenceException.invalid(
                "trace_level",
                "trace level 'TENSORS' is not supported: it would copy request and response data"
                    + " into trace storage");
        default ->
            throw InferenceException.invalid(
                "trace_level",
                "unknown trace level '"
                    + printable(s)
                    + "' in 'trace_level': expected OFF or TIMESTAMPS");
      }
    }
    return Objects.requireNonNull(out, "levels");
  }

  private static long uint32(String key, List<String> values) {
    String s = single(key, values);
    long v = parse(key, s);
    if (v < 0 || v > UINT32_MAX) {
      throw InferenceException.invalid(
          key,
          "Unable to parse '"
              + key
              + "', value is out of range [ 0, "
              + UINT32_MAX
              + " ], got: "
              + printable(s));
    }
    return v;
  }

  private static int count(String key, List<String> values) {
    String s = single(key, values);
    long v = parse(key, s);
    if (v > Integer.MAX_VALUE) {
      throw InferenceException.invalid(
          key,
          "Unable to parse '"
              + key
              + "', value is out of range [ -1, "
              + Integer.MAX_VALUE
              + " ], got: "
              + printable(s));
    }
    if (v < -1) {
      throw InferenceException.invalid(
          key, "Unable to parse '" + key + "'. Expecting value >= -1, got: " + printable(s));
    }
    return (int) v;
  }

  private static String single(String key, List<String> values) {
    if (values.size() != 1) {
      throw InferenceException.invalid(key, "expect only 1 value for '" + key + "'");
    }
    return values.get(0);
  }

  /** A decimal integer; beyond a long it is reported as out of range by the caller's bounds. */
  private static long parse(String key, String s) {
    int start = s.startsWith("-") ? 1 : 0;
    if (s.length() == start || s.length() > 24) {
      throw unparsable(key, s);
    }
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw unparsable(key, s);
      }
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return start == 1 ? Long.MIN_VALUE : Long.MAX_VALUE; // out of range either way
    }
  }

  private static InferenceException unparsable(String key, String s) {
    return InferenceException.invalid(key, "Unable to parse '" + key + "', got: " + printable(s));
  }

  private static String printable(String s) {
    return ModelNames.printable(s.length() > 64 ? s.substring(0, 64) : s);
  }
}
