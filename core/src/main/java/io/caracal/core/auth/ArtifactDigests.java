package io.caracal.core.auth;

import java.util.List;

/** Tells the audit log the digests of a model's serving versions (read after a load). */
@FunctionalInterface
public interface ArtifactDigests {

  /** Knows no digest. */
  ArtifactDigests NONE = model -> List.of();

  /**
   * A serving version and the SHA-256 of its model file.
   *
   * @param version the version number
   * @param sha256 lower-case hex; empty when unknown
   */
  record VersionDigest(long version, String sha256) {}

  /** Returns the serving versions of {@code model} with their digests; empty when none. */
  List<VersionDigest> of(String model);
}
