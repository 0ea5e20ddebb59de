#!/usr/bin/env bash
# Justifies the queue-depth autoscaling thresholds of docs/operations.md: records a load ramp on ONE
# Caracal replica (the example all-MiniLM-L6-v2 embedding model, 32 tokens, closed-loop connections
# added one by one, nv_inference_pending_request_count read from /metrics every second), then feeds
# the recorded curve into the HPA's formula (io.caracal.bench.load.HpaSimulation) for a 25-minute
# traffic day, with thresholds of 4, 8 and 16 pending requests per replica.
# Usage: bench/autoscale-sim.sh [--no-build]   Environment: MAX_CONCURRENCY (default 16),
#   STEP_SECS (default 4), PEAK (clients at the simulated peak, default 96), OUT.
# Takes about MAX_CONCURRENCY x STEP_SECS + 20 s after the build.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
[ "${1:-}" = --no-build ] || ./mvnw -B -q -ntp -DskipTests package -pl app,bench,examples -am
MAX_CONCURRENCY=${MAX_CONCURRENCY:-16}
STEP_SECS=${STEP_SECS:-4}
PEAK=${PEAK:-96}
OUT=${OUT:-$root/bench/target/autoscale-sim-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http=$(free_port); metrics=$(free_port)
CARACAL_ACCESS_LOG=false "$root/bin/caracal" serve --model-repository examples/target/model-repository \
  --http-port "$http" --grpc-port 0 --metrics-port "$metrics" >"$OUT/replica.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
t=0
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http/v2/health/ready")" = 200 ]; do
  sleep 0.5; t=$((t + 1)); [ $t -lt 240 ] || { echo "autoscale-sim: not ready" >&2; exit 1; }
done
ids=101; mask=1; types=0
for i in $(seq 2 31); do ids="$ids,$((2000 + i * 37))"; mask="$mask,1"; types="$types,0"; done
ids="$ids,102"; mask="$mask,1"; types="$types,0"
body="{\"inputs\":[{\"name\":\"input_ids\",\"shape\":[1,32],\"datatype\":\"INT64\",\"data\":[$ids]},{\"name\":\"attention_mask\",\"shape\":[1,32],\"datatype\":\"INT64\",\"data\":[$mask]},{\"name\":\"token_type_ids\",\"shape\":[1,32],\"datatype\":\"INT64\",\"data\":[$types]}]}"
cp_file=$root/bench/target/classpath.txt
lib=$root/bench/target/autoscale-lib
rm -rf "$lib" && mkdir -p "$lib"
tr ':' '\n' < "$cp_file" | while read -r j; do [ -n "$j" ] && ln -s "$j" "$lib/"; done
cp="$root/bench/target/caracal-bench-0.1.0-SNAPSHOT.jar:$lib/*"
"$JAVA_HOME/bin/java" -cp "$cp" io.caracal.bench.load.AutoscaleRamp \
  --url "http://127.0.0.1:$http/v2/models/all-minilm-l6-v2/infer" \
  --metrics "http://127.0.0.1:$metrics/metrics" --body "$body" --expect '"last_hidden_state"' \
  --max-concurrency "$MAX_CONCURRENCY" --step-secs "$STEP_SECS" > "$OUT/ramp.csv" 2>"$OUT/ramp.log"
echo "autoscale-sim: the recorded ramp on one replica ($(nproc) cores; $OUT/ramp.csv):"
cat "$OUT/ramp.csv"
echo
"$JAVA_HOME/bin/java" -cp "$cp" io.caracal.bench.load.HpaSimulation "$OUT/ramp.csv" --peak "$PEAK" \
  | tee "$OUT/simulation.md"
