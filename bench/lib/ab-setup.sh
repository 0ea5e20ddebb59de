# Shared set-up of the side-by-side load scripts (auth-test.sh, tls-test.sh,
# observability-test.sh); sourced after `root` is set and the JDK found, with the script's
# arguments. Needs `bench_name` (messages say "<bench_name>-test", results go to
# bench/target/<bench_name>-<time>/). Sets WARMUP, WARMUP_CHUNK (wrk_ab's warm-up runs in turns
# of at most this many seconds per target, 30), DURATION, ROUNDS, CONCURRENCY, MODELS_DIR, OUT,
# bench_cp (the load generator's class path), work (a temporary folder, removed on exit), repo
# (an empty model repository in it) and pids (processes killed on exit), and defines add_model
# and await_line.
# Needs ../shared's mnist-cnn-dyn.
build=1
[ "${1:-}" != --no-build ] || build=0
WARMUP=${WARMUP:-5}
WARMUP_CHUNK=${WARMUP_CHUNK:-30}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-64}
MODELS_DIR=${MODELS_DIR:-$root/../shared/models}
OUT=${OUT:-$root/bench/target/$bench_name-$(date -u +%Y%m%dT%H%M%SZ)}
# ab_optional_shared=1: the caller has a fallback when ../shared is absent; ab_modules: what to build
[ -f "$MODELS_DIR/mnist-cnn-dyn/model.onnx" ] || [ "${ab_optional_shared:-0}" = 1 ] || { echo "$bench_name-test: needs $MODELS_DIR/mnist-cnn-dyn (../shared)" >&2; exit 2; }

if [ "$build" = 1 ]; then
  echo "$bench_name-test: building (./mvnw -DskipTests package -pl ${ab_modules:-app,bench} -am)"
  ./mvnw -B -q -ntp -DskipTests package -pl "${ab_modules:-app,bench}" -am
fi
cp_file="$root/bench/target/classpath.txt"
bench_jar="$root/bench/target/caracal-bench-0.1.0-SNAPSHOT.jar"
[ -f "$cp_file" ] && [ -f "$bench_jar" ] || { echo "$bench_name-test: bench is not built" >&2; exit 1; }
lib="$root/bench/target/$bench_name-lib"
rm -rf "$lib" && mkdir -p "$lib"
tr ':' '\n' < "$cp_file" | while read -r j; do [ -n "$j" ] && ln -s "$j" "$lib/"; done
bench_cp="$bench_jar:$lib/*"

mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/caracal-$bench_name-bench.XXXXXX")
repo="$work/repo"
mkdir -p "$repo"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# add_model NAME SOURCE MAX_BATCH PREFERRED DELAY_US EXTRA: a model of ../shared/models in $repo
add_model() {
  mkdir -p "$repo/$1/1"
  cp "$MODELS_DIR/$2/model.onnx" "$repo/$1/1/model.onnx"
  {
    echo "name: \"$1\""
    echo "platform: \"onnxruntime_onnx\""
    echo "max_batch_size: $3"
    echo "dynamic_batching { preferred_batch_size: [ $4 ] max_queue_delay_microseconds: $5 }"
    echo "$6"
  } > "$repo/$1/config.pbtxt"
}

# await_line FILE REGEX PID: prints REGEX's group 1 from the first line of FILE that matches,
# waiting up to 120 s; fails at once when process PID dies (its log's tail goes to stderr)
await_line() {
  local file=$1 regex=$2 pid=$3 v=""
  for _ in $(seq 1 1200); do
    v=$(sed -nE "s/.*$regex.*/\1/p" "$file" 2>/dev/null | head -1)
    [ -n "$v" ] && { echo "$v"; return 0; }
    kill -0 "$pid" 2>/dev/null || { echo "$bench_name-test: process $pid died:" >&2; tail -20 "$file" >&2; return 1; }
    sleep 0.1
  done
  echo "$bench_name-test: timed out waiting in $file" >&2; return 1
}

# make_certs: a fresh EC P-256 CA and a certificate for localhost/127.0.0.1 signed by it, as
# $work/ca.pem, $work/server.pem and $work/server.key
make_certs() {
  ( cd "$work"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
      -subj "/CN=bench CA" -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
      -keyout server.key -out server.csr 2>/dev/null
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile <(printf "subjectAltName=DNS:localhost,IP:127.0.0.1") -out server.pem 2>/dev/null )
}

# make_tokens FILE: a tokens file of 100 principals, 99 plain-hash lines, then the load's own,
# salted, as `caracal auth-token` writes it; sets `token` to the load's bearer token
make_tokens() {
  : > "$1"
  for i in $(seq 1 99); do
    echo "client-$i sha256:$(openssl rand -hex 32 | sha256sum | cut -d' ' -f1) infer,read" >> "$1"
  done
  "$root/bin/caracal" auth-token load-client infer,read > "$work/token.txt"
  tail -n1 "$work/token.txt" >> "$1"
  token=$(head -n1 "$work/token.txt")
}

