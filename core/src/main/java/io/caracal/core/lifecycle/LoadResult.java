package io.caracal.core.lifecycle;

/** How loading one model version ended: a servable version, or the reason it is unavailable. */
sealed interface LoadResult {

  /** The version loaded and is ready to serve. */
  record Loaded(LoadedModel model) implements LoadResult {}

  /** The version did not load; {@code reason} is what its status says (it names the model). */
  record Failed(String reason) implements LoadResult {}
}
