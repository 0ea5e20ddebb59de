package io.caracal.it;

import static io.caracal.it.V2Client.binaryInput;
import static io.caracal.it.V2Client.jsonInput;
import static io.caracal.it.V2Client.request;
import static io.caracal.it.V2Client.shape;
import static io.caracal.it.V2Client.withInputs;
import static io.caracal.it.V2Client.withOutputs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caracal.testing.Npy;
import io.caracal.testing.NpyArray;
import io.caracal.testing.SharedData;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every model of ../shared/models reproduces its MODEL.md reference through HTTP. Models are copied
 * into a temporary Triton-layout repository without config.pbtxt (auto-completed).
 */
class ReferenceModelsIT {
  static final String[] SHARED = {
    "mnist-8", "mnist-cnn-dyn", "mobilenetv2-12-int8", "squeezenet1.0-fp16", "cifar10-tutorial-cnn",
    "iris-pytorch-mlp", "sklearn-rf-iris", "xgboost-iris", "lightgbm-iris", "sklearn-titanic"
  };
  static final String MINILM = "all-minilm-l6-v2";

  @TempDir static Path repo;
  static ItServer server;
  static V2Client c;
  static Path models;

  @BeforeAll
  static void start() throws Exception {
    Assumptions.assumeTrue(
        SharedData.root().isPresent(), "needs ../shared (the team's shared data)");
    models = SharedData.root().get().resolve("models");
    for (String m : SHARED) {
      ItServer.addModel(repo, m, 1, models.resolve(m).resolve("model.onnx"));
    }
    InputStream minilm =
        ReferenceModelsIT.class.getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx");
    assertThat(minilm)
        .as("all-minilm-l6-v2.onnx on the test classpath (langchain4j jar)")
        .isNotNull();
    ItServer.addModel(repo, MINILM, 1, minilm);
    server = ItServer.start(repo);
    c = server.client;
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static byte[] bytes(NpyArray a) {
    ByteBuffer b = a.data().duplicate();
    byte[] r = new byte[b.remaining()];
    b.get(r);
    return r;
  }

  static float[] floats(NpyArray a) {
    ByteBuffer b = a.data().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] r = new float[b.remaining() / 4];
    for (int i = 0; i < r.length; i++) {
      r[i] = b.getFloat();
    }
    return r;
  }

  static NpyArray npy(String model, String file) throws Exception {
    return Npy.read(models.resolve(model).resolve("examples").resolve(file));
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  /** Sends one binary input and asks for every listed output in binary. */
  static V2Client.Response inferBinary(
      String model, String input, String type, NpyArray in, String... outputs) {
    byte[] data = bytes(in);
    ObjectNode req =
        withOutputs(
            withInputs(request(), binaryInput(input, type, in.shape().toArray(), data.length)),
            true,
            outputs);
    V2Client.Response r = c.inferBinary(model, req, data);
    assertThat(r.status()).as("%s: %s", model, r).isEqualTo(200);
    return r;
  }

  @Test
  void everyModelIsReady() {
    for (String m : SHARED) {
      assertThat(c.ready(m)).as("%s ready: %s", m, c.get("/v2/models/" + m + "/ready")).isTrue();
    }
    assertThat(c.ready(MINILM)).isTrue();
    assertThat(c.get("/v2/health/ready").status()).isEqualTo(200);
  }

  @Test
  void mnist8Digit8AndDigit3WithExactLogits() throws Exception {
    JsonNode md = c.metadata("mnist-8");
    assertThat(md.path("inputs").get(0).path("name").asText()).isEqualTo("Input3");
    assertThat(md.path("inputs").get(0).path("shape").toString()).isEqualTo("[1,1,28,28]");
    assertThat(md.path("outputs").get(0).path("shape").toString()).isEqualTo("[1,10]");
    for (String digit : new String[] {"8", "3"}) {
      NpyArray in = npy("mnist-8", "input_digit" + digit + ".npy");
      float[] expected = floats(npy("mnist-8", "expected_output_digit" + digit + ".npy"));
      V2Client.Response r = inferBinary("mnist-8", "Input3", "FP32", in, "Plus214_Output_0");
      float[] logits = Le.toFp32(r.binary("Plus214_Output_0"));
      assertThat(r.shapeOf("Plus214_Output_0")).containsExactly(1, 10);
      assertThat(logits).containsExactly(expected);
      assertThat(argmax(logits)).isEqualTo(Integer.parseInt(digit));
    }
  }

  @Test
  void mnist8InJsonGivesTheSameLogits() throws Exception {
    NpyArray in = npy("mnist-8", "input_digit8.npy");
    float[] expected = floats(npy("mnist-8", "expected_output_digit8.npy"));
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("Input3", "FP32", in.shape().toArray(), V2Client.floats(floats(in))));
    V2Client.Response r = c.infer("mnist-8", req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    JsonNode data = r.output("Plus214_Output_0").path("data");
    for (int i = 0; i < 10; i++) {
      assertThat((float) data.get(i).asDouble()).isEqualTo(expected[i]);
    }
  }

  @Test
  void mnistCnnDynRunsAtBatch3() {
    JsonNode md = c.metadata("mnist-cnn-dyn");
    assertThat(md.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,1,28,28]");
    float[] zeros = new float[3 * 28 * 28];
    byte[] data = Le.fp32(zeros);
    ObjectNode req =
        withOutputs(
            withInputs(request(), binaryInput("input", "FP32", shape(3, 1, 28, 28), data.length)),
            true,
            "output");
    V2Client.Response r = c.inferBinary("mnist-cnn-dyn", req, data);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.shapeOf("output")).containsExactly(3, 10);
  }

