/**
 * Triton's JSON form of a model configuration: {@link io.caracal.protocol.config.ConfigJson} prints
 * a {@code ModelConfig} protobuf message as Triton's {@code GET /v2/models/{name}/config} does.
 */
@NullMarked
package io.caracal.protocol.config;

import org.jspecify.annotations.NullMarked;
