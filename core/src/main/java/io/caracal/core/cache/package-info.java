/**
 * The response cache: {@link io.caracal.core.cache.CachingInferenceService}, a decorator of the
 * inference service that answers repeated requests of the models that ask for it ({@code
 * response_cache { enable: true }}) from a Caffeine cache bounded in bytes, keyed by a SHA-256
 * digest of everything that changes the answer ({@link io.caracal.core.cache.CacheKey}).
 */
@NullMarked
package io.caracal.core.cache;

import org.jspecify.annotations.NullMarked;
