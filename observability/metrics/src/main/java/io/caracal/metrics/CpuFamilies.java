package io.caracal.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Triton's CPU families, so that stock Triton dashboards still show CPU and memory: {@code
 * nv_cpu_utilization} (0..1, all cores, as the operating system reports its recent load), {@code
 * nv_cpu_memory_total_bytes} and {@code nv_cpu_memory_used_bytes} (Linux: {@code MemTotal} and
 * {@code MemTotal - MemAvailable} of {@code /proc/meminfo}, as Triton reads them; elsewhere the
 * JVM's view of physical memory).
 */
final class CpuFamilies implements MultiCollector {
  private static final Path MEMINFO = Path.of("/proc/meminfo");
  private final com.sun.management.@org.jspecify.annotations.Nullable OperatingSystemMXBean os =
      ManagementFactory.getOperatingSystemMXBean()
              instanceof com.sun.management.OperatingSystemMXBean b
          ? b
          : null;

  @Override
  public MetricSnapshots collect() {
    double load = os == null ? -1 : os.getCpuLoad();
    long[] memory = memory();
    return new MetricSnapshots(
        Family.gauge("nv_cpu_utilization", "CPU utilization rate [0.0 - 1.0]")
            .add(load < 0 ? 0 : load)
            .snapshot(),
        Family.gauge("nv_cpu_memory_total_bytes", "CPU total memory (RAM), in bytes")
            .add(memory[0])
            .snapshot(),
        Family.gauge("nv_cpu_memory_used_bytes", "CPU used memory (RAM), in bytes")
            .add(memory[1])
            .snapshot());
  }

  /** Returns total and used bytes. */
  private long[] memory() {
    if (Files.isReadable(MEMINFO)) {
      try {
        long total = -1;
        long available = -1;
        for (String line : Files.readAllLines(MEMINFO)) {
          if (line.startsWith("MemTotal:")) {
            total = kibibytes(line);
          } else if (line.startsWith("MemAvailable:")) {
            available = kibibytes(line);
          }
        }
        if (total >= 0 && available >= 0) {
          return new long[] {total, total - available};
        }
      } catch (IOException | NumberFormatException e) {
        // fall back to the JVM's view
      }
    }
    if (os == null) {
      return new long[] {0, 0};
    }
    long total = os.getTotalMemorySize();
    return new long[] {total, total - os.getFreeMemorySize()};
  }

  private static long kibibytes(String line) {
    List<String> parts = List.of(line.trim().split("\\s+"));
    return Long.parseLong(parts.get(1)) * 1024;
  }
}
