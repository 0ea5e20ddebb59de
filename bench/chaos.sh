#!/usr/bin/env bash
# Chaos (issue 12, reliability-security.md §4b/§4d): mnist-cnn-dyn under open-loop load at half its
# measured capacity for CHAOS_SECS, while (1) the model is reloaded through the repository API
# every RELOAD_SECS (explicit model control), (2) 10% of the clients crash right after sending
# their request (connection reset, no answer read: Triton's crashing_client), (3) 50 slowloris
# connections trickle a header byte a second, (4) every instance fails 1 call in FAIL_EVERY, and
# 1% of the requests are malformed (must be 4xx). GRPC_SHARE of the rate (a quarter by default)
# goes over gRPC instead (the V2 ModelInfer call on 4 connections, malformed ones must be
# INVALID_ARGUMENT, an injected failure that survives its retry INTERNAL with the same message);
# the crashing clients and the slowloris connections are HTTP's. The failing instances are real: the model is
# served by the bench-only plug-in bench/faulty-backend (platform faulty_onnxruntime, loaded with
# --backend-directory), which runs it with ONNX Runtime and throws on calls N, 2N, ... of each
# instance (config parameter fail_every). The server retries such a batch once on another
# instance and replaces the failed one; a request whose retry fails too is answered 500 `internal
# error (correlation id ...)`, which counts as expected (column "500 internal"); any other 500 does
# not. Afterwards: the server is live and ready, its queue is back to 0, Netty's leak detector
# (paranoid) reported nothing, threads and descriptors are back near where they started; the
# instance failures and replacements are counted from the server's log (the metrics restart at
# each reload). Results: $OUT/results.md (default bench/target/chaos-<time>/).
#
# Usage: bench/chaos.sh [--no-build]
#   env: CHAOS_SECS (60), RELOAD_SECS (2), LOAD_FACTOR (0.5), CAPACITY_SECS (10),
#        FAIL_EVERY (100; 0 = no injected failures), GRPC_SHARE (0.25; 0 = HTTP only),
#        MODELS_DIR (../shared/models)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=chaos
ab_modules=app,bench,bench/faulty-backend
. "$root/bench/lib/ab-setup.sh" "$@"
. "$root/bench/lib/reliability.sh"
CHAOS_SECS=${CHAOS_SECS:-60}
RELOAD_SECS=${RELOAD_SECS:-2}
LOAD_FACTOR=${LOAD_FACTOR:-0.5}
CAPACITY_SECS=${CAPACITY_SECS:-10}
FAIL_EVERY=${FAIL_EVERY:-100}
GRPC_SHARE=${GRPC_SHARE:-0.25}

faulty_jar="$root/bench/faulty-backend/target/caracal-bench-faulty-backend-0.1.0-SNAPSHOT.jar"
[ -f "$faulty_jar" ] || { echo "chaos: $faulty_jar is not built (drop --no-build)" >&2; exit 1; }
mkdir -p "$work/backends"
cp "$faulty_jar" "$work/backends/"
add_model mnist mnist-cnn-dyn 64 "32, 64" 500 \
  "parameters { key: \"fail_every\" value: { string_value: \"$FAIL_EVERY\" } }"
sed -i 's/^platform: .*/platform: "faulty_onnxruntime"/' "$repo/mnist/config.pbtxt"
start_server main --model-control-mode explicit --load-model mnist --metrics-port 0 \
  --backend-directory "$work/backends"
metrics_port=$(sed -nE 's/.*metrics listening on [^:]+:([0-9]+).*/\1/p' "$OUT/server-main.log" | head -1)
grpc_port=$(await_line "$OUT/server-main.log" 'gRPC listening on [^:]+:([0-9]+)' "$server_pid")
base="http://127.0.0.1:$port"
url="$base/v2/models/mnist/infer"
cap=$(capacity "$url" "$CAPACITY_SECS")
rate=$(awk -v c="$cap" -v f="$LOAD_FACTOR" 'BEGIN {printf "%d", c * f}')
grpc_rate=$(awk -v r="$rate" -v s="$GRPC_SHARE" 'BEGIN {printf "%d", r * s}')
http_rate=$((rate - grpc_rate))
sleep 2 # let wrk's connections close
start_sample=$(sample "$server_pid")
before=$(machine)

