#!/usr/bin/env bash
# Paired comparison of two builds of the agent under the shared one-loop open/close load: for each
# round, the load alone, then with agent A, then with agent B, each as its own slowdown against that
# round's baseline. Pairing within a round is what makes small differences visible on a shared VM.
# Usage (as root, from the repository root):
#   testing/harness/agent-ab.sh JAR_A JAR_B [ROUNDS] [SECONDS] [RULES_FILE]
# JAR_A/JAR_B are vigil.jar files (e.g. apps/vigil/target/vigil.jar and a copy whose
# dev/vigil/probe/probe.bpf.o was replaced by a variant of the probe).
set -euo pipefail
A=${1:?JAR_A}
B=${2:?JAR_B}
ROUNDS=${3:-3}
SECS=${4:-8}
RULES=${5:-../shared/fixtures/falco-rules/upstream/falco_rules.yaml}
LOAD=${LOAD:-../shared/bench/syscall-load.sh}
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
log=$(mktemp)
trap 'rm -f "$log"' EXIT

load() { bash "$LOAD" openclose "$SECS" 1 | awk -F'ops_per_s=' '/^openclose worker/ {print $2}'; }

with_agent() { # $1 = jar; prints the load's ops/s while the agent runs
  "$JAVA" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xms16m -Xmx96m -jar "$1" run --rules "$RULES" \
    --stats-interval 5s --duration $((SECS + 60))s > /dev/null 2> "$log" &
  local pid=$!
  for _ in $(seq 1 200); do
    grep -q capturing "$log" && break
    kill -0 "$pid" 2> /dev/null || { echo "agent $1 stopped: $(cat "$log")" >&2; exit 1; }
    sleep 0.05
  done
  load
  kill -TERM "$pid"
  wait "$pid" || true
}

pct() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%+.1f %%", (x / y - 1) * 100}'; }

for r in $(seq 1 "$ROUNDS"); do
  base=$(load)
  a=$(with_agent "$A")
  b=$(with_agent "$B")
  echo "round $r: alone $base ops/s; A $a ($(pct "$a" "$base")); B $b ($(pct "$b" "$base"))"
done
