#!/usr/bin/env bash
# Overload (issue 12, reliability-security.md §4d): mnist-cnn-dyn with dynamic batching and the
# default queue (128); its capacity is measured closed-loop (wrk, 128 connections), then open-loop
# load (io.caracal.bench.load.OpenLoop: fixed arrival rate, latency from the scheduled send) is
# offered at 0.7x (the baseline p99), 2x and 5x that capacity. Each row: goodput (2xx a second),
# admitted latency, refusals (429/503) and how fast they came, RSS after the cell.
# Results: $OUT/results.md (default bench/target/overload-<time>/).
#
# Usage: bench/overload.sh [--no-build]
#   env: WARMUP (3 s), DURATION (20 s) per cell, CAPACITY_SECS (10), FACTORS ("0.7 2 5"),
#        CONNECTIONS (the load's connections at most, 512), MODELS_DIR (../shared/models)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=overload
WARMUP=${WARMUP:-3}
DURATION=${DURATION:-20}
. "$root/bench/lib/ab-setup.sh" "$@"
. "$root/bench/lib/reliability.sh"
CAPACITY_SECS=${CAPACITY_SECS:-10}
FACTORS=${FACTORS:-0.7 2 5}
CONNECTIONS=${CONNECTIONS:-512}

add_model mnist mnist-cnn-dyn 64 "32, 64" 500 ""
start_server main --allow-metrics false
url="http://127.0.0.1:$port/v2/models/mnist/infer"
cap=$(capacity "$url" "$CAPACITY_SECS")
[ "${cap:-0}" -gt 0 ] || { echo "overload: no capacity measured (see $OUT/wrk.txt)" >&2; exit 1; }
{
  echo "# Overload, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); mnist-cnn-dyn (max batch 64, preferred 32/64, 500 µs delay, queue 128), JSON requests of one image"
  echo "- Capacity, closed loop (wrk, 128 connections, ${CAPACITY_SECS} s): **$cap requests/s**"
  echo "- Before: $(machine); server RSS $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server_pid/status")"
  echo "- Open loop, ${WARMUP} s warm-up + ${DURATION} s measured per row, at most $CONNECTIONS connections; latency from each request's scheduled send"
  echo
  openloop --header-only | sed '1s/$/ RSS after |/; 2s/$/---:|/'
} | tee "$OUT/results.md"
for f in $FACTORS; do
  rate=$(awk -v c="$cap" -v f="$f" 'BEGIN {printf "%d", c * f}')
  row=$(openloop --url "$url" --body "$good_body" --rate "$rate" --warmup "$WARMUP" --duration "$DURATION" \
    --connections "$CONNECTIONS" --label "${f}x" || true)
  echo "$row $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$server_pid/status") |" | tee -a "$OUT/results.md"
done
{
  echo
  echo "After: $(machine); server live: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/health/live"); leak reports: $(grep -c 'LEAK:' "$OUT/server-main.log" || true); OutOfMemoryError: $(grep -c OutOfMemoryError "$OUT/server-main.log" || true)"
} | tee -a "$OUT/results.md"
