package io.caracal.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What the schemas cannot check: references between objects, and the rules that tie probes, drain
 * and grace period together.
 */
class ManifestConsistencyTest {
  private static List<JsonNode> chart(String valuesFile) {
    return Manifests.parse(ChartRenderer.render(Manifests.CHART.resolve("ci").resolve(valuesFile)));
  }

  private static JsonNode deployment(List<JsonNode> docs) {
    List<JsonNode> d = Manifests.ofKind(docs, "Deployment");
    assertThat(d).hasSize(1);
    return d.get(0);
  }

  @Test
  void chartDefaults_probesDrainAndGracePeriodFitTogether() {
    List<JsonNode> docs = Manifests.parse(ChartRenderer.render(null));
    assertThat(docs.stream().map(d -> d.path("kind").asText()).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder(
            "ServiceAccount", "Service", "Deployment", "PodDisruptionBudget", "ServiceMonitor");
    JsonNode pod = deployment(docs).path("spec").path("template").path("spec");
    JsonNode caracal = Manifests.container(pod, "caracal");
    List<String> args = Manifests.args(caracal);
    int preStop = caracal.path("lifecycle").path("preStop").path("sleep").path("seconds").asInt();
    int drain = Integer.parseInt(Manifests.flag(args, "--drain-delay-secs"));
    int exit = Integer.parseInt(Manifests.flag(args, "--exit-timeout-secs"));
    assertThat(preStop).isPositive();
    assertThat(pod.path("terminationGracePeriodSeconds").asInt())
        .as("the kubelet must not SIGKILL during preStop + drain + exit timeout")
        .isGreaterThan(preStop + drain + exit);
    assertThat(caracal.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/v2/health/ready");
    assertThat(caracal.at("/readinessProbe/failureThreshold").asInt()).isEqualTo(1);
    assertThat(caracal.at("/startupProbe/httpGet/path").asText()).isEqualTo("/v2/health/ready");
    assertThat(caracal.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/v2/health/live");
    assertThat(Manifests.flag(args, "--host")).isEqualTo("0.0.0.0");
    assertThat(caracal.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(deployment(docs).at("/spec/replicas").asInt()).isEqualTo(2);

    // every Service and ServiceMonitor port names a container port
    Set<String> containerPorts = names(caracal.path("ports"));
    JsonNode service = Manifests.ofKind(docs, "Service").get(0);
    service
        .at("/spec/ports")
        .forEach(p -> assertThat(containerPorts).contains(p.path("targetPort").asText()));
    assertThat(service.at("/spec/ports/1/appProtocol").asText()).isEqualTo("kubernetes.io/h2c");
    JsonNode monitor = Manifests.ofKind(docs, "ServiceMonitor").get(0);
    assertThat(names(service.at("/spec/ports")))
        .contains(monitor.at("/spec/endpoints/0/port").asText());
    // the selectors select the pods
    JsonNode podLabels = deployment(docs).at("/spec/template/metadata/labels");
    for (JsonNode selector :
        List.of(
            service.at("/spec/selector"),
            monitor.at("/spec/selector/matchLabels"),
            Manifests.ofKind(docs, "PodDisruptionBudget")
                .get(0)
                .at("/spec/selector/matchLabels"))) {
      selector
          .properties()
          .forEach(e -> assertThat(podLabels.path(e.getKey())).isEqualTo(e.getValue()));
    }
  }

  @Test
  void chartRepository_isMountedReadOnly_fromEachSource() {
    for (String values :
        List.of("keda-pvc-values.yaml", "hpa-init-values.yaml", "image-single-model-values.yaml")) {
      JsonNode pod = deployment(chart(values)).at("/spec/template/spec");
      JsonNode mount = Manifests.container(pod, "caracal").at("/volumeMounts/0");
      assertThat(mount.path("name").asText()).as(values).isEqualTo("models");
      assertThat(mount.path("readOnly").asBoolean()).as(values).isTrue();
    }
    JsonNode pvc = deployment(chart("keda-pvc-values.yaml")).at("/spec/template/spec");
    assertThat(pvc.at("/volumes/0/persistentVolumeClaim/claimName").asText()).isEqualTo("models");
    assertThat(Manifests.container(pvc, "caracal").at("/volumeMounts/0/subPath").asText())
        .isEqualTo("repository");
    JsonNode init = deployment(chart("hpa-init-values.yaml")).at("/spec/template/spec");
    assertThat(init.at("/initContainers/0/volumeMounts/0/name").asText()).isEqualTo("models");
    assertThat(init.at("/volumes/0/emptyDir").isObject()).isTrue();
    JsonNode image = deployment(chart("image-single-model-values.yaml")).at("/spec/template/spec");
    assertThat(image.at("/volumes/0/image/reference").asText())
        .isEqualTo("ghcr.io/example/mnist-model:1");
    assertThat(
            Manifests.flag(Manifests.args(Manifests.container(image, "caracal")), "--model-name"))
        .isEqualTo("mnist");
  }

  @Test
  void chartAutoscalers_targetTheDeployment_onTheQueueGauge_andOwnItsReplicas() {
    List<JsonNode> keda = chart("keda-pvc-values.yaml");
    JsonNode scaled = Manifests.ofKind(keda, "ScaledObject").get(0);
    assertThat(scaled.at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(deployment(keda).at("/metadata/name").asText());
    assertThat(scaled.at("/spec/triggers/0/metadata/query").asText())
        .isEqualTo("sum(nv_inference_pending_request_count{namespace=\"ml\",service=\"caracal\"})");
    assertThat(scaled.at("/spec/triggers/0/metadata/threshold").asText()).isEqualTo("8");
    assertThat(deployment(keda).at("/spec/replicas").isMissingNode()).isTrue();
    assertThat(Manifests.ofKind(keda, "HorizontalPodAutoscaler")).isEmpty();

    List<JsonNode> hpa = chart("hpa-init-values.yaml");
    JsonNode autoscaler = Manifests.ofKind(hpa, "HorizontalPodAutoscaler").get(0);
    assertThat(autoscaler.at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(deployment(hpa).at("/metadata/name").asText());
    assertThat(autoscaler.at("/spec/metrics/0/pods/metric/name").asText())
        .isEqualTo("nv_inference_pending_request_count");
    assertThat(autoscaler.at("/spec/metrics/0/pods/target/averageValue").asText()).isEqualTo("4");
    assertThat(Manifests.ofKind(hpa, "ScaledObject")).isEmpty();
  }

  @Test
  void kserve_inferenceServicesNameARuntime_thatServesTheirFormatAndProtocol() {
    List<JsonNode> docs = Manifests.read(Manifests.KSERVE);
    List<JsonNode> runtimes = new ArrayList<>(Manifests.ofKind(docs, "ClusterServingRuntime"));
    runtimes.addAll(Manifests.ofKind(docs, "ServingRuntime"));
    assertThat(runtimes).hasSize(2);
    for (JsonNode isvc : Manifests.ofKind(docs, "InferenceService")) {
      JsonNode model = isvc.at("/spec/predictor/model");
      String format = model.at("/modelFormat/name").asText();
      String protocol = model.path("protocolVersion").asText();
      List<JsonNode> candidates =
          runtimes.stream()
              .filter(r ->
                  !model.has("runtime")
                      || r.at("/metadata/name").asText().equals(model.path("runtime").asText()))
              .filter(r -> names(r.at("/spec/supportedModelFormats")).contains(format))
              .filter(r -> texts(r.at("/spec/protocolVersions")).contains(protocol))
              .toList();
      assertThat(candidates).as(isvc.at("/metadata/name").asText()).isNotEmpty();
      int grace = isvc.at("/spec/predictor/terminationGracePeriodSeconds").asInt();
      List<String> args = Manifests.args(candidates.get(0).at("/spec/containers/0"));
      assertThat(grace)
          .isGreaterThan(
              Integer.parseInt(Manifests.flag(args, "--drain-delay-secs"))
                  + Integer.parseInt(Manifests.flag(args, "--exit-timeout-secs")));
    }
    for (JsonNode r : runtimes) {
      assertThat(r.at("/spec/multiModel").asBoolean()).isFalse();
      JsonNode c = r.at("/spec/containers/0");
      assertThat(c.path("name").asText()).isEqualTo("kserve-container");
      List<String> args = Manifests.args(c);
      assertThat(Manifests.flag(args, "--http-port")).isEqualTo("8080");
      assertThat(Manifests.flag(args, "--model-repository")).isEqualTo("/mnt/models");
      assertThat(Manifests.flag(args, "--host")).isEqualTo("0.0.0.0");
      assertThat(r.at("/spec/annotations/prometheus.kserve.io~1port").asText()).isEqualTo("8002");
      assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/v2/health/ready");
    }
  }

  @Test
  void seldon_serverUsesTheServerConfig_andTheAgentRunsCaracalAsTriton() {
    List<JsonNode> docs = Manifests.read(Manifests.SELDON);
    JsonNode config = Manifests.ofKind(docs, "ServerConfig").get(0);
    JsonNode server = Manifests.ofKind(docs, "Server").get(0);
    JsonNode model = Manifests.ofKind(docs, "Model").get(0);
    assertThat(server.at("/spec/serverConfig").asText())
        .isEqualTo(config.at("/metadata/name").asText());
    JsonNode pod = config.at("/spec/podSpec");
    JsonNode agent = Manifests.container(pod, "agent");
    JsonNode caracal = Manifests.container(pod, "caracal");
    assertThat(env(agent, "SELDON_SERVER_TYPE")).isEqualTo("triton");
    assertThat(Set.of(env(agent, "SELDON_SERVER_CAPABILITIES").split(",")))
        .containsAll(texts(model.at("/spec/requirements")));
    List<String> args = Manifests.args(caracal);
    assertThat(Manifests.flag(args, "--http-port"))
        .isEqualTo(env(agent, "SELDON_SERVER_HTTP_PORT"));
    assertThat(Manifests.flag(args, "--grpc-port"))
        .isEqualTo(env(agent, "SELDON_SERVER_GRPC_PORT"));
    assertThat(Manifests.flag(args, "--model-control-mode")).isEqualTo("explicit");
    assertThat(Manifests.flag(args, "--strict-readiness")).isEqualTo("false");
    assertThat(
            agent.at("/env").findValues("resourceFieldRef").get(0).path("containerName").asText())
        .isEqualTo("caracal");
    assertThat(pod.path("terminationGracePeriodSeconds").asInt())
        .isGreaterThan(Integer.parseInt(Manifests.flag(args, "--exit-timeout-secs")));
    assertThat(caracal.at("/volumeMounts/0/readOnly").asBoolean()).isTrue();
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.path("value").asText();
      }
    }
    throw new AssertionError("no " + name + " in " + container.path("name"));
  }

  private static Set<String> names(JsonNode list) {
    Set<String> out = new java.util.HashSet<>();
    list.forEach(n -> out.add(n.path("name").asText()));
    return out;
  }

  private static Set<String> texts(JsonNode list) {
    Set<String> out = new java.util.HashSet<>();
    list.forEach(n -> out.add(n.asText()));
    return out;
  }
}
