#!/usr/bin/env bash
# Issue 9's figures, each measured in one run on this machine:
#  1. the cost of observing: throughput of mnist-cnn-dyn (dynamic batching) at concurrency 64 on a
#     server with metrics (scraped in OpenMetrics every SCRAPE_EVERY s), the access log and traces
#     (TIMESTAMPS, rate 1000, exported over OTLP/HTTP to a local sink) all on, against the same
#     build with all three off; the two servers run side by side and take turns, round after round,
#     the order reversed every other round. PAIRS such pairs of fresh JVMs run one after the other:
#     how one JVM compiles the hot paths moves its throughput by a few percent for its whole life,
#     more than a 2% difference, so one pair alone cannot tell it; the table of each pair, then the
#     figures of all pairs together;
#  2. the response cache: hits (one request repeated) against misses (every request different) on
#     mobilenetv2-12-int8 with response_cache on (a model worth caching: one run costs milliseconds),
#     on the last pair's 'off' server.
# The load generator is wrk (C, one thread, keep-alive connections; CLIENT=wrk, the default when wrk
# is installed), which leaves most of the two shared CPUs to the servers and reports each server's
# own CPU time per request; CLIENT=java uses AbLoad (64 blocking threads) as the runs before
# session 8 did. Under each table: the median of the per-round ratios (each round runs the servers
# back to back, so it is less moved by the machine drifting between rounds; short rounds make that
# drift smaller still); with wrk, then each server's CPU per request by thread over the counted
# rounds (event loops, executors, the batcher, the access log's writer, the metrics endpoint, the
# JIT's compiler threads, GC, ...), so that a pair whose 'on' server spent more can say where.
# Results: $OUT/results.md (default bench/target/observability-<time>/).
#
# Usage: bench/observability-test.sh [--no-build]
#   env: PAIRS (3), WARMUP (180 s per server of each pair before its counted rounds, run in turns of
#   WARMUP_CHUNK (30) s so that each server has seen its connections close and reopen, as every
#   round does, before the first counted round: under this
#   load on 2 CPUs the JIT's compiler threads get little CPU; 30 s left both servers at about 70%
#   of their throughput, the 'on' server with more code to compile further behind, and after 90 s
#   its first counted rounds still ran at 16,000 req/s against 24,000 later, its compiler threads'
#   CPU counted as its own), DURATION (4 s), ROUNDS (10), CONCURRENCY (64), CLIENT (wrk or java),
#   CACHE (1; 0 skips the cache figure), SCRAPE_EVERY (15 s, the scrape_interval of
#   docs/operations.md; the scraper is a curl started per scrape, about 15 ms of CPU here, which at
#   1 s took 1-2% of the two CPUs from the servers on top of the server's own ~7 ms per scrape),
#   MODELS_DIR (../shared/models), ACCESS_LOG_TO (pipe: the 'on' server's access-log lines are read
#   from its stdout by grep, as a container runtime or log shipper reads them, and not stored;
#   file: kept in server-on-N.log on this machine's disk, whose writeback then competes for the
#   CPUs), AGAINST (unset; the root of another checkout, built with ./mvnw -DskipTests install:
#   then the run compares two builds instead, both with observing off, 'this' build against
#   'other', in the same pairs and rounds; the cost of a change to the request path, measured side
#   by side), AGAINST_OBSERVING (off; on: with AGAINST, both builds run with everything observed,
#   as the 'on' server does, so that a change to the observing layers is measured side by side;
#   no scraper runs), ON_LAYERS (metrics,access-log,traces: which observing layers the 'on' server
#   has; any comma-separated subset, the others off as in 'off', so that one layer's cost is
#   measured alone with the same pairs and rounds; the scraper runs only with metrics)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=observability
WARMUP=${WARMUP:-180}
DURATION=${DURATION:-4}
ROUNDS=${ROUNDS:-10}
SCRAPE_EVERY=${SCRAPE_EVERY:-15}
ACCESS_LOG_TO=${ACCESS_LOG_TO:-pipe}
PAIRS=${PAIRS:-3}
AGAINST=${AGAINST:-}
AGAINST_OBSERVING=${AGAINST_OBSERVING:-off}
ON_LAYERS=${ON_LAYERS:-metrics,access-log,traces}
for layer in ${ON_LAYERS//,/ }; do
  case "$layer" in metrics|access-log|traces) ;; *) echo "observability-test: ON_LAYERS: unknown layer '$layer' (metrics, access-log, traces)" >&2; exit 2 ;; esac
