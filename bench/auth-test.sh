#!/usr/bin/env bash
# Issue 11's throughput bound for authentication: mnist-cnn-dyn (dynamic batching) at concurrency 64
# on a server with bearer tokens (a tokens file of 100 principals, a rate limit per principal and
# model far above the load, the audit log on) against the same build with authentication off;
# the two servers run side by side and take turns, round after round (AbLoad).
# Results: $OUT/results.md (default bench/target/auth-<time>/).
#
# Usage: bench/auth-test.sh [--no-build]
#   env: WARMUP (5 s), DURATION (10 s), ROUNDS (3), CONCURRENCY (64), MODELS_DIR (../shared/models)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=auth
. "$root/bench/lib/ab-setup.sh" "$@"

add_model mnist mnist-cnn-dyn 64 "32, 64" 500 ""

tokens="$OUT/tokens"
make_tokens "$tokens"

common=(serve --model-repository "$repo" --http-port 0 --grpc-port 0 --allow-metrics false --access-log false)
start_server off -- "${common[@]}"
start_server on -- "${common[@]}" --auth-file "$tokens" --principal-rate-limit 1000000
for s in off on; do await_server "$s"; done
off_port=${server_port[off]} on_port=${server_port[on]}
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$on_port/v2/models/mnist/infer" -d '{}')
[ "$code" = 401 ] || { echo "auth-test: the secured server answered $code without a token" >&2; exit 1; }
echo "auth-test: off on :$off_port, tokens on :$on_port"

{
  echo "# Authentication's cost, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) CPUs shared by the servers and the load generator; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- mnist-cnn-dyn, batch-1 FP32 requests with the binary extension, $CONCURRENCY keep-alive connections, warm-up ${WARMUP} s + ${DURATION} s per cell, $ROUNDS alternating rounds; metrics and access log off on both"
  echo "- off: no authentication; tokens: \`--auth-file\` (100 principals), \`--principal-rate-limit 1000000\` (a bucket per principal and model, never empty), audit log on"
  echo
  "$JAVA_HOME/bin/java" -Xmx1g -cp "$bench_cp" io.caracal.bench.load.AbLoad \
    --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --rounds "$ROUNDS" \
    --model mnist --input input --output output --shape 1,1,28,28 \
    --target "off=http://127.0.0.1:$off_port" --target "tokens=http://127.0.0.1:$on_port,token=$token"
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg); audit lines of the secured server: $(grep -c '"action"' "$OUT/server-on.log" || true)"
} | tee "$OUT/results.md"