  @Test
  void mobilenetTenchIs0AndKittenIs281() throws Exception {
    JsonNode md = c.metadata("mobilenetv2-12-int8");
    assertThat(md.path("inputs").get(0).path("shape").toString()).isEqualTo("[-1,3,224,224]");
    for (String[] ex : new String[][] {{"tench", "0"}, {"kitten", "281"}}) {
      V2Client.Response r =
          inferBinary(
              "mobilenetv2-12-int8",
              "input",
              "FP32",
              npy("mobilenetv2-12-int8", "input_" + ex[0] + ".npy"),
              "output");
      float[] logits = Le.toFp32(r.binary("output"));
      float[] expected = floats(npy("mobilenetv2-12-int8", "expected_output_" + ex[0] + ".npy"));
      assertThat(logits).containsExactly(expected, within(1e-4f));
      assertThat(argmax(logits)).isEqualTo(Integer.parseInt(ex[1]));
    }
  }

  @Test
  void squeezenetFp16KittenIs281WithFp16BinaryInputAndOutput() throws Exception {
    JsonNode md = c.metadata("squeezenet1.0-fp16");
    assertThat(md.path("inputs").get(0).path("datatype").asText()).isEqualTo("FP16");
    assertThat(md.path("outputs").get(0).path("datatype").asText()).isEqualTo("FP16");
    NpyArray in = npy("squeezenet1.0-fp16", "input_kitten.npy");
    assertThat(in.descr()).isEqualTo("<f2");
    V2Client.Response r = inferBinary("squeezenet1.0-fp16", "data_0", "FP16", in, "softmaxout_1");
    assertThat(r.output("softmaxout_1").path("datatype").asText()).isEqualTo("FP16");
    assertThat(r.shapeOf("softmaxout_1")).containsExactly(1, 1000, 1, 1);
    byte[] half = r.binary("softmaxout_1");
    assertThat(half).hasSize(2000);
    ByteBuffer hb = ByteBuffer.wrap(half).order(ByteOrder.LITTLE_ENDIAN);
    float[] probs = new float[1000];
    for (int i = 0; i < 1000; i++) {
      probs[i] = Float.float16ToFloat(hb.getShort());
    }
    float[] expected = floats(npy("squeezenet1.0-fp16", "expected_output_kitten.npy"));
    assertThat(probs).containsExactly(expected);
    assertThat(argmax(probs)).isEqualTo(281);
  }

  @Test
  void cifar10KittenIsCat() throws Exception {
    V2Client.Response r =
        inferBinary(
            "cifar10-tutorial-cnn",
            "modelInput",
            "FP32",
            npy("cifar10-tutorial-cnn", "input_kitten.npy"),
            "modelOutput");
    float[] logits = Le.toFp32(r.binary("modelOutput"));
    float[] expected = floats(npy("cifar10-tutorial-cnn", "expected_output_kitten.npy"));
    assertThat(logits).containsExactly(expected, within(1e-5f));
    assertThat(argmax(logits)).isEqualTo(3);
  }

  /** Dynamic batch: n copies of one image give n rows equal to the single-image reference. */
  static void checkBatchInvariance(
      String model, String input, String output, String example, int n, int classes)
      throws Exception {
    NpyArray in = npy(model, "input_" + example + ".npy");
    float[] expected = floats(npy(model, "expected_output_" + example + ".npy"));
    byte[] one = bytes(in);
    byte[][] copies = new byte[n][];
    java.util.Arrays.fill(copies, one);
    byte[] all = V2Client.concat(new byte[0], copies);
    long[] s = in.shape().toArray();
    s[0] = n;
    ObjectNode req =
        withOutputs(withInputs(request(), binaryInput(input, "FP32", s, all.length)), true, output);
    V2Client.Response r = c.inferBinary(model, req, all);
    assertThat(r.status()).as("%s x%d: %s", model, n, r).isEqualTo(200);
    assertThat(r.shapeOf(output)).containsExactly(n, classes);
    float[] got = Le.toFp32(r.binary(output));
    for (int row = 0; row < n; row++) {
      float[] rowValues = java.util.Arrays.copyOfRange(got, row * classes, (row + 1) * classes);
      assertThat(rowValues).as("%s row %d", model, row).containsExactly(expected, within(1e-5f));
    }
  }

