package io.caracal.testing.models;

/**
 * The cross-backend test network, the one the backends' generators export as ONNX, a SavedModel and
 * TorchScript (backends/tensorflow/src/test/models/generate.py, backends/pytorch/...): input {@code
 * x} float32 [-1,4], Linear(4,3) with W[i][j] = (i+1)/10 - j/20 and b[i] = (i+1)/100, ReLU,
 * Linear(3,2) with V[i][j] = (i+1)/5 - j/10 and c = [0.5, -0.5], output {@code y} float32 [-1,2].
 */
public final class CrossNetwork {
  private CrossNetwork() {}

  /** Returns {@code y} for {@code rows} rows of {@code x}, computed in double precision. */
  public static double[] expected(float[] x, int rows) {
    double[] y = new double[rows * 2];
    for (int r = 0; r < rows; r++) {
      double[] h = new double[3];
      for (int i = 0; i < 3; i++) {
        double s = 0.01 * (i + 1);
        for (int j = 0; j < 4; j++) {
          s += ((i + 1) * 0.1 - j * 0.05) * x[r * 4 + j];
        }
        h[i] = Math.max(0, s);
      }
      for (int i = 0; i < 2; i++) {
        double s = i == 0 ? 0.5 : -0.5;
        for (int j = 0; j < 3; j++) {
          s += (0.2 * (i + 1) - 0.1 * j) * h[j];
        }
        y[r * 2 + i] = s;
      }
    }
    return y;
  }
}
