#!/usr/bin/env bash
# Builds the root file system that Jib lays over the `scratch` base (image/pom.xml, profile image):
#   /opt/java                 a jlink'ed Java runtime: the modules jdeps finds in Caracal's class path
#   /opt/caracal/native       ONNX Runtime's native libraries, taken out of its jar (so nothing is
#                             extracted at run time: the root file system may be read-only)
#   /lib/x86_64-linux-gnu,    every shared library those need (glibc, libstdc++, libgcc_s, ...),
#   /lib64                    taken from Debian bookworm packages (apt-get download), never the host
#   /etc/passwd, /etc/group   the non-root user caracal (65532)
#   /models, /tmp             mount points (the repository; an emptyDir or tmpfs)
# Usage: build-rootfs.sh CLASSPATH_FILE OUTPUT_DIR [DEB_CACHE_DIR]
set -euo pipefail
classpath_file=$1
out=$2
debs=${3:-${XDG_CACHE_HOME:-$HOME/.cache}/caracal-image/debs}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../bin/lib/find-jdk.sh"
packages=(libc6 libstdc++6 libgcc-s1 zlib1g)

rm -rf "$out"
mkdir -p "$(dirname "$out")/classes" # Jib reads this module's class output, empty here
mkdir -p "$out"/{opt/caracal/native,etc,models,tmp,lib/x86_64-linux-gnu,lib64}
chmod 1777 "$out/tmp"
cp_jars=$(tr ':' ' ' < "$classpath_file")

# 1. the Java runtime: the modules the class path needs, plus jdk.unsupported (Netty, signals)
#    and jdk.management (process metrics), jdk.crypto.ec where the JDK still has it
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps -q \
  --multi-release "$(caracal_java_major "$JAVA_HOME")" \
  --class-path "$(cat "$classpath_file")" $cp_jars)
modules="$modules,jdk.unsupported,jdk.management,jdk.crypto.ec"
modules=$(echo "$modules" | tr ',' '\n' | while read -r m; do
  [ -n "$m" ] && "$JAVA_HOME/bin/java" --list-modules | grep -q "^$m@" && echo "$m"; done \
  | sort -u | paste -sd, -)
echo "build-rootfs: jlink modules: $modules"
"$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-6 --output "$out/opt/java"
echo "$modules" > "$out/opt/java/caracal-modules"

# 2. ONNX Runtime's native libraries, out of its jar
ort_jar=$(tr ':' '\n' < "$classpath_file" | grep '/onnxruntime-[0-9][^/]*\.jar$' | head -1)
(cd "$out/opt/caracal/native" && "$JAVA_HOME/bin/jar" xf "$ort_jar" ai/onnxruntime/native/linux-x64 \
  && mv ai/onnxruntime/native/linux-x64/* . && rm -rf ai)

# 3. Debian's shared libraries: download the packages once (cached), unpack, and copy every
#    library that some ELF file of the image needs, transitively
mkdir -p "$debs"
arch=$(dpkg --print-architecture)
for p in "${packages[@]}"; do
  if ! ls "$debs/${p}_"*"_$arch.deb" >/dev/null 2>&1; then
    (cd "$debs" && apt-get download "$p:$arch" >/dev/null) || {
      echo "build-rootfs: apt-get download $p failed (needs the Debian mirrors)" >&2; exit 1; }
  fi
done
unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$unpacked"; done
find_lib() { # soname -> path inside the unpacked packages
  find "$unpacked" \( -type f -o -type l \) -name "$1" | sort | head -1
}
declare -A copied=()
# the runtime's and ONNX Runtime's own libraries, by file name and by SONAME (the JNI library
# needs libonnxruntime.so.1, which is libonnxruntime.so, loaded first)
for f in $(find "$out/opt" -name '*.so'); do
  copied[$(basename "$f")]=own
  soname=$(readelf -d "$f" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
  [ -n "$soname" ] && copied[$soname]=own
done
queue=()
while IFS= read -r -d '' f; do queue+=("$f"); done < <(find "$out/opt" -type f \( -name '*.so' -o -path '*/bin/java' \) -print0)
while [ ${#queue[@]} -gt 0 ]; do
  f=${queue[0]}; queue=("${queue[@]:1}")
  for so in $(readelf -d "$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    [ -n "${copied[$so]:-}" ] && continue
    src=$(find_lib "$so")
    if [ -z "$src" ]; then echo "build-rootfs: $so (needed by $f) is in none of: ${packages[*]}" >&2; exit 1; fi
    cp -L "$src" "$out/lib/x86_64-linux-gnu/$so"
    copied[$so]=$src
    queue+=("$out/lib/x86_64-linux-gnu/$so")
  done
done
# the dynamic loader, where every x86-64 executable looks for it
cp -L "$(find_lib ld-linux-x86-64.so.2)" "$out/lib64/ld-linux-x86-64.so.2"
chmod 755 "$out"/lib/x86_64-linux-gnu/* "$out/lib64/ld-linux-x86-64.so.2"
versions=$(for d in "$debs"/*.deb; do dpkg-deb --show --showformat='${Package}=${Version} ' "$d"; done)
echo "$versions" > "$out/opt/caracal/debian-packages"
echo "build-rootfs: from Debian: $versions; libraries: $(ls "$out/lib/x86_64-linux-gnu" | paste -sd" " -)"

# 4. the user
printf 'root:x:0:0:root:/root:/sbin/nologin\ncaracal:x:65532:65532:caracal:/tmp:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\ncaracal:x:65532:\n' > "$out/etc/group"
du -sh "$out" | sed 's/^/build-rootfs: rootfs size /'
