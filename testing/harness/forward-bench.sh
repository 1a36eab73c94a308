#!/usr/bin/env bash
# Alert forwarding benchmark: `vigil forward` (apps/vigil/target/vigil.jar, as a child process)
# under C keep-alive connections posting one Falco alert per request, delivering to a real
# OpenSearch 3.9.0 node embedded in the harness JVM with batching. Runs each connection count with
# the durable spool and with --no-spool and reports requests/s accepted, errors, input latency
# p50/p99/p99.9/max, delivered/s (in the window and end to end until OpenSearch's _count has every
# accepted alert), the forwarder's CPU and peak RSS. Exit status 1 when something failed (not when
# a target is missed).
# Usage, from anywhere (offline Maven; builds the jars when missing, or always with BUILD=1):
#   testing/harness/forward-bench.sh [SECONDS] [CONNECTIONS] [harness options...]
#   e.g. testing/harness/forward-bench.sh 20 4,16
#        testing/harness/forward-bench.sh 10 16 --modes nospool --batch batch.size=2000,batch.linger=100ms
#        testing/harness/forward-bench.sh 10 16 --jfr /tmp/jfr --keep
# Other harness options: --warmup N (5), --forwarder-jvm "JVM options" (-Xmx256m -XX:+UseSerialGC),
# --jar PATH, --drain-timeout N (120).
set -euo pipefail
SECS=${1:-20}
CONNS=${2:-4,16}
shift $(( $# < 2 ? $# : 2 ))
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
app=apps/vigil/target/vigil.jar
bench=testing/vigil-benchmarks/target
if [ "${BUILD:-0}" = 1 ] || [ ! -f "$app" ] || [ ! -f "$bench/forward-bench.classpath" ] \
    || [ ! -f "$bench/classes/dev/vigil/bench/ForwardBench.class" ]; then
  echo "== building apps/vigil and testing/vigil-benchmarks (offline)"
  ./mvnw -q -o -pl apps/vigil,testing/vigil-benchmarks -am package -DskipTests
fi
# OpenSearch needs a few open files and maps; say so instead of failing obscurely
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  echo "warning: ulimit -n is $(ulimit -n); OpenSearch may run out of file descriptors" >&2
fi
exec "$JAVA_HOME/bin/java" -Xms1g -Xmx1g --enable-native-access=ALL-UNNAMED \
  -cp "$bench/classes:$(cat "$bench/forward-bench.classpath")" \
  dev.vigil.bench.ForwardBench --seconds "$SECS" --connections "$CONNS" --java "$JAVA_HOME/bin/java" "$@"