# start_server LABEL [VAR=VALUE ...] -- ARGS...: starts `caracal ARGS` in the background (with the
# variables set), its log in $OUT/server-LABEL.log; then await_server LABEL sets server_pid[LABEL]
# and server_port[LABEL] (HTTP) and waits until it is ready (over TLS with $work/ca.pem when
# the log says the listener speaks TLS)
declare -A server_pid server_port
# scheme_of LABEL: https when server LABEL's log says its HTTP listener speaks TLS, else http
scheme_of() {
  if grep -qs 'listening on .*(TLS' "$OUT/server-$1.log"; then echo https; else echo http; fi
}
start_server() {
  local label=$1 envs=()
  shift
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$root/bin/caracal" "$@" > "$OUT/server-$label.log" 2>&1 &
  pids+=($!)
  server_pid[$label]=$!
}
await_server() {
  local label=$1
  server_port[$label]=$(await_line "$OUT/server-$1.log" 'HTTP listening on [^:]+:([0-9]+)' "${server_pid[$label]}")
  for _ in $(seq 1 600); do
    curl -sf --cacert "$work/ca.pem" "$(scheme_of "$label")://localhost:${server_port[$label]}/v2/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "$bench_name-test: server $label never became ready" >&2; return 1
}

# make_bodies MODEL_ONNX DIR: batch-1 request bodies for the model (v2.json, v2.bin with v2.bin.hlen,
# raw.bin), written by io.caracal.bench.compare.CompareBodies
make_bodies() {
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$bench_cp" \
    io.caracal.bench.compare.CompareBodies "$1" "$2" > /dev/null
}

