#!/usr/bin/env bash
# Caracal against a lean server, side by side in one run (issue 10): builds the project, starts
# Caracal (`bin/caracal serve`, the model served WITHOUT a config.pbtxt, i.e. server defaults) and the
# project's lean baseline io.caracal.bench.compare.LeanOrtServer (Netty HTTP/1.1, ONNX Runtime
# called inline on the event loop, raw tensor bytes as the body, no protocol), drives both with wrk
# (1 thread, N keep-alive connections, one batch-1 request per exchange) at each concurrency, the
# KServe V2 JSON body and the binary-extension body against Caracal, the raw body against the lean
# server, in alternating order over ROUNDS rounds, and prints one table: req/s, p50/p99, the
# server's CPU time per request (/proc/PID/stat ticks before/after each point), its RSS after each
# point, the 1-minute load average during the point, and the ratios Caracal ÷ lean.
#
# Usage: bench/compare.sh [--no-build]   (the figures go to bench/target/compare-<time>/results.md)
# Environment: DURATION (s per point, default 10), ROUNDS (default 2; the points of one concurrency
#   alternate their order from round to round), WARMUP (s per server and body, default 3),
#   CONCURRENCY (default 1,8,64), MODEL_DIR (a folder with model.onnx; default
#   ../shared/models/mnist-cnn-dyn, or the bundled example model `simple` when ../shared is absent),
#   MOBILENET (1, the default when ../shared has it: one more row, mobilenetv2-12-int8 at c=64 with
#   the binary body, against the lean server on the same file, i.e. ONNX Runtime in-process behind
#   a socket), MODEL_CONFIG (text of a config.pbtxt for Caracal's copy; default none),
#   VARIANT (settings of a second Caracal measured in the same run, e.g.
#   VARIANT=CARACAL_DEFAULT_MAX_BATCH_SIZE=1 for the behaviour before batching by default),
#   PROFILE=1 (record a JFR profile of Caracal to OUT/caracal.jfr), OUT (default
#   bench/target/compare-<time>), and any CARACAL_* setting (CARACAL_JAVA_OPTS included).
# Needs wrk (Debian package `wrk`): installed with apt-get when missing and running as root.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-3}
CONCURRENCY=${CONCURRENCY:-1,8,64}
PROFILE=${PROFILE:-0}
MODEL_CONFIG=${MODEL_CONFIG:-}
VARIANT=${VARIANT:-}
shared="$root/../shared/models"

if ! command -v wrk > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "compare: installing wrk (apt-get install -y wrk)"
    apt-get install -y -q wrk > /dev/null || { apt-get update -q > /dev/null && apt-get install -y -q wrk > /dev/null; }
  fi
  command -v wrk > /dev/null || { echo "compare: needs wrk (Debian/Ubuntu: apt-get install wrk)" >&2; exit 2; }
fi

# build, class path (bench_cp), OUT, work folder, pids and their cleanup: shared with the A/B scripts
bench_name=compare
ab_optional_shared=1
ab_modules=app,bench
[ -f "$shared/mnist-cnn-dyn/model.onnx" ] || ab_modules=app,bench,examples
. "$root/bench/lib/ab-setup.sh"
if [ -z "${MODEL_DIR:-}" ]; then
  if [ -f "$shared/mnist-cnn-dyn/model.onnx" ]; then
    MODEL_DIR="$shared/mnist-cnn-dyn"
  else
    MODEL_DIR="$root/examples/target/model-repository/simple/1"
    echo "compare: ../shared is absent, using the bundled example model simple (INT32 [1,16] x2)"
  fi
fi
[ -f "$MODEL_DIR/model.onnx" ] || { echo "compare: no model.onnx in $MODEL_DIR" >&2; exit 2; }
MOBILENET=${MOBILENET:-$([ -f "$shared/mobilenetv2-12-int8/model.onnx" ] && echo 1 || echo 0)}
export ORT_DISABLE_TELEMETRY=1


