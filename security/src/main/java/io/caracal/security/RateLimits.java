package io.caracal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.caracal.core.auth.Principal;
import io.caracal.core.scheduler.Ticker;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;

/**
 * A token bucket (Bucket4j) per principal and model: each principal may make {@code rate} inference
 * calls per second on each model, in bursts of up to {@code burst}; a principal's own {@code rate=}
 * overrides the server's rate. Buckets are kept for the 100 000 most recent (principal, model)
 * pairs and dropped ten minutes after their last use (a fresh bucket is full). Time comes from an
 * injected {@link Ticker}, so tests drive it by hand. Thread-safe, lock-free on the caller's side
 * except inside a bucket.
 */
public final class RateLimits {
  private record Key(String principal, String model, double rate) {}

  private final double rate;
  private final long burst;
  private final TimeMeter meter;
  private final Cache<Key, Bucket> buckets;

  /**
   * Creates the limits.
   *
   * @param rate calls per second per principal and model; 0 = none, unless a principal sets one
   * @param burst the bucket's capacity; 0 = the rate rounded up (at least 1)
   */
  public RateLimits(double rate, long burst, Ticker ticker) {
    if (!(rate >= 0) || burst < 0) {
      throw new IllegalArgumentException("rate and burst must be >= 0: " + rate + ", " + burst);
    }
    this.rate = rate;
    this.burst = burst;
    this.meter =
        new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            return ticker.read();
          }

          @Override
          public boolean isWallClockBased() {
            return false;
          }
        };
    this.buckets =
        Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(Duration.ofMinutes(10))
            .ticker(ticker::read)
            .build();
  }

  /** Returns whether any call can be limited (a server rate is set). */
  public boolean hasDefaultRate() {
    return rate > 0;
  }

  /**
   * Takes one call from the principal's bucket for {@code model}.
   *
   * @return 0 when admitted, else the nanoseconds until a call would be admitted
   */
  public long tryTake(Principal principal, String model) {
    double r = principal.ratePerSecond() > 0 ? principal.ratePerSecond() : rate;
    if (r <= 0) {
      return 0;
    }
    Bucket b = buckets.get(new Key(principal.name(), model, r), k -> bucket(r));
    if (b.tryConsume(1)) {
      return 0;
    }
    return Math.max(1, b.estimateAbilityToConsume(1).getNanosToWaitForRefill());
  }

  private Bucket bucket(double r) {
    long capacity = burst > 0 ? burst : Math.max(1, (long) Math.ceil(r));
    long periodNanos = Math.max(1, Math.round(1e9 / r));
    return Bucket.builder()
        .addLimit(l -> l.capacity(capacity).refillGreedy(1, Duration.ofNanos(periodNanos)))
        .withCustomTimePrecision(meter)
        .build();
  }
}
