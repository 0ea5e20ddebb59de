#!/usr/bin/env bash
# End-to-end load test (issue 3, "Benchmark"): builds Caracal, serves a temporary Triton-layout
# repository with two copies of each model (dynamic batching on / off), drives it with the
# closed-loop load generator io.caracal.bench.load.LoadTest over loopback (through the project's Java
# client library, caracal-client, over HTTP or gRPC), runs the in-process
# ONNX Runtime baseline in the same run, and prints one table per model. Stops by itself (about
# 2 models × 3 concurrencies × 3 variants × (warm-up + duration + 1 s per extra round), 5 min with
# the defaults) and always kills the server.
#
# Usage: bench/load-test.sh [--no-build] [--transport http|grpc] [--driver client|raw] [--smoke]
#   --transport  how the load generator talks to the server: http (default; binary tensor extension)
#                or grpc (the server's gRPC port, raw tensor contents); env TRANSPORT
#   --driver     client (default: caracal-client) or raw (minimal raw-socket HTTP/1.1 client, the
#                lowest client overhead; HTTP only; the driver of the tables recorded in
#                docs/performance.md before the switch to the client library); env DRIVER
#   --smoke      a quick check that everything runs: mnist-cnn-dyn only, concurrency 1 and 8,
#                2 s warm-up + 3 s per cell in 1 round, no JFR (about 40 s after the build)
# Environment: WARMUP (s, default 5), DURATION (s, default 10, split over ROUNDS turns, default 2,
#   in which the three variants alternate), CONCURRENCY (default 1,8,64),
#   MODELS (default "mnist mobilenet"), MODELS_DIR (default ../shared/models next to the checkout),
#   OUT (default bench/target/load-test-<time>), PROFILE=0 to run the server without a JFR recording,
#   INSTANCES (instance_group count of every copy; default: none written, the server's default of 2
#   for ONNX Runtime), ORT_PARAMS (ONNX Runtime parameters
#   of every copy, e.g. "intra_op_thread_count=1,allow_spinning=0"; the in-process baseline gets the
#   same thread and spinning settings), and any CARACAL_* server setting (e.g.
#   CARACAL_THREADS_PER_INSTANCE=2), which the server reads from its environment.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"

build=1
TRANSPORT=${TRANSPORT:-http}
DRIVER=${DRIVER:-client}
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --transport) TRANSPORT=${2:?--transport needs http or grpc}; shift ;;
    --driver) DRIVER=${2:?--driver needs client or raw}; shift ;;
    --smoke) WARMUP=${WARMUP:-2}; DURATION=${DURATION:-3}; ROUNDS=${ROUNDS:-1}; CONCURRENCY=${CONCURRENCY:-1,8}
             MODELS=${MODELS:-mnist}; PROFILE=${PROFILE:-0} ;;
    *) echo "load-test: unknown argument $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
  shift
done
case "$TRANSPORT" in http|grpc) ;; *) echo "load-test: --transport must be http or grpc" >&2; exit 2 ;; esac
case "$DRIVER" in client|raw) ;; *) echo "load-test: --driver must be client or raw" >&2; exit 2 ;; esac
[ "$DRIVER/$TRANSPORT" != raw/grpc ] || { echo "load-test: --driver raw speaks HTTP only" >&2; exit 2; }

WARMUP=${WARMUP:-5}
DURATION=${DURATION:-10}
CONCURRENCY=${CONCURRENCY:-1,8,64}
ROUNDS=${ROUNDS:-2}
MODELS_DIR=${MODELS_DIR:-$root/../shared/models}
PROFILE=${PROFILE:-1}
MODELS=${MODELS:-mnist mobilenet}
INSTANCES=${INSTANCES:-}
ORT_PARAMS=${ORT_PARAMS:-}
OUT=${OUT:-$root/bench/target/load-test-$(date -u +%Y%m%dT%H%M%SZ)}

# Small model with a dynamic batch dimension, and the compute-bound one: batching settings.
MNIST_DELAY_US=${MNIST_DELAY_US:-500}
MOBILENET_DELAY_US=${MOBILENET_DELAY_US:-2000}
MNIST_MAX_BATCH=${MNIST_MAX_BATCH:-64}
MOBILENET_MAX_BATCH=${MOBILENET_MAX_BATCH:-32}

if [ "$build" = 1 ]; then
  echo "load-test: building (./mvnw -DskipTests package -pl app,bench -am)"
  ./mvnw -B -q -ntp -DskipTests package -pl app,bench -am