done
has_layer() { [[ ",$ON_LAYERS," == *",$1,"* ]]; }
case "$AGAINST_OBSERVING" in on|off) ;; *) echo "observability-test: AGAINST_OBSERVING is on or off" >&2; exit 2 ;; esac
if [ -n "$AGAINST" ]; then
  [ -x "$AGAINST/bin/caracal" ] && [ -d "$AGAINST/app/target/lib" ] \
    || { echo "observability-test: AGAINST=$AGAINST is not a built checkout" >&2; exit 2; }
  A=this B=other
else
  A=off B=on
fi
. "$root/bench/lib/ab-setup.sh" "$@"
CLIENT=${CLIENT:-$(command -v wrk > /dev/null && echo wrk || echo java)}

add_model mnist mnist-cnn-dyn 64 "32, 64" 500 ""
add_model mobilenet_cached mobilenetv2-12-int8 32 "16, 32" 2000 "response_cache { enable: true }"
[ -f "$MODELS_DIR/mobilenetv2-12-int8/model.onnx" ] || { echo "observability-test: needs $MODELS_DIR/mobilenetv2-12-int8" >&2; exit 2; }

# await_line FILE REGEX: prints the first capture group once FILE has a matching line

"$JAVA_HOME/bin/java" -cp "$bench_cp" io.caracal.bench.load.OtlpSink > "$OUT/otlp-sink.log" 2>&1 &
pids+=($!)
sink_port=$(await_line "$OUT/otlp-sink.log" 'listening on port ([0-9]+)' "${pids[-1]}")

common=(serve --model-repository "$repo" --http-port 0 --grpc-port 0 --cache-size 67108864)
# the servers' flags: observing nothing, and observing everything (traces to the sink)
observe_off=(--allow-metrics false --access-log false)
observe_on=()
if has_layer metrics; then observe_on+=(--metrics-port 0); else observe_on+=(--allow-metrics false); fi
if has_layer access-log; then observe_on+=(--access-log true); else observe_on+=(--access-log false); fi
if has_layer traces; then
  observe_on+=(--trace-config level=TIMESTAMPS --trace-config rate=1000
    --trace-config "opentelemetry,url=http://127.0.0.1:$sink_port/v1/traces")
