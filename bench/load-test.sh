#!/usr/bin/env bash
# End-to-end load test (issue 3, "Benchmark"): builds Caracal, serves a temporary Triton-layout
# repository with two copies of each model (dynamic batching on / off), drives it with the
# closed-loop load generator io.caracal.bench.load.LoadTest over loopback, runs the in-process
# ONNX Runtime baseline in the same run, and prints one table per model. Stops by itself (about
# 2 models × 3 concurrencies × 3 variants × (warm-up + duration + 1 s per extra round), 5 min with
# the defaults) and always kills the server.
#
# Usage: bench/load-test.sh [--no-build]
# Environment: WARMUP (s, default 5), DURATION (s, default 10, split over ROUNDS turns, default 2,
#   in which the three variants alternate), CONCURRENCY (default 1,8,64),
#   MODELS_DIR (default ../shared/models next to the checkout), OUT (default bench/target/load-test-<time>),
#   PROFILE=0 to run the server without a JFR recording.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"

WARMUP=${WARMUP:-5}
DURATION=${DURATION:-10}
CONCURRENCY=${CONCURRENCY:-1,8,64}
ROUNDS=${ROUNDS:-2}
MODELS_DIR=${MODELS_DIR:-$root/../shared/models}
PROFILE=${PROFILE:-1}
OUT=${OUT:-$root/bench/target/load-test-$(date -u +%Y%m%dT%H%M%SZ)}

# Small model with a dynamic batch dimension, and the compute-bound one: batching settings.
MNIST_DELAY_US=${MNIST_DELAY_US:-500}
MOBILENET_DELAY_US=${MOBILENET_DELAY_US:-2000}
MNIST_MAX_BATCH=${MNIST_MAX_BATCH:-64}
MOBILENET_MAX_BATCH=${MOBILENET_MAX_BATCH:-32}

if [ "${1:-}" != "--no-build" ]; then
  echo "load-test: building (./mvnw -DskipTests package -pl app,bench -am)"
  ./mvnw -B -q -ntp -DskipTests package -pl app,bench -am
fi
cp_file="$root/bench/target/classpath.txt"
bench_jar="$root/bench/target/caracal-bench-0.1.0-SNAPSHOT.jar"
[ -f "$cp_file" ] && [ -f "$bench_jar" ] || { echo "load-test: bench is not built" >&2; exit 1; }
bench_cp="$bench_jar:$(cat "$cp_file")"

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
CARACAL_JAVA_OPTS="$opts ${CARACAL_JAVA_OPTS:-}" "$root/bin/caracal" serve --model-repository "$repo" \
  --http-port 0 > "$log" 2>&1 &
server_pid=$!

port=""
for _ in $(seq 1 600); do
  port=$(sed -n 's/.*HTTP listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
  [ -n "$port" ] && break
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
echo "load-test: server pid $server_pid on port $port; all models ready"

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
  echo "- Commit: ${CARACAL_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)}; server defaults (1 instance, 1 execution thread, ORT default intra-op threads)"
  echo "- Load average before the run: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs share the machine)"
  echo "- Settings: warm-up ${WARMUP} s + ${DURATION} s per cell (in $ROUNDS alternating rounds), concurrency $CONCURRENCY, batch-1 requests, binary tensor extension in and out, HTTP/1.1 keep-alive, loopback; every copy has max_batch_size (mnist $MNIST_MAX_BATCH, mobilenet $MOBILENET_MAX_BATCH), the batched copies dynamic_batching with preferred [max/2, max]; load generator and in-process baseline share the same $(nproc) CPUs with the server"
} > "$md"
cat "$md"

"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g -cp "$bench_cp" io.caracal.bench.load.LoadTest \
  --url "http://127.0.0.1:$port" --warmup "$WARMUP" --duration "$DURATION" --concurrency "$CONCURRENCY" \
  --rounds "$ROUNDS" --markdown "$md" \
  --model "label=mnist-cnn-dyn,file=$repo/mnist_dyn_plain/1/model.onnx,batched=mnist_dyn_batched,plain=mnist_dyn_plain,delay_us=$MNIST_DELAY_US,max_batch=$MNIST_MAX_BATCH" \
  --model "label=mobilenetv2-12-int8,file=$repo/mobilenet_plain/1/model.onnx,batched=mobilenet_batched,plain=mobilenet_plain,delay_us=$MOBILENET_DELAY_US,max_batch=$MOBILENET_MAX_BATCH"

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
