#!/usr/bin/env bash
# Failover and rolling restarts behind a real load balancer (issue 13): three Caracal replicas on
# loopback ports behind HAProxy, which health-checks /v2/health/ready every second and retries an
# inference call that got no answer, a refused connection or a 503 on another replica (inference
# is idempotent). Steady closed-loop load (io.caracal.bench.load.FailoverLoad) runs through HAProxy
# while the script
#   (a) kills one replica with SIGKILL, then starts it again;
#   (b) restarts each replica in turn with SIGTERM (Caracal drains: unready at once, serves
#       --drain-delay-secs more, then lets admitted requests finish), as a rolling update does;
#   (c) adds version 2 of the model to the shared repository and reloads it on every replica
#       (POST /v2/repository/models/simple/load, explicit mode), as a model rollout does.
# It prints, per event, the requests sent, failed and the latency percentiles, then every failure.
# Takes about 1 min 30 s after the build; not part of verify. Always stops what it started.
#
# Usage: bench/failover.sh [--no-build]
# Environment: CONCURRENCY (default 4), DRAIN (--drain-delay-secs, default 5), EXIT_TIMEOUT
#   (default 10), OUT (default bench/target/failover-<time>). Needs haproxy (Debian: apt-get
#   install -y haproxy; installed here when missing and running as root).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
cd "$root"
build=1
[ "${1:-}" = --no-build ] && build=0
CONCURRENCY=${CONCURRENCY:-4}
DRAIN=${DRAIN:-5}
EXIT_TIMEOUT=${EXIT_TIMEOUT:-10}
OUT=${OUT:-$root/bench/target/failover-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"

if ! command -v haproxy >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "failover: installing haproxy (apt-get install -y haproxy)"
    apt-get install -y haproxy >"$OUT/apt.log" 2>&1 || { echo "failover: apt-get install haproxy failed, see $OUT/apt.log" >&2; exit 1; }
  else
    echo "failover: needs haproxy: sudo apt-get install -y haproxy" >&2; exit 1
  fi
fi
if [ "$build" = 1 ]; then
  echo "failover: building (./mvnw -DskipTests package -pl app,bench,examples -am)"
  ./mvnw -B -q -ntp -DskipTests package -pl app,bench,examples -am
fi
cp_file=$root/bench/target/classpath.txt
bench_jar=$root/bench/target/caracal-bench-0.1.0-SNAPSHOT.jar
[ -f "$cp_file" ] && [ -f "$bench_jar" ] && [ -d examples/target/model-repository/simple ] \
  || { echo "failover: not built; run without --no-build" >&2; exit 1; }

# the repository every replica serves (one volume shared by the pods): the example model 'simple'
repo=$OUT/repository
rm -rf "$repo" && mkdir -p "$repo" && cp -r examples/target/model-repository/simple "$repo/"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
declare -a http pids
for i in 1 2 3; do http[$i]=$(free_port); done
lb=$(free_port)
stats_sock=$OUT/haproxy.sock
events=$OUT/events.txt
stop=$OUT/stop
: > "$events"
haproxy_pid=
load_pid=

cleanup() {
  touch "$stop"
  for i in 1 2 3; do [ -n "${pids[$i]:-}" ] && kill -9 "${pids[$i]}" 2>/dev/null || true; done
  [ -n "$haproxy_pid" ] && kill "$haproxy_pid" 2>/dev/null || true
  [ -n "$load_pid" ] && wait "$load_pid" 2>/dev/null || true
}
trap cleanup EXIT

start_replica() { # $1 = 1..3
  local i=$1
  CARACAL_ACCESS_LOG=false "$root/bin/caracal" serve --model-repository "$repo" --host 127.0.0.1 \
    --http-port "${http[$i]}" --grpc-port 0 --metrics-port 0 \
    --model-control-mode explicit --load-model '*' --intra-op-threads 1 \
    --drain-delay-secs "$DRAIN" --exit-timeout-secs "$EXIT_TIMEOUT" >>"$OUT/replica$i.log" 2>&1 &
  pids[$i]=$!
}
wait_ready() { # $1 = replica; ready on its port and UP in HAProxy
  local i=$1 t=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${http[$i]}/v2/health/ready")" = 200 ]; do
    sleep 0.2; t=$((t + 1)); [ $t -lt 300 ] || { echo "failover: replica $i not ready" >&2; exit 1; }
  done
  if [ -n "$haproxy_pid" ]; then
    until grep -q "^caracal,r$i,.*,UP," <<< "$(haproxy_stat)"; do
      sleep 0.2; t=$((t + 1)); [ $t -lt 300 ] || { echo "failover: replica $i not UP in haproxy" >&2; exit 1; }
    done
  fi
}
haproxy_stat() { # HAProxy's "show stat" CSV, through its admin socket
  python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'show stat\\n')
data = b''
while True:
    b = s.recv(65536)
    if not b: break
    data += b
