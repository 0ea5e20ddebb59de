package io.caracal.app;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * What one listener exposes, as the start-up table shows it: where it listens, whether it speaks
 * TLS and asks for client certificates, how callers authenticate, and which API categories are
 * restricted. {@link Caracal#listeners()} returns one per open listener; the table is logged once
 * at start ({@link #table}), and a plaintext listener on a non-loopback address gets a warning of
 * its own ({@link #exposed}).
 *
 * @param name the listener: {@code http}, {@code grpc}, {@code tfs-rest}, {@code tfs-grpc}, {@code
 *     metrics}
 * @param address the bound address and port
 * @param tls {@code no}, or {@code yes} with the client-certificate mode ({@code yes, client cert
 *     require})
 * @param auth how callers authenticate on it ({@code none} until authentication exists)
 * @param restricted the API categories restricted on it ({@code none}, or a list)
 */
public record ListenerPosture(
    String name, InetSocketAddress address, String tls, String auth, String restricted) {

  public ListenerPosture {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(auth, "auth");
    Objects.requireNonNull(restricted, "restricted");
  }

  /** Whether the listener is bound to a loopback address only. */
  public boolean loopback() {
    return address.getAddress() != null && address.getAddress().isLoopbackAddress();
  }

  /** Whether the listener speaks TLS. */
  public boolean secure() {
    return tls.startsWith("yes");
  }

  /** Whether others on the network can reach it in plaintext: not loopback, no TLS. */
  public boolean exposed() {
    return !loopback() && !secure();
  }

  /** The loud warning of an exposed listener. */
  String warning() {
    return "!!! "
        + name
        + " listens on "
        + host()
        + ":"
        + address.getPort()
        + " WITHOUT TLS and is reachable from the network: traffic, models' inputs and outputs"
        + " travel in plaintext. Set --tls-cert-file and --tls-key-file, or bind --host"
        + " 127.0.0.1 !!!";
  }

  /** The address as the table shows it: {@code *} for every address (0.0.0.0, ::), as ss does. */
  private String host() {
    if (address.getAddress() == null) {
      return address.getHostString();
    }
    return address.getAddress().isAnyLocalAddress() ? "*" : address.getAddress().getHostAddress();
  }

  /** The table logged at start, one row per listener, without a trailing newline. */
  static String table(List<ListenerPosture> listeners) {
    String[] head = {"LISTENER", "ADDRESS", "TLS", "AUTH", "RESTRICTED"};
    int[] width = new int[head.length];
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(head);
    for (ListenerPosture l : listeners) {
      rows.add(
          new String[] {l.name, l.host() + ":" + l.address.getPort(), l.tls, l.auth, l.restricted});
    }
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(String.format("%-" + width[i] + "s  ", r[i]));
      }
      sb.append(line.toString().stripTrailing());
    }
    return sb.toString();
  }
}