# the model repository ($repo): one model, no config.pbtxt unless MODEL_CONFIG
mkdir -p "$work/repo/model/1"
cp "$MODEL_DIR/model.onnx" "$work/repo/model/1/model.onnx"
[ -z "$MODEL_CONFIG" ] || printf '%s\n' "$MODEL_CONFIG" > "$work/repo/model/config.pbtxt"
make_bodies "$MODEL_DIR/model.onnx" "$work/bodies/model"
if [ "$MOBILENET" = 1 ]; then
  mkdir -p "$work/repo/mobilenet/1"
  cp "$shared/mobilenetv2-12-int8/model.onnx" "$work/repo/mobilenet/1/model.onnx"
  make_bodies "$work/repo/mobilenet/1/model.onnx" "$work/bodies/mobilenet"
fi


jopts=""
[ "$PROFILE" != 1 ] || jopts="-XX:StartFlightRecording=filename=$OUT/caracal.jfr,settings=profile,dumponexit=true"
started=$(date +%s%N)
CARACAL_JAVA_OPTS="$jopts ${CARACAL_JAVA_OPTS:-}" "$root/bin/caracal" serve --model-repository "$work/repo" \
  --http-port 0 --grpc-port 0 --metrics-port 0 > "$OUT/caracal.log" 2>&1 &
caracal_pid=$!
pids+=("$caracal_pid")
caracal_port=$(await_line "$OUT/caracal.log" 'HTTP listening on 127\.0\.0\.1:([0-9]+)' "$caracal_pid")
for _ in $(seq 1 1200); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$caracal_port/v2/health/ready" || true)" = 200 ] && break
  sleep 0.05
done
ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
rss_ready=$(awk '/VmRSS/ {print $2}' "/proc/$caracal_pid/status")
variants="lean json binary"
if [ -n "$VARIANT" ]; then
  # a second Caracal in the same run, with the settings in VARIANT (e.g. the behaviour before a change)
  mkdir -p "$work/repo2/model/1"
  cp "$work/repo/model/1/model.onnx" "$work/repo2/model/1/model.onnx"
  [ -z "$MODEL_CONFIG" ] || cp "$work/repo/model/config.pbtxt" "$work/repo2/model/config.pbtxt"
  # shellcheck disable=SC2086
  env $VARIANT "$root/bin/caracal" serve --model-repository "$work/repo2" --http-port 0 --grpc-port 0 --metrics-port 0 \
    > "$OUT/caracal-variant.log" 2>&1 &
  variant_pid=$!
  pids+=("$variant_pid")
  variant_port=$(await_line "$OUT/caracal-variant.log" 'HTTP listening on 127\.0\.0\.1:([0-9]+)' "$variant_pid")
  for _ in $(seq 1 1200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$variant_port/v2/health/ready" || true)" = 200 ] && break
    sleep 0.05
  done
  variants="lean json binary vjson vbinary"
fi

start_lean() { # start_lean NAME MODEL: sets lean_pid, lean_port
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx256m -cp "$bench_cp" \
    io.caracal.bench.compare.LeanOrtServer "$2" > "$OUT/lean-$1.log" 2>&1 &
  lean_pid=$!
  pids+=("$lean_pid")
  lean_port=$(await_line "$OUT/lean-$1.log" 'lean listening on 127\.0\.0\.1:([0-9]+)' "$lean_pid")
}
start_lean model "$MODEL_DIR/model.onnx"
model_lean_pid=$lean_pid model_lean_port=$lean_port
if [ "$MOBILENET" = 1 ]; then
  start_lean mobilenet "$work/repo/mobilenet/1/model.onnx"
  mob_lean_pid=$lean_pid mob_lean_port=$lean_port
fi


ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

