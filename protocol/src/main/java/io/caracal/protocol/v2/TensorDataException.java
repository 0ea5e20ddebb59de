package io.caracal.protocol.v2;

import io.caracal.api.DataType;
import io.caracal.api.Shape;

/**
 * Thrown when a tensor's data breaks a rule of the V2 encoding; {@link #problem()} says which. The
 * message is a plain description for callers that do not word their own (the client); the server
 * words each {@link TensorDataProblem} itself. Stackless: bad data from a peer is an expected
 * outcome, not a bug.
 */
public final class TensorDataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient TensorDataProblem problem;
  private final transient DataType dataType;
  private final transient Shape shape;

  TensorDataException(TensorDataProblem problem, DataType dataType, Shape shape) {
    super(null, null, false, false);
    this.problem = problem;
    this.dataType = dataType;
    this.shape = shape;
  }

  /** Returns what is wrong. */
  public TensorDataProblem problem() {
    return problem;
  }

  /** Returns the datatype of the tensor being read. */
  public DataType dataType() {
    return dataType;
  }

  /** Returns the shape of the tensor being read. */
  public Shape shape() {
    return shape;
  }

  @Override
  public String getMessage() {
    return switch (problem) {
      case TensorDataProblem.CountOverflow() -> "shape " + shape + " has too many elements";
      case TensorDataProblem.TooManyElements(long count) ->
          "shape " + shape + " declares " + count + " elements, more than allowed";
      case TensorDataProblem.NotAnArray() -> "'data' must be an array";
      case TensorDataProblem.DepthLimit() -> "'data' nests deeper than the JSON depth limit";
      case TensorDataProblem.NestedTooDeep(int depth) ->
          "'data' is nested " + depth + " deep, deeper than its shape " + shape;
      case TensorDataProblem.Truncated() -> "malformed JSON in 'data'";
      case TensorDataProblem.TooManyValues(long expected) ->
          "shape " + shape + " needs " + expected + " elements, 'data' holds more";
      case TensorDataProblem.TooFewValues(long expected, long found) ->
          "shape " + shape + " needs " + expected + " elements, 'data' holds " + found;
      case TensorDataProblem.BadElement(String expected, String found) ->
          "expected " + expected + " for " + dataType + ", got " + found;
      case TensorDataProblem.OutOfRange(String text) ->
          "value " + text + " is out of range for " + dataType;
      case TensorDataProblem.BytesTooLarge() -> "BYTES data is too large";
      case TensorDataProblem.SizeMismatch(long expected, long size) ->
          dataType + " " + shape + " needs " + expected + " bytes, got " + size;
      case TensorDataProblem.BytesTooShort(long count, long size) ->
          "shape "
              + shape
              + " needs at least "
              + count
              + " length-prefixed elements, more than "
              + size
              + " bytes hold";
      case TensorDataProblem.BytesOverrun() ->
          "malformed BYTES data: an element length runs past the end of the data";
      case TensorDataProblem.BytesCountMismatch(long expected, long found) ->
          "expected " + expected + " BYTES elements for shape " + shape + ", got " + found;
    };
  }
}
