// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Not part of the probe. build.sh compiles this file for the BPF target only
 * to read the record layout of probe.h back from BTF (probe-layout.txt).
 * Each global below pulls one struct into the object's type information.
 */
#include "vmlinux.h"
#include "probe.h"

struct vg_hdr vg_layout_hdr;
struct vg_exec vg_layout_exec;
struct vg_open vg_layout_open;
struct vg_sock vg_layout_sock;
struct vg_exit vg_layout_exit;
struct vg_fork vg_layout_fork;
struct vg_generic vg_layout_generic;
struct vg_settings vg_layout_settings;
struct vg_stats vg_layout_stats;
