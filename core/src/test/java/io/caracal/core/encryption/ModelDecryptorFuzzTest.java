package io.caracal.core.encryption;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.caracal.api.backend.ModelLoadException;
import java.io.ByteArrayInputStream;

/**
 * Fuzzes the {@code .enc} reader with the seed corpus' key configured: any file is decrypted, or
 * refused with a {@link ModelLoadException} (the model's UNAVAILABLE reason); never another
 * exception, and never an allocation larger than the file's declared (and checked) length.
 */
class ModelDecryptorFuzzTest {
  static final ModelDecryptor DECRYPTOR =
      new ModelDecryptor(ModelKeys.of("k1", ModelDecryptorTest.K1));
  static final ModelBinding PLACE = ModelDecryptorTest.PLACE;

  @FuzzTest(maxDuration = "5m")
  void decrypt(byte[] file) {
    try {
      DECRYPTOR.decrypt(new ByteArrayInputStream(file), file.length, PLACE, "m/1/model.onnx.enc");
    } catch (ModelLoadException expected) {
      // refused with a reason
    }
  }
}
