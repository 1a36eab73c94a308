#!/usr/bin/env bash
# Node log shipping benchmark: writes MiB of CRI log files (several pods and containers, ~150-byte
# lines, a P/F partial line now and then) under a /var/log/pods-like tree, then ships them with
# `vigil logs` (apps/vigil/target/vigil.jar, a child process) into the `file` output (a real file,
# and /dev/null as the null sink), and with rsyslog (imfile → omfile, its own foreground process
# and config, not the system daemon) on the same files. Reports MiB/s and lines/s end to end (until
# the sink has every line), CPU time and peak RSS (VmHWM) of each shipper, and the output checks.
# Exit status 1 when a run failed or lost lines (not when a target is missed).
# Usage, from anywhere (offline Maven; builds the jars when missing, or always with BUILD=1):
#   testing/harness/logs-bench.sh [MiB] [harness options...]
#   e.g. testing/harness/logs-bench.sh 1024
#        testing/harness/logs-bench.sh 256 --sinks file --modes nospool,spool --jfr /tmp/jfr --keep
# Harness options: --pods N (8), --containers N (2), --sinks file,null, --modes nospool[,spool],
# --vigil-jvm "JVM options" (-Xmx256m -XX:+UseSerialGC), --no-rsyslog, --work DIR, --keep, --timeout S (600).
set -euo pipefail
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
MIB=1024
if [ $# -gt 0 ] && [[ $1 != --* ]]; then MIB=$1; shift; fi
app=apps/vigil/target/vigil.jar bench=testing/vigil-benchmarks/target
if [ "${BUILD:-0}" = 1 ] || [ ! -f "$app" ] || [ ! -f "$bench/classes/dev/vigil/bench/LogsBench.class" ]; then
  echo "== building apps/vigil and testing/vigil-benchmarks (offline)"
  ./mvnw -q -o -pl apps/vigil,testing/vigil-benchmarks -am package -DskipTests
fi
if ! command -v rsyslogd > /dev/null && [ ! -x /usr/sbin/rsyslogd ]; then
  echo "== installing rsyslog (Debian package; only run in the foreground by this harness)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y rsyslog > /dev/null || { apt-get update -q > /dev/null && apt-get install -y rsyslog > /dev/null; }
fi
rsyslogd=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)
exec "$JAVA_HOME/bin/java" -Xmx512m -cp "$bench/classes" dev.vigil.bench.LogsBench --mib "$MIB" \
  --java "$JAVA_HOME/bin/java" --jar "$app" --rsyslog "$rsyslogd" "$@"
