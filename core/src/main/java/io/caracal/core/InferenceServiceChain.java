package io.caracal.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Builds the {@link InferenceService} chain: the core pipeline innermost, each decorator wrapping
 * what was built before it, so the last one added is the first a transport calls.
 *
 * {@snippet :
 * InferenceService service =
 *     InferenceServiceChain.of(pipeline)
 *         .decorate(s -> new ModelControl(s, registry, mode, executor, limit))
 *         .decorate(admission::wrap)
 *         .build();
 * }
 *
 * Not thread-safe; build once, at start-up, in the composition root.
 */
public final class InferenceServiceChain {
  private final InferenceService pipeline;
  private final List<UnaryOperator<InferenceService>> decorators = new ArrayList<>();

  private InferenceServiceChain(InferenceService pipeline) {
    this.pipeline = pipeline;
  }

  /** Starts a chain around the innermost service. */
  public static InferenceServiceChain of(InferenceService pipeline) {
    return new InferenceServiceChain(Objects.requireNonNull(pipeline, "pipeline"));
  }

  /** Adds a decorator outside those added before it. */
  public InferenceServiceChain decorate(UnaryOperator<InferenceService> decorator) {
    decorators.add(Objects.requireNonNull(decorator, "decorator"));
    return this;
  }

  /** Returns the outermost service. */
  public InferenceService build() {
    InferenceService s = pipeline;
    for (UnaryOperator<InferenceService> d : decorators) {
      s = Objects.requireNonNull(d.apply(s), "a decorator returned null");
    }
    return s;
  }
}
