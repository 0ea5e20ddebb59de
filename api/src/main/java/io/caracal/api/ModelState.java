package io.caracal.api;

/** The state of one model version, named as Triton's repository index names it. */
public enum ModelState {
  /** Being loaded; not yet serving. */
  LOADING,
  /** Serving requests. */
  READY,
  /** Being unloaded; finishing in-flight requests. */
  UNLOADING,
  /** Not serving: failed to load, or unloaded. The status carries the reason. */
  UNAVAILABLE
}
