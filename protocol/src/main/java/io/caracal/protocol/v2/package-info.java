/**
 * KServe V2 tensor data on the wire, shared by the server's HTTP transport and the client: a
 * tensor's elements as a JSON {@code data} array ({@link io.caracal.protocol.v2.JsonTensorWriter},
 * {@link io.caracal.protocol.v2.JsonTensorReader}), the size rules of the binary tensor data
 * extension ({@link io.caracal.protocol.v2.BinaryTensorData}), and what is wrong with data that
 * breaks them ({@link io.caracal.protocol.v2.TensorDataProblem}). Each transport frames requests
 * and responses itself and words its own error messages from the problem.
 */
@NullMarked
package io.caracal.protocol.v2;

import org.jspecify.annotations.NullMarked;
