package io.caracal.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The YAML documents of the manifests, as trees, and the folders they live in. */
public final class Manifests {
  /** The module's folder ({@code deploy/}), the working directory of its tests. */
  public static final Path DEPLOY = Path.of("").toAbsolutePath();

  public static final Path KSERVE = DEPLOY.resolve("kserve");
  public static final Path SELDON = DEPLOY.resolve("seldon");
  public static final Path CHART = DEPLOY.resolve("helm").resolve("caracal");

  private static final YAMLFactory YAML = new YAMLFactory();
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();

  private Manifests() {}

  /** Returns every non-empty document of the YAML text. */
  public static List<JsonNode> parse(String yaml) {
    List<JsonNode> docs = new ArrayList<>();
    try (YAMLParser parser = YAML.createParser(yaml)) {
      var it = MAPPER.readValues(parser, JsonNode.class);
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          docs.add(doc);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  /** Returns every document of the {@code *.yaml} files of a folder, in file-name order. */
  public static List<JsonNode> read(Path folder) {
    try (Stream<Path> files = Files.list(folder)) {
      List<JsonNode> docs = new ArrayList<>();
      for (Path f : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        docs.addAll(parse(Files.readString(f)));
      }
      return docs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Returns the documents of one kind. */
  public static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }

  /** Returns the container named {@code name} of a pod spec. */
  public static JsonNode container(JsonNode podSpec, String name) {
    for (JsonNode c : podSpec.path("containers")) {
      if (c.path("name").asText().equals(name)) {
        return c;
      }
    }
    throw new AssertionError("no container " + name + " in " + podSpec);
  }

  /** Returns a container's args as strings. */
  public static List<String> args(JsonNode container) {
    List<String> args = new ArrayList<>();
    container.path("args").forEach(a -> args.add(a.asText()));
    return args;
  }

  /** Returns the value of {@code --name=value} in the args, the last one winning. */
  public static String flag(List<String> args, String name) {
    String value = null;
    for (String a : args) {
      if (a.startsWith(name + "=")) {
        value = a.substring(name.length() + 1);
      }
    }
    if (value == null) {
      throw new AssertionError(name + " is not in " + args);
    }
    return value;
  }
}
