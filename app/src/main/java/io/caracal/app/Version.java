package io.caracal.app;

/** The running Caracal version, read from the jar manifest. */
final class Version {
  private Version() {}

  /** Returns the implementation version, or {@code dev} when not running from a built jar. */
  static String current() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
