package io.caracal.backend.tensorflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.SavedModel;

/**
 * TF Java 1.1 is built against protobuf-java 3.21.9; Caracal's dependencyManagement pins 4.x for
 * every module. This proves the pinned runtime is the one on the class path and that TF Java's
 * generated messages parse and load with it (TensorFlowBackendFactoryTest loads through them).
 */
class TfProtobufTest {
  @Test
  void tfMessagesWorkWithTheProjectsProtobuf() throws Exception {
    assertThat(com.google.protobuf.RuntimeVersion.MAJOR).isGreaterThanOrEqualTo(4);
    byte[] pb =
        Files.readAllBytes(
            TensorFlowBackendFactoryTest.MODELS.resolve(
                "half_plus_two/1/model.savedmodel/saved_model.pb"));
    SavedModel model = SavedModel.parseFrom(pb);
    assertThat(model.getMetaGraphs(0).getSignatureDefMap()).containsKey("serving_default");
    assertThat(SavedModel.parseFrom(model.toByteArray())).isEqualTo(model);
  }
}
