#!/usr/bin/env bash
# Sourced by the bin/ scripts. Exports JAVA_HOME pointing at a JDK 21 or newer:
# JAVA_HOME if it is one, else the newest JDK under the system's JVM folder.
# Exits with a clear message when there is none.

caracal_java_major() {
  # Prints the major version of the JDK at $1 (empty when it is not a JDK).
  local home="$1" line
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  line=$("$home/bin/java" -XshowSettings:properties -version 2>&1 | grep -m1 'java.specification.version' || true)
  line=${line##*= }
  line=${line%%.*}
  printf '%s' "${line// /}"
}

caracal_find_jdk() {
  local required=21 major best="" best_major=0 dir
  if [ -n "${JAVA_HOME:-}" ]; then
    major=$(caracal_java_major "$JAVA_HOME")
    if [ -n "$major" ] && [ "$major" -ge "$required" ]; then
      export JAVA_HOME
      return 0
    fi
    echo "caracal: JAVA_HOME=$JAVA_HOME is not a JDK $required+ (found '${major:-none}'); looking elsewhere." >&2
  fi
  for dir in /usr/lib/jvm/* /usr/java/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$dir" ] || continue
    [ -L "$dir" ] && continue
    major=$(caracal_java_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge "$required" ] && [ "$major" -gt "$best_major" ]; then
      best="$dir"
      best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "caracal: no JDK $required or newer found. Install one (e.g. 'apt-get install openjdk-21-jdk')" >&2
    echo "caracal: or set JAVA_HOME to its folder, then run this command again." >&2
    exit 1
  fi
  export JAVA_HOME="$best"
}

caracal_find_jdk
export PATH="$JAVA_HOME/bin:$PATH"
