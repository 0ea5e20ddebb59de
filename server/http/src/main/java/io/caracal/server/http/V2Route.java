package io.caracal.server.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A V2 REST route, matched on the request path only (the query string is ignored). Model and
 * version segments are percent-decoded.
 *
 * @param kind what the path names, {@link Kind#NOT_FOUND} when nothing
 * @param model the decoded model segment, or null
 * @param version the decoded version segment, or null when the path has none
 * @param badSegment whether a model-path segment was undecodable, empty, {@code .} or {@code ..}
 */
record V2Route(Kind kind, @Nullable String model, @Nullable String version, boolean badSegment) {

  enum Kind {
    SERVER_METADATA("GET"),
    HEALTH_LIVE("GET"),
    HEALTH_READY("GET"),
    MODEL_METADATA("GET"),
    MODEL_READY("GET"),
    INFER("POST"),
    MODEL_CONFIG("GET"),
    MODEL_STATS("GET"),
    /** {@code /v2/models/stats}: every model's statistics. */
    ALL_STATS("GET"),
    REPOSITORY_INDEX("POST"),
    REPOSITORY_LOAD("POST"),
    REPOSITORY_UNLOAD("POST"),
    /** A repository route with a repository-name segment, which Triton refuses with 501. */
    REPOSITORY_NAMED("POST"),
    /** {@code /v2/logging}: GET reads, POST updates. */
    LOGGING("GET"),
    /**
     * {@code /v2/trace/setting} (model null) and {@code /v2/models/{m}/trace/setting}: GET reads,
     * POST updates.
     */
    TRACE_SETTING("GET"),
    NOT_FOUND("");

    final String method;

    Kind(String method) {
      this.method = method;
    }

    /** Returns whether the route answers this request method. */
    boolean allows(String requestMethod) {
      return method.equals(requestMethod)
          || ((this == LOGGING || this == TRACE_SETTING) && requestMethod.equals("POST"));
    }
  }

  /**
   * Returns the model segment of a route that names one (model routes, repository load, unload).
   */
  /**
   * The route's template, as logs, traces and metrics name it: never the raw path, which the client
   * chose ({@code /v2/models/{model}/versions/{version}/infer}; {@code unmatched} for no route).
   */
  String template() {
    String m = version == null ? "/v2/models/{model}" : "/v2/models/{model}/versions/{version}";
    return switch (kind) {
      case SERVER_METADATA -> "/v2";
      case HEALTH_LIVE -> "/v2/health/live";
      case HEALTH_READY -> "/v2/health/ready";
      case MODEL_METADATA -> m;
      case MODEL_READY -> m + "/ready";
      case INFER -> m + "/infer";
      case MODEL_CONFIG -> m + "/config";
      case MODEL_STATS -> m + "/stats";
      case ALL_STATS -> "/v2/models/stats";
      case REPOSITORY_INDEX -> "/v2/repository/index";
      case REPOSITORY_LOAD -> "/v2/repository/models/{model}/load";
      case REPOSITORY_UNLOAD -> "/v2/repository/models/{model}/unload";
      case REPOSITORY_NAMED -> "/v2/repository/{name}";
      case LOGGING -> "/v2/logging";
      case TRACE_SETTING -> model == null ? "/v2/trace/setting" : m + "/trace/setting";
      case NOT_FOUND -> "unmatched";
    };
  }

  /**
   * Returns what the route does for authorization ({@code method} tells a settings read from an
   * update); null for {@link Kind#NOT_FOUND}, which is answered 404 before any check.
   */
  io.caracal.core.auth.@Nullable Operation operation(String method) {
    boolean update = method.equals("POST");
    return switch (kind) {
      case HEALTH_LIVE, HEALTH_READY, MODEL_READY -> io.caracal.core.auth.Operation.HEALTH;
      case SERVER_METADATA -> io.caracal.core.auth.Operation.SERVER_METADATA;
      case MODEL_METADATA -> io.caracal.core.auth.Operation.MODEL_METADATA;
      case INFER -> io.caracal.core.auth.Operation.INFER;
      case MODEL_CONFIG -> io.caracal.core.auth.Operation.MODEL_CONFIG;
      case MODEL_STATS, ALL_STATS -> io.caracal.core.auth.Operation.STATISTICS;
      case REPOSITORY_INDEX -> io.caracal.core.auth.Operation.REPOSITORY_INDEX;
      case REPOSITORY_LOAD, REPOSITORY_NAMED -> io.caracal.core.auth.Operation.REPOSITORY_LOAD;
      case REPOSITORY_UNLOAD -> io.caracal.core.auth.Operation.REPOSITORY_UNLOAD;
      case LOGGING ->
          update
              ? io.caracal.core.auth.Operation.LOGGING_UPDATE
              : io.caracal.core.auth.Operation.LOGGING_READ;
      case TRACE_SETTING ->
          update
              ? io.caracal.core.auth.Operation.TRACE_UPDATE
              : io.caracal.core.auth.Operation.TRACE_READ;
      case NOT_FOUND -> null;
    };
  }

  String modelName() {
    return Objects.requireNonNull(model, "the route names no model");
  }

  private static final V2Route NOT_FOUND = new V2Route(Kind.NOT_FOUND, null, null, false);

  /** Matches a request target (origin-form or absolute-form). */
  static V2Route match(String uri) {
    String path = uri;
    if (path.startsWith("http://") || path.startsWith("https://")) {
      int slash = path.indexOf('/', path.indexOf("//") + 2);
      path = slash < 0 ? "/" : path.substring(slash);
    }
    int cut = path.length();
    int q = path.indexOf('?');
    if (q >= 0) {
      cut = q;
    }
    int h = path.indexOf('#');
    if (h >= 0 && h < cut) {
      cut = h;
    }
    path = path.substring(0, cut);
    if (!path.startsWith("/")) {
      return NOT_FOUND;
    }
    List<String> seg = split(path.substring(1));
    int n = seg.size();
    if (n == 0 || !seg.get(0).equals("v2")) {
      return NOT_FOUND;
    }
    if (n == 1) {
      return new V2Route(Kind.SERVER_METADATA, null, null, false);
    }
    if (n == 3 && seg.get(1).equals("health")) {
      return switch (seg.get(2)) {
        case "live" -> new V2Route(Kind.HEALTH_LIVE, null, null, false);
        case "ready" -> new V2Route(Kind.HEALTH_READY, null, null, false);
        default -> NOT_FOUND;
      };
    }
    if (n == 2 && seg.get(1).equals("logging")) {
      return new V2Route(Kind.LOGGING, null, null, false);
    }
    if (n == 3 && seg.get(1).equals("trace") && seg.get(2).equals("setting")) {
      return new V2Route(Kind.TRACE_SETTING, null, null, false);
    }
    if (seg.get(1).equals("repository")) {
      return repository(seg.subList(2, n));
    }
    if (n == 3 && seg.get(1).equals("models") && seg.get(2).equals("stats")) {
      return new V2Route(Kind.ALL_STATS, null, null, false);
    }
    if (!seg.get(1).equals("models") || n < 3) {
      return NOT_FOUND;
    }
    // /v2/models/{m}[/versions/{v}][/ready|/infer]
    List<String> rest = seg.subList(2, n);
    boolean bad = false;
    for (String s : rest) {
      if (s.isEmpty() || s.equals(".") || s.equals("..") || s.indexOf('\\') >= 0) {
        bad = true;
      }
    }
    String modelRaw = rest.get(0);
    @Nullable String versionRaw = null;
    int i = 1;
    if (rest.size() >= 3 && rest.get(1).equals("versions")) {
      versionRaw = rest.get(2);
      i = 3;
    }
    Kind kind;
    if (rest.size() == i) {
      kind = Kind.MODEL_METADATA;
    } else if (rest.size() == i + 1 && rest.get(i).equals("ready")) {
      kind = Kind.MODEL_READY;
    } else if (rest.size() == i + 1 && rest.get(i).equals("infer")) {
      kind = Kind.INFER;
    } else if (rest.size() == i + 1 && rest.get(i).equals("config")) {
      kind = Kind.MODEL_CONFIG;
    } else if (rest.size() == i + 1 && rest.get(i).equals("stats")) {
      kind = Kind.MODEL_STATS;
    } else if (rest.size() == i + 2
        && rest.get(i).equals("trace")
        && rest.get(i + 1).equals("setting")) {
      kind = Kind.TRACE_SETTING;
    } else if (bad) {
      // a traversal-looking path such as /v2/models/a/../../b: reject it as a bad name, not 404
      return new V2Route(Kind.MODEL_METADATA, null, null, true);
    } else {
      return NOT_FOUND;
    }
    String model = decode(modelRaw);
    String version = versionRaw == null ? null : decode(versionRaw);
    if (model == null || (versionRaw != null && version == null)) {
      bad = true;
    } else if (model.equals(".") || model.equals("..")) {
      bad = true;
    }
    return new V2Route(kind, model, version, bad);
  }

  /**
   * Matches {@code /v2/repository[/{name}]/(index|models/{m}/(load|unload))}; {@code rest} follows
   * "repository".
   */
  private static V2Route repository(List<String> rest) {
    int n = rest.size();
    boolean named = false;
    List<String> r = rest;
    if ((n == 2 && rest.get(1).equals("index")) || (n == 4 && rest.get(1).equals("models"))) {
      named = true;
      r = rest.subList(1, n);
    }
    Kind kind;
    @Nullable String modelRaw = null;
    if (r.size() == 1 && r.get(0).equals("index")) {
      kind = Kind.REPOSITORY_INDEX;
    } else if (r.size() == 3
        && r.get(0).equals("models")
        && (r.get(2).equals("load") || r.get(2).equals("unload"))) {
      kind = r.get(2).equals("load") ? Kind.REPOSITORY_LOAD : Kind.REPOSITORY_UNLOAD;
      modelRaw = r.get(1);
    } else if (rest.size() > 3
        && rest.get(0).equals("models")
        && (rest.get(n - 1).equals("load") || rest.get(n - 1).equals("unload"))) {
      // a traversal-looking name such as models/a/../../b/load: a bad name, not 404
      return new V2Route(
          rest.get(n - 1).equals("load") ? Kind.REPOSITORY_LOAD : Kind.REPOSITORY_UNLOAD,
          null,
          null,
          true);
    } else {
      return NOT_FOUND;
    }
    if (named && !rest.get(0).isEmpty()) {
      return new V2Route(Kind.REPOSITORY_NAMED, null, null, false);
    }
    if (modelRaw == null) {
      return new V2Route(kind, null, null, false);
    }
    String model = decode(modelRaw);
    boolean bad =
        model == null
            || model.isEmpty()
            || model.equals(".")
            || model.equals("..")
            || modelRaw.indexOf('\\') >= 0;
    return new V2Route(kind, model, null, bad);
  }

  private static List<String> split(String s) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= s.length(); i++) {
      if (i == s.length() || s.charAt(i) == '/') {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    // "/v2/" has a trailing empty segment; tolerate exactly one trailing slash
    if (out.size() > 1 && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** Strict percent-decoding to UTF-8; returns null when the segment is not well formed. */
  static @Nullable String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream bos = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()) {
          return null;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return null;
        }
        bos.write(hi * 16 + lo);
        i += 2;
      } else if (c < 0x80) {
        bos.write(c);
      } else {
        return null; // raw non-ASCII in a request line is not valid
      }
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bos.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
