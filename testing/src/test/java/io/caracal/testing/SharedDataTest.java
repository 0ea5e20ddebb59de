package io.caracal.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SharedDataTest {
  @TempDir Path tmp;

  @Test
  void findsSharedNextToTheProjectRoot() throws IOException {
    Path project = Files.createDirectories(tmp.resolve("main/testing/target"));
    Files.writeString(tmp.resolve("main/mvnw"), "#!/bin/sh");
    Files.createDirectories(tmp.resolve("shared/models"));
    assertThat(SharedData.locate(null, project)).contains(tmp.resolve("shared"));
  }

  @Test
  void anEmptySharedFolderDoesNotCount() throws IOException {
    Path project = Files.createDirectories(tmp.resolve("main/testing"));
    Files.writeString(tmp.resolve("main/mvnw"), "#!/bin/sh");
    Files.createDirectories(tmp.resolve("shared"));
    assertThat(SharedData.locate(null, project)).isEmpty();
    assertThat(SharedData.locate(tmp.resolve("shared").toString(), project)).isEmpty();
  }

  @Test
  void emptyWhenAbsent() throws IOException {
    Path project = Files.createDirectories(tmp.resolve("main/testing"));
    Files.writeString(tmp.resolve("main/mvnw"), "#!/bin/sh");
    assertThat(SharedData.locate(null, project)).isEmpty();
    assertThat(SharedData.locate(null, tmp)).isEmpty();
  }

  @Test
  void environmentWins() throws IOException {
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    Files.createDirectories(elsewhere.resolve("models"));
    assertThat(SharedData.locate(elsewhere.toString(), tmp)).contains(elsewhere);
    assertThat(SharedData.locate(tmp.resolve("missing").toString(), tmp)).isEmpty();
  }

  @Test
  void skipMessageNamesTheVariable() {
    assertThat(SharedData.skipMessage()).contains("CARACAL_SHARED");
  }
}
