package io.caracal.deploy;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/** Renders the chart with Helm (helm-java: Helm v3 as a library) for Kubernetes 1.33. */
public final class ChartRenderer {
  public static final String KUBE_VERSION = "1.33.0";
  public static final String RELEASE = "caracal";
  public static final String NAMESPACE = "ml";

  private ChartRenderer() {}

  /** Returns {@code helm template} of the chart with its defaults, or with a values file. */
  public static String render(@Nullable Path values) {
    var template =
        new Helm(Manifests.CHART)
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
    if (values != null) {
      template = template.withValuesFile(values);
    }
    return template.call();
  }

  /** Returns the chart's {@code ci/*-values.yaml} files, each a configuration the tests render. */
  public static List<Path> ciValues() {
    try (Stream<Path> files = Files.list(Manifests.CHART.resolve("ci"))) {
      return files.filter(f -> f.toString().endsWith("-values.yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
