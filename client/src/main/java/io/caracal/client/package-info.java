/**
 * A Java client for KServe V2 / Open Inference Protocol servers (Caracal, Triton): {@link
 * io.caracal.client.CaracalClient} with typed tensors in ({@link io.caracal.client.InferInput}) and
 * out ({@link io.caracal.client.InferOutput}), sync and async calls, timeouts and typed errors
 * ({@link io.caracal.client.CaracalClientException}).
 */
package io.caracal.client;
