package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.backend.BackendFactory;
import io.caracal.api.backend.ModelArtifact;
import io.caracal.api.backend.ModelInstance;
import io.caracal.api.backend.ModelLoadException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackendDiscoveryTest {
  @TempDir Path tmp;

  /** A backend that only a plug-in jar's services file names. */
  public static final class PluginBackend implements BackendFactory {
    public PluginBackend() {}

    @Override
    public String name() {
      return "plugin-test";
    }

    @Override
    public String platform() {
      return "plugin_test";
    }

    @Override
    public boolean supports(String platform, String backend) {
      return platform.equals("plugin_test");
    }

    @Override
    public String defaultModelFileName() {
      return "model.plugin";
    }

    @Override
    public ModelInstance load(ModelArtifact artifact) throws ModelLoadException {
      throw new ModelLoadException("not loadable");
    }
  }

  private static void writeServicesJar(Path jar, String provider) throws Exception {
    Files.createDirectories(jar.getParent());
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out)) {
      j.putNextEntry(new JarEntry("META-INF/services/" + BackendFactory.class.getName()));
      j.write((provider + "\n").getBytes(StandardCharsets.UTF_8));
      j.closeEntry();
    }
  }

  /** The class path's backends: ONNX Runtime, and the optional ones under -Pall-backends. */
  private static List<String> classPath() {
    return BackendDiscovery.discover("").stream().map(BackendDiscovery::describe).toList();
  }

  @Test
  void classPathOnlyWithoutDirectory() {
    assertThat(classPath()).startsWith("onnxruntime (onnxruntime_onnx)").doesNotHaveDuplicates();
  }

  @Test
  void jarsInTheFolderAndItsSubFoldersAreLoaded() throws Exception {
    writeServicesJar(tmp.resolve("plugin/plugin.jar"), PluginBackend.class.getName());
    List<String> expected = new ArrayList<>(classPath());
    expected.add("plugin-test (plugin_test)");
    assertThat(BackendDiscovery.discover(tmp.toString()))
        .extracting(BackendDiscovery::describe)
        .containsExactlyElementsOf(expected);
  }

  @Test
  void aBrokenPluginOrFolderIsAClearError() throws Exception {
    assertThatThrownBy(() -> BackendDiscovery.discover(tmp.resolve("none").toString()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("none is not a folder");
    writeServicesJar(tmp.resolve("broken.jar"), "com.example.Missing");
    assertThatThrownBy(() -> BackendDiscovery.discover(tmp.toString()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("a backend cannot be loaded")
        .hasMessageContaining("com.example.Missing");
  }

  @Test
  void anEmptyFolderAddsNothing() {
    assertThat(BackendDiscovery.discover(tmp.toString()))
        .extracting(BackendDiscovery::describe)
        .containsExactlyElementsOf(classPath());
  }
}
