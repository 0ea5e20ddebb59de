# Shared set-up of the side-by-side load scripts (auth-test.sh, tls-test.sh,
# observability-test.sh); sourced after `root` is set and the JDK found, with the script's
# arguments. Needs `bench_name` (messages say "<bench_name>-test", results go to
# bench/target/<bench_name>-<time>/). Sets WARMUP, DURATION, ROUNDS, CONCURRENCY, MODELS_DIR, OUT,
# bench_cp (the load generator's class path), work (a temporary folder, removed on exit), repo
# (an empty model repository in it) and pids (processes killed on exit), and defines add_model
# and await_line.
# Needs ../shared's mnist-cnn-dyn.
build=1
[ "${1:-}" != --no-build ] || build=0
WARMUP=${WARMUP:-5}
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
  local label=$1 log="$OUT/server-$1.log" scheme=http
  server_port[$label]=$(await_line "$log" 'HTTP listening on [^:]+:([0-9]+)' "${server_pid[$label]}")
  grep -q 'HTTP listening on .*(TLS' "$log" && scheme=https
  for _ in $(seq 1 600); do
    curl -sf --cacert "$work/ca.pem" "$scheme://localhost:${server_port[$label]}/v2/health/ready" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "$bench_name-test: server $label never became ready" >&2; return 1
}
