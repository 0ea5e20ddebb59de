package io.caracal.testing.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Parses a scrape in Prometheus text 0.0.4 or OpenMetrics text 1.0.0 and checks it against the
 * formats' grammar and rules; throws {@link IllegalArgumentException} naming the line at the first
 * violation. Checked: line syntax (names, label escaping, values, timestamps), one HELP/TYPE (and
 * UNIT) per family before its samples, families not interleaved, no duplicate series, sample names
 * that fit the family's type (histogram buckets with {@code le}, cumulative and ending at {@code
 * +Inf} equal to {@code _count}; summaries with {@code quantile}; OpenMetrics counters as {@code
 * _total}), and for OpenMetrics: {@code # EOF} last, units as name suffixes, exemplars only on
 * counters' {@code _total} and histograms' {@code _bucket}, within their bucket, label sets of at
 * most 128 characters.
 */
public final class ExpositionParser {
  /** One sample line. */
  public record Sample(
      String name, Map<String, String> labels, double value, @Nullable Exemplar exemplar) {}

  /** An exemplar on a sample. */
  public record Exemplar(Map<String, String> labels, double value) {}

  /** A metric family: its name, type, help, unit and samples. */
  public record Family(String name, String type, String help, String unit, List<Sample> samples) {}

  /**
   * Returns the value of the sample {@code sample} whose labels are exactly {@code labels}, written
   * {@code name=value,name=value} ({@code ""} for none), in whichever family holds it.
   *
   * @throws AssertionError when there is no such sample
   */
  public static double value(Map<String, Family> families, String sample, String labels) {
    Map<String, String> want = new HashMap<>();
    for (String pair : labels.split(",")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        want.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    for (Family f : families.values()) {
      for (Sample s : f.samples()) {
        if (s.name().equals(sample) && s.labels().equals(want)) {
          return s.value();
        }
      }
    }
    throw new AssertionError("no sample " + sample + want);
  }

  private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Set<String> TEXT_TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped");
  private static final Set<String> OM_TYPES =
      Set.of(
          "counter",
          "gauge",
          "histogram",
          "gaugehistogram",
          "stateset",
          "info",
          "summary",
          "unknown");

  private final boolean openMetrics;
  private final Map<String, FamilyBuilder> families = new LinkedHashMap<>();
  private final Set<String> closed = new HashSet<>();
  private @Nullable FamilyBuilder current;
  private int lineNumber;

  private ExpositionParser(boolean openMetrics) {
    this.openMetrics = openMetrics;
  }

  /** Parses and checks a Prometheus text 0.0.4 scrape; returns its families by name. */
  public static Map<String, Family> parsePrometheusText(String text) {
    return new ExpositionParser(false).parse(text);
  }

  /** Parses and checks an OpenMetrics 1.0.0 scrape; returns its families by name. */
  public static Map<String, Family> parseOpenMetrics(String text) {
    return new ExpositionParser(true).parse(text);
  }

  private static final class FamilyBuilder {
    final String name;
    String type = "";
    String help = "";
    String unit = "";
    boolean typeSeen;
    boolean helpSeen;
    boolean unitSeen;
    final List<Sample> samples = new ArrayList<>();
    final Set<String> series = new HashSet<>();

    FamilyBuilder(String name) {
      this.name = name;
    }
  }

  private Map<String, Family> parse(String text) {
    if (!text.endsWith("\n")) {
      fail("the exposition does not end with a newline");
    }
    String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
    boolean eof = false;
    for (String line : lines) {
      lineNumber++;
      if (eof) {
        fail("content after # EOF");
      }
      if (openMetrics && line.equals("# EOF")) {
        eof = true;
        continue;
      }
      if (line.isEmpty()) {
        if (openMetrics) {
          fail("empty line");
        }
        continue;
      }
      if (line.startsWith("#")) {
        comment(line);
      } else {
        sample(line);
      }
    }
    if (openMetrics && !eof) {
      fail("no # EOF at the end");
    }
    Map<String, Family> out = new TreeMap<>();
    for (FamilyBuilder f : families.values()) {
      checkFamily(f);
      out.put(f.name, new Family(f.name, f.type, f.help, f.unit, List.copyOf(f.samples)));
    }
    return out;
  }

  private void comment(String line) {
    String[] parts = line.split(" ", 4);
    if (parts.length < 3 || !parts[0].equals("#")) {
      if (openMetrics) {
        fail("not a HELP, TYPE or UNIT line: " + line);
      }
      return; // a plain comment in 0.0.4
    }
    String keyword = parts[1];
    if (!keyword.equals("HELP") && !keyword.equals("TYPE") && !keyword.equals("UNIT")) {
      if (openMetrics) {
        fail("unknown descriptor " + keyword);
      }
      return;
    }
    if (keyword.equals("UNIT") && !openMetrics) {
      return; // a plain comment in 0.0.4
    }
    String name = parts[2];
    requireName(name);
    String rest = parts.length > 3 ? parts[3] : "";
    FamilyBuilder f = family(name);
    switch (keyword) {
      case "HELP" -> {
        if (f.helpSeen) {
          fail("second HELP for " + name);
        }
        f.helpSeen = true;
        f.help = unescape(rest, false);
      }
      case "TYPE" -> {
        if (f.typeSeen) {
          fail("second TYPE for " + name);
        }
        if (!f.samples.isEmpty()) {
          fail("TYPE after samples of " + name);
        }
        if (!(openMetrics ? OM_TYPES : TEXT_TYPES).contains(rest)) {
          fail("unknown type '" + rest + "'");
        }
        f.typeSeen = true;
        f.type = rest;
      }
      default -> {
        if (f.unitSeen) {
          fail("second UNIT for " + name);
        }
        if (!rest.isEmpty() && !name.endsWith("_" + rest)) {
          fail("unit " + rest + " is not a suffix of " + name);
        }
        f.unitSeen = true;
        f.unit = rest;
      }
    }
  }

  private FamilyBuilder family(String name) {
    FamilyBuilder cur = current;
    if (cur != null && cur.name.equals(name)) {
      return cur;
    }
    if (cur != null) {
      closed.add(cur.name);
    }
    if (closed.contains(name)) {
      fail("family " + name + " is interleaved with another");
    }
    FamilyBuilder f = families.computeIfAbsent(name, FamilyBuilder::new);
    current = f;
    return f;
  }

  private void sample(String line) {
    int i = 0;
    while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
      i++;
    }
    String name = line.substring(0, i);
    requireName(name);
    Map<String, String> labels = new LinkedHashMap<>();
    if (i < line.length() && line.charAt(i) == '{') {
      i = labels(line, i, labels);
    }
    if (i >= line.length() || line.charAt(i) != ' ') {
      fail("no value after the series");
    }
    String rest = line.substring(i + 1);
    if (!openMetrics) {
      rest = rest.strip().replaceAll("[ \t]+", " "); // 0.0.4 allows runs of blanks
    }
    Exemplar exemplar = null;
    int hash = rest.indexOf(" # ");
    if (hash >= 0) {
      if (!openMetrics) {
        fail("exemplars are not allowed in text 0.0.4");
      }
      exemplar = exemplar(rest.substring(hash + 3));
      rest = rest.substring(0, hash);
    }
    String[] vt = rest.split(" ");
    if (vt.length > 2 || vt[0].isEmpty()) {
      fail("bad value/timestamp '" + rest + "'");
    }
    double value = number(vt[0]);
    if (vt.length == 2) {
      number(vt[1]);
    }
    FamilyBuilder f = family(familyOf(name));
    if (!f.series.add(name + labels)) {
      fail("duplicate series " + name + labels);
    }
    f.samples.add(new Sample(name, Map.copyOf(labels), value, exemplar));
  }

  /** Returns the family a sample name belongs to: a known family, or the name less its suffix. */
  private String familyOf(String name) {
    FamilyBuilder cur = current;
    for (String suffix :
        List.of("_bucket", "_count", "_sum", "_total", "_created", "_gcount", "_gsum", "_info")) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        if ((cur != null && cur.name.equals(base))
            || (families.containsKey(base) && !families.containsKey(name))) {
          return base;
        }
      }
    }
    return name;
  }

  private int labels(String line, int i, Map<String, String> labels) {
    i++; // '{'
    while (true) {
      if (i >= line.length()) {
        fail("unterminated label set");
      }
      if (line.charAt(i) == '}') {
        return i + 1;
      }
      int eq = line.indexOf('=', i);
      if (eq < 0) {
        fail("label without =");
      }
      String label = line.substring(i, eq);
      if (!LABEL_NAME.matcher(label).matches()) {
        fail("bad label name '" + label + "'");
      }
      if (eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
        fail("label value not quoted");
      }
      StringBuilder v = new StringBuilder();
      int j = eq + 2;
      while (true) {
        if (j >= line.length()) {
          fail("unterminated label value");
        }
        char c = line.charAt(j);
        if (c == '\\') {
          if (j + 1 >= line.length()) {
            fail("dangling escape");
          }
          char e = line.charAt(j + 1);
          switch (e) {
            case '\\' -> v.append('\\');
            case '"' -> v.append('"');
            case 'n' -> v.append('\n');
            default -> fail("bad escape \\" + e);
          }
          j += 2;
        } else if (c == '"') {
          break;
        } else {
          v.append(c);
          j++;
        }
      }
      if (labels.put(label, v.toString()) != null) {
        fail("label " + label + " twice");
      }
      i = j + 1;
      if (i < line.length() && line.charAt(i) == ',') {
        i++;
        if (openMetrics && i < line.length() && line.charAt(i) == '}') {
          fail("trailing comma in a label set");
        }
      }
    }
  }

  private Exemplar exemplar(String s) {
    if (!s.startsWith("{")) {
      fail("exemplar without a label set");
    }
    Map<String, String> labels = new LinkedHashMap<>();
    int i = labels(s, 0, labels);
    int chars = 0;
    for (Map.Entry<String, String> e : labels.entrySet()) {
      chars += e.getKey().codePointCount(0, e.getKey().length());
      chars += e.getValue().codePointCount(0, e.getValue().length());
    }
    if (chars > 128) {
      fail("exemplar label set longer than 128 characters");
    }
    if (i >= s.length() || s.charAt(i) != ' ') {
      fail("exemplar without a value");
    }
    String[] vt = s.substring(i + 1).split(" ");
    if (vt.length > 2) {
      fail("bad exemplar value");
    }
    double value = number(vt[0]);
    if (vt.length == 2) {
      number(vt[1]);
    }
    return new Exemplar(Map.copyOf(labels), value);
  }

  private double number(String s) {
    switch (s) {
      case "+Inf", "Inf" -> {
        return Double.POSITIVE_INFINITY;
      }
      case "-Inf" -> {
        return Double.NEGATIVE_INFINITY;
      }
      case "NaN" -> {
        return Double.NaN;
      }
      default -> {
        try {
          return Double.parseDouble(s);
        } catch (NumberFormatException e) {
          fail("not a number: '" + s + "'");
          return 0;
        }
      }
    }
  }

  private void checkFamily(FamilyBuilder f) {
    String type = f.type.isEmpty() ? (openMetrics ? "unknown" : "untyped") : f.type;
    Map<String, List<Sample>> buckets = new HashMap<>();
    Map<String, Double> counts = new HashMap<>();
    for (Sample s : f.samples) {
      String suffix = s.name().substring(f.name.length());
      boolean ok =
          switch (type) {
            case "counter" ->
                openMetrics
                    ? suffix.equals("_total") || suffix.equals("_created")
                    : suffix.isEmpty() || suffix.equals("_total");
            case "gauge", "untyped", "unknown" -> suffix.isEmpty();
            case "histogram" ->
                suffix.equals("_bucket")
                    || suffix.equals("_count")
                    || suffix.equals("_sum")
                    || suffix.equals("_created");
            case "summary" ->
                suffix.isEmpty()
                    || suffix.equals("_count")
                    || suffix.equals("_sum")
                    || suffix.equals("_created");
            default -> true;
          };
      if (!ok) {
        throw new IllegalArgumentException(
            "sample " + s.name() + " does not fit " + type + " " + f.name);
      }
      if (s.exemplar() != null
          && !(type.equals("counter") && suffix.equals("_total"))
          && !(type.equals("histogram") && suffix.equals("_bucket"))) {
        throw new IllegalArgumentException("exemplar on " + s.name() + " of a " + type);
      }
      Map<String, String> rest = new TreeMap<>(s.labels());
      rest.remove("le");
      rest.remove("quantile");
      String key = rest.toString();
      if (type.equals("histogram") && suffix.equals("_bucket")) {
        if (!s.labels().containsKey("le")) {
          throw new IllegalArgumentException(s.name() + " without le");
        }
        buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
      }
      if (type.equals("histogram") && suffix.equals("_count")) {
        counts.put(key, s.value());
      }
      if (type.equals("summary") && suffix.isEmpty() && !s.labels().containsKey("quantile")) {
        throw new IllegalArgumentException(s.name() + " without quantile");
      }
    }
    buckets.forEach((key, bs) -> {
      double lastLe = Double.NEGATIVE_INFINITY;
      double lastCount = 0;
      for (Sample b : bs) {
        double le =
            Double.parseDouble(b.labels().getOrDefault("le", "").replace("+Inf", "Infinity"));
        if (le <= lastLe || b.value() < lastCount) {
          throw new IllegalArgumentException(f.name + key + ": buckets not increasing at le=" + le);
        }
        Exemplar e = b.exemplar();
        if (e != null && (e.value() > le || e.value() <= lastLe)) {
          throw new IllegalArgumentException(
              f.name + key + ": exemplar " + e.value() + " outside bucket le=" + le);
        }
        lastLe = le;
        lastCount = b.value();
      }
      if (lastLe != Double.POSITIVE_INFINITY) {
        throw new IllegalArgumentException(f.name + key + ": no +Inf bucket");
      }
      Double count = counts.get(key);
      if (count == null || count != lastCount) {
        throw new IllegalArgumentException(
            f.name + key + ": +Inf bucket " + lastCount + " != _count " + count);
      }
    });
  }

  private void requireName(String name) {
    if (!METRIC_NAME.matcher(name).matches()) {
      fail("bad metric name '" + name + "'");
    }
  }

  private String unescape(String s, boolean quotes) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        switch (e) {
          case '\\' -> out.append('\\');
          case 'n' -> out.append('\n');
          case '"' -> {
            if (!quotes && !openMetrics) {
              fail("bad escape in HELP");
            }
            out.append('"');
          }
          default -> fail("bad escape \\" + e);
        }
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private void fail(String message) {
    throw new IllegalArgumentException("line " + lineNumber + ": " + message);
  }
}
