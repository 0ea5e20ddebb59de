package io.caracal.app;

import io.caracal.api.backend.BackendFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the model backends: the ones on the class path (ONNX Runtime always; TensorFlow and PyTorch
 * when built with the profile {@code all-backends}), and the plug-ins in {@code
 * --backend-directory}: every {@code *.jar} in that folder and in its direct sub-folders (one
 * folder per plug-in, as Triton's {@code backends/<name>/}) goes on one class loader whose parent
 * is the server's, and {@link ServiceLoader} finds their {@link BackendFactory}s there. A backend
 * name found twice keeps its first (class path) factory, with a warning. The class loader lives as
 * long as the process (backends hold native libraries, which cannot be unloaded anyway).
 */
final class BackendDiscovery {
  private static final Logger log = LoggerFactory.getLogger(BackendDiscovery.class);

  private BackendDiscovery() {}

  /**
   * Returns the backends, class path first, then plug-ins by jar order.
   *
   * @param directory {@code --backend-directory}; empty for none
   * @throws IllegalArgumentException if the directory is not a readable folder
   * @throws IllegalStateException if there is no backend at all, or a plug-in cannot be loaded
   */
  static List<BackendFactory> discover(String directory) {
    ClassLoader parent = Caracal.class.getClassLoader();
    ClassLoader loader = parent;
    if (!directory.isEmpty()) {
      List<Path> jars = jars(Path.of(directory));
      if (jars.isEmpty()) {
        log.warn("backend-directory {} holds no jar (in it or its sub-folders)", directory);
      } else {
        loader = new URLClassLoader("caracal-backends", urls(jars), parent);
        log.info("backend-directory {}: {} jar(s) loaded", directory, jars.size());
      }
    }
    Map<String, BackendFactory> byName = new LinkedHashMap<>();
    try {
      for (BackendFactory f : ServiceLoader.load(BackendFactory.class, loader)) {
        BackendFactory first = byName.putIfAbsent(f.name(), f);
        if (first != null && first.getClass() != f.getClass()) {
          log.warn(
              "backend {} is found twice ({} and {}): using the first",
              f.name(),
              first.getClass().getName(),
              f.getClass().getName());
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new IllegalStateException(
          "a backend cannot be loaded (a plug-in jar of --backend-directory missing a dependency,"
              + " or built for another Caracal?): "
              + e.getMessage(),
          e);
    }
    if (byName.isEmpty()) {
      throw new IllegalStateException(
          "no backend found on the class path (expected caracal-backend-onnxruntime)");
    }
    return List.copyOf(byName.values());
  }

  /** Returns how the start log and server metadata name a backend: {@code name (platform)}. */
  static String describe(BackendFactory f) {
    return f.name() + " (" + f.platform() + ")";
  }

  private static List<Path> jars(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("backend-directory: " + dir + " is not a folder");
    }
    List<Path> out = new ArrayList<>();
    try {
      List<Path> subFolders = new ArrayList<>();
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path p : entries) {
          if (Files.isDirectory(p)) {
            subFolders.add(p);
          } else if (isJar(p)) {
            out.add(p);
          }
        }
      }
      for (Path sub : subFolders) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(sub)) {
          for (Path p : entries) {
            if (isJar(p)) {
              out.add(p);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("backend-directory: " + dir + " cannot be read", e);
    }
    out.sort(null);
    return out;
  }

  private static boolean isJar(Path p) {
    return Files.isRegularFile(p) && String.valueOf(p.getFileName()).endsWith(".jar");
  }

  private static URL[] urls(List<Path> jars) {
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < urls.length; i++) {
      try {
        urls[i] = jars.get(i).toUri().toURL();
      } catch (MalformedURLException e) {
        throw new UncheckedIOException(e);
      }
    }
    return urls;
  }
}