sys.stdout.write(data.decode())" "$stats_sock"
}
mark() { echo "$(date +%s%3N) $1 $2" >> "$events"; echo "failover: $(date -u +%T) $1 $2"; }

for i in 1 2 3; do start_replica "$i"; done
for i in 1 2 3; do wait_ready "$i"; done
echo "failover: replicas on ports ${http[1]} ${http[2]} ${http[3]}, HAProxy on $lb"

cat > "$OUT/haproxy.cfg" <<CFG
global
  maxconn 4096
  stats socket $stats_sock mode 600 level admin
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  # a call that got no connection, no answer or a 503 goes to another replica: inference is
  # idempotent, so this is safe for POST /v2/models/*/infer
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response junk-response response-timeout 503
frontend inference
  bind 127.0.0.1:$lb
  default_backend caracal
backend caracal
  balance leastconn
  option httpchk GET /v2/health/ready
  http-check expect status 200
  # unready within 2 checks (2-4 s with the check timeout): less than the drain delay, during
  # which a draining replica still answers
  timeout check 2s
  default-server inter 1s fall 2 rise 2
  server r1 127.0.0.1:${http[1]} check
  server r2 127.0.0.1:${http[2]} check
  server r3 127.0.0.1:${http[3]} check
CFG
haproxy -f "$OUT/haproxy.cfg" -db >"$OUT/haproxy.log" 2>&1 &
haproxy_pid=$!
for i in 1 2 3; do wait_ready "$i"; done

body='{"inputs":[{"name":"INPUT0","datatype":"INT32","shape":[1,16],"data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]},{"name":"INPUT1","datatype":"INT32","shape":[1,16],"data":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}]}'
expect='"data":[2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]'
lib=$root/bench/target/failover-lib
rm -rf "$lib" && mkdir -p "$lib"
tr ':' '\n' < "$cp_file" | while read -r j; do [ -n "$j" ] && ln -s "$j" "$lib/"; done
"$JAVA_HOME/bin/java" -cp "$bench_jar:$lib/*" io.caracal.bench.load.FailoverLoad \
  --url "http://127.0.0.1:$lb/v2/models/simple/infer" --body "$body" --expect "$expect" \
  --events "$events" --stop "$stop" --concurrency "$CONCURRENCY" >"$OUT/report.md" 2>"$OUT/load.log" &
load_pid=$!
sleep 10 # the load generator's JVM warms up
mark begin "steady, no event"
sleep 10
mark end "steady, no event"

# (a) SIGKILL one replica; HAProxy retries what it had in flight and notices within two checks
mark begin "(a) SIGKILL r2, restart it"
kill -9 "${pids[2]}"; wait "${pids[2]}" 2>/dev/null || true
sleep 3
start_replica 2; wait_ready 2
mark end "(a) SIGKILL r2, restart it"
sleep 3

# (b) rolling restart: SIGTERM each replica in turn, wait for its clean exit, start it, wait UP
mark begin "(b) SIGTERM-restart r1, r2, r3 in turn"
for i in 1 2 3; do
  kill -TERM "${pids[$i]}"
  code=0; wait "${pids[$i]}" || code=$?
  echo "failover: replica $i exited with $code after SIGTERM"
  [ "$code" = 0 ] || echo "failover: WARNING: replica $i exit code $code"
  start_replica "$i"; wait_ready "$i"
done
mark end "(b) SIGTERM-restart r1, r2, r3 in turn"
sleep 3

# (c) model rollout: version 2 appears in the shared repository, each replica reloads it
mark begin "(c) reload simple (version 2) on r1, r2, r3"
cp -r "$repo/simple/1" "$repo/simple/2.tmp" && mv "$repo/simple/2.tmp" "$repo/simple/2"
for i in 1 2 3; do
  status=$(curl -s -o "$OUT/load-r$i.json" -w '%{http_code}' -X POST "http://127.0.0.1:${http[$i]}/v2/repository/models/simple/load")
  echo "failover: r$i load -> $status"
done
for i in 1 2 3; do
  curl -s "http://127.0.0.1:${http[$i]}/v2/models/simple" | grep -q '"versions":\["2"\]' \
    || echo "failover: WARNING: r$i does not serve version 2: $(curl -s "http://127.0.0.1:${http[$i]}/v2/models/simple")"
done
mark end "(c) reload simple (version 2) on r1, r2, r3"
sleep 3

touch "$stop"
wait "$load_pid"; load_pid=
echo
echo "failover: ${CONCURRENCY} closed-loop connections through HAProxy $(haproxy -v | head -1 | cut -d' ' -f3), drain delay ${DRAIN} s, exit timeout ${EXIT_TIMEOUT} s"
cat "$OUT/report.md"
haproxy_stat | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
  $1 == "caracal" { printf "haproxy %s: requests %s, retries %s, redispatches %s, 5xx %s\n",
    $2, $col["stot"], $col["wretr"], $col["wredis"], $col["hrsp_5xx"] }'
echo "failover: logs and report in $OUT"
