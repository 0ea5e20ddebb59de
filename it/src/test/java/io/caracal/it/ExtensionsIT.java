package io.caracal.it;

import static io.caracal.it.V2Client.ints;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.withInputs;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.api.DataType;
import io.caracal.core.lifecycle.ModelControlMode;
import io.caracal.testing.models.TestModels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton's protocol extensions over REST, through the real server with generated models. */
class ExtensionsIT {
  @TempDir Path repo;

  static final String SIMPLE_CONFIG =
      """
      max_batch_size: 8
      output [
        { name: "OUTPUT0" data_type: TYPE_INT32 dims: [16] label_filename: "labels.txt" },
        { name: "OUTPUT1" data_type: TYPE_INT32 dims: [16] }
      ]
      """;

  void simple(String name) throws IOException {
    TestModels.addSub(repo, name, DataType.INT32, 8);
    ItServer.writeConfig(repo, name, SIMPLE_CONFIG);
    List<String> labels = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      labels.add("class" + i);
    }
    Files.write(repo.resolve(name).resolve("labels.txt"), labels);
  }

  static ObjectNode addRequest(int rows) {
    int[] a = new int[16 * rows];
    for (int i = 0; i < a.length; i++) {
      a[i] = i % 16;
    }
    return withInputs(
        request(),
        jsonInput("INPUT0", "INT32", new long[] {rows, 16}, ints(a)),
        jsonInput("INPUT1", "INT32", new long[] {rows, 16}, ints(new int[16 * rows])));
  }

  static List<String> extensions(V2Client c) {
    List<String> ext = new ArrayList<>();
    c.get("/v2").json().path("extensions").forEach(e -> ext.add(e.asText()));
    return ext;
  }

  @Test
  void modelConfiguration_inTritonJsonShape() throws Exception {
    simple("simple");
    try (ItServer s = ItServer.start(repo)) {
      assertThat(extensions(s.client)).contains("model_configuration");
      V2Client.Response r = s.client.get("/v2/models/simple/config");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      JsonNode c = r.json();
      assertThat(c.path("name").asText()).isEqualTo("simple");
      assertThat(c.path("platform").asText()).isEqualTo("onnxruntime_onnx");
      assertThat(c.path("backend").asText()).isEqualTo("onnxruntime");
      assertThat(c.path("max_batch_size").isInt()).isTrue();
      assertThat(c.path("max_batch_size").asInt()).isEqualTo(8);
      assertThat(c.path("input").get(0).path("name").asText()).isEqualTo("INPUT0");
      assertThat(c.path("input").get(0).path("data_type").asText()).isEqualTo("TYPE_INT32");
      assertThat(c.path("input").get(0).path("dims").toString()).isEqualTo("[16]");
      assertThat(c.path("output").get(0).path("label_filename").asText()).isEqualTo("labels.txt");
      assertThat(c.path("version_policy").path("latest").path("num_versions").asInt()).isEqualTo(1);
      assertThat(c.path("instance_group").get(0).path("kind").asText()).isEqualTo("KIND_CPU");
      assertThat(c.path("default_model_filename").asText()).isEqualTo("model.onnx");
      assertThat(s.client.get("/v2/models/simple/versions/1/config").status()).isEqualTo(200);
      assertThat(s.client.get("/v2/models/simple/versions/2/config").status()).isEqualTo(404);
      assertThat(s.client.get("/v2/models/nope/config").status()).isEqualTo(400);
    }
  }

  @Test
  void statistics_whenListed_elseNotImplemented() throws Exception {
    simple("simple");
    try (ItServer s = ItServer.start(repo)) {
      assertThat(s.client.infer("simple", addRequest(2)).status()).isEqualTo(200);
      V2Client.Response r = s.client.get("/v2/models/simple/stats");
      if (extensions(s.client).contains("statistics")) {
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        JsonNode st = r.json().path("model_stats");
        assertThat(st).hasSize(1);
        assertThat(st.get(0).path("name").asText()).isEqualTo("simple");
        assertThat(st.get(0).path("version").asText()).isEqualTo("1");
        assertThat(st.get(0).path("inference_stats").path("success").path("count").asLong())
            .isEqualTo(1);
        assertThat(s.client.get("/v2/models/stats").json().path("model_stats")).hasSize(1);
      } else {
        assertThat(r.status()).isEqualTo(501);
      }
    }
  }

  @Test
  void classification_topKWithLabels() throws Exception {
    simple("simple");
    try (ItServer s = ItServer.start(repo)) {
      assertThat(extensions(s.client)).contains("classification");
      ObjectNode req = addRequest(2);
      ObjectNode o = req.putArray("outputs").addObject();
      o.put("name", "OUTPUT0");
      o.putObject("parameters").put("classification", 3);
      req.withArray("outputs")
          .addObject()
          .put("name", "OUTPUT1")
          .putObject("parameters")
          .put("classification", 2);
      V2Client.Response r = s.client.infer("simple", req);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      JsonNode out0 = r.json().path("outputs").get(0);
      assertThat(out0.path("datatype").asText()).isEqualTo("BYTES");
      assertThat(out0.path("shape").toString()).isEqualTo("[2,3]");
      assertThat(out0.path("data").toString())
          .isEqualTo(
              "[\"15:15:class15\",\"14:14:class14\",\"13:13:class13\",\"15:15:class15\",\"14:14:class14\",\"13:13:class13\"]");
      JsonNode out1 = r.json().path("outputs").get(1);
      assertThat(out1.path("data").get(0).asText()).isEqualTo("15:15");

      ObjectNode bad = addRequest(1);
      bad.putArray("outputs")
          .addObject()
          .put("name", "OUTPUT0")
          .putObject("parameters")
          .put("classification", 0);
      V2Client.Response b = s.client.infer("simple", bad);
      assertThat(b.status()).isEqualTo(400);
      assertThat(b.json().path("error").asText()).contains("OUTPUT0").contains("classification");
    }
  }

  @Test
  void repository_explicitMode_indexLoadReloadUnload() throws Exception {
    simple("simple");
    simple("other");
    try (ItServer s =
        ItServer.start(
            repo,
            b -> b.modelControlMode(ModelControlMode.EXPLICIT).loadModels(List.of("simple")))) {
      V2Client c = s.client;
      assertThat(extensions(c)).contains("model_repository");
      assertThat(c.postJson("/v2/repository/index", "").body())
          .asString(StandardCharsets.UTF_8)
          .isEqualTo(
              "[{\"name\":\"other\",\"state\":\"UNAVAILABLE\"},{\"name\":\"simple\",\"version\":\"1\",\"state\":\"READY\"}]");
      assertThat(c.postJson("/v2/repository/index", "{\"ready\":true}").json()).hasSize(1);
      assertThat(c.get("/v2/health/ready").status()).isEqualTo(200);
      assertThat(c.infer("other", addRequest(1)).status()).isEqualTo(400);

      V2Client.Response load = c.postJson("/v2/repository/models/other/load", "");
      assertThat(load.status()).as(load.toString()).isEqualTo(200);
      assertThat(c.infer("other", addRequest(1)).status()).isEqualTo(200);

      // a broken reload leaves the serving version serving
      Files.writeString(repo.resolve("other/1/model.onnx"), "not a model");
      V2Client.Response failed = c.postJson("/v2/repository/models/other/load", "{}");
      assertThat(failed.status()).isEqualTo(400);
      assertThat(failed.json().path("error").asText()).startsWith("failed to load 'other'");
      assertThat(c.infer("other", addRequest(1)).status()).isEqualTo(200);

      assertThat(
              c.postJson("/v2/repository/models/other/load", "{\"parameters\":{\"config\":\"{}\"}}")
                  .status())
          .isEqualTo(400);
      assertThat(
              c.postJson(
                      "/v2/repository/models/other/load",
                      "{\"parameters\":{\"file:1/model.onnx\":\"AA==\"}}")
                  .status())
          .isEqualTo(400);
      assertThat(c.postJson("/v2/repository/models/nothere/load", "").json().path("error").asText())
          .isEqualTo("failed to load 'nothere': the model is not in the repository");
      assertThat(c.postJson("/v2/repository/models/..%2Fx/load", "").status()).isEqualTo(400);
      assertThat(c.postJson("/v2/repository/myrepo/models/other/load", "").status()).isEqualTo(501);

      assertThat(c.postJson("/v2/repository/models/other/unload", "").status()).isEqualTo(200);
      assertThat(c.infer("other", addRequest(1)).status()).isEqualTo(400);
      assertThat(c.postJson("/v2/repository/index", "").json().toString())
          .contains(
              "{\"name\":\"other\",\"version\":\"1\",\"state\":\"UNAVAILABLE\",\"reason\":\"unloaded\"}");
    }
  }

  @Test
  void repository_controlModeNone_refusesLoad() throws Exception {
    simple("simple");
    try (ItServer s = ItServer.start(repo)) {
      V2Client.Response r = s.client.postJson("/v2/repository/models/simple/load", "");
      assertThat(r.status()).isEqualTo(501);
      assertThat(r.json().path("error").asText()).contains("model control mode is 'none'");
      assertThat(s.client.postJson("/v2/repository/index", "").status()).isEqualTo(200);
    }
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(bos)) {
      g.write(b);
    }
    return bos.toByteArray();
  }

  static byte[] deflate(byte[] b) throws IOException {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (DeflaterOutputStream g = new DeflaterOutputStream(bos)) {
      g.write(b);
    }
    return bos.toByteArray();
  }

  @Test
  void gzipAndDeflate_onInfer() throws Exception {
    simple("simple");
    try (ItServer s = ItServer.start(repo)) {
      byte[] body = V2Client.MAPPER.writeValueAsBytes(addRequest(1));
      String plain =
          new String(
              s.client.post(V2Client.inferPath("simple"), body).body(), StandardCharsets.UTF_8);
      V2Client.Response gz =
          s.client.post(
              V2Client.inferPath("simple"),
              gzip(body),
              "Content-Encoding",
              "gzip",
              "Accept-Encoding",
              "gzip");
      assertThat(gz.status()).isEqualTo(200);
      assertThat(gz.headerValue("content-encoding")).isEqualTo("gzip");
      assertThat(
              new String(
                  new GZIPInputStream(new ByteArrayInputStream(gz.body())).readAllBytes(),
                  StandardCharsets.UTF_8))
          .isEqualTo(plain);
      V2Client.Response df =
          s.client.post(
              V2Client.inferPath("simple"),
              deflate(body),
              "Content-Encoding",
              "deflate",
              "Accept-Encoding",
              "gzip;q=0.2, deflate;q=0.8");
      assertThat(df.headerValue("content-encoding")).isEqualTo("deflate");
      assertThat(
              new String(
                  new InflaterInputStream(new ByteArrayInputStream(df.body())).readAllBytes(),
                  StandardCharsets.UTF_8))
          .isEqualTo(plain);
      V2Client.Response md =
          s.client.send("GET", "/v2/models/simple", new byte[0], "Accept-Encoding", "gzip");
      assertThat(md.headerValue("content-encoding")).isNull();
      assertThat(md.json().path("name").asText()).isEqualTo("simple");
    }
  }

  @Test
  void logging_settingsOnly_neverAPath() throws Exception {
    simple("simple");
    try (ItServer s = ItServer.start(repo)) {
      assertThat(extensions(s.client)).contains("logging");
      JsonNode g = s.client.get("/v2/logging").json();
      assertThat(g.path("log_file").asText()).isEmpty();
      assertThat(g.path("log_format").asText()).isEqualTo("default");
      V2Client.Response path = s.client.postJson("/v2/logging", "{\"log_file\":\"/root/.bashrc\"}");
      assertThat(path.status()).isEqualTo(400);
      assertThat(path.json().path("error").asText())
          .isEqualTo("log_file cannot be set through the API");
      assertThat(s.client.postJson("/v2/logging", "{\"log_verbose_level\":-1}").status())
          .isEqualTo(400);
      V2Client.Response ok =
          s.client.postJson("/v2/logging", "{\"log_warning\":true,\"log_verbose_level\":0}");
      assertThat(ok.status()).isEqualTo(200);
      assertThat(ok.json().path("log_info").asBoolean()).isTrue();
    }
  }
}
