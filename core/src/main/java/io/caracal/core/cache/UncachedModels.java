package io.caracal.core.cache;

import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a server without a response cache ({@code --cache-size 0}), warns once per model that asks for
 * one ({@code response_cache { enable: true }}): the model loads and serves, uncached. Called with
 * each model's name after the initial load and as a registry change listener. Thread-safe.
 */
public final class UncachedModels implements Consumer<String> {
  private static final Logger log = LoggerFactory.getLogger(UncachedModels.class);

  private final ModelSpecs specs;
  private final Set<String> warned = ConcurrentHashMap.newKeySet();

  /** Creates the warning over the ready models {@code specs} finds. */
  public UncachedModels(ModelSpecs specs) {
    this.specs = specs;
  }

  /** Warns if the model asks for the response cache and has not been warned about yet. */
  @Override
  public void accept(String model) {
    boolean asks =
        specs.find(model, OptionalLong.empty()).map(s -> s.responseCache()).orElse(false);
    if (asks && warned.add(model)) {
      log.warn(
          "model '{}' enables response_cache but the server has no cache (--cache-size 0);"
              + " its responses are not cached",
          model);
    }
  }

  /** Returns whether the model was warned about (for tests). */
  boolean warned(String model) {
    return warned.contains(model);
  }
}
