package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorMetadataTest {

  @Test
  void keepsWildcardShapes_andCopiesLabels() {
    List<String> labels = new ArrayList<>(List.of("setosa", "versicolor"));
    TensorMetadata m = new TensorMetadata("OUTPUT0", DataType.FP32, Shape.of(-1, 2), labels);
    labels.add("virginica");
    assertThat(m.shape()).isEqualTo(Shape.of(-1, 2));
    assertThat(m.labels()).containsExactly("setosa", "versicolor");
    assertThatThrownBy(() -> m.labels().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void nulls_areRefused_namingTheComponent() {
    assertThatThrownBy(() -> new TensorMetadata(null, DataType.FP32, Shape.of(1), List.of()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
    assertThatThrownBy(() -> new TensorMetadata("X", null, Shape.of(1), List.of()))
        .hasMessage("dataType");
    assertThatThrownBy(() -> new TensorMetadata("X", DataType.FP32, null, List.of()))
        .hasMessage("shape");
    assertThatThrownBy(() -> new TensorMetadata("X", DataType.FP32, Shape.of(1), null))
        .isInstanceOf(NullPointerException.class);
  }
}
