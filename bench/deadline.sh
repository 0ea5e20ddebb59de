#!/usr/bin/env bash
# Deadlines inside a running call (issue 12, reliability-security.md §4b): the generated slow model
# (one instance; a loop that would run for years) gets ROUNDS requests with a `timeout` parameter of
# TIMEOUT_MS; each must answer 504, and the next short request must answer 200 (the run was
# terminated, the instance is free). Reports how late after its deadline each 504 arrived and how
# long the following short request took, as curl measures them (connection included).
# Results: $OUT/results.md (default bench/target/deadline-<time>/).
#
# Usage: bench/deadline.sh [--no-build]
#   env: ROUNDS (20), TIMEOUT_MS (100)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
bench_name=deadline
ROUNDS=${ROUNDS:-20}
. "$root/bench/lib/ab-setup.sh" "$@"
. "$root/bench/lib/reliability.sh"
TIMEOUT_MS=${TIMEOUT_MS:-100}

"$JAVA_HOME/bin/java" -cp "$bench_cp" io.caracal.bench.load.GeneratedModel slow "$repo" slow
start_server main --allow-metrics false
url="http://127.0.0.1:$port/v2/models/slow/infer"
slow_request() { # ITERATIONS TIMEOUT_US
  printf '{"inputs":[{"name":"INPUT0","shape":[1,16],"datatype":"FP32","data":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]},'
  printf '{"name":"ITERATIONS","shape":[1,1],"datatype":"INT64","data":[%s]}]' "$1"
  [ "$2" = 0 ] || printf ',"parameters":{"timeout":%s}' "$2"
  printf '}'
}
slow_request 1099511627776 $((TIMEOUT_MS * 1000)) > "$OUT/endless.json"
slow_request 1 0 > "$OUT/short.json"
curl -s -o /dev/null "$url" -d @"$OUT/short.json" # warm
before=$(machine)
: > "$OUT/rounds.csv"
failures=0
for i in $(seq 1 "$ROUNDS"); do
  read -r code1 t1 < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$url" -d @"$OUT/endless.json")
  read -r code2 t2 < <(curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -m 60 "$url" -d @"$OUT/short.json")
  [ "$code1" = 504 ] && [ "$code2" = 200 ] || failures=$((failures + 1))
  echo "$code1,$t1,$code2,$t2" >> "$OUT/rounds.csv"
done
stats() { # column: p50 / max in ms
  cut -d, -f"$1" "$OUT/rounds.csv" | awk -v off="$2" '{printf "%.1f\n", $1 * 1000 - off}' | sort -g \
    | awk '{v[NR] = $1} END {printf "%s / %s", v[int((NR + 1) / 2)], v[NR]}'
}
{
  echo "# Deadlines inside a running call, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "- Commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); the slow model (TestModels.slow: a Loop of 256×256 MatMul, 2^40 trips, one instance, one thread), \`timeout\` $TIMEOUT_MS ms, $ROUNDS rounds; curl over loopback, a new connection each"
  echo "- Before: $before"
  echo "- After: $(machine)"
  echo
  echo "| rounds | 504 then 200 | 504 after its deadline, p50 / max ms | next short request, p50 / max ms |"
  echo "|---:|---:|---|---|"
  echo "| $ROUNDS | $((ROUNDS - failures)) | $(stats 2 "$TIMEOUT_MS") | $(stats 4 0) |"
} | tee "$OUT/results.md"
[ "$failures" = 0 ]
