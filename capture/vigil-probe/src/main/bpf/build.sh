#!/usr/bin/env bash
# Builds the Vigil eBPF probe.
#
#   build.sh OUTDIR WORKDIR
#
# WORKDIR/vmlinux.h   generated from this machine's kernel BTF (CO-RE: the object
#                     still loads on other kernels; libbpf relocates field offsets)
# OUTDIR/probe.bpf.o  the probe, compiled for the BPF target, DWARF stripped (.BTF kept)
# OUTDIR/probe-layout.txt
#                     struct.field=byte offset and struct.@size=bytes for every vg_*
#                     struct (read back from BTF) and define.VG_X=value for the
#                     numeric constants of probe.h; the Java layout test compares
#                     it with dev.vigil.capture.ebpf.RecordLayout
# OUTDIR/syscalls-x86_64.txt
#                     "number name" lines from the kernel headers' asm/unistd_64.h,
#                     the table behind dev.vigil.capture.ebpf.Syscalls
#
# Needs: clang, llvm-strip (llvm), bpftool, libbpf-dev (bpf/bpf_helpers.h),
# linux-libc-dev (asm/unistd_64.h) and /sys/kernel/btf/vmlinux.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 OUTDIR WORKDIR" >&2
  exit 2
fi
out="$1"
work="$2"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
unistd=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
btf=/sys/kernel/btf/vmlinux

fail() {
  echo "vigil-probe build: $*" >&2
  exit 1
}

command -v clang >/dev/null 2>&1 || fail "clang not found; install it: apt-get install -y clang (or run ./setup.sh --deps-only)"
command -v llvm-strip >/dev/null 2>&1 || fail "llvm-strip not found; install it: apt-get install -y llvm"
command -v bpftool >/dev/null 2>&1 || fail "bpftool not found; install it: apt-get install -y bpftool"
[ -f /usr/include/bpf/bpf_helpers.h ] || fail "libbpf headers (/usr/include/bpf/bpf_helpers.h) not found; install them: apt-get install -y libbpf-dev"
[ -f "$unistd" ] || fail "$unistd not found; install the kernel headers: apt-get install -y linux-libc-dev"
[ -r "$btf" ] || fail "$btf not readable: this kernel has no BTF (needs CONFIG_DEBUG_INFO_BTF=y) and vmlinux.h cannot be generated"

mkdir -p "$out" "$work"

# vmlinux.h: regenerate only when the kernel changed (it is 2.8 MB and takes a second)
stamp="$(uname -r) $(stat -c %s "$btf")"
if [ ! -s "$work/vmlinux.h" ] || [ "$(cat "$work/vmlinux.h.stamp" 2>/dev/null)" != "$stamp" ]; then
  bpftool btf dump file "$btf" format c >"$work/vmlinux.h.tmp" || fail "bpftool could not dump $btf"
  mv "$work/vmlinux.h.tmp" "$work/vmlinux.h"
  echo "$stamp" >"$work/vmlinux.h.stamp"
fi

clang -target bpf -D__TARGET_ARCH_x86 -g -O2 -Wall -Werror \
  -I"$work" -I"$src" \
  -c "$src/probe.bpf.c" -o "$work/probe.bpf.o" || fail "clang failed to compile probe.bpf.c"

# Layout of the record structs, read back from BTF: layout.bpf.c includes
# probe.h and is compiled with the same compiler and target as the probe.
clang -target bpf -D__TARGET_ARCH_x86 -g -O2 -Wall -Werror \
  -I"$work" -I"$src" \
  -c "$src/layout.bpf.c" -o "$work/layout.bpf.o" || fail "clang failed to compile layout.bpf.c"
bpftool btf dump file "$work/layout.bpf.o" format raw | awk '
  /^\[[0-9]+\] STRUCT / {
    name = $3; gsub(/'"'"'/, "", name)
    keep = (name ~ /^vg_/)
    if (keep) { split($4, s, "="); print name ".@size=" s[2] }
    next
  }
  /^\[[0-9]+\]/ { keep = 0; next }
  keep && /bits_offset=/ {
    field = $1; gsub(/'"'"'/, "", field)
    for (i = 2; i <= NF; i++) if ($i ~ /^bits_offset=/) { split($i, b, "="); print name "." field "=" b[2] / 8 }
  }' >"$work/probe-layout.txt.tmp"
awk '$1 == "#define" && $2 ~ /^VG_/ && $3 ~ /^-?[0-9]+$/ { print "define." $2 "=" $3 }' "$src/probe.h" \
  >>"$work/probe-layout.txt.tmp"
sort "$work/probe-layout.txt.tmp" >"$work/probe-layout.txt"
grep -q '^vg_hdr\.@size=' "$work/probe-layout.txt" || fail "no vg_hdr in the BTF of layout.bpf.o; cannot write the layout file"

llvm-strip -g "$work/probe.bpf.o" -o "$out/probe.bpf.o"
cp "$work/probe-layout.txt" "$out/probe-layout.txt"

awk '$1 == "#define" && $2 ~ /^__NR_/ && $3 ~ /^[0-9]+$/ { sub(/^__NR_/, "", $2); print $3, $2 }' "$unistd" \
  | sort -n >"$out/syscalls-x86_64.txt"
[ -s "$out/syscalls-x86_64.txt" ] || fail "no syscall numbers found in $unistd"
