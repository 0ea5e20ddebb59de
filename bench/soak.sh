#!/usr/bin/env bash
# Soak (issue 12, reliability-security.md §4d): mnist-cnn-dyn under open-loop load at 70% of its
# measured capacity for SOAK_MINUTES, over HTTP and gRPC at once (two open-loop generators, each
# GRPC_SHARE and 1 - GRPC_SHARE of the rate: half each by default), 1% malformed requests mixed
# into both (each must be a 4xx over HTTP, INVALID_ARGUMENT over gRPC), the server's RSS, heap
# used, threads and open descriptors sampled every 10 s. Passes when no answer on either transport
# is unexpected; the table compares the first sample after the warm-up minute with the last.
# Capacity is measured over HTTP (wrk, closed loop) on the same server just before.
# Results: $OUT/results.md and $OUT/samples.csv (default bench/target/soak-<time>/).
#
# Usage: bench/soak.sh [--no-build]
#   env: SOAK_MINUTES (5), LOAD_FACTOR (0.7), GRPC_SHARE (0.5), CAPACITY_SECS (10),
#        MODELS_DIR (../shared/models)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=soak
. "$root/bench/lib/ab-setup.sh" "$@"
. "$root/bench/lib/reliability.sh"
SOAK_MINUTES=${SOAK_MINUTES:-5}
LOAD_FACTOR=${LOAD_FACTOR:-0.7}
CAPACITY_SECS=${CAPACITY_SECS:-10}
GRPC_SHARE=${GRPC_SHARE:-0.5}

add_model mnist mnist-cnn-dyn 64 "32, 64" 500 ""
start_server main --allow-metrics false
url="http://127.0.0.1:$port/v2/models/mnist/infer"
# the gRPC port, from the log (the server is ready only once it is bound)
grpc_port=$(await_line "$OUT/server-main.log" 'gRPC listening on [^:]+:([0-9]+)' "$server_pid")
cap=$(capacity "$url" "$CAPACITY_SECS")
rate=$(awk -v c="$cap" -v f="$LOAD_FACTOR" 'BEGIN {printf "%d", c * f}')
grpc_rate=$(awk -v r="$rate" -v s="$GRPC_SHARE" 'BEGIN {printf "%d", r * s}')
http_rate=$((rate - grpc_rate))
before=$(machine)
echo "seconds,rss_mib,old_gen_used_mib,threads,fds,sockets,other_fds" > "$OUT/samples.csv"
secs=$((SOAK_MINUTES * 60))
openloop --header --url "$url" --body "$good_body" --bad-body "$bad_body" --bad-percent 1 \
  --rate "$http_rate" --warmup 60 --duration "$((secs - 60))" --label "HTTP, soak ${SOAK_MINUTES} min" \
  > "$OUT/load-http.md" 2> "$OUT/load-http.err" &
http_pid=$!
load_pids=("$http_pid")
if [ "$grpc_rate" -gt 0 ]; then
  openloop --grpc "127.0.0.1:$grpc_port" --model mnist --body "$good_body" --bad-body "$bad_body" \
    --bad-percent 1 --rate "$grpc_rate" --warmup 60 --duration "$((secs - 60))" \
    --label "gRPC, soak ${SOAK_MINUTES} min" > "$OUT/load-grpc.md" 2> "$OUT/load-grpc.err" &
  load_pids+=($!)
fi
pids+=("${load_pids[@]}")
start=$SECONDS
while any_alive "${load_pids[@]}"; do
  s=$(sample "$server_pid")
  echo "$((${s%%,*} - start)),${s#*,}" >> "$OUT/samples.csv"
  sleep 10
done
status=0
wait_all "${load_pids[@]}" || status=$?
summary() { # column name: first sample at or after 60 s, last, max, drift %
  awk -F, -v c="$1" 'NR > 1 && $1 >= 60 && first == "" {first = $c} NR > 1 {last = $c; if ($c > max) max = $c}
    END {printf "%s | %s | %s | %+.1f%%", first, last, max, (first > 0 ? 100 * (last - first) / first : 0)}' "$OUT/samples.csv"
}
{
  echo "# Soak, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); mnist-cnn-dyn (max batch 64, preferred 32/64, 500 µs delay), requests of one image: JSON over HTTP, raw_input_contents over gRPC; 1% malformed on both (a shape that does not match the data: must be 400 / INVALID_ARGUMENT)"
  echo "- Capacity, closed loop over HTTP (wrk, 128 connections, ${CAPACITY_SECS} s): $cap requests/s; offered ${LOAD_FACTOR}x = $rate requests/s ($http_rate over HTTP, $grpc_rate over gRPC on 4 connections), open loop, for $SOAK_MINUTES min (the first minute is warm-up)"
  echo "- Before: $before"
  echo "- After: $(machine)"
  echo
  cat "$OUT/load-http.md"
  [ "$grpc_rate" -gt 0 ] && cat "$OUT/load-grpc.md"
  echo
  echo "| sampled every 10 s | after warm-up | at the end | max | drift |"
  echo "|---|---:|---:|---:|---:|"
  echo "| RSS MiB | $(summary 2) |"
  echo "| old generation used MiB (what survived the collections) | $(summary 3) |"
  echo "| OS threads | $(summary 4) |"
  echo "| open descriptors | $(summary 5) |"
  echo "| of which sockets (the load's connections: the HTTP client opens more, up to 512, when the server stalls) | $(summary 6) |"
  echo "| other descriptors (files, pipes, epoll) | $(summary 7) |"
  echo
  echo "Unexpected answers: $([ "$status" = 0 ] && echo none || echo "see $OUT/load-http.err and load-grpc.err"); server live: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/health/live"); leak reports: $(grep -c 'LEAK:' "$OUT/server-main.log" || true)"
} | tee "$OUT/results.md"
exit "$status"
