// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test fixture for ProbeTest: an object with the probe's program and map names
 * whose programs every kernel verifier rejects (they dereference a scalar).
 * The test compiles it with clang and expects Probe to fail with the
 * verifier's log in the ProbeException, after trying tp_btf and raw_tp.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} vg_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 515);
	__type(key, __u32);
	__type(value, __u32);
} vg_selected SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[2]);
} vg_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[3]);
} vg_stats SEC(".maps");

#define REJECTED(name, sec)                                  \
	SEC(sec)                                             \
	int name(unsigned long long *ctx)                    \
	{                                                    \
		return *(volatile int *)(long)ctx[1];        \
	}

REJECTED(vg_sys_exit, "tp_btf/sys_exit")
REJECTED(vg_sys_exit_raw, "?raw_tp/sys_exit")
REJECTED(vg_proc_exec, "tp_btf/sched_process_exec")
REJECTED(vg_proc_exec_raw, "?raw_tp/sched_process_exec")
REJECTED(vg_proc_exit, "tp_btf/sched_process_exit")
REJECTED(vg_proc_exit_raw, "?raw_tp/sched_process_exit")
REJECTED(vg_proc_fork, "tp_btf/sched_process_fork")
REJECTED(vg_proc_fork_raw, "?raw_tp/sched_process_fork")
