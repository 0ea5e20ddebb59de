package io.caracal.protocol.v2;

/**
 * What is wrong with a tensor's data on the wire: one case per rule of the V2 JSON {@code data}
 * array and of the binary tensor data layout. Transports turn a problem into their own message with
 * an exhaustive switch, so a new case shows up at every place that words one.
 */
public sealed interface TensorDataProblem {

  /** The shape's element count (or byte size) does not fit in a {@code long}. */
  record CountOverflow() implements TensorDataProblem {}

  /** The shape declares {@code count} elements, more than the caller allows. */
  record TooManyElements(long count) implements TensorDataProblem {}

  /** The JSON {@code data} value is not an array. */
  record NotAnArray() implements TensorDataProblem {}

  /** The {@code data} array nests deeper than the reader's JSON depth limit. */
  record DepthLimit() implements TensorDataProblem {}

  /** The {@code data} array nests {@code depth} deep, deeper than the shape's rank. */
  record NestedTooDeep(int depth) implements TensorDataProblem {}

  /** The JSON input ends inside the {@code data} array. */
  record Truncated() implements TensorDataProblem {}

  /** The {@code data} array holds more elements than the shape's {@code expected}. */
  record TooManyValues(long expected) implements TensorDataProblem {}

  /**
   * The {@code data} array holds {@code found} elements, fewer than the shape's {@code expected}.
   */
  record TooFewValues(long expected, long found) implements TensorDataProblem {}

  /**
   * A JSON element has the wrong kind for the datatype: {@code expected} and {@code found} describe
   * the kinds ("an integer", "a string").
   */
  record BadElement(String expected, String found) implements TensorDataProblem {}

  /** A JSON number, {@code text} as sent, is outside the datatype's range. */
  record OutOfRange(String text) implements TensorDataProblem {}

  /** The BYTES elements of a JSON {@code data} array need more than the largest buffer holds. */
  record BytesTooLarge() implements TensorDataProblem {}

  /**
   * Binary data of a fixed-size datatype is {@code size} bytes, where the shape needs {@code
   * expected}.
   */
  record SizeMismatch(long expected, long size) implements TensorDataProblem {}

  /**
   * Binary BYTES data of {@code size} bytes cannot hold the shape's {@code count} length-prefixed
   * elements.
   */
  record BytesTooShort(long count, long size) implements TensorDataProblem {}

  /** A length prefix in binary BYTES data runs past the end of the data. */
  record BytesOverrun() implements TensorDataProblem {}

  /** Binary BYTES data holds {@code found} elements, where the shape needs {@code expected}. */
  record BytesCountMismatch(long expected, long found) implements TensorDataProblem {}
}
