package io.caracal.server.http;

import org.jspecify.annotations.Nullable;

/**
 * A KServe V1 route of the main HTTP port (KServe's python server: {@code protocol/rest/
 * v1_endpoints.py}), matched on the path only. FastAPI's matching is copied: {@code
 * /v1/models/{m}:predict} and {@code :explain} are POST routes, and any other last segment is the
 * model name of the GET readiness route, so {@code GET /v1/models/foo:predict} asks whether the
 * model {@code foo:predict} is ready.
 *
 * @param kind what the path names
 * @param model the decoded model name, or null
 */
record V1Route(Kind kind, @Nullable String model) {

  /** Stands for no route where one is needed; never matched. */
  static final V1Route NONE = new V1Route(Kind.NOT_FOUND, null);

  enum Kind {
    /** {@code GET /}: {@code {"status":"alive"}}. */
    LIVE,
    /** {@code GET /v1/models}. */
    LIST,
    /** {@code GET /v1/models/{m}}. */
    READY,
    /** {@code POST /v1/models/{m}:predict}. */
    PREDICT,
    /** {@code POST /v1/models/{m}:explain}. */
    EXPLAIN,
    /** Any other path under {@code /v1}: KServe's {@code {"detail":"Not Found"}}. */
    NOT_FOUND
  }

  /** Returns the template for logs, traces and metrics (never the raw path). */
  String template() {
    return switch (kind) {
      case LIVE -> "/";
      case LIST -> "/v1/models";
      case READY -> "/v1/models/{model}";
      case PREDICT -> "/v1/models/{model}:predict";
      case EXPLAIN -> "/v1/models/{model}:explain";
      case NOT_FOUND -> "unmatched";
    };
  }

  /** Returns what the route does for authorization; null for {@link Kind#NOT_FOUND}. */
  io.caracal.core.auth.@Nullable Operation operation() {
    return switch (kind) {
      case LIVE, READY -> io.caracal.core.auth.Operation.HEALTH;
      case LIST -> io.caracal.core.auth.Operation.REPOSITORY_INDEX;
      case PREDICT, EXPLAIN -> io.caracal.core.auth.Operation.INFER;
      case NOT_FOUND -> null;
    };
  }

  /** Returns whether the route answers this method; {@code predict} needs POST, else GET. */
  boolean allows(String method) {
    return switch (kind) {
      case PREDICT, EXPLAIN -> method.equals("POST");
      case LIVE, LIST, READY -> method.equals("GET");
      case NOT_FOUND -> true;
    };
  }

  /**
   * Matches a request target, or returns null when the path is not KServe V1's ({@code /} or under
   * {@code /v1}); the V2 routes answer those.
   *
   * @param method the request method: a POST to {@code /v1/models/{m}:predict} is predict, any
   *     other method names the readiness route (and is refused there with 405)
   */
  static @Nullable V1Route match(String uri, String method) {
    String path = uri;
    int cut = path.length();
    int q = path.indexOf('?');
    if (q >= 0) {
      cut = q;
    }
    path = path.substring(0, cut);
    if (path.equals("/")) {
      return new V1Route(Kind.LIVE, null);
    }
    if (!path.equals("/v1") && !path.startsWith("/v1/")) {
      return null;
    }
    if (path.equals("/v1/models")) {
      return new V1Route(Kind.LIST, null);
    }
    String prefix = "/v1/models/";
    if (!path.startsWith(prefix) || path.indexOf('/', prefix.length()) >= 0) {
      return new V1Route(Kind.NOT_FOUND, null);
    }
    String seg = path.substring(prefix.length());
    Kind kind = Kind.READY;
    if (method.equals("POST")) {
      if (seg.endsWith(":predict")) {
        kind = Kind.PREDICT;
        seg = seg.substring(0, seg.length() - ":predict".length());
      } else if (seg.endsWith(":explain")) {
        kind = Kind.EXPLAIN;
        seg = seg.substring(0, seg.length() - ":explain".length());
      }
    }
    String model = V2Route.decode(seg);
    if (model == null || model.isEmpty()) {
      return new V1Route(Kind.NOT_FOUND, null);
    }
    return new V1Route(kind, model);
  }
}
