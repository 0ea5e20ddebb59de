#!/usr/bin/env bash
# Where the memory of load/unload cycles goes (issue 12, LoadUnloadCyclesIT's RSS growth): the
# same model as the test (4 MiB of weights, two instances) is loaded, run once and unloaded
# through the repository API, WARMUP_CYCLES times, then CYCLES more, on a server with Native
# Memory Tracking on. Reports RSS, what NMT says the JVM committed, and NMT's diff by category
# since the baseline: RSS growth that NMT does not see is native memory outside the JVM's
# accounting (ONNX Runtime's allocations through malloc, glibc's arenas). Run it again with
# MALLOC_ARENA_MAX=2 (or any allocator setting) in the environment to compare. With gdb at hand,
# glibc's malloc_trim(0) is then called in the server and RSS measured once more.
# Results: $OUT/results.md and $OUT/nmt-diff.txt (default bench/target/memory-<time>/).
#
# Usage: bench/load-unload-memory.sh [--no-build]
#   env: WARMUP_CYCLES (10), CYCLES (100)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=memory
. "$root/bench/lib/ab-setup.sh" "$@"
. "$root/bench/lib/reliability.sh"
WARMUP_CYCLES=${WARMUP_CYCLES:-10}
CYCLES=${CYCLES:-100}

"$JAVA_HOME/bin/java" -cp "$bench_cp" io.caracal.bench.load.GeneratedModel dense "$repo" dense
CARACAL_JAVA_OPTS="${CARACAL_JAVA_OPTS:-} -XX:NativeMemoryTracking=summary" \
  start_server main --model-control-mode explicit --allow-metrics false
base="http://127.0.0.1:$port/v2"
{
  printf '{"inputs":[{"name":"INPUT0","shape":[1,1024],"datatype":"FP32","data":['
  for i in $(seq 0 1023); do [ "$i" = 0 ] || printf ','; printf '%d' $((i % 7)); done
  printf ']}]}'
} > "$OUT/dense.json"
cycle() {
  local a b c
  a=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/repository/models/dense/load")
  b=$(curl -s -o /dev/null -w '%{http_code}' "$base/models/dense/infer" -d @"$OUT/dense.json")
  c=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/repository/models/dense/unload")
  [ "$a$b$c" = 200200200 ] || { echo "memory: a cycle answered $a $b $c" >&2; exit 1; }
}
measure() { # RSS MiB, NMT committed MiB, threads
  local nmt
  "$JAVA_HOME/bin/jcmd" "$server_pid" GC.run > /dev/null
  sleep 3 # unloaded instances close in the background
  nmt=$("$JAVA_HOME/bin/jcmd" "$server_pid" VM.native_memory summary | sed -nE 's/^Total: reserved=[0-9]+KB, committed=([0-9]+)KB.*/\1/p')
  echo "$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status") $(awk -v k="$nmt" 'BEGIN {printf "%.1f", k / 1024}') $(awk '/Threads/ {print $2}' "/proc/$server_pid/status")"
}
for i in $(seq 1 "$WARMUP_CYCLES"); do cycle; done
read -r rss0 nmt0 thr0 < <(measure)
"$JAVA_HOME/bin/jcmd" "$server_pid" VM.native_memory baseline > /dev/null
for i in $(seq 1 "$CYCLES"); do cycle; done
read -r rss1 nmt1 thr1 < <(measure)
"$JAVA_HOME/bin/jcmd" "$server_pid" VM.native_memory summary.diff > "$OUT/nmt-diff.txt"
trimmed="n/a (no gdb)"
if command -v gdb > /dev/null; then
  # glibc's malloc_trim(0) in the server: gives back to the OS the free memory malloc still holds;
  # what RSS loses is memory freed but kept (fragmentation), not memory still in use
  gdb -p "$server_pid" -batch -ex 'handle SIGSEGV nostop noprint pass' \
    -ex 'call (int) malloc_trim(0)' > "$OUT/gdb.txt" 2>&1 || true
  sleep 1
  trimmed=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status")
fi
{
  echo "# Load/unload cycles: where the memory goes, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); the dense model (4 MiB of weights, two instances), $WARMUP_CYCLES warm-up cycles then $CYCLES; MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-unset}"
  echo "- $(machine)"
  echo
  echo "| after | RSS MiB | NMT committed MiB | RSS not in NMT MiB | OS threads |"
  echo "|---|---:|---:|---:|---:|"
  echo "| $WARMUP_CYCLES warm-up cycles | $rss0 | $nmt0 | $(awk -v r="$rss0" -v n="$nmt0" 'BEGIN {printf "%.1f", r - n}') | $thr0 |"
  echo "| $CYCLES more | $rss1 | $nmt1 | $(awk -v r="$rss1" -v n="$nmt1" 'BEGIN {printf "%.1f", r - n}') | $thr1 |"
  echo
  echo "RSS after glibc's malloc_trim(0) in the server (through gdb): $trimmed MiB"
  echo
  echo "NMT's categories that moved by 1 MiB or more (committed):"
  echo
  grep -E '^-.*committed=[0-9]+KB [+-][0-9]+KB' "$OUT/nmt-diff.txt" | sed -E 's/^- +//' \
    | awk '{ if (match($0, /committed=[0-9]+KB [+-][0-9]+KB/)) { c = substr($0, RSTART, RLENGTH); split(c, p, " "); d = p[2]; gsub(/KB/, "", d); if (d + 0 >= 1024 || d + 0 <= -1024) print "- " $0 } }'
} | tee "$OUT/results.md"