fi
cp_file="$root/bench/target/classpath.txt"
bench_jar="$root/bench/target/caracal-bench-0.1.0-SNAPSHOT.jar"
[ -f "$cp_file" ] && [ -f "$bench_jar" ] || { echo "load-test: bench is not built" >&2; exit 1; }
# The class path as a directory of links and a wildcard: with the client library's dependencies the
# full list of paths (about 3 KB) made the JVM crash (SIGSEGV) inside ONNX Runtime's native
# initialisation on JDK 25, while the same jars through a short wildcard path run fine.
lib="$root/bench/target/load-test-lib"
rm -rf "$lib" && mkdir -p "$lib"
tr ':' '\n' < "$cp_file" | while read -r j; do [ -n "$j" ] && ln -s "$j" "$lib/"; done
bench_cp="$bench_jar:$lib/*"

mkdir -p "$OUT"
repo=$(mktemp -d "${TMPDIR:-/tmp}/caracal-load-repo.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$repo"
}
trap cleanup EXIT INT TERM

# name, source dir, max_batch_size, delay (empty = no dynamic_batching block); preferred sizes are
# half the maximum and the maximum
add_model() {
  local name=$1 src=$2 max=$3 delay=$4
  mkdir -p "$repo/$name/1"
  cp "$MODELS_DIR/$src/model.onnx" "$repo/$name/1/model.onnx"
  {
    echo "name: \"$name\""
    echo "platform: \"onnxruntime_onnx\""
    echo "max_batch_size: $max"
    [ -z "$INSTANCES" ] || echo "instance_group { count: $INSTANCES kind: KIND_CPU }"
    local kv
    for kv in ${ORT_PARAMS//,/ }; do
      echo "parameters { key: \"${kv%%=*}\" value: { string_value: \"${kv#*=}\" } }"
    done
    if [ -n "$delay" ]; then
      echo "dynamic_batching {"
      echo "  preferred_batch_size: [ $((max / 2)), $max ]"
      echo "  max_queue_delay_microseconds: $delay"
      echo "}"
    fi
  } > "$repo/$name/config.pbtxt"
}
add_model mnist_dyn_batched mnist-cnn-dyn "$MNIST_MAX_BATCH" "$MNIST_DELAY_US"
add_model mnist_dyn_plain mnist-cnn-dyn "$MNIST_MAX_BATCH" ""
add_model mobilenet_batched mobilenetv2-12-int8 "$MOBILENET_MAX_BATCH" "$MOBILENET_DELAY_US"
add_model mobilenet_plain mobilenetv2-12-int8 "$MOBILENET_MAX_BATCH" ""

log="$OUT/server.log"
opts=""
if [ "$PROFILE" = 1 ]; then
  opts="-XX:StartFlightRecording=filename=$OUT/server.jfr,settings=profile,dumponexit=true"
fi
echo "load-test: starting the server on $repo (log: $log)"
# both ports ephemeral: the gRPC server always starts, so a fixed 8001 could clash
CARACAL_JAVA_OPTS="$opts ${CARACAL_JAVA_OPTS:-}" "$root/bin/caracal" serve --model-repository "$repo" \
  --http-port 0 --grpc-port 0 > "$log" 2>&1 &
server_pid=$!

port=""
grpc_port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*HTTP listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  grpc_port=$(sed -n 's/.*gRPC listening on .*:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && { [ "$TRANSPORT" != grpc ] || [ -n "$grpc_port" ]; } && break
  kill -0 "$server_pid" 2>/dev/null || { echo "load-test: the server died:" >&2; tail -30 "$log" >&2; exit 1; }
  sleep 0.2
done
[ -n "$port" ] || { echo "load-test: the server did not start in 120 s" >&2; tail -30 "$log" >&2; exit 1; }
for m in mnist_dyn_batched mnist_dyn_plain mobilenet_batched mobilenet_plain; do
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/models/$m/ready" || true)
    [ "$code" = 200 ] && break
    sleep 0.2
  done
  [ "$code" = 200 ] || { echo "load-test: model $m is not ready ($code)" >&2; tail -30 "$log" >&2; exit 1; }
done
echo "load-test: server pid $server_pid on HTTP port $port, gRPC port ${grpc_port:-?}; all models ready; driver $DRIVER over $TRANSPORT"

thread_cpu() {
  # per-thread CPU ticks of the server, grouped by thread name (digits folded to #)
  for t in /proc/"$server_pid"/task/*; do
    [ -r "$t/stat" ] || continue
    comm=$(cat "$t/comm" 2>/dev/null | sed 's/[0-9][0-9]*/#/g; s/ /_/g')
    stat=$(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
    set -- $stat
    echo "$comm $(( ${12} + ${13} ))"
  done | awk '{s[$1]+=$2} END {for (k in s) print k, s[k]}' | sort
}
thread_cpu > "$OUT/cpu-before.txt"

md="$OUT/results.md"
{
  echo "## Load test $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "- Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM; $(uname -sr)"
  echo "- JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1) at $JAVA_HOME"
  echo "- Commit: ${CARACAL_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)}; ${INSTANCES:-default (2)} instance(s) per copy, ${CARACAL_THREADS_PER_INSTANCE:-1} execution thread(s) per instance, ORT parameters: ${ORT_PARAMS:-none (ORT defaults)}"
  echo "- Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the machine)"
  case "$DRIVER/$TRANSPORT" in
    client/http) echo "- Load driver: caracal-client over HTTP/1.1 (java.net.http keep-alive), binary tensor extension in and out, sync calls from N platform threads sharing one client" ;;
    client/grpc) echo "- Load driver: caracal-client over gRPC (one shared channel, raw tensor contents), sync calls from N platform threads" ;;
    raw/http) echo "- Load driver: raw-socket HTTP/1.1 (one keep-alive connection per thread, request bytes prepared once), binary tensor extension in and out" ;;
  esac
  echo "- Settings: warm-up ${WARMUP} s + ${DURATION} s per cell (in $ROUNDS alternating rounds), concurrency $CONCURRENCY, batch-1 requests, loopback; every copy has max_batch_size (mnist $MNIST_MAX_BATCH, mobilenet $MOBILENET_MAX_BATCH), the batched copies dynamic_batching with preferred [max/2, max]; load generator and in-process baseline share the same $(nproc) CPUs with the server"
} > "$md"
cat "$md"

