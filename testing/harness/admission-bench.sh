#!/usr/bin/env bash
# Admission webhook latency: `vigil admission serve` (the built jar, HTTPS, enforce mode) under an
# open-loop load of AdmissionReviews (the vigil-admission fixtures: every kind, allowed and denied)
# at RATE requests/s; prints latency percentiles of a warm-up and a measured phase, and the server's
# resident memory and CPU time.
# Usage (from the repository root, after ./setup.sh or ./mvnw package):
#   testing/harness/admission-bench.sh [RATE] [SECONDS] [WARMUP_SECONDS]
set -euo pipefail
RATE=${1:-1000}
SECS=${2:-60}
WARM=${3:-20}
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
java_home="${VIGIL_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
work=$(mktemp -d)
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
port=$((20000 + RANDOM % 20000))
./vigil admission serve --listen 127.0.0.1:$port --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  grep -q "admission webhook on" "$work/server.log" && break
  sleep 0.1
done
grep "admission webhook on" "$work/server.log"
"$java_home/bin/java" -Xmx256m testing/harness/AdmissionLoad.java "https://127.0.0.1:$port/validate" "$work/cert.pem" \
    admission/vigil-admission/src/test/resources/admission "$RATE" "$WARM" "$SECS"
hz=$(getconf CLK_TCK)
awk -v hz="$hz" '{printf "server CPU time: %.1f s\n", ($14+$15)/hz}' "/proc/$server/stat"
awk '/VmRSS|VmHWM/ {print "server " $1 " " $2 " " $3}' "/proc/$server/status"
