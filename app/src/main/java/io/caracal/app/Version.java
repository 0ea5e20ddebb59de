package io.caracal.app;

import picocli.CommandLine.IVersionProvider;

/**
 * The running Caracal version, read from the jar manifest; also what {@code caracal --version}
 * prints.
 */
final class Version implements IVersionProvider {
  /** Returns the implementation version, or {@code dev} when not running from a built jar. */
  static String current() {
    String v = Version.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Returns the {@code --version} text: {@code caracal <version>}. */
  @Override
  public String[] getVersion() {
    return new String[] {"caracal " + current()};
  }
}
