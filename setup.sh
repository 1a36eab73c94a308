#!/usr/bin/env bash
# Installs what Vigil needs on a fresh Debian 12 machine and builds it (--deps-only: install only). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export JAVA_HOME="${VIGIL_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

need=()
# build: clang, llvm, libbpf-dev and bpftool compile the eBPF probe; run: libbpf1 loads it;
# tests: podman, runc and busybox-static run real containers; containerd serves the CRI metadata tests; python3, iproute2 and e2fsprogs
# drive the event-generator scenarios (EvtgenScenariosTest); util-linux (setpriv, setsid) and
# bsdutils (script, for a terminal) drive LiveFieldsTest
for pkg in ca-certificates unzip clang llvm libbpf-dev libbpf1 bpftool podman runc busybox-static containerd python3 iproute2 e2fsprogs util-linux bsdutils; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  fi
  # containerd is only here for the tests, which start their own: a system daemon that its package
  # started on a systemd machine is stopped and disabled again (one that was installed before is left alone)
  if [[ " ${need[*]} " == *" containerd "* ]] && command -v systemctl >/dev/null 2>&1 \
      && systemctl is-active --quiet containerd 2>/dev/null; then
    echo "setup: containerd was installed for the tests only: stopping and disabling its system service"
    if [ "$(id -u)" -eq 0 ]; then systemctl disable --now containerd; else sudo systemctl disable --now containerd; fi
  fi
fi

if [ ! -x "$JAVA_HOME/bin/java" ]; then
  echo "setup: Vigil needs Java 25; none found at $JAVA_HOME (set VIGIL_JAVA_HOME to a JDK 25)" >&2
  exit 1
fi

if [ "${1:-}" = "--deps-only" ]; then
  exit 0
fi

cd "$here"
./mvnw -B -q package -DskipTests
echo "setup: built apps/vigil/target/vigil.jar; run ./vigil --help"
