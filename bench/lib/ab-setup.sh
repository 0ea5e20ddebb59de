# Shared set-up of the side-by-side load scripts (auth-test.sh, tls-test.sh,
# observability-test.sh); sourced after `root` is set and the JDK found, with the script's
# arguments. Needs `bench_name` (messages say "<bench_name>-test", results go to
# bench/target/<bench_name>-<time>/). Sets WARMUP, DURATION, ROUNDS, CONCURRENCY, MODELS_DIR, OUT,
# bench_cp (the load generator's class path), work (a temporary folder, removed on exit), repo
# (an empty model repository in it) and pids (processes killed on exit), and defines add_model.
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