# point LABEL C PID URL BODY CTYPE HLEN SECONDS: one wrk run; appends a line to $OUT/points.tsv
point() {
  local label=$1 c=$2 pid=$3 url=$4 body=$5 ctype=$6 hlen=$7 secs=$8 t0 t1 res
  t0=$(ticks "$pid")
  res=$(BODY=$body CTYPE=$ctype HLEN=$hlen wrk -t1 -c"$c" -d"${secs}s" --timeout 10s -s "$root/bench/lib/wrk-post.lua" "$url" \
    | sed -n 's/^RESULT //p')
  t1=$(ticks "$pid")
  [ -n "$res" ] || { echo "compare: wrk gave no result for $label c=$c" >&2; return 1; }
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$c" "${res// /$'\t'}" "$((t1 - t0))" "$(rss_kb "$pid")" \
    "$(cut -d' ' -f1 /proc/loadavg)" >> "$OUT/points.tsv"
}

b="$work/bodies/model"
curl -sf -o /dev/null -H 'Content-Type: application/json' --data-binary "@$b/v2.json" \
  "http://127.0.0.1:$caracal_port/v2/models/model/infer" || { echo "compare: Caracal refused the JSON request:" >&2;
  curl -s -H 'Content-Type: application/json' --data-binary "@$b/v2.json" "http://127.0.0.1:$caracal_port/v2/models/model/infer" >&2; exit 1; }
caracal_url="http://127.0.0.1:$caracal_port/v2/models/model/infer"
lean_url="http://127.0.0.1:$model_lean_port/"
run_variant() { # run_variant VARIANT C SECONDS
  case "$1" in
    lean) point "lean Netty + ORT, raw body" "$2" "$model_lean_pid" "$lean_url" "$b/raw.bin" application/octet-stream "" "$3" ;;
    json) point "Caracal, JSON" "$2" "$caracal_pid" "$caracal_url" "$b/v2.json" application/json "" "$3" ;;
    binary) point "Caracal, binary" "$2" "$caracal_pid" "$caracal_url" "$b/v2.bin" application/octet-stream "$(cat "$b/v2.bin.hlen")" "$3" ;;
    vjson) point "Caracal $VARIANT, JSON" "$2" "$variant_pid" "http://127.0.0.1:$variant_port/v2/models/model/infer" "$b/v2.json" application/json "" "$3" ;;
    vbinary) point "Caracal $VARIANT, binary" "$2" "$variant_pid" "http://127.0.0.1:$variant_port/v2/models/model/infer" "$b/v2.bin" application/octet-stream "$(cat "$b/v2.bin.hlen")" "$3" ;;
  esac
}

