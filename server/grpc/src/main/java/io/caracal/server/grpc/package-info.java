/**
 * The KServe V2 gRPC transport: {@link io.caracal.server.grpc.GrpcServer} serves {@code
 * inference.GRPCInferenceService} and {@code grpc.health.v1.Health} over grpc-java's shaded Netty;
 * {@link io.caracal.server.grpc.GrpcErrors} is the one mapping from core errors to gRPC statuses.
 */
@NullMarked
package io.caracal.server.grpc;

import org.jspecify.annotations.NullMarked;
