#!/usr/bin/env bash
# Runs the OCI image the way a kubelet would, with podman from Debian packages (unpacked with
# dpkg-deb -x into a cache, never installed; ../shared/docs/kubernetes.md section 5), and checks:
#   - it loads (podman load) and reports its size, user, ports, entrypoint and labels;
#   - it starts non-root on a read-only root file system with a memory limit, KServe-style: one
#     model's folder mounted read-only at /mnt/models, --model-name, --http-port=8080;
#   - /v2/health/ready turns 200 and one real inference answers the right numbers;
#   - SIGTERM (podman stop) drains and exits 0 within --drain-delay-secs + --exit-timeout-secs.
# Usage: image/test-image.sh [IMAGE_TAR]   (default image/target/caracal-image.tar; built with
#        ./mvnw -Pimage -DskipTests package when missing). Needs root (mount namespaces) and the
#        Debian mirrors for the first run. Exit 0 = every check passed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
. "$root/bin/lib/find-jdk.sh"
tar=${1:-$here/target/caracal-image.tar}
models=$root/examples/target/model-repository
cache=${XDG_CACHE_HOME:-$HOME/.cache}/caracal-image
drain=2
exit_timeout=10

if [ -z "${CARACAL_IMAGE_TEST_INNER:-}" ]; then
  if [ ! -f "$tar" ] || [ ! -d "$models" ]; then
    echo "test-image: building the image: ./mvnw -Pimage -DskipTests package"
    (cd "$root" && ./mvnw -B -ntp -q -Pimage -DskipTests package)
  fi
  if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
    echo "test-image: SKIPPED: needs root and unshare (podman runs in its own mount namespace)"
    exit 0
  fi
  # podman's packages, unpacked once
  tools=$cache/podman
  if [ ! -x "$tools/usr/bin/podman" ]; then
    mkdir -p "$cache/podman-debs" && rm -rf "$tools.tmp" && mkdir -p "$tools.tmp"
    pkgs=$(apt-get install --dry-run -y podman 2>/dev/null | awk '/^Inst/ {print $2}')
    if [ -z "$pkgs" ] || ! (cd "$cache/podman-debs" && apt-get download $pkgs >/dev/null 2>&1); then
      echo "test-image: SKIPPED: podman's Debian packages cannot be downloaded (apt-get download podman)"
      exit 0
    fi
    for d in "$cache"/podman-debs/*.deb; do dpkg-deb -x "$d" "$tools.tmp"; done
    mv "$tools.tmp" "$tools"
  fi
  # crun refuses cgroups in hybrid mode: hide the cgroup2 'unified' mount in a private namespace
  exec unshare -m env CARACAL_IMAGE_TEST_INNER=1 CARACAL_IMAGE_TOOLS="$tools" bash -c \
    'mount --make-rprivate / && { ! mountpoint -q /sys/fs/cgroup/unified || umount /sys/fs/cgroup/unified; } && exec "$0" "$@"' \
    "$0" "$@"
fi

tools=$CARACAL_IMAGE_TOOLS
work=$(mktemp -d /tmp/caracal-image-test.XXXXXX)
libs=$tools/usr/lib/x86_64-linux-gnu:$tools/lib/x86_64-linux-gnu
# conmon clears LD_LIBRARY_PATH, so crun gets it from a wrapper
printf '#!/bin/sh\nLD_LIBRARY_PATH=%s exec %s "$@"\n' "$libs" "$tools/usr/bin/crun" > "$work/crun"
chmod +x "$work/crun"
cat > "$work/containers.conf" <<CONF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
conmon_path = ["$tools/usr/bin/conmon"]
runtime = "crun"
[engine.runtimes]
crun = ["$work/crun"]
CONF
export CONTAINERS_CONF=$work/containers.conf
export CONTAINERS_REGISTRIES_CONF=$tools/etc/containers/registries.conf
export LD_LIBRARY_PATH=$libs
podman() {
  "$tools/usr/bin/podman" --root "$work/root" --runroot "$work/runroot" --tmpdir "$work/tmp" \
    --storage-driver vfs "$@"
}
name=caracal-image-test
cleanup() {
  podman rm -f "$name" >/dev/null 2>&1 || true
  podman rmi -a -f >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "test-image: FAIL: $*"
  podman logs "$name" 2>&1 | tail -40 || true
  for f in "$work"/container-tmp/hs_err*; do [ -f "$f" ] && sed -n '1,60p' "$f"; done
  exit 1
}

ref=$(podman load --signature-policy "$tools/etc/containers/policy.json" -i "$tar" 2>&1 \
  | sed -n 's/^Loaded image: //p' | tail -1)
[ -n "$ref" ] || fail "podman load gave no image"
echo "test-image: loaded $ref"
podman image inspect "$ref" --format \
  'test-image: size {{.Size}} bytes ({{len .RootFS.Layers}} layers), user {{.Config.User}}, ports {{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}
test-image: entrypoint {{json .Config.Entrypoint}} cmd {{json .Config.Cmd}}
test-image: labels {{json .Config.Labels}}'
tar_bytes=$(stat -c %s "$tar")
echo "test-image: image tar $tar_bytes bytes ($((tar_bytes / 1048576)) MiB)"
[ "$(podman image inspect "$ref" --format '{{.Config.User}}')" = 65532:65532 ] || fail "not user 65532"

port=$(( 20000 + RANDOM % 20000 ))
mkdir -p "$work/container-tmp" && chmod 1777 "$work/container-tmp" # the pod's emptyDir at /tmp
podman run -d --name "$name" --network host --read-only --memory 768m --cpus 1 \
  --ulimit nofile=20000:20000 --ulimit nproc=4096:4096 \
  -v "$models/simple:/mnt/models:ro" -v "$work/container-tmp:/tmp" \
  "$ref" serve --model-repository=/mnt/models --model-name=simple --host=127.0.0.1 \
  --http-port="$port" --grpc-port=$((port + 1)) --metrics-port=$((port + 2)) \
  --drain-delay-secs=$drain --exit-timeout-secs=$exit_timeout --strict-model-config=false >/dev/null \
  || fail "podman run"

start=$(date +%s)
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/health/ready")" = 200 ]; do
  [ "$(podman inspect "$name" --format '{{.State.Running}}')" = true ] || fail "the container stopped"
  [ $(( $(date +%s) - start )) -lt 120 ] || fail "not ready after 120 s"
  sleep 0.5
done
echo "test-image: ready after $(( $(date +%s) - start )) s"

body='{"inputs":[{"name":"INPUT0","datatype":"INT32","shape":[1,16],"data":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]},{"name":"INPUT1","datatype":"INT32","shape":[1,16],"data":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}]}'
answer=$(curl -s -X POST "http://127.0.0.1:$port/v2/models/simple/infer" -d "$body")
echo "test-image: inference: $answer"
grep -q '"name":"OUTPUT0","datatype":"INT32","shape":\[1,16\],"data":\[2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\]' <<< "$answer" \
  || fail "wrong inference answer"
metrics=$(curl -s "http://127.0.0.1:$((port + 2))/metrics")
grep -q '^nv_inference_pending_request_count' <<< "$metrics" \
  || fail "no nv_inference_pending_request_count on the metrics port"
heap=$(podman exec "$name" /opt/java/bin/java -XX:-UsePerfData -XshowSettings:vm -version 2>&1 \
  | sed -n 's/.*Max. Heap Size (Estimated): //p')
echo "test-image: a JVM in the container with --memory 768m sizes its heap at $heap"
grep -q "ignoring Triton's --strict-model-config=false" <<< "$(podman logs "$name" 2>&1)" \
  || fail "no warning for the Triton flag"

stop_start=$(date +%s%N)
podman stop -t $((drain + exit_timeout + 5)) "$name" >/dev/null
code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
took_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
echo "test-image: SIGTERM -> exit $code after $took_ms ms (drain delay $drain s, exit timeout $exit_timeout s)"
[ "$code" = 0 ] || fail "exit code $code after SIGTERM"
[ "$took_ms" -lt $(( (drain + exit_timeout) * 1000 )) ] || fail "the drain took longer than its settings"
grep -q "shutting down: drain delay $drain s" <<< "$(podman logs "$name" 2>&1)" || fail "no drain in the log"
echo "test-image: PASS"