# wrk_ab BODIES MODEL LABEL...: drives the servers started as LABEL... (start_server/await_server)
# with wrk, CONCURRENCY keep-alive connections, the binary body of BODIES posted to MODEL's infer
# route with the Authorization value wrk_auth[LABEL] (if any), every request different when
# wrk_unique[LABEL] is 1, built the same way but identical when it is "same" (UNIQUE of wrk-post.lua),
# or the file wrk_body[LABEL] as it is (no binary-extension header: the lean server's raw body): a warm-up of WARMUP s each, then
# ROUNDS rounds of DURATION s, the order reversed every other round; prints a Markdown table of
# req/s per round, the median and its ratio to the first LABEL's, the median p99, the errors
# (non-2xx answers and socket errors) and the server's CPU time per request over the counted
# rounds (/proc/PID/stat) with its ratio to the first LABEL's: on 2 CPUs shared with the load
# generator the CPU per request is the steadier figure, and the server's throughput on CPUs of
# its own is the inverse of it. Needs wrk.
declare -A wrk_auth wrk_unique wrk_body
# thread_ticks PID: one line per group of the process's threads, "name ticks": CPU clock ticks
# (user and system) of the threads whose name is name followed by a number or nothing
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*/stat; do cat "$t" 2>/dev/null && echo; done | awk '
    NF {
      i = index($0, "("); j = 0
      for (k = length($0); k > i; k--) if (substr($0, k, 1) == ")") { j = k; break }
      name = substr($0, i + 1, j - i - 1); split(substr($0, j + 2), f, " ")
      sub(/[-#]?[0-9]+(-[0-9]+)?$/, "", name); gsub(/[ |]/, "_", name)
      ticks[name] += f[12] + f[13]
    }
    END { for (n in ticks) print n, ticks[n] }'
}
wrk_ab() {
  local bodies=$1 model=$2
  shift 2
  local labels=("$@") l r res t0 t1 order url
  local hlen points="$OUT/wrk-points.tsv"
  hlen=$(cat "$bodies/v2.bin.hlen")
  : > "$points"
  wrk_point() { # wrk_point LABEL SECONDS: prints "requests duration_us p50_us p99_us errors cpu_ticks"
    url="$(scheme_of "$1")://localhost:${server_port[$1]}/v2/models/$model/infer"
    t0=$(awk '{print $14 + $15}' "/proc/${server_pid[$1]}/stat")
    local body="$bodies/v2.bin" h=$hlen
    if [ -n "${wrk_body[$1]:-}" ]; then body=${wrk_body[$1]} h=""; fi
    res=$(BODY="$body" CTYPE=application/octet-stream HLEN=$h AUTH="${wrk_auth[$1]:-}" UNIQUE="${wrk_unique[$1]:-0}" \
      wrk -t1 -c"$CONCURRENCY" -d"$2s" --timeout 10s -s "$root/bench/lib/wrk-post.lua" "$url" \
      | sed -n 's/^RESULT //p')
    t1=$(awk '{print $14 + $15}' "/proc/${server_pid[$1]}/stat")
    [ -n "$res" ] || { echo "$bench_name-test: wrk gave no result for $1" >&2; return 1; }
    echo "$res $((t1 - t0))"
  }
  # the warm-up, in chunks of at most WARMUP_CHUNK s taking turns between the targets: every
  # counted round opens and closes its connections, and a JVM that first sees connections close
  # deoptimizes much of its request path and recompiles it for the next 10-20 s (C2's threads
  # taking CPU from both servers); one long warm-up left that wave in the first counted rounds
  local left=$WARMUP chunk
  while [ "$left" -gt 0 ]; do
    chunk=$((left < WARMUP_CHUNK ? left : WARMUP_CHUNK))
    for l in "${labels[@]}"; do wrk_point "$l" "$chunk" > /dev/null; done
    left=$((left - chunk))
  done
  for l in "${labels[@]}"; do thread_ticks "${server_pid[$l]}" > "$OUT/threads-$l.before"; done
  for r in $(seq 1 "$ROUNDS"); do
    order=("${labels[@]}")
    if [ $((r % 2)) = 0 ]; then
      order=()
      for ((i = ${#labels[@]} - 1; i >= 0; i--)); do order+=("${labels[$i]}"); done
    fi
    for l in "${order[@]}"; do
      echo "$bench_name-test: round $r/$ROUNDS $l (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      echo "$l $r $(wrk_point "$l" "$DURATION")" >> "$points"
    done
  done
  awk -v hz="$(getconf CLK_TCK)" -v rounds="$ROUNDS" -v first="${labels[0]}" -v list="${labels[*]}" '
    function median(a, n,   i, j, t) {
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { rps[$1, $2] = $3 / ($4 / 1e6); p99[$1, $2] = $6; err[$1] += $7; req[$1] += $3; cpu[$1] += $8 }
    END {
      n = split(list, names, " ")
      header = "| target |"; rule = "|---|"
      for (r = 1; r <= rounds; r++) { header = header " round " r " |"; rule = rule "---:|" }
      print header " median req/s | vs " first " | p99 ms (median) | errors | server CPU µs/req | CPU vs " first " |"
      print rule "---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= n; i++) {
        l = names[i]; line = "| " l " |"
        for (r = 1; r <= rounds; r++) { line = line sprintf(" %.0f |", rps[l, r]); a[r] = rps[l, r]; b[r] = p99[l, r] }
        med[l] = median(a, rounds); m99 = median(b, rounds) / 1000
        us[l] = req[l] > 0 ? cpu[l] * 1e6 / hz / req[l] : 0
        printf "%s %.0f | %.3f | %.2f | %d | %.1f | %.3f |\n", line, med[l], med[l] / med[first], m99, err[l], us[l], (us[first] > 0 ? us[l] / us[first] : 0)
      }
      # each round ran the targets back to back: the median of those paired ratios is less moved by
      # the machine drifting between rounds than the ratio of the medians
      print ""
      for (i = 2; i <= n; i++) {
        l = names[i]; lo = 1e9; hi = 0
        for (r = 1; r <= rounds; r++) {
          q[r] = rps[first, r] > 0 ? rps[l, r] / rps[first, r] : 0
          if (q[r] < lo) lo = q[r]; if (q[r] > hi) hi = q[r]
        }
        printf "Paired rounds, %s vs %s: median ratio %.3f (lowest %.3f, highest %.3f)\n", l, first, median(q, rounds), lo, hi
      }
    }' "$points"
  # where each server's CPU went over the counted rounds, by thread
  local args=() served
  for l in "${labels[@]}"; do
    thread_ticks "${server_pid[$l]}" > "$OUT/threads-$l.after"
    served=$(awk -v l="$l" '$1 == l { s += $3 } END { print s + 0 }' "$points")
    args+=(l="$l" served="$served" phase=before "$OUT/threads-$l.before" phase=after "$OUT/threads-$l.after")
  done
  echo
  echo "Server CPU per request by thread over the counted rounds (µs; threads named alike together; clock ticks of $((1000 / $(getconf CLK_TCK))) ms, so small figures are rough):"
  echo
  awk -v hz="$(getconf CLK_TCK)" -v list="${labels[*]}" '
    phase == "before" { t0[l, $1] = $2; next }
    { used[l, $1] = $2 - t0[l, $1]; names[$1] = 1; req[l] = served }
    END {
      n = split(list, lab, " ")
      header = "| thread |"; rule = "|---|"
      for (i = 1; i <= n; i++) { header = header " " lab[i] " |"; rule = rule "---:|" }
      if (n == 2) { header = header " " lab[2] " − " lab[1] " |"; rule = rule "---:|" }
      print header; print rule
      m = 0
      for (k in names) {
        big = 0
        for (i = 1; i <= n; i++) {
          us[i, k] = req[lab[i]] > 0 ? used[lab[i], k] * 1e6 / hz / req[lab[i]] : 0
          if (us[i, k] > big) big = us[i, k]; sum[i] += us[i, k]
        }
        if (big >= 0.05) { order[++m] = k; size[k] = big }
      }
      for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (size[order[b]] > size[order[a]]) { t = order[a]; order[a] = order[b]; order[b] = t }
      for (a = 1; a <= m; a++) {
        k = order[a]; line = "| " k " |"
        for (i = 1; i <= n; i++) line = line sprintf(" %.2f |", us[i, k])
        if (n == 2) line = line sprintf(" %+.2f |", us[2, k] - us[1, k])
        print line
      }
      line = "| all |"
      for (i = 1; i <= n; i++) line = line sprintf(" %.2f |", sum[i])
      if (n == 2) line = line sprintf(" %+.2f |", sum[2] - sum[1])
      print line
    }' "${args[@]}"
}
