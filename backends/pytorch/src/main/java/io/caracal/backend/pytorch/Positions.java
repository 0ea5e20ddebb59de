package io.caracal.backend.pytorch;

import io.caracal.api.backend.IoSpec;
import io.caracal.api.backend.ModelLoadException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each configured tensor sits among {@code forward}'s arguments or results, by Triton's
 * PyTorch rules: when every name of the list has the form {@code <name>__<index>} ({@code
 * INPUT__0}, {@code OUTPUT__1}) the index is the position; otherwise the config's order is. (Triton
 * also accepts input names equal to {@code forward}'s argument names; DJL does not expose the
 * argument names, so such a config is served in its order, which is the same when it lists them in
 * {@code forward}'s order.) Inputs must cover positions {@code 0..n-1}; outputs may name a subset
 * of the results. Immutable.
 */
record Positions(Map<String, Integer> byName) {
  private static final Pattern INDEXED = Pattern.compile("^.+__(\\d{1,9})$");

  Positions {
    byName = Map.copyOf(byName);
  }

  /** Returns the positions of the configured inputs ({@code what} = "input") or outputs. */
  static Positions of(List<IoSpec> specs, String what) throws ModelLoadException {
    Map<String, Integer> indexed = new HashMap<>();
    boolean allIndexed = true;
    for (IoSpec spec : specs) {
      Matcher m = INDEXED.matcher(spec.name());
      if (!m.matches()) {
        allIndexed = false;
        break;
      }
      int index = Integer.parseInt(m.group(1));
      if (indexed.containsValue(index)) {
        throw new ModelLoadException(
            what
                + " '"
                + spec.name()
                + "' has index "
                + index
                + ", which another "
                + what
                + " of the config also has (<name>__<index> names a position of forward's "
                + what
                + "s once)");
      }
      indexed.put(spec.name(), index);
    }
    if (!allIndexed) {
      Map<String, Integer> ordered = new HashMap<>();
      for (int i = 0; i < specs.size(); i++) {
        ordered.put(specs.get(i).name(), i);
      }
      return new Positions(ordered);
    }
    if (what.equals("input")) {
      for (Map.Entry<String, Integer> e : indexed.entrySet()) {
        if (e.getValue() >= specs.size()) {
          throw new ModelLoadException(
              "input '"
                  + e.getKey()
                  + "' has index "
                  + e.getValue()
                  + " but the config lists "
                  + specs.size()
                  + " inputs; forward's arguments are numbered 0 to "
                  + (specs.size() - 1));
        }
      }
    }
    return new Positions(indexed);
  }

  /** Returns the position of {@code name}, which must be configured. */
  int of(String name) {
    Integer p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException("unknown tensor " + name);
    }
    return p;
  }
}