  /** Without config.pbtxt the batch limit is Triton's auto-complete default, 4. */
  @Test
  void cifar10Batch4RowsEqualTheSingleImageResult() throws Exception {
    checkBatchInvariance("cifar10-tutorial-cnn", "modelInput", "modelOutput", "kitten", 4, 10);
    ObjectNode five =
        withInputs(
            request(), binaryInput("modelInput", "FP32", shape(5, 3, 32, 32), 5 * 3 * 32 * 32 * 4));
    V2Client.Response r =
        c.inferBinary("cifar10-tutorial-cnn", five, new byte[5 * 3 * 32 * 32 * 4]);
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.error()).contains("batch-size must be <= 4");
  }

  @Test
  void mobilenetBatch4RowsEqualTheSingleImageResult() throws Exception {
    checkBatchInvariance("mobilenetv2-12-int8", "input", "output", "tench", 4, 1000);
  }

  static ArrayNode irisRows() {
    return V2Client.floats(5.1f, 3.5f, 1.4f, 0.2f, 7.0f, 3.2f, 4.7f, 1.4f, 6.3f, 3.3f, 6.0f, 2.5f);
  }

  @Test
  void irisPytorchMlp() {
    V2Client.Response r =
        c.infer(
            "iris-pytorch-mlp",
            withInputs(request(), jsonInput("input", "FP32", shape(3, 4), irisRows())));
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    float[] expected = {
      8.661937f,
      2.6428127f,
      -13.07987f,
      -4.8576984f,
      1.6930683f,
      -2.3361077f,
      -11.83494f,
      -0.2245919f,
      4.486502f
    };
    JsonNode data = r.output("output").path("data");
    assertThat(r.shapeOf("output")).containsExactly(3, 3);
    for (int i = 0; i < expected.length; i++) {
      assertThat((float) data.get(i).asDouble()).isCloseTo(expected[i], within(1e-5f));
    }
  }

  /**
   * Checks a ZipMap classifier: label output, FP32 [batch, nClasses] probabilities, labels in
   * metadata.
   */
  static void checkClassifier(
      String model, ArrayNode rows, int cols, long[] labels, float[][] probs) {
    JsonNode md = c.metadata(model);
    JsonNode probMd = null;
    for (JsonNode o : md.path("outputs")) {
      if (o.path("name").asText().equals("output_probability")) {
        probMd = o;
      }
    }
    assertThat(probMd).as("output_probability in metadata %s", md).isNotNull();
    assertThat(probMd.path("datatype").asText()).isEqualTo("FP32");
    assertThat(probMd.path("shape").toString()).isEqualTo("[-1,3]");
    List<String> mdLabels = new ArrayList<>();
    probMd.path("labels").forEach(l -> mdLabels.add(l.asText()));
    assertThat(mdLabels).as("class labels in metadata").containsExactly("0", "1", "2");

    int batch = probs.length;
    V2Client.Response r =
        c.infer(
            model,
            withInputs(
                request(),
                jsonInput(cols == 4 ? "float_input" : "input", "FP32", shape(batch, cols), rows)));
    assertThat(r.status()).as("%s: %s", model, r).isEqualTo(200);
    assertThat(r.output("output_label").path("datatype").asText()).isEqualTo("INT64");
    List<Long> got = new ArrayList<>();
    r.output("output_label").path("data").forEach(n -> got.add(n.asLong()));
    assertThat(got).containsExactly(java.util.Arrays.stream(labels).boxed().toArray(Long[]::new));
    assertThat(r.shapeOf("output_probability")).containsExactly(batch, 3);
    JsonNode p = r.output("output_probability").path("data");
    for (int i = 0; i < batch; i++) {
      for (int j = 0; j < 3; j++) {
        assertThat((float) p.get(i * 3 + j).asDouble())
            .as("%s p[%d][%d]", model, i, j)
            .isCloseTo(probs[i][j], within(1e-6f));
      }
    }
  }

  @Test
  void sklearnRandomForestIris() {
    checkClassifier(
        "sklearn-rf-iris",
        irisRows(),
        4,
        new long[] {0, 1, 2},
        new float[][] {{0.99999934f, 0f, 0f}, {0f, 0.98999935f, 0.01f}, {0f, 0f, 0.99999934f}});
  }

  @Test
  void xgboostIris() {
    checkClassifier(
        "xgboost-iris",
        V2Client.floats(5.8f, 2.7f, 6.9f, 3.1f),
        2,
        new long[] {1, 2},
        new float[][] {
          {0.1758379f, 0.43438542f, 0.3897767f}, {0.17616782f, 0.36298677f, 0.46084544f}
        });
  }

  @Test
  void lightgbmIris() {
    checkClassifier(
        "lightgbm-iris",
        V2Client.floats(5.8f, 2.7f, 6.9f, 3.1f),
        2,
        new long[] {1, 2},
        new float[][] {
          {0.23835632f, 0.43214878f, 0.32949492f}, {0.23713748f, 0.28904018f, 0.47382236f}
        });
  }

  @Test
  void sklearnTitanicWithBytesInputsInJson() {
    ObjectNode req =
        withInputs(
            request(),
            jsonInput("pclass", "BYTES", shape(2, 1), V2Client.strings("1", "3")),
            jsonInput("sex", "BYTES", shape(2, 1), V2Client.strings("female", "male")),
            jsonInput("age", "FP32", shape(2, 1), V2Client.floats(29f, 22f)),
            jsonInput("fare", "FP32", shape(2, 1), V2Client.floats(211.3375f, 7.25f)),
            jsonInput("embarked", "BYTES", shape(2, 1), V2Client.strings("S", "S")));
    V2Client.Response r = c.infer("sklearn-titanic", req);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.output("output_label").path("data").toString()).isEqualTo("[1,0]");
    JsonNode p = r.output("output_probability").path("data");
    float[] expected = {0.09073481f, 0.90926516f, 0.90530956f, 0.09469044f};
    assertThat(r.shapeOf("output_probability")).containsExactly(2, 2);
    for (int i = 0; i < 4; i++) {
      assertThat((float) p.get(i).asDouble()).isCloseTo(expected[i], within(1e-6f));
    }
  }

  @Test
  void sklearnTitanicWithNaNAgeInBinary() {
    byte[] pclass = Le.strings("1", "3");
    byte[] sex = Le.strings("female", "male");
    byte[] age = Le.fp32(Float.NaN, Float.NaN);
    byte[] fare = Le.fp32(211.3375f, 7.25f);
    byte[] embarked = Le.strings("S", "S");
    ObjectNode req =
        withOutputs(
            withInputs(
                request(),
                binaryInput("pclass", "BYTES", shape(2, 1), pclass.length),
                binaryInput("sex", "BYTES", shape(2, 1), sex.length),
                binaryInput("age", "FP32", shape(2, 1), age.length),
                binaryInput("fare", "FP32", shape(2, 1), fare.length),
                binaryInput("embarked", "BYTES", shape(2, 1), embarked.length)),
            true,
            "output_label",
            "output_probability");
    V2Client.Response r = c.inferBinary("sklearn-titanic", req, pclass, sex, age, fare, embarked);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(Le.toInt64(r.binary("output_label"))).containsExactly(1, 0);
    assertThat(Le.toFp32(r.binary("output_probability")))
        .containsExactly(
            new float[] {0.08824149f, 0.91175854f, 0.9199211f, 0.0800789f}, within(1e-6f));
  }

  @Test
  void miniLmSingleAndPaddedBatchGiveExpectedLastHiddenState() throws Exception {
    JsonNode md = c.metadata(MINILM);
    assertThat(md.path("inputs")).hasSize(3);
    assertThat(md.path("outputs").get(0).path("name").asText()).isEqualTo("last_hidden_state");
    assertThat(md.path("outputs").get(0).path("shape").toString()).isEqualTo("[-1,-1,384]");
    for (String dir : new String[] {"", "batch2/"}) {
      NpyArray ids = npy(MINILM, dir + "input_ids.npy");
      NpyArray mask = npy(MINILM, dir + "attention_mask.npy");
      NpyArray types = npy(MINILM, dir + "token_type_ids.npy");
      NpyArray expected = npy(MINILM, dir + "expected_last_hidden_state.npy");
      byte[] bi = bytes(ids);
      byte[] bm = bytes(mask);
      byte[] bt = bytes(types);
      ObjectNode req =
          withOutputs(
              withInputs(
                  request(),
                  binaryInput("input_ids", "INT64", ids.shape().toArray(), bi.length),
                  binaryInput("attention_mask", "INT64", mask.shape().toArray(), bm.length),
                  binaryInput("token_type_ids", "INT64", types.shape().toArray(), bt.length)),
              true,
              "last_hidden_state");
      V2Client.Response r = c.inferBinary(MINILM, req, bi, bm, bt);
      assertThat(r.status()).as("%s: %s", dir, r).isEqualTo(200);
      assertThat(r.shapeOf("last_hidden_state")).containsExactly(expected.shape().toArray());
      assertThat(Le.toFp32(r.binary("last_hidden_state")))
          .containsExactly(floats(expected), within(1e-5f));
    }
  }
}
