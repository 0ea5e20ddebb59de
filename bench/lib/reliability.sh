# Shared pieces of the reliability scripts (overload.sh, soak.sh, chaos.sh; issue 12): sourced
# after bench/lib/ab-setup.sh. Defines bodies (a good and a malformed mnist request), start_server
# (a server on ephemeral ports, its log in $OUT; sets port and server_pid), capacity (closed-loop
# requests a second with wrk), openloop (io.caracal.bench.load.OpenLoop), sample (RSS, heap,
# threads and descriptors of the server) and machine (the load average and what else runs).

good_body="$OUT/good.json"
bad_body="$OUT/bad.json"
{
  printf '{"inputs":[{"name":"input","shape":[1,1,28,28],"datatype":"FP32","data":['
  for i in $(seq 0 783); do [ "$i" = 0 ] || printf ','; printf '0.%d' $((i % 10)); done
  printf ']}]}'
} > "$good_body"
# the shape promises 784 values and the data has 783: a 400 naming the input
sed 's/\[1,1,28,28\]/[1,1,28,29]/' "$good_body" > "$bad_body"

# start_server NAME ARGS...: bin/caracal serve on ephemeral ports with ARGS, Netty's leak detector
# on paranoid; waits until ready
start_server() {
  local name=$1; shift
  CARACAL_JAVA_OPTS="${CARACAL_JAVA_OPTS:-} -Dio.netty.leakDetection.level=paranoid" \
    "$root/bin/caracal" serve --model-repository "$repo" --http-port 0 --grpc-port 0 \
    --access-log false "$@" > "$OUT/server-$name.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  port=""
  for _ in $(seq 1 1200); do
    port=$(sed -nE 's/.*HTTP listening on [^:]+:([0-9]+).*/\1/p' "$OUT/server-$name.log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "$bench_name: the server died:" >&2; tail -20 "$OUT/server-$name.log" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$port" ] || { echo "$bench_name: the server did not start" >&2; exit 1; }
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/v2/health/ready" > /dev/null && return 0
    sleep 0.2
  done
  echo "$bench_name: the server never became ready" >&2; exit 1
}

# capacity URL SECS: closed-loop requests a second (wrk, 1 thread, 128 connections: enough to fill
# the batches, as the open-loop load does)
capacity() {
  cat > "$OUT/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$good_body", "rb"); wrk.body = f:read("*a"); f:close()
LUA
  wrk -t1 -c128 -d"${2}s" -s "$OUT/post.lua" "$1" > "$OUT/wrk.txt"
  awk '/Requests\/sec/ {printf "%d", $2}' "$OUT/wrk.txt"
}

# any_alive PID...: whether any of these processes still runs
any_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

# wait_all PID...: waits for every one of these processes; fails with the last failure's status
wait_all() { local p s=0; for p in "$@"; do wait "$p" || s=$?; done; return "$s"; }

# openloop ARGS...: the open-loop load generator (prints one markdown row)
openloop() {
  "$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$bench_cp" io.caracal.bench.load.OpenLoop "$@"
}

# sample PID: seconds, RSS MiB, old generation used MiB (what survives collections: a leak grows it),
# OS threads, open descriptors, of which sockets (mostly the load's connections, which follow the
# client's connection pool), and the others (files, pipes, epoll: what a leak in the server grows)
sample() {
  local pid=$1 rss threads fds heap sockets
  rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
  threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  sockets=$(find "/proc/$pid/fd" -mindepth 1 -lname 'socket:*' 2>/dev/null | wc -l)
  heap=$("$JAVA_HOME/bin/jstat" -gc "$pid" 2>/dev/null | awk 'NR == 2 {printf "%.1f", $8 / 1024}')
  echo "$SECONDS,$rss,$heap,$threads,$fds,$sockets,$((fds - sockets))"
}

# machine: the load average and the heaviest other processes (the machine is shared)
machine() {
  local top
  top=$(ps -eo pid,pcpu,args --sort=-pcpu | awk -v me="${server_pid:-0}" 'NR > 1 && NR <= 6 {
      what = $3; sub(".*/", "", what)
      if ($1 == me) what = "this server"
      else if ($0 ~ /OpenLoop/) what = "load generator"
      else if ($0 ~ /classworlds|maven/) what = "a Maven build"
      else if ($0 ~ /surefire|failsafe/) what = "a test JVM"
      else if ($0 ~ /caracal/) what = "another Caracal"
      printf "%s%s %s%%", (NR > 2 ? ", " : ""), what, $2 }')
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs; busiest processes: $top"
}
