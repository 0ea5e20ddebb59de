package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShapeTest {

  @Test
  void of_copiesTheDimensions() {
    long[] dims = {2, 3};
    Shape s = Shape.of(dims);
    dims[0] = 99;
    assertThat(s.toArray()).containsExactly(2, 3);
    s.toArray()[1] = 99;
    assertThat(s.dim(1)).isEqualTo(3);
  }

  @Test
  void of_fromList_equalsOfFromArray() {
    assertThat(Shape.of(List.of(1L, 16L)))
        .isEqualTo(Shape.of(1, 16))
        .hasSameHashCodeAs(Shape.of(1, 16));
    assertThat(Shape.of(List.of())).isEqualTo(Shape.of());
  }

  @Test
  void equality_isByDimensions() {
    assertThat(Shape.of(2, 2))
        .isEqualTo(Shape.of(2, 2))
        .isNotEqualTo(Shape.of(4))
        .isNotEqualTo(Shape.of(2, 2, 1));
    assertThat(Shape.of(-1, 4)).isEqualTo(Shape.of(-1, 4)).isNotEqualTo(Shape.of(1, 4));
  }

  @Test
  void scalar_hasRankZeroAndOneElement() {
    Shape s = Shape.of();
    assertThat(s.rank()).isZero();
    assertThat(s.elementCount()).isEqualTo(1);
    assertThat(s).hasToString("[]");
  }

  @Test
  void elementCount_isTheProductOfTheDimensions() {
    assertThat(Shape.of(7).elementCount()).isEqualTo(7);
    assertThat(Shape.of(2, 3, 4).elementCount()).isEqualTo(24);
    assertThat(Shape.of(1L << 31, 1L << 31).elementCount()).isEqualTo(1L << 62);
  }

  @Test
  void elementCount_isZero_whenADimensionIsZero() {
    assertThat(Shape.of(1, 0).elementCount()).isZero();
    assertThat(Shape.of(0).elementCount()).isZero();
    assertThat(Shape.of(0, 3037000500L, 3037000500L).elementCount()).isZero();
  }

  @Test
  void elementCount_throwsArithmeticException_onOverflow() {
    assertThatThrownBy(() -> Shape.of(3037000500L, 3037000500L).elementCount())
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Shape.of(Long.MAX_VALUE, 2).elementCount())
        .isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Shape.of(1L << 32, 1L << 32).elementCount())
        .isInstanceOf(ArithmeticException.class);
  }

  @Test
  void elementCount_throwsNamingTheShape_whenADimensionIsNegative() {
    assertThatThrownBy(() -> Shape.of(-1, 4).elementCount())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("shape [-1,4] has a wildcard dimension");
    assertThatThrownBy(() -> Shape.of(2, -2).elementCount())
        .hasMessage("shape [2,-2] has a wildcard dimension");
  }

  @Test
  void hasWildcard_isTrueForAnyNegativeDimension() {
    assertThat(Shape.of(-1, 4).hasWildcard()).isTrue();
    assertThat(Shape.of(4, -2).hasWildcard()).isTrue();
    assertThat(Shape.of(0, 4).hasWildcard()).isFalse();
    assertThat(Shape.of().hasWildcard()).isFalse();
  }

  @Test
  void matches_comparesRankAndEveryFixedDimension() {
    Shape pattern = Shape.of(-1, 4);
    assertThat(Shape.of(8, 4).matches(pattern)).isTrue();
    assertThat(Shape.of(0, 4).matches(pattern)).isTrue();
    assertThat(Shape.of(8, 5).matches(pattern)).isFalse();
    assertThat(Shape.of(4).matches(pattern)).isFalse();
    assertThat(Shape.of(1, 8, 4).matches(pattern)).isFalse();
    assertThat(Shape.of().matches(Shape.of())).isTrue();
    assertThat(Shape.of(3, 3).matches(Shape.of(3, 3))).isTrue();
  }

  @Test
  void prependDropFirstAndWith_returnNewShapes() {
    Shape s = Shape.of(3, 4);
    assertThat(s.prepend(8)).isEqualTo(Shape.of(8, 3, 4));
    assertThat(s.prepend(8).dropFirst()).isEqualTo(s);
    assertThat(s.dropFirst()).isEqualTo(Shape.of(4));
    assertThat(Shape.of(5).dropFirst()).isEqualTo(Shape.of());
    assertThat(s.with(0, -1)).isEqualTo(Shape.of(-1, 4));
    assertThat(s).isEqualTo(Shape.of(3, 4));
    assertThat(Shape.of().prepend(2)).isEqualTo(Shape.of(2));
  }

  @Test
  void dropFirst_ofAScalar_throws() {
    assertThatThrownBy(() -> Shape.of().dropFirst())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a scalar shape has no first dimension");
  }

  @Test
  void toString_listsTheDimensions() {
    assertThat(Shape.of(1, 16)).hasToString("[1,16]");
    assertThat(Shape.of(-1)).hasToString("[-1]");
  }
}
