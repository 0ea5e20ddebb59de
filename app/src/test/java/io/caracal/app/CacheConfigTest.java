package io.caracal.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheConfigTest {
  @Test
  void tritonsSpellingSetsTheBounds() {
    assertThat(CacheConfig.parse(List.of("local,size=1048576"), 0))
        .isEqualTo(new CacheConfig(1048576, 0));
    assertThat(CacheConfig.parse(List.of("local,size=4096", "local,max_entry_bytes=100"), 0))
        .isEqualTo(new CacheConfig(4096, 100));
    assertThat(CacheConfig.parse(List.of(), 2048)).isEqualTo(new CacheConfig(2048, 0));
    assertThat(CacheConfig.parse(List.of("local,size=2048"), 2048))
        .isEqualTo(new CacheConfig(2048, 0));
    assertThat(CacheConfig.parse(List.of(), 0)).isEqualTo(new CacheConfig(0, 0));
  }

  @Test
  void whatCannotWorkIsRefusedAtStartNamingTheItem() {
    assertThatThrownBy(() -> CacheConfig.parse(List.of("redis,host=localhost"), 0))
        .hasMessageContaining("cache-config 'redis,host=localhost'")
        .hasMessageContaining("'redis' is not supported");
    assertThatThrownBy(() -> CacheConfig.parse(List.of("local,ttl=5"), 0))
        .hasMessageContaining("unknown key 'ttl'");
    assertThatThrownBy(() -> CacheConfig.parse(List.of("size=5"), 0))
        .hasMessageContaining("<implementation>,<key>=<value>");
    assertThatThrownBy(() -> CacheConfig.parse(List.of("local,size"), 0))
        .hasMessageContaining("<key>=<value>");
    assertThatThrownBy(() -> CacheConfig.parse(List.of("local,size=lots"), 0))
        .hasMessageContaining("'lots' is not a number of bytes");
    assertThatThrownBy(() -> CacheConfig.parse(List.of("local,size=-1"), 0))
        .hasMessageContaining("must not be negative");
    assertThatThrownBy(() -> CacheConfig.parse(List.of("local,size=100"), 200))
        .hasMessageContaining("disagree");
    assertThatThrownBy(
            () -> CacheConfig.parse(List.of("local,size=100", "local,max_entry_bytes=101"), 0))
        .hasMessageContaining("larger than the cache");
  }

  @Test
  void theSettingsTakeEverySpelling() {
    ServerSettings viaConfig =
        ServerSettings.builder(Path.of("/m"))
            .cacheConfig(List.of("local,size=8192", "local,max_entry_bytes=512"))
            .build();
    assertThat(viaConfig.cacheSize()).isEqualTo(8192);
    assertThat(viaConfig.cacheMaxEntryBytes()).isEqualTo(512);
    assertThat(viaConfig.toBuilder().build()).isEqualTo(viaConfig);
    ServerSettings viaSize = ServerSettings.builder(Path.of("/m")).cacheSize(4096).build();
    assertThat(viaSize.cacheSize()).isEqualTo(4096);
    assertThat(viaSize.cacheMaxEntryBytes()).isZero();
  }
}