model_args=()
for m in $MODELS; do
  case "$m" in
    mnist) model_args+=(--model "label=mnist-cnn-dyn,file=$repo/mnist_dyn_plain/1/model.onnx,batched=mnist_dyn_batched,plain=mnist_dyn_plain,delay_us=$MNIST_DELAY_US,max_batch=$MNIST_MAX_BATCH") ;;
    mobilenet) model_args+=(--model "label=mobilenetv2-12-int8,file=$repo/mobilenet_plain/1/model.onnx,batched=mobilenet_batched,plain=mobilenet_plain,delay_us=$MOBILENET_DELAY_US,max_batch=$MOBILENET_MAX_BATCH") ;;
    *) echo "load-test: unknown model $m in MODELS (mnist, mobilenet)" >&2; exit 2 ;;
  esac
done
transport_args=(--transport "$TRANSPORT" --driver "$DRIVER")
[ "$TRANSPORT" != grpc ] || transport_args+=(--grpc "127.0.0.1:$grpc_port")

"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g -cp "$bench_cp" io.caracal.bench.load.LoadTest \
  --url "http://127.0.0.1:$port" --warmup "$WARMUP" --duration "$DURATION" --concurrency "$CONCURRENCY" \
  --rounds "$ROUNDS" --markdown "$md" --ort-params "$ORT_PARAMS" --server-pid "$server_pid" "${transport_args[@]}" "${model_args[@]}"

thread_cpu > "$OUT/cpu-after.txt"
{
  echo
  echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "Server CPU by thread group over the whole run (clock ticks, $(getconf CLK_TCK)/s):"
  echo
  echo "| threads | CPU s | share |"
  echo "|---|---:|---:|"
  join -a 2 -e 0 -o 0,1.2,2.2 "$OUT/cpu-before.txt" "$OUT/cpu-after.txt" \
    | awk -v hz="$(getconf CLK_TCK)" '{d[$1]=$3-$2; t+=$3-$2} END {for (k in d) if (d[k] > 0) printf "| %s | %.1f | %.1f%% |\n", k, d[k]/hz, 100*d[k]/t}' \
    | sort -t'|' -k3 -rn
} | tee -a "$md"

if [ "$PROFILE" = 1 ]; then
  kill "$server_pid" 2>/dev/null || true
  for _ in $(seq 1 200); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
  if [ -s "$OUT/server.jfr" ]; then
    {
      echo
      echo "Server JFR profile (whole run):"
      echo
      "$JAVA_HOME/bin/java" -cp "$bench_cp" io.caracal.bench.load.JfrSummary "$OUT/server.jfr"
    } | tee -a "$md"
  fi
fi
echo
echo "load-test: results in $md"
