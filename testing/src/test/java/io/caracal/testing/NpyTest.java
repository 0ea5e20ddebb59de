package io.caracal.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.caracal.api.DataType;
import io.caracal.api.Shape;
import io.caracal.api.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class NpyTest {
  @TempDir Path dir;

  /**
   * Bytes exactly as NumPy 1.x writes {@code np.save(f, np.array([[1,2,3],[4,5,6]], dtype='<f4'))}.
   */
  private static byte[] numpyFile(String descr, String shape, int version, byte[] data) {
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    int pre = version == 1 ? 10 : 12;
    int total = (pre + dict.length() + 1 + 63) / 64 * 64;
    String header = dict + " ".repeat(total - pre - dict.length() - 1) + "\n";
    ByteBuffer b = ByteBuffer.allocate(total + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) version, 0});
    if (version == 1) {
      b.putShort((short) header.length());
    } else {
      b.putInt(header.length());
    }
    b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    return b.array();
  }

  private static byte[] floats(float... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      b.putFloat(f);
    }
    return b.array();
  }

  @Test
  void readsVersion1Float32() throws IOException {
    Path f = dir.resolve("a.npy");
    Files.write(f, numpyFile("<f4", "(2, 3)", 1, floats(1, 2, 3, 4, 5, 6)));
    NpyArray a = Npy.read(f);
    assertThat(a.descr()).isEqualTo("<f4");
    assertThat(a.shape()).isEqualTo(Shape.of(2, 3));
    assertThat(a.tensor()).isEqualTo(TestTensors.fp32(Shape.of(2, 3), 1, 2, 3, 4, 5, 6));
  }

  @Test
  void readsVersion2AndScalarAndOneDim() throws IOException {
    assertThat(Npy.parse(numpyFile("<f4", "(3,)", 2, floats(1, 2, 3)), "v2").shape())
        .isEqualTo(Shape.of(3));
    assertThat(Npy.parse(numpyFile("<f4", "()", 1, floats(7)), "scalar").tensor())
        .isEqualTo(TestTensors.fp32(Shape.of(), 7));
  }

  @Test
  void readsBoolAndInt64() throws IOException {
    NpyArray b = Npy.parse(numpyFile("|b1", "(2,)", 1, new byte[] {1, 0}), "b");
    assertThat(b.dataType()).isEqualTo(DataType.BOOL);
    NpyArray l = Npy.parse(numpyFile("<i8", "(1,)", 1, new byte[] {5, 0, 0, 0, 0, 0, 0, 0}), "l");
    assertThat(TestTensors.longs(l.tensor())).containsExactly(5);
  }

  @ParameterizedTest
  @EnumSource(
      value = DataType.class,
      names = {"BYTES", "BF16"},
      mode = EnumSource.Mode.EXCLUDE)
  void writeThenReadRoundTrips(DataType type) throws IOException {
    Tensor t = TestTensors.of(type, Shape.of(2, 2), 0, 1, 2, 3);
    Path f = dir.resolve(type + ".npy");
    Npy.write(f, t);
    assertThat(Npy.readTensor(f)).isEqualTo(t);
    assertThat((Files.size(f) - t.byteSize()) % 64).as("header is 64-byte aligned").isZero();
  }

  @Test
  void refusesWhatItCannotRead() {
    assertThatThrownBy(() -> Npy.parse(numpyFile(">f4", "(1,)", 1, floats(1)), "be.npy"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("unsupported dtype >f4");
    assertThatThrownBy(() -> Npy.parse(numpyFile("<f4", "(2,)", 1, floats(1)), "short.npy"))
        .hasMessageContaining("expected 8 data bytes");
    assertThatThrownBy(() -> Npy.parse(new byte[] {1, 2, 3}, "junk.npy"))
        .hasMessageContaining("not a .npy file");
    byte[] fortran = numpyFile("<f4", "(1,)", 1, floats(1));
    String s = new String(fortran, StandardCharsets.ISO_8859_1).replace("False", "True ");
    assertThatThrownBy(() -> Npy.parse(s.getBytes(StandardCharsets.ISO_8859_1), "f.npy"))
        .hasMessageContaining("Fortran");
  }

  @Test
  void readsTheSharedExamples() throws IOException {
    Assumptions.assumeTrue(SharedData.model("mnist-8").isPresent(), SharedData.skipMessage());
    NpyArray in = Npy.read(SharedData.requireModel("mnist-8").resolve("examples/input_digit8.npy"));
    assertThat(in.dataType()).isEqualTo(DataType.FP32);
    assertThat(in.shape()).isEqualTo(Shape.of(1, 1, 28, 28));
    Tensor expected =
        Npy.readTensor(
            SharedData.requireModel("mnist-8").resolve("examples/expected_output_digit8.npy"));
    assertThat(TestTensors.argmax(expected)).isEqualTo(8);
    assertThat(TestTensors.floats(expected)[8])
        .isEqualTo(22.99656f, org.assertj.core.api.Assertions.within(1e-4f));
    NpyArray half =
        Npy.read(
            SharedData.requireModel("squeezenet1.0-fp16").resolve("examples/input_kitten.npy"));
    assertThat(half.dataType()).isEqualTo(DataType.FP16);
  }
}