openloop --header --url "$url" --body "$good_body" --bad-body "$bad_body" --bad-percent 1 \
  --internal-expected --abort-percent 10 --slowloris 50 --rate "$http_rate" --warmup 2 --duration "$CHAOS_SECS" \
  --label "chaos ${CHAOS_SECS} s, HTTP" > "$OUT/load.md" 2> "$OUT/load.err" &
load_pids=($!)
if [ "$grpc_rate" -gt 0 ]; then
  openloop --grpc "127.0.0.1:$grpc_port" --model mnist --body "$good_body" --bad-body "$bad_body" \
    --bad-percent 1 --internal-expected --rate "$grpc_rate" --warmup 2 --duration "$CHAOS_SECS" \
    --label "chaos ${CHAOS_SECS} s, gRPC" > "$OUT/load-grpc.md" 2> "$OUT/load-grpc.err" &
  load_pids+=($!)
fi
pids+=("${load_pids[@]}")
reloads=0; reload_failures=0
while any_alive "${load_pids[@]}"; do
  sleep "$RELOAD_SECS"
  code=$(curl -s -o "$OUT/reload.json" -w '%{http_code}' -X POST "$base/v2/repository/models/mnist/load" || echo 000)
  reloads=$((reloads + 1))
  [ "$code" = 200 ] || { reload_failures=$((reload_failures + 1)); echo "reload answered $code: $(cat "$OUT/reload.json")" >> "$OUT/load.err"; }
done
status=0
wait_all "${load_pids[@]}" || status=$?
sleep 5 # in-flight requests end, crashed clients' connections close, slowloris sockets time out
end_sample=$(sample "$server_pid")
depth=$(curl -s "http://127.0.0.1:$metrics_port/metrics" | awk '/^caracal_queue_depth/ {s += $NF} END {print s + 0}')
log="$OUT/server-main.log"
replaced=$(grep -c 'replaced by instance' "$log" || true)
replace_failed=$(grep -c 'creating an instance failed' "$log" || true)
injected=$(grep -c 'injected fault' "$log" || true)
both_failed=$(grep -c 'injected fault.*failing the batch' "$log" || true)
{
  echo "# Chaos, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); mnist-cnn-dyn (max batch 64, preferred 32/64, 500 µs delay), explicit model control, served by the faulty_onnxruntime plug-in (fail_every $FAIL_EVERY)"
  echo "- Capacity, closed loop (wrk, 128 connections, ${CAPACITY_SECS} s): $cap requests/s; offered ${LOAD_FACTOR}x = $rate requests/s ($http_rate over HTTP, $grpc_rate over gRPC), open loop, ${CHAOS_SECS} s after 2 s of warm-up"
  echo "- During the load: a reload of the model every ${RELOAD_SECS} s ($reloads reloads, $reload_failures not answered 200), 10% of the requests sent by a client that resets its connection at once, 50 slowloris connections, 1% malformed requests, every instance failing call $FAIL_EVERY, $((FAIL_EVERY * 2)), ... of its own"
  echo "- Before: $before"
  echo "- After: $(machine)"
  echo
  cat "$OUT/load.md"
  [ "$grpc_rate" -gt 0 ] && cat "$OUT/load-grpc.md"
  echo
  echo "| server | before | 5 s after |"
  echo "|---|---:|---:|"
  echo "| RSS MiB | $(echo "$start_sample" | cut -d, -f2) | $(echo "$end_sample" | cut -d, -f2) |"
  echo "| threads | $(echo "$start_sample" | cut -d, -f4) | $(echo "$end_sample" | cut -d, -f4) |"
  echo "| open descriptors | $(echo "$start_sample" | cut -d, -f5) | $(echo "$end_sample" | cut -d, -f5) |"
  echo "| of which sockets | $(echo "$start_sample" | cut -d, -f6) | $(echo "$end_sample" | cut -d, -f6) |"
  echo
  echo "Instance failures: $injected batches failed by an injected fault ($both_failed of them on their retry too: their requests are the column \"500 internal\"), $replaced instances replaced, $replace_failed replacements failed"
  echo
  echo "Unexpected answers: $([ "$status" = 0 ] && echo none || echo "see load.err and load-grpc.err"); live $(curl -s -o /dev/null -w '%{http_code}' "$base/v2/health/live"), ready $(curl -s -o /dev/null -w '%{http_code}' "$base/v2/health/ready"); queue depth after: $depth; leak reports: $(grep -c 'LEAK:' "$OUT/server-main.log" || true); errors logged: $(grep -c ' ERROR ' "$OUT/server-main.log" || true)"
} | tee "$OUT/results.md"
exit "$status"
