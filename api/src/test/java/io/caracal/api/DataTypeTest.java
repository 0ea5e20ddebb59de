package io.caracal.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class DataTypeTest {
  /** The element sizes of the KServe V2 protocol's datatype table. */
  private static final Map<DataType, Integer> V2_SIZES =
      Map.ofEntries(
          Map.entry(DataType.BOOL, 1),
          Map.entry(DataType.UINT8, 1),
          Map.entry(DataType.UINT16, 2),
          Map.entry(DataType.UINT32, 4),
          Map.entry(DataType.UINT64, 8),
          Map.entry(DataType.INT8, 1),
          Map.entry(DataType.INT16, 2),
          Map.entry(DataType.INT32, 4),
          Map.entry(DataType.INT64, 8),
          Map.entry(DataType.FP16, 2),
          Map.entry(DataType.BF16, 2),
          Map.entry(DataType.FP32, 4),
          Map.entry(DataType.FP64, 8));

  @Test
  void byteSize_isTheV2ElementSize_forEveryFixedSizeType() {
    assertThat(EnumSet.complementOf(EnumSet.copyOf(V2_SIZES.keySet())))
        .containsExactly(DataType.BYTES);
    V2_SIZES.forEach((t, size) -> {
      assertThat(t.byteSize()).as(t.name()).isEqualTo(size);
      assertThat(t.isFixedSize()).as(t.name()).isTrue();
    });
  }

  @Test
  void bytes_hasNoFixedSize() {
    assertThat(DataType.BYTES.byteSize()).isEqualTo(-1);
    assertThat(DataType.BYTES.isFixedSize()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void wireName_roundTrips(DataType t) {
    assertThat(t.wireName()).isEqualTo(t.name());
    assertThat(DataType.fromWireName(t.wireName())).contains(t);
  }

  @ParameterizedTest
  @ValueSource(strings = {"fp32", "Fp32", "FP128", "TYPE_FP32", "STRING", "FP32 ", " FP32", ""})
  void fromWireName_isExactAndCaseSensitive(String name) {
    assertThat(DataType.fromWireName(name)).isEmpty();
  }
}
