#!/usr/bin/env bash
# Whole-flow capture benchmark: the agent (`vigil run` with the upstream stable Falco rules) under
# the shared bounded syscall load. Reports, for one and two open/close loops: the load's own ops/s
# with and without the agent, events/s seen by the agent, kernel drops, agent CPU per 100,000
# events/s, resident memory, syscall-to-verdict latency p50/p99 and start-up time to first event.
# Usage (as root, from the repository root, after ./setup.sh):
#   testing/harness/capture-bench.sh [SECONDS] [RULES_FILE]
# AGENT_OPTS adds options to `vigil run` (e.g. AGENT_OPTS="--ring-buffer 1MiB").
set -euo pipefail
SECS=${1:-15}
RULES=${2:-../shared/fixtures/falco-rules/upstream/falco_rules.yaml}
LOAD=${LOAD:-../shared/bench/syscall-load.sh}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
hz=$(getconf CLK_TCK)

rate() { awk '/^openclose worker/ {split($0,a,"ops_per_s="); s+=a[2]} END {print s+0}' "$1"; }
cpu_ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }

echo "== baseline (no agent)"
bash "$LOAD" openclose "$SECS" 1 > "$work/base1.txt"
bash "$LOAD" openclose "$SECS" 2 > "$work/base2.txt"
base1=$(rate "$work/base1.txt"); base2=$(rate "$work/base2.txt")
echo "one loop: $base1 ops/s; two loops: $base2 ops/s"

start=$(date +%s%N)
./vigil run --rules "$RULES" ${AGENT_OPTS:-} --stats-interval 1s --duration $((SECS * 2 + 30))s > "$work/alerts.txt" 2> "$work/agent.log" &
agent=$!
for _ in $(seq 1 300); do
  grep -q "capturing" "$work/agent.log" 2>/dev/null && break
  sleep 0.05
done
ready=$(date +%s%N)
echo "start-up to capturing: $(( (ready - start) / 1000000 )) ms"

measure() { # $1 = workers
  local before_ticks before_events after_ticks after_events
  before_ticks=$(cpu_ticks "$agent")
  before_events=$(grep -oE '[0-9]+ events,' "$work/agent.log" | tail -1 | grep -oE '[0-9]+' || echo 0)
  local t0; t0=$(date +%s%N)
  bash "$LOAD" openclose "$SECS" "$1" > "$work/load$1.txt"
  local t1; t1=$(date +%s%N)
  sleep 1.2 # let one more stats line be printed
  after_ticks=$(cpu_ticks "$agent")
  after_events=$(grep -oE '[0-9]+ events,' "$work/agent.log" | tail -1 | grep -oE '[0-9]+')
  local secs; secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print (b-a)/1e9}')
  local evs; evs=$(awk -v a="$before_events" -v b="$after_events" -v s="$secs" 'BEGIN {printf "%.0f", (b-a)/s}')
  local cpu; cpu=$(awk -v a="$before_ticks" -v b="$after_ticks" -v s="$secs" -v hz="$hz" 'BEGIN {printf "%.1f", 100*(b-a)/hz/s}')
  local per100k; per100k=$(awk -v c="$cpu" -v e="$evs" 'BEGIN {if (e>0) printf "%.1f", c*100000/e; else print "n/a"}')
  echo "load with agent: $(rate "$work/load$1.txt") ops/s; agent saw $evs events/s; agent CPU $cpu% of one core ($per100k% per 100k events/s)"
}

echo "== one loop"
measure 1
echo "== two loops"
measure 2
grep -E "dropped" "$work/agent.log" | tail -1
echo "RSS peak: $(awk '/VmHWM/ {print $2, $3}' "/proc/$agent/status")"
kill -TERM "$agent"
wait "$agent" || true
grep -E "latency|stopped" "$work/agent.log" | tail -3
