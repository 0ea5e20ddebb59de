package io.caracal.core.inference;

/**
 * Size limits every request is checked against before anything is allocated or run.
 *
 * @param maxInputs the most inputs one request may carry
 * @param maxRank the most dimensions one tensor may have
 * @param maxElementsPerTensor the most elements one tensor may hold
 * @param maxBytesElement the largest single BYTES element, in bytes
 */
public record RequestLimits(
    int maxInputs, int maxRank, long maxElementsPerTensor, long maxBytesElement) {
  public RequestLimits {
    if (maxInputs < 1) {
      throw new IllegalArgumentException("maxInputs < 1: " + maxInputs);
    }
    if (maxRank < 1) {
      throw new IllegalArgumentException("maxRank < 1: " + maxRank);
    }
    if (maxElementsPerTensor < 1) {
      throw new IllegalArgumentException("maxElementsPerTensor < 1: " + maxElementsPerTensor);
    }
    if (maxBytesElement < 1) {
      throw new IllegalArgumentException("maxBytesElement < 1: " + maxBytesElement);
    }
  }

  /**
   * Returns the defaults: 64 inputs, rank 16, 2^28 elements per tensor, 16 MiB per BYTES element.
   */
  public static RequestLimits ofDefault() {
    return new RequestLimits(64, 16, 1L << 28, 16L << 20);
  }
}