fi
# with AGAINST, both builds run with the same flags
if [ "$AGAINST_OBSERVING" = on ]; then against_flags=("${observe_on[@]}"); else against_flags=("${observe_off[@]}"); fi
# log_filter: what reads a server's output when it writes access-log lines (ACCESS_LOG_TO)
log_filter() {
  if [ "$ACCESS_LOG_TO" = file ]; then cat; else grep --line-buffered -v '^{"ts":'; fi
}
# start_pair N: a fresh 'off' and 'on' server (new JVMs, logs server-off-N.log, server-on-N.log),
# ready, and a Prometheus-like scraper of 'on': every SCRAPE_EVERY s, OpenMetrics, as long as it lives.
# With AGAINST, 'off' is this build ($A) and 'on' the other build ($B), both with the flags of
# AGAINST_OBSERVING, and no scraper runs; the off_*/on_* names stay those of the two slots.
start_pair() {
  local n=$1
  if [ -n "$AGAINST" ]; then
    off_cmd=("$root/bin/caracal" "${common[@]}" "${against_flags[@]}")
    on_cmd=("$AGAINST/bin/caracal" "${common[@]}" "${against_flags[@]}")
  else
    off_cmd=("$root/bin/caracal" "${common[@]}" "${observe_off[@]}")
    on_cmd=("$root/bin/caracal" "${common[@]}" "${observe_on[@]}")
  fi
  "${off_cmd[@]}" > >(log_filter > "$OUT/server-off-$n.log") 2>&1 &
  pids+=($!); off_pid=$!
  "${on_cmd[@]}" > >(log_filter > "$OUT/server-on-$n.log") 2>&1 &
  pids+=($!); on_pid=$!
  off_port=$(await_line "$OUT/server-off-$n.log" 'HTTP listening on [^:]+:([0-9]+)' "$off_pid")
  on_port=$(await_line "$OUT/server-on-$n.log" 'HTTP listening on [^:]+:([0-9]+)' "$on_pid")
  metrics_port=none
  # the 'on' flags have a metrics port only with the metrics layer (with AGAINST, only when both observe)
  if has_layer metrics && { [ -z "$AGAINST" ] || [ "$AGAINST_OBSERVING" = on ]; }; then
    metrics_port=$(await_line "$OUT/server-on-$n.log" 'metrics listening on [^:]+:([0-9]+)' "$on_pid")
  fi
  for p in "$off_port" "$on_port"; do
    for _ in $(seq 1 600); do
      curl -sf "http://127.0.0.1:$p/v2/health/ready" >/dev/null && break
      sleep 0.2
    done
  done
  echo "observability-test: pair $n: $A on :$off_port, $B on :$on_port (metrics :$metrics_port), OTLP sink :$sink_port" >&2
  ( while [ -z "$AGAINST" ] && [ "$metrics_port" != none ] && kill -0 "$on_pid" 2>/dev/null; do
      curl -s -o /dev/null -H 'Accept: application/openmetrics-text; version=1.0.0' \
        "http://127.0.0.1:$metrics_port/metrics" || true
      sleep "$SCRAPE_EVERY"
    done ) &
  pids+=($!); scraper_pid=$!
}
# stop_pair: stops the servers of the pair and its scraper, and waits until they are gone
stop_pair() {
  kill "$off_pid" "$on_pid" "$scraper_pid" 2>/dev/null || true
  for p in "$off_pid" "$on_pid"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
}
start_pair 1

ab() {
  "$JAVA_HOME/bin/java" -Xmx1g -cp "$bench_cp" io.caracal.bench.load.AbLoad \
    --concurrency "$CONCURRENCY" --warmup "$WARMUP" --duration "$DURATION" --rounds "$ROUNDS" "$@"
}

