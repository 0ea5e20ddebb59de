/**
 * The backend SPI: a {@link io.caracal.api.backend.BackendFactory}, discovered with {@link
 * java.util.ServiceLoader}, loads a model file into {@link io.caracal.api.backend.ModelInstance}s
 * that run inference. Still settling; expect changes while the scheduler lands.
 */
@NullMarked
package io.caracal.api.backend;

import org.jspecify.annotations.NullMarked;
