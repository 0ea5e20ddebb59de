#!/usr/bin/env bash
# Issue 11's figure: the cost of TLS. Throughput of mnist-cnn-dyn (dynamic batching) at concurrency
# 64 on three servers of the same build, side by side, taking turns round after round:
#   plain        no TLS
#   tls          --tls-cert-file/--tls-key-file: Netty's OpenSSL engine (BoringSSL, shipped in app)
#   tls-jdk      the same on the JDK's engine (-Dio.netty.handler.ssl.noOpenSsl=true), what a
#                platform without the BoringSSL natives gets
# Clients keep their connections (64 keep-alive connections per target, handshakes during the
# warm-up), as inference clients do. Certificates: a fresh EC P-256 CA and server certificate made
# with openssl. Results: $OUT/results.md (default bench/target/tls-<time>/).
#
# Usage: bench/tls-test.sh [--no-build]
#   env: WARMUP (5 s), DURATION (10 s), ROUNDS (3), CONCURRENCY (64), MODELS_DIR (../shared/models)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=tls
. "$root/bench/lib/ab-setup.sh" "$@"

add_model mnist mnist-cnn-dyn 64 "32, 64" 500 ""

make_certs

common=(serve --model-repository "$repo" --http-port 0 --grpc-port 0 --metrics-port 0)
tls=(--tls-cert-file "$work/server.pem" --tls-key-file "$work/server.key")
start_server plain -- "${common[@]}"
start_server tls -- "${common[@]}" "${tls[@]}"
start_server tls-jdk CARACAL_JAVA_OPTS=-Dio.netty.handler.ssl.noOpenSsl=true -- "${common[@]}" "${tls[@]}"
for s in plain tls tls-jdk; do await_server "$s"; done
plain_pid=${server_pid[plain]} tls_pid=${server_pid[tls]} jdk_pid=${server_pid[tls-jdk]}
plain_port=${server_port[plain]} tls_port=${server_port[tls]} jdk_port=${server_port[tls-jdk]}
echo "tls-test: plain :$plain_port, tls :$tls_port, tls-jdk :$jdk_port"
plain_metrics=$(await_line "$OUT/server-plain.log" 'metrics listening on [^:]+:([0-9]+)' "$plain_pid")
tls_metrics=$(await_line "$OUT/server-tls.log" 'metrics listening on [^:]+:([0-9]+)' "$tls_pid")
jdk_metrics=$(await_line "$OUT/server-tls-jdk.log" 'metrics listening on [^:]+:([0-9]+)' "$jdk_pid")

# CPU per request, which other processes on the machine disturb far less than throughput: the
# server's user+system CPU time (from /proc) over the inferences it counted (nv_inference_count)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
served() {
  curl -sf --cacert "$work/ca.pem" "$1/metrics" | awk '/^nv_inference_count\{/ {n += $2} END {printf "%d", n}'
}
declare -A cpu0 req0
snapshot() {
  cpu0[plain]=$(cpu_ticks "$plain_pid"); req0[plain]=$(served "http://localhost:$plain_metrics")
  cpu0[tls]=$(cpu_ticks "$tls_pid"); req0[tls]=$(served "https://localhost:$tls_metrics")
  cpu0[tls-jdk]=$(cpu_ticks "$jdk_pid"); req0[tls-jdk]=$(served "https://localhost:$jdk_metrics")
}
per_request() { # label pid metrics-url
  local cpu=$(( $(cpu_ticks "$2") - ${cpu0[$1]} )) req=$(( $(served "$3") - ${req0[$1]} ))
  awk -v c="$cpu" -v r="$req" -v hz="$(getconf CLK_TCK)" -v l="$1" \
    'BEGIN { printf "| %s | %d | %.1f | %.1f |\n", l, r, c / hz, (r > 0 ? c / hz / r * 1e6 : 0) }'
}

{
  echo "# TLS cost, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) CPUs shared by the servers and the load generator; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- mnist-cnn-dyn, batch-1 FP32 requests with the binary extension, $CONCURRENCY keep-alive connections, warm-up ${WARMUP} s + ${DURATION} s per cell, $ROUNDS alternating rounds"
  echo "- TLS: EC P-256 certificate, TLS 1.3 (the JDK client of the load generator)"
  echo
  snapshot
  "$JAVA_HOME/bin/java" -Xmx1g -cp "$bench_cp" io.caracal.bench.load.AbLoad \
    --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --rounds "$ROUNDS" \
    --ca-file "$work/ca.pem" --model mnist --input input --output output --shape 1,1,28,28 \
    --target "plain=http://127.0.0.1:$plain_port" --target "tls=https://localhost:$tls_port" \
    --target "tls-jdk=https://localhost:$jdk_port"
  echo
  echo "Server CPU per inference over the whole run (warm-ups included):"
  echo
  echo "| server | inferences | CPU s | CPU µs per inference |"
  echo "|---|---:|---:|---:|"
  per_request plain "$plain_pid" "http://localhost:$plain_metrics"
  per_request tls "$tls_pid" "https://localhost:$tls_metrics"
  per_request tls-jdk "$jdk_pid" "https://localhost:$jdk_metrics"
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  grep -h "HTTP listening" "$OUT"/server-*.log | sed 's/^/    /' || true
} | tee "$OUT/results.md"