{
  echo "# Observability and cache figures, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  echo "- Commit $commit; $(nproc) CPUs shared by the servers and the load generator; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- mnist-cnn-dyn, batch-1 FP32 requests with the binary extension, $CONCURRENCY keep-alive connections ($CLIENT), $PAIRS pair(s) of servers, each server warmed up ${WARMUP} s, then $ROUNDS alternating rounds of ${DURATION} s"
  echo
  if [ -n "$AGAINST" ]; then
    echo "## This build against another"
    echo
    echo "this: $root at $commit$(git -C "$root" diff --quiet 2>/dev/null || echo ' with uncommitted changes'); other: $AGAINST at $(git -C "$AGAINST" rev-parse --short HEAD 2>/dev/null || echo unknown); both \`${against_flags[*]}\`."
  else
    echo "## Observing on vs off"
    echo
    if [ "$ON_LAYERS" = metrics,access-log,traces ]; then
      on_desc="metrics (scraped every $SCRAPE_EVERY s), access log, traces at level TIMESTAMPS and rate 1000 exported over OTLP/HTTP"
    else
      on_desc="only \`$ON_LAYERS\` (ON_LAYERS): \`${observe_on[*]}\`"
      if has_layer metrics; then on_desc+=", scraped every $SCRAPE_EVERY s"; fi
    fi
    echo "off: \`--allow-metrics false --access-log false\` (tracing off by default); on: $on_desc."
  fi
  echo
  [ "$CLIENT" = java ] || make_bodies "$repo/mnist/1/model.onnx" "$work/bodies-mnist"
  for n in $(seq 1 "$PAIRS"); do
    if [ "$n" -gt 1 ]; then
      stop_pair
      # not to the table's pipe: the scraper's and the log filter's shells would hold it open
      start_pair "$n" >&2
    fi
    if [ "$PAIRS" -gt 1 ]; then
      echo "### Pair $n of $PAIRS (two fresh JVMs, each warmed up)"
      echo
    fi
    if [ "$CLIENT" = wrk ]; then
      server_pid[$A]=$off_pid server_port[$A]=$off_port server_pid[$B]=$on_pid server_port[$B]=$on_port
      wrk_ab "$work/bodies-mnist" mnist "$A" "$B"
      cp "$OUT/wrk-points.tsv" "$OUT/wrk-points-pair$n.tsv"
    else
      ab --model mnist --input input --output output --shape 1,1,28,28 --target "$A=http://127.0.0.1:$off_port" --target "$B=http://127.0.0.1:$on_port"
    fi
    echo
  done
  if [ "$CLIENT" = wrk ] && [ "$PAIRS" -gt 1 ]; then
    echo "### All $PAIRS pairs"
    echo
    # each pair's rounds ran its two servers back to back: the median of every pair's per-round
    # ratios, and the requests served over the same time (every round lasts DURATION)
    awk -v hz="$(getconf CLK_TCK)" -v a="$A" -v b="$B" '
      FNR == 1 { f++ }
      { rps[f, $1, $2] = $3 / ($4 / 1e6); if ($2 > rounds[f]) rounds[f] = $2
        req[$1] += $3; us[$1] += $4; cpu[$1] += $8 }
      END {
        n = 0
        for (i = 1; i <= f; i++) for (r = 1; r <= rounds[i]; r++) q[++n] = rps[i, b, r] / rps[i, a, r]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
        med = n % 2 ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
        printf "- median of the %d paired rounds, %s ÷ %s: **%.3f** (lowest %.3f, highest %.3f)\n", n, b, a, med, q[1], q[n]
        printf "- requests served, %s ÷ %s, over the same time: %.3f (%.0f against %.0f req/s on average)\n", b, a, (req[b] / us[b]) / (req[a] / us[a]), req[b] / (us[b] / 1e6), req[a] / (us[a] / 1e6)
        printf "- server CPU per request, %s ÷ %s: %.3f (%.1f against %.1f µs)\n", b, a, (cpu[b] / req[b]) / (cpu[a] / req[a]), cpu[b] * 1e6 / hz / req[b], cpu[a] * 1e6 / hz / req[a]
      }' "$OUT"/wrk-points-pair*.tsv
  fi
  echo
  if [ "${CACHE:-1}" = 1 ]; then
    echo "## Response cache: hits vs misses (server 'off', mobilenetv2-12-int8)"
    echo
    echo "miss: every request carries different input values (a counter in its last two elements), so each runs the model; hit: one request repeated."
    echo
    if [ "$CLIENT" = wrk ]; then
      server_pid[miss]=$off_pid server_port[miss]=$off_port wrk_unique[miss]=1
      server_pid[hit]=$off_pid server_port[hit]=$off_port wrk_unique[hit]=same
      make_bodies "$repo/mobilenet_cached/1/model.onnx" "$work/bodies-mobilenet"
      wrk_ab "$work/bodies-mobilenet" mobilenet_cached miss hit
    else
      ab --model mobilenet_cached --input input --output output --shape 1,3,224,224 --target "miss=http://127.0.0.1:$off_port,unique" --target "hit=http://127.0.0.1:$off_port"
    fi
  fi
  echo
  echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg); access-log lines written by 'on' (to a $ACCESS_LOG_TO): $(if [ "$ACCESS_LOG_TO" = file ]; then cat "$OUT"/server-on-*.log | grep -c '"event":"access"' || true; else echo "read and dropped, not counted"; fi)"
  # this block runs in a subshell (the pipeline): only it knows the pids of the pairs it started,
  # which the exit trap's list lacks, and their shells hold the table's pipe open until they end
  stop_pair
} | tee "$OUT/results.md"
kill "${pids[0]}" 2>/dev/null || true
sleep 1
cat "$OUT/otlp-sink.log" | tail -1 | tee -a "$OUT/results.md"