: > "$OUT/points.tsv"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "compare: Caracal pid $caracal_pid port $caracal_port (ready in $ready_ms ms), lean pid $model_lean_pid port $model_lean_port; warming up"
for v in $variants; do run_variant "$v" 8 "$WARMUP"; done
: > "$OUT/points.tsv"
for r in $(seq 1 "$ROUNDS"); do
  for c in ${CONCURRENCY//,/ }; do
    if [ $((r % 2)) = 1 ]; then order=$variants; else order=$(echo "$variants" | tr ' ' '\n' | tac | tr '\n' ' '); fi
    for v in $order; do
      echo "compare: round $r/$ROUNDS c=$c $v (load $(cut -d' ' -f1 /proc/loadavg))"
      run_variant "$v" "$c" "$DURATION"
    done
  done
done
if [ "$MOBILENET" = 1 ]; then
  mb="$work/bodies/mobilenet"
  murl="http://127.0.0.1:$caracal_port/v2/models/mobilenet/infer"
  mlurl="http://127.0.0.1:$mob_lean_port/"
  mhlen=$(cat "$mb/v2.bin.hlen")
  point warm 8 "$caracal_pid" "$murl" "$mb/v2.bin" application/octet-stream "$mhlen" "$WARMUP"
  point warm 8 "$mob_lean_pid" "$mlurl" "$mb/raw.bin" application/octet-stream "" "$WARMUP"
  for r in $(seq 1 "$ROUNDS"); do
    for v in lean caracal; do
      echo "compare: mobilenetv2-12-int8 round $r/$ROUNDS c=64 $v"
      if [ "$v" = lean ]; then
        point "mobilenet: lean Netty + ORT, raw body" 64 "$mob_lean_pid" "$mlurl" "$mb/raw.bin" application/octet-stream "" "$DURATION"
      else
        point "mobilenet: Caracal, binary" 64 "$caracal_pid" "$murl" "$mb/v2.bin" application/octet-stream "$mhlen" "$DURATION"
      fi
    done
  done
fi
rss_after=$(rss_kb "$caracal_pid")

md="$OUT/results.md"
{
  echo "## compare.sh $(date -u +%Y-%m-%dT%H:%M:%SZ), commit ${CARACAL_COMMIT:-$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
  echo
  echo "- Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1); JDK $("$JAVA_HOME/bin/java" -version 2>&1 | head -1 | cut -d'"' -f2)"
  echo "- Model: $MODEL_DIR/model.onnx, batch-1 requests ($(stat -c %s "$b/v2.json") B JSON, $(stat -c %s "$b/v2.bin") B binary, $(stat -c %s "$b/raw.bin") B raw); Caracal's copy ${MODEL_CONFIG:+has the config.pbtxt \"$MODEL_CONFIG\"}${MODEL_CONFIG:-has no config.pbtxt (server defaults)}"
  echo "- wrk 1 thread, ${DURATION} s per point, $ROUNDS round(s) in alternating order (the figures: requests and CPU summed over the rounds, p50/p99 averaged); load average before: $load_before"
  echo "- Caracal: ready $ready_ms ms after launch, RSS $((rss_ready / 1024)) MB when ready, $((rss_after / 1024)) MB after the run; ${CARACAL_JAVA_OPTS:+CARACAL_JAVA_OPTS=\"$CARACAL_JAVA_OPTS\"}"
  echo
  echo "| setup | conc. | req/s | p50 ms | p99 ms | errors | server CPU µs/req | RSS MB | load avg | req/s ÷ lean | p50 ÷ lean | p99 ÷ lean | CPU ÷ lean |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' -v hz="$(getconf CLK_TCK)" '
    $1 != "warm" {
      k = $1 SUBSEP $2
      if (!(k in n)) { keys[++nk] = k }
      n[k]++; req[k] += $3; dur[k] += $4; p50[k] += $5; p99[k] += $6; err[k] += $7; cpu[k] += $8
      if ($9 > rss[k]) rss[k] = $9
      load[k] += $10
    }
    END {
      for (i = 1; i <= nk; i++) {
        k = keys[i]; split(k, f, SUBSEP)
        rps[k] = req[k] / (dur[k] / 1e6); m50[k] = p50[k] / n[k] / 1000; m99[k] = p99[k] / n[k] / 1000
        us[k] = req[k] > 0 ? cpu[k] * 1e6 / hz / req[k] : 0
      }
      for (i = 1; i <= nk; i++) {
        k = keys[i]; split(k, f, SUBSEP)
        base = (f[1] ~ /^mobilenet/ ? "mobilenet: lean Netty + ORT, raw body" : "lean Netty + ORT, raw body") SUBSEP f[2]
        if (base in rps && rps[base] > 0 && m50[base] > 0 && m99[base] > 0 && us[base] > 0)
          r = sprintf("%.2f | %.2f | %.2f | %.2f", rps[k] / rps[base], m50[k] / m50[base], m99[k] / m99[base], us[k] / us[base])
        else r = "| | |"
        printf "| %s | %d | %.0f | %.3f | %.2f | %d | %.0f | %.0f | %.2f | %s |\n", f[1], f[2], rps[k], m50[k], m99[k], err[k], us[k], rss[k] / 1024, load[k] / n[k], r
      }
    }' "$OUT/points.tsv" | sort -t'|' -k3,3n -s
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg). Raw points: points.tsv (label, conc., requests, duration µs, p50 µs, p99 µs, errors, CPU ticks, RSS kB, load)."
} > "$md"
cat "$md"
echo "compare: results in $md"
