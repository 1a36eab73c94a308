#!/usr/bin/env bash
# End-to-end audit webhook benchmark: `vigil audit serve` (the app jar) over HTTPS with a
# self-signed certificate and a bearer token, fed EventList batches of 400 recorded events (fresh
# auditIDs) from CONNECTIONS concurrent connections as kube-apiserver's webhook backend sends them;
# a 5 s warm-up, then SECONDS measured. Reports events/s, MiB/s, batch latency p50/p99, errors, the
# server's CPU and RSS, then runs `vigil audit verify` on the store (exit 1 if it is not intact).
# Usage (from anywhere; builds nothing):
#   ./mvnw -o -pl apps/vigil -am package -DskipTests
#   ./mvnw -o -pl testing/vigil-benchmarks -am package -DskipTests
#   testing/harness/audit-bench.sh [SECONDS] [CONNECTIONS]
# Environment: JAVA_HOME (default Temurin 25), EVENTS (default ../shared/fixtures/k8s-audit/events),
# WARMUP seconds (default 5), SERVER_JVM_OPTS (the server's JVM options; default: the `vigil` launcher's
# heap and GC settings, as the product runs).
set -euo pipefail
SECS=${1:-20}
CONNS=${2:-1}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
java="$JAVA_HOME/bin/java"
for f in apps/vigil/target/vigil.jar testing/vigil-benchmarks/target/benchmarks.jar; do
  [[ -f $f ]] || { echo "audit-bench: $f is missing: build it first (see the usage in $0)" >&2; exit 2; }
done
# the JVM options `./vigil audit serve` runs with (heap, GC, code cache: see the launcher, ./vigil)
launcher_opts="-XX:+UseSerialGC -Xms16m -Xmx512m -XX:ReservedCodeCacheSize=48m -XX:MaxMetaspaceSize=64m -Xss512k"
exec "$java" -cp testing/vigil-benchmarks/target/benchmarks.jar dev.vigil.bench.AuditWebhookBench \
  --jar apps/vigil/target/vigil.jar --java "$java" --events "${EVENTS:-../shared/fixtures/k8s-audit/events}" \
  --seconds "$SECS" --warmup "${WARMUP:-5}" --connections "$CONNS" --server-jvm-opts "${SERVER_JVM_OPTS-$launcher_opts}"
