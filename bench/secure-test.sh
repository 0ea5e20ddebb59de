#!/usr/bin/env bash
# Issue 11's figure: what a secured start costs against a plain start. Throughput of mnist-cnn-dyn
# (dynamic batching) at concurrency 64 on three servers of the same build, side by side, taking
# turns round after round (AbLoad), every other setting at its default:
#   plain        no TLS, no tokens, the plain model file
#   secured      TLS (the default engine: Netty's OpenSSL/BoringSSL when its natives load), bearer
#                tokens (a tokens file of 100 principals, the audit log on) and the model stored
#                encrypted (model.onnx.enc, decrypted in memory at load)
#   secured-jdk  the same on the JDK's TLS engine (-Dio.netty.handler.ssl.noOpenSsl=true)
# Clients keep their connections (64 keep-alive connections per target, handshakes during the
# warm-up), as inference clients do. Results: $OUT/results.md (default bench/target/secure-<time>/).
#
# Usage: bench/secure-test.sh [--no-build]
#   env: WARMUP (5 s), DURATION (10 s), ROUNDS (3), CONCURRENCY (64), MODELS_DIR (../shared/models)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=secure
. "$root/bench/lib/ab-setup.sh" "$@"

add_model mnist mnist-cnn-dyn 64 "32, 64" 500 ""

# the secured server's repository: the same model, stored encrypted
enc="$work/repo-enc"
cp -r "$repo" "$enc"
echo "k1=$(openssl rand -base64 32)" > "$work/model-keys"
"$root/bin/caracal" encrypt --key-file "$work/model-keys" "$enc/mnist/1/model.onnx" > /dev/null
rm "$enc/mnist/1/model.onnx"

# 100 principals: 99 plain-hash lines, then the load's own, salted, as caracal auth-token writes it
tokens="$work/tokens"
: > "$tokens"
for i in $(seq 1 99); do
  echo "client-$i sha256:$(openssl rand -hex 32 | sha256sum | cut -d' ' -f1) infer,read" >> "$tokens"
done
"$root/bin/caracal" auth-token load-client infer,read > "$work/token.txt"
tail -n1 "$work/token.txt" >> "$tokens"
token=$(head -n1 "$work/token.txt")

( cd "$work"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=bench CA" -keyout ca.key -out ca.pem 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout server.key -out server.csr 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
    -extfile <(printf "subjectAltName=DNS:localhost,IP:127.0.0.1") -out server.pem 2>/dev/null )

common=(serve --http-port 0 --grpc-port 0 --metrics-port 0)
secured=(--model-repository "$enc" --model-key-file "$work/model-keys" --auth-file "$tokens"
  --tls-cert-file "$work/server.pem" --tls-key-file "$work/server.key")
"$root/bin/caracal" "${common[@]}" --model-repository "$repo" > "$OUT/server-plain.log" 2>&1 &
pids+=($!); plain_pid=$!
"$root/bin/caracal" "${common[@]}" "${secured[@]}" > "$OUT/server-secured.log" 2>&1 &
pids+=($!); sec_pid=$!
CARACAL_JAVA_OPTS="-Dio.netty.handler.ssl.noOpenSsl=true" "$root/bin/caracal" "${common[@]}" "${secured[@]}" \
  > "$OUT/server-secured-jdk.log" 2>&1 &
pids+=($!); jdk_pid=$!
plain_port=$(await_line "$OUT/server-plain.log" 'HTTP listening on [^:]+:([0-9]+)' "$plain_pid")
sec_port=$(await_line "$OUT/server-secured.log" 'HTTP listening on [^:]+:([0-9]+)' "$sec_pid")
jdk_port=$(await_line "$OUT/server-secured-jdk.log" 'HTTP listening on [^:]+:([0-9]+)' "$jdk_pid")
for u in "http://localhost:$plain_port" "https://localhost:$sec_port" "https://localhost:$jdk_port"; do
  for _ in $(seq 1 600); do
    curl -sf --cacert "$work/ca.pem" "$u/v2/health/ready" >/dev/null && break
    sleep 0.2
  done
done
for p in "$sec_port" "$jdk_port"; do
  code=$(curl -s --cacert "$work/ca.pem" -o /dev/null -w '%{http_code}' -X POST "https://localhost:$p/v2/models/mnist/infer" -d '{}')
  [ "$code" = 401 ] || { echo "secure-test: a secured server answered $code without a token" >&2; exit 1; }
  code=$(curl -s --cacert "$work/ca.pem" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "https://localhost:$p/v2/models/mnist/ready")
  [ "$code" = 200 ] || { echo "secure-test: the encrypted model is not ready on :$p ($code)" >&2; exit 1; }
done
echo "secure-test: plain :$plain_port, secured :$sec_port, secured-jdk :$jdk_port"

{
  echo "# A secured start against a plain start, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) CPUs shared by the servers and the load generator; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- mnist-cnn-dyn, batch-1 FP32 requests with the binary extension, $CONCURRENCY keep-alive connections, warm-up ${WARMUP} s + ${DURATION} s per cell, $ROUNDS alternating rounds; metrics and access log at their defaults (on) everywhere"
  echo "- secured: TLS 1.3 (EC P-256), \`--auth-file\` (100 principals, audit log on), the model stored encrypted; engines: $(grep -ho 'TLS, [A-Z]* engine' "$OUT/server-secured.log" | head -1) / $(grep -ho 'TLS, [A-Z]* engine' "$OUT/server-secured-jdk.log" | head -1)"
  echo
  "$JAVA_HOME/bin/java" -Xmx1g -cp "$bench_cp" io.caracal.bench.load.AbLoad \
    --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --rounds "$ROUNDS" \
    --ca-file "$work/ca.pem" --model mnist --input input --output output --shape 1,1,28,28 \
    --target "plain=http://127.0.0.1:$plain_port" \
    --target "secured=https://localhost:$sec_port,token=$token" \
    --target "secured-jdk=https://localhost:$jdk_port,token=$token"
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/results.md"
