package io.caracal.server.tfserving;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TF Serving REST route, matched as {@code http_rest_api_handler.cc} matches it: the same
 * case-insensitive patterns, a verb compared with case, model name and label percent-decoded
 * ({@code +} stays a plus), the version parsed as an int64.
 *
 * @param kind what the path asks
 * @param model the decoded model name, empty for {@link Kind#NOT_V1} and {@link Kind#PREFLIGHT}
 * @param version the version as written (digits), empty when the path names none
 * @param label the decoded version label, empty when the path names none
 */
record TfsRoute(Kind kind, String model, String version, String label) {

  enum Kind {
    STATUS,
    METADATA,
    PREDICT,
    CLASSIFY,
    REGRESS,
    /** {@code OPTIONS}: a CORS preflight. */
    PREFLIGHT,
    /** Not under {@code /v1}: the HTTP server's own 404 page, not JSON. */
    NOT_V1
  }

  private static final Pattern V1 = Pattern.compile("(?i)/v1/.*", Pattern.DOTALL);
  private static final Pattern POST =
      Pattern.compile(
          "(?i)/v1/models/([^/:]+)(?:(?:/versions/(\\d+))|(?:/labels/([^/:]+)))?"
              + ":(classify|regress|predict)");
  private static final Pattern GET =
      Pattern.compile(
          "(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\\d+))|(?:/labels/([^/:]+)))?"
              + "(?:/(metadata))?");

  /** Returns the route's template for logs, traces and metrics (never the raw path). */
  String template() {
    String m =
        !version.isEmpty()
            ? "/v1/models/{model}/versions/{version}"
            : !label.isEmpty() ? "/v1/models/{model}/labels/{label}" : "/v1/models/{model}";
    return switch (kind) {
      case STATUS -> m;
      case METADATA -> m + "/metadata";
      case PREDICT -> m + ":predict";
      case CLASSIFY -> m + ":classify";
      case REGRESS -> m + ":regress";
      case PREFLIGHT -> "OPTIONS";
      case NOT_V1 -> "unmatched";
    };
  }

  /**
   * Matches a request.
   *
   * @throws TfStatus.Failure TF's 400s: {@code Malformed request: <METHOD> <path>}, {@code Missing
   *     model name in request.}, {@code Failed to convert version: <v> to numeric.}
   */
  static TfsRoute match(String method, String uri) {
    String path = uri;
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    if (!V1.matcher(path).matches()) {
      return new TfsRoute(Kind.NOT_V1, "", "", "");
    }
    if (method.equals("OPTIONS")) {
      return new TfsRoute(Kind.PREFLIGHT, "", "", "");
    }
    TfStatus malformed = TfStatus.invalid("Malformed request: " + method + " " + path);
    Matcher m;
    Kind kind;
    if (method.equals("POST")) {
      m = POST.matcher(path);
      if (!m.matches()) {
        throw malformed.toException();
      }
      kind =
          switch (m.group(4)) {
            case "predict" -> Kind.PREDICT;
            case "classify" -> Kind.CLASSIFY;
            case "regress" -> Kind.REGRESS;
            default -> throw malformed.toException(); // an upper-case verb is not dispatched
          };
    } else if (method.equals("GET")) {
      m = GET.matcher(path);
      if (!m.matches()) {
        throw malformed.toException();
      }
      kind = m.group(4) != null ? Kind.METADATA : Kind.STATUS;
      if (m.group(1) == null) {
        throw TfStatus.invalid("Missing model name in request.").toException();
      }
    } else {
      throw malformed.toException();
    }
    String version = m.group(2) == null ? "" : m.group(2);
    if (!version.isEmpty()) {
      try {
        Long.parseLong(version);
      } catch (NumberFormatException e) {
        throw TfStatus.invalid("Failed to convert version: " + version + " to numeric.")
            .toException();
      }
    }
    String label = m.group(3) == null ? "" : unescape(m.group(3));
    return new TfsRoute(kind, unescape(m.group(1)), version, label);
  }

  /** Percent-decodes as {@code curl_easy_unescape}: {@code %XX} only, invalid escapes kept. */
  static String unescape(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '%' && i + 2 < b.length) {
        int hi = Character.digit(b[i + 1], 16);
        int lo = Character.digit(b[i + 2], 16);
        if (hi >= 0 && lo >= 0) {
          out.write(hi * 16 + lo);
          i += 2;
          continue;
        }
      }
      out.write(b[i]);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
