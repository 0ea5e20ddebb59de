package io.caracal.backend.pytorch;

import ai.djl.engine.Engine;
import io.caracal.api.backend.BackendOptions;
import io.caracal.api.backend.ModelLoadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts DJL's PyTorch engine, which loads libtorch into the process. libtorch's thread pools are
 * process-wide: the first start fixes the inter-op pool and the intra-op count for every model and
 * every factory in the JVM (set through DJL's {@code ai.djl.pytorch.num_threads} and {@code
 * ai.djl.pytorch.num_interop_threads}, unless those are already set); later, different options are
 * reported in the log and otherwise ignored. Offline mode ({@code ai.djl.offline}) is switched on
 * unless set, so a missing native library fails instead of being downloaded. Thread-safe.
 */
final class TorchEngine {
  static final String ENGINE_NAME = "PyTorch";
  private static final Logger log = LoggerFactory.getLogger(TorchEngine.class);
  private static final String INTRA = "ai.djl.pytorch.num_threads";
  private static final String INTER = "ai.djl.pytorch.num_interop_threads";

  private final Object lock = new Object();
  private boolean started;

  /** Starts the engine once, with {@code options}' thread counts (0 = libtorch's default). */
  void start(BackendOptions options) throws ModelLoadException {
    synchronized (lock) {
      if (started) {
        return;
      }
      if (System.getProperty("ai.djl.offline") == null) {
        System.setProperty("ai.djl.offline", "true");
      }
      setUnlessSet(INTRA, options.intraOpThreads());
      setUnlessSet(INTER, options.interOpThreads());
      Engine engine;
      try {
        engine = Engine.getEngine(ENGINE_NAME);
      } catch (RuntimeException | LinkageError e) {
        throw new ModelLoadException(
            "the PyTorch backend cannot start libtorch ("
                + firstLine(e.getMessage())
                + "); it needs pytorch-native-cpu on the class path and a writable native cache"
                + " folder (ENGINE_CACHE_DIR, about 450 MB)");
      }
      log.info(
          "PyTorch backend: libtorch {} (DJL), intra-op threads {}, inter-op threads {}",
          engine.getVersion(),
          ai.djl.pytorch.jni.JniUtils.getNumThreads(),
          ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
      started = true;
    }
  }

  private static void setUnlessSet(String property, int threads) {
    if (threads <= 0) {
      return;
    }
    String set = System.getProperty(property);
    if (set == null) {
      System.setProperty(property, Integer.toString(threads));
    } else if (!set.equals(Integer.toString(threads))) {
      log.warn(
          "PyTorch backend: {} is already {}, so {} threads asked for by the options are not used"
              + " (libtorch's thread pools are process-wide)",
          property,
          set,
          threads);
    }
  }

  /**
   * Returns the line of a libtorch message that says what failed: for an error inside a TorchScript
   * interpreter traceback the last {@code SomeError: ...} line (the traceback before it quotes the
   * model's code and the file paths of the machine that exported it), else the first line (the rest
   * is a C++ stack trace).
   */
  static String firstLine(@org.jspecify.annotations.Nullable String message) {
    if (message == null || message.isBlank()) {
      return "no message";
    }
    String[] lines = message.strip().split("\n");
    if (lines[0].contains("TorchScript interpreter")) {
      for (int i = lines.length - 1; i > 0; i--) {
        if (ERROR_LINE.matcher(lines[i].strip()).matches()) {
          return lines[i].strip();
        }
      }
    }
    return lines[0].strip();
  }

  private static final java.util.regex.Pattern ERROR_LINE =
      java.util.regex.Pattern.compile("^[A-Za-z_.]*(Error|Exception): .+");
}
