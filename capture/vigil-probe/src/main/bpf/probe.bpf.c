// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Vigil kernel probe (CO-RE).
 *
 * Programs, each built twice: a tp_btf program (typed context, cheapest) and a
 * raw_tp twin whose name ends in "_raw". The twins are marked "?" (autoload
 * off); the Java loader switches them on only when the tp_btf set is rejected
 * by the running kernel.
 *
 *   vg_sys_exit   sys_exit           dispatcher for every selected syscall
 *   vg_proc_exec  sched_process_exec EXEC
 *   vg_proc_exit  sched_process_exit EXIT (thread-group leader only)
 *   vg_proc_fork  sched_process_fork FORK
 *
 * Syscall records are produced at exit only: the arguments are still in the
 * saved user registers (pt_regs di, si, dx, r10, r8, r9) and the number is in
 * orig_ax, so no enter/exit pairing is needed.
 *
 * Records of variable size (EXEC, EXEC_FAIL, OPEN, GENERIC with paths) are
 * assembled in a per-CPU scratch buffer and copied with bpf_ringbuf_output;
 * fixed-size records (CONNECT, ENDPOINT, EXIT, FORK, GENERIC without paths)
 * are reserved in the ring and submitted.
 * The layout is in probe.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "probe.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define VG_AF_UNIX 1
#define VG_AF_INET 2
#define VG_AF_INET6 10
#define VG_AT_FDCWD -100
#define VG_O_WRONLY 01
#define VG_O_CREAT 0100
#define VG_O_TRUNC 01000
#define VG_TS_COMPAT 0x0002 /* x86 thread_info.status: task is in an ia32 syscall */
#define VG_OVERLAYFS_SUPER_MAGIC 0x794c7630
#define VG_TMPFS_MAGIC 0x01021994
#define VG_HUGETLBFS_MAGIC 0x958458f6
#define VG_S_IFMT 0170000
#define VG_S_IFSOCK 0140000

/* Variable regions are written at offset "off & VG_OFF_MASK" with a length of
 * at most VG_RECORD_MAX - 1, so a scratch buffer twice that size can never be
 * overrun, whatever the verifier believes about off. */
#define VG_OFF_MASK (VG_RECORD_MAX - 1)
#define VG_SCRATCH_SIZE (2 * VG_RECORD_MAX)

struct vg_scratch_buf {
	__u8 b[VG_SCRATCH_SIZE];
};

/* Maps. Names carry a prefix: vmlinux.h of recent kernels already defines a
 * type called "config". */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* the loader resizes it before load */
} vg_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VG_SEL_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} vg_selected SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_settings);
} vg_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_stats);
} vg_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_scratch_buf);
} vg_scratch SEC(".maps");

/* CO-RE flavours for fields that moved or are optional. Defining both
 * spellings here keeps the source compiling against any vmlinux.h. */
struct kernfs_node___new {
	struct kernfs_node *__parent; /* since 6.15 */
} __attribute__((preserve_access_index));

struct kernfs_node___old {
	struct kernfs_node *parent; /* up to 6.14 */
} __attribute__((preserve_access_index));

struct task_struct___audit {
	kuid_t loginuid; /* only with CONFIG_AUDIT */
} __attribute__((preserve_access_index));

/* struct inode timestamps: split seconds/nanoseconds since 6.11, accessors
 * around __i_ctime (6.6) and __i_mtime (6.7) before that, plain timespec64
 * fields earlier. */
struct inode___v611 {
	time64_t i_mtime_sec;
	time64_t i_ctime_sec;
	u32 i_mtime_nsec;
	u32 i_ctime_nsec;
} __attribute__((preserve_access_index));

struct inode___v67 {
	struct timespec64 __i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___v66 {
	struct timespec64 i_mtime;
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___old {
	struct timespec64 i_mtime;
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

/* ---------------------------------------------------------------- helpers */

static __always_inline struct vg_stats *stats(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&vg_stats, &zero);
}

static __always_inline void count_read_error(void)
{
	struct vg_stats *s = stats();
	if (s)
		s->read_errors++;
}

static __always_inline void count_result(long err)
{
	struct vg_stats *s = stats();
	if (!s)
		return;
	if (err)
		s->drops++;
	else
		s->events++;
}

static __always_inline bool switched_on(__u32 index)
{
	__u32 *on = bpf_map_lookup_elem(&vg_selected, &index);
	return on && *on;
}

/* The current task: typed (BTF) in tp_btf programs (btf), whose fields are
 * then read with plain loads; an untyped pointer for the raw_tp twins. */
static __always_inline struct task_struct *current_task(bool btf)
{
	if (btf)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

/* The settings, or NULL when the current task (task) belongs to the ignored tgid. */
static __always_inline struct vg_settings *settings_for_current(struct task_struct *task, bool btf)
{
	__u32 zero = 0;
	struct vg_settings *cfg = bpf_map_lookup_elem(&vg_cfg, &zero);
	__u32 tgid;

	if (!cfg)
		return NULL;
	if (!cfg->ignore_tgid)
		return cfg;
	tgid = btf ? task->tgid : bpf_get_current_pid_tgid() >> 32;
	return cfg->ignore_tgid == tgid ? NULL : cfg;
}

/* Wakeup policy: timed mode never wakes the reader, except when the backlog
 * passes wakeup_bytes, so a burst cannot fill the ring while it sleeps. The
 * backlog is queried on every VG_WAKE_CHECK_EVERY-th record of a CPU only (a
 * helper call saved on the others), so it may pass wakeup_bytes by that many
 * records per CPU before the reader is woken. */
#define VG_WAKE_CHECK_EVERY 16

static __always_inline __u64 wake_flags(struct vg_settings *cfg)
{
	struct vg_stats *s;

	if (cfg->wakeup_mode == VG_WAKE_EACH)
		return 0;
	if (!cfg->wakeup_bytes)
		return BPF_RB_NO_WAKEUP;
	s = stats();
	if (s && ((s->events + s->drops) & (VG_WAKE_CHECK_EVERY - 1)))
		return BPF_RB_NO_WAKEUP;
	if (bpf_ringbuf_query(&vg_events, BPF_RB_AVAIL_DATA) >= cfg->wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void *scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&vg_scratch, &zero);
}

/* Copies a record assembled in the scratch buffer into the ring. */
static __always_inline void send_scratch(void *rec, __u32 len, struct vg_settings *cfg)
{
	long err = bpf_ringbuf_output(&vg_events, rec, len & VG_OFF_MASK, wake_flags(cfg));
	count_result(err);
}

/*
 * The header of a record about the current task (task is current).
 *
 * btf: task is a typed (BTF) pointer, as in the tp_btf programs, so the
 * verifier lets the program follow its fields with plain loads (a fault reads
 * as 0). That replaces six helper calls (ids, credentials, cgroup, comm, and
 * two probe reads for the parent) with a dozen loads. Helper calls are what
 * the per-event cost is made of (each one goes through the kernel's call and
 * return thunks); the raw_tp twins, which get an untyped task, read the same
 * facts with helpers.
 */
static __always_inline void fill_hdr(struct vg_hdr *h, struct task_struct *task, bool btf, __u16 kind, __s32 nr,
				     __s64 ret)
{
	h->ts = bpf_ktime_get_ns();
	h->ret = ret;
	if (btf) {
		const struct cred *cred = task->cred;
		const __u64 *comm = (const __u64 *)task->comm;
		__u64 *out = (__u64 *)h->comm;

		/* what the helpers below return: the current credentials' real
		 * ids (kernel ids are the initial namespace's), the cgroup v2 id
		 * (the kernfs node id of task_dfl_cgroup) */
		h->cgroup_id = task->cgroups->dfl_cgrp->kn->id;
		h->pid = task->tgid;
		h->tid = task->pid;
		h->ppid = task->real_parent->tgid;
		h->uid = cred->uid.val;
		h->gid = cred->gid.val;
		/* the kernel keeps comm NUL-padded */
		out[0] = comm[0];
		out[1] = comm[1];
	} else {
		__u64 pid_tgid = bpf_get_current_pid_tgid();
		__u64 uid_gid = bpf_get_current_uid_gid();

		h->cgroup_id = bpf_get_current_cgroup_id();
		h->pid = pid_tgid >> 32;
		h->tid = (__u32)pid_tgid;
		h->ppid = BPF_CORE_READ(task, real_parent, tgid);
		h->uid = (__u32)uid_gid;
		h->gid = uid_gid >> 32;
		bpf_get_current_comm(h->comm, sizeof(h->comm));
	}
	h->syscall_nr = nr;
	h->kind = kind;
	h->flags = 0;
	h->cpu = bpf_get_smp_processor_id();
	h->len = 0;
}

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn)
{
	if (!kn)
		return NULL;
	if (bpf_core_field_exists(struct kernfs_node___new, __parent))
		return BPF_CORE_READ((struct kernfs_node___new *)kn, __parent);
	return BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
}

/* mntns, vpid and loginuid of an exec record. */
static __always_inline void fill_task_info(struct vg_exec *r, struct task_struct *task)
{
	struct pid *tp;
	struct pid_namespace *pidns;
	unsigned int level;
	int vpid = 0;

	r->mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);

	/* The tgid as the innermost pid namespace numbers it:
	 * group_leader->thread_pid->numbers[level].nr */
	tp = BPF_CORE_READ(task, group_leader, thread_pid);
	level = BPF_CORE_READ(tp, level);
	if (tp && bpf_probe_read_kernel(&vpid, sizeof(vpid),
					(void *)tp + bpf_core_field_offset(struct pid, numbers) +
						(level & 31) * bpf_core_type_size(struct upid) +
						bpf_core_field_offset(struct upid, nr)))
		count_read_error();
	r->vpid = vpid;

	/* ... and that namespace: numbers[level].ns->ns.inum. A process that is
	 * gone from /proc by the time user space handles its exec still gets its
	 * pid namespace (and with it container.start_ts). */
	pidns = NULL;
	r->pidns = 0;
	if (tp && bpf_probe_read_kernel(&pidns, sizeof(pidns),
					(void *)tp + bpf_core_field_offset(struct pid, numbers) +
						(level & 31) * bpf_core_type_size(struct upid) +
						bpf_core_field_offset(struct upid, ns)))
		count_read_error();
	else if (pidns)
		r->pidns = BPF_CORE_READ(pidns, ns.inum);

	r->loginuid = -1;
	if (bpf_core_field_exists(struct task_struct___audit, loginuid))
		r->loginuid = (__s32)BPF_CORE_READ((struct task_struct___audit *)task, loginuid.val);
}

static __always_inline __s64 ts_nanos(struct timespec64 *t)
{
	return BPF_CORE_READ(t, tv_sec) * 1000000000LL + BPF_CORE_READ(t, tv_nsec);
}

/* The controlling terminal, encoded as /proc/PID/stat's tty_nr (and Falco's
 * tty parameter): new_encode_dev(MKDEV(driver->major, driver->minor_start) +
 * index); 0 without one. */
static __always_inline __u32 task_tty_nr(struct task_struct *task)
{
	struct tty_struct *tty = BPF_CORE_READ(task, signal, tty);
	__u32 major, minor;

	if (!tty)
		return 0;
	major = BPF_CORE_READ(tty, driver, major);
	minor = BPF_CORE_READ(tty, driver, minor_start) + BPF_CORE_READ(tty, index);
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffU) << 12);
}

/* The new executable's inode (number, times, mode, owner, overlayfs layer,
 * memfd), the new credentials' capabilities and the controlling terminal, for
 * an EXEC record. */
static __always_inline void fill_exe_info(struct vg_exec *r, struct task_struct *task, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	const struct cred *cred = BPF_CORE_READ(task, cred);
	__u32 flags = 0;

	/* up to pidns, which fill_task_info has set */
	__builtin_memset(&r->cap_inheritable, 0,
			 __builtin_offsetof(struct vg_exec, pidns) - __builtin_offsetof(struct vg_exec, cap_inheritable));
	r->tty = task_tty_nr(task);
	flags |= VG_TTY_KNOWN;
	if (cred && !bpf_core_read(&r->cap_inheritable, 8, &cred->cap_inheritable) &&
	    !bpf_core_read(&r->cap_permitted, 8, &cred->cap_permitted) &&
	    !bpf_core_read(&r->cap_effective, 8, &cred->cap_effective))
		flags |= VG_CAPS_KNOWN;

	if (inode) {
		unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);

		flags |= VG_EXE_KNOWN;
		r->exe_ino = BPF_CORE_READ(inode, i_ino);
		r->exe_mode = BPF_CORE_READ(inode, i_mode);
		r->exe_uid = BPF_CORE_READ(inode, i_uid.val);
		r->exe_gid = BPF_CORE_READ(inode, i_gid.val);
		if (bpf_core_field_exists(struct inode___v611, i_ctime_sec)) {
			struct inode___v611 *in = (void *)inode;
			r->exe_ctime = BPF_CORE_READ(in, i_ctime_sec) * 1000000000LL + BPF_CORE_READ(in, i_ctime_nsec);
			r->exe_mtime = BPF_CORE_READ(in, i_mtime_sec) * 1000000000LL + BPF_CORE_READ(in, i_mtime_nsec);
		} else if (bpf_core_field_exists(struct inode___v67, __i_mtime)) {
			struct inode___v67 *in = (void *)inode;
			r->exe_ctime = ts_nanos(&in->__i_ctime);
			r->exe_mtime = ts_nanos(&in->__i_mtime);
		} else if (bpf_core_field_exists(struct inode___v66, __i_ctime)) {
			struct inode___v66 *in = (void *)inode;
			r->exe_ctime = ts_nanos(&in->__i_ctime);
			r->exe_mtime = ts_nanos(&in->i_mtime);
		} else {
			struct inode___old *in = (void *)inode;
			r->exe_ctime = ts_nanos(&in->i_ctime);
			r->exe_mtime = ts_nanos(&in->i_mtime);
		}

		if (magic == VG_OVERLAYFS_SUPER_MAGIC) {
			/* struct ovl_inode (fs/overlayfs, often a module without BTF in
			 * vmlinux) embeds the vfs inode and keeps __upperdentry right
			 * after it: a copy in the upper layer has one. */
			void *upper = NULL;

			if (bpf_probe_read_kernel(&upper, sizeof(upper), (void *)inode + bpf_core_type_size(struct inode)))
				count_read_error();
			flags |= upper ? VG_EXE_UPPER : VG_EXE_LOWER;
		} else if (magic == VG_TMPFS_MAGIC || magic == VG_HUGETLBFS_MAGIC) {
			/* memfd_create names its file "memfd:<name>" on the internal shm
			 * mount, with a pseudo dentry that has no parent directory (its
			 * d_parent is itself): a file called "memfd:x" in /dev/shm is not one */
			char name[6] = {};
			struct dentry *dentry = BPF_CORE_READ(file, f_path.dentry);
			const unsigned char *dname = BPF_CORE_READ(dentry, d_name.name);

			if (dentry && BPF_CORE_READ(dentry, d_parent) == dentry && dname &&
			    !bpf_probe_read_kernel(name, sizeof(name), dname) && name[0] == 'm' && name[1] == 'e' &&
			    name[2] == 'm' && name[3] == 'f' && name[4] == 'd' && name[5] == ':')
				flags |= VG_EXE_MEMFD;
		}
	}
	r->exe_flags = flags;
}

/* Appends the region of a kernel string at buf[off]; returns its length. */
static __always_inline __u32 put_kernel_str(__u8 *buf, __u32 off, const char *src, __u32 max)
{
	long n;

	if (!src)
		return 0;
	n = bpf_probe_read_kernel_str(buf + (off & VG_OFF_MASK), max, src);
	if (n < 0) {
		count_read_error();
		return 0;
	}
	return n;
}

/*
 * Cgroup leaf and parent names. The cgroup v2 directory comes first; when the
 * task sits in the v2 root (hybrid hosts where runtimes use v1 only), the v1
 * cpu controller's directory is used instead, as container runtimes always
 * create one there.
 */
static __always_inline __u32 put_cgroups(struct vg_exec *r, __u8 *buf, __u32 off, struct task_struct *task)
{
	struct css_set *cs = BPF_CORE_READ(task, cgroups);
	struct kernfs_node *kn = BPF_CORE_READ(cs, dfl_cgrp, kn);
	struct kernfs_node *parent = kn_parent(kn);
	__u32 n;

	if (!parent && cs && bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id)) {
		__u64 id = bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id);
		struct cgroup_subsys_state *css = NULL;

		if (!bpf_probe_read_kernel(&css, sizeof(css),
					   (void *)cs + bpf_core_field_offset(struct css_set, subsys) +
						   (id & 15) * sizeof(void *)) &&
		    css) {
			struct kernfs_node *v1 = BPF_CORE_READ(css, cgroup, kn);
			struct kernfs_node *v1_parent = kn_parent(v1);

			if (v1_parent) {
				kn = v1;
				parent = v1_parent;
			}
		}
	}

	n = kn ? put_kernel_str(buf, off, BPF_CORE_READ(kn, name), VG_CGNAME_MAX) : 0;
	r->cg_leaf_len = n;
	off += n;
	n = parent ? put_kernel_str(buf, off, BPF_CORE_READ(parent, name), VG_CGNAME_MAX) : 0;
	r->cg_parent_len = n;
	return off + n;
}

/* ------------------------------------------------------- syscall records */

/* The struct file behind fd in the task's fd table (files->fdt->fd[fd]), or NULL. */
static __always_inline struct file *file_of_fd(struct task_struct *task, bool btf, long fd)
{
	struct fdtable *fdt;
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0)
		return NULL;
	fdt = btf ? task->files->fdt : BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned long)fd >= (btf ? fdt->max_fds : BPF_CORE_READ(fdt, max_fds)))
		return NULL;
	/* a pointer to pointers is not typed for the verifier: the slot is probed */
	fds = btf ? fdt->fd : BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/* FMODE_CREATED of include/linux/fs.h: the open created the file. It has had
 * this value since the flag was introduced (4.19). */
#define VG_FMODE_CREATED 0x100000

/* __O_TMPFILE of include/uapi/asm-generic/fcntl.h (x86-64) */
#define VG_O_TMPFILE_BIT 020000000

/* Whether the open that returned fd created its file, as the kernel knows it
 * (the same source as the O_F_CREATED flag of Falco's drivers). The kernel
 * sets FMODE_CREATED only for opens with O_CREAT or O_TMPFILE, so the file is
 * looked up only for those: any other successful open did not create it. */
static __always_inline __u16 open_fmode(struct task_struct *task, bool btf, long fd, __u64 flags)
{
	struct file *file;
	__u32 f_mode;

	if (fd < 0)
		return 0;
	if (!(flags & (VG_O_CREAT | VG_O_TMPFILE_BIT)))
		return VG_OPEN_FMODE_KNOWN;
	file = file_of_fd(task, btf, fd);
	if (!file)
		return 0;
	f_mode = BPF_CORE_READ(file, f_mode);
	return VG_OPEN_FMODE_KNOWN | ((f_mode & VG_FMODE_CREATED) ? VG_OPEN_CREATED : 0);
}

/* open, creat, openat, openat2 */
static __always_inline void emit_open(struct task_struct *task, bool btf, struct vg_settings *cfg, long nr,
				      long ret, __u64 *args)
{
	struct vg_open *r = scratch();
	long dirfd = (int)args[0];
	__u64 upath = args[1], flags = args[2], mode = args[3];
	long n;

	if (!r)
		return;
	switch (nr) {
	case VG_NR_OPEN:
		dirfd = VG_AT_FDCWD;
		upath = args[0];
		flags = args[1];
		mode = args[2];
		break;
	case VG_NR_CREAT:
		dirfd = VG_AT_FDCWD;
		upath = args[0];
		flags = VG_O_CREAT | VG_O_WRONLY | VG_O_TRUNC;
		mode = args[1];
		break;
	case VG_NR_OPENAT2: {
		struct open_how how = {};

		if (args[2] && bpf_probe_read_user(&how, 16, (const void *)args[2]))
			count_read_error();
		flags = how.flags;
		mode = how.mode;
		break;
	}
	}
	fill_hdr(&r->h, task, btf, VG_KIND_OPEN, nr, ret);
	r->flags = flags;
	r->mode = mode;
	r->dirfd = dirfd;
	r->fmode = open_fmode(task, btf, ret, flags);
	n = bpf_probe_read_user_str(r->path, VG_PATH_MAX, (const void *)upath);
	if (n < 0) {
		count_read_error();
		n = 0;
	}
	r->path_len = n;
	r->h.len = sizeof(*r) + n;
	send_scratch(r, r->h.len, cfg);
}

/* The kernel socket behind fd in the current task's fd table, or NULL when
 * fd is not an open socket: files->fdt->fd[fd], an inode of type S_IFSOCK,
 * whose file->private_data is the struct socket. */
static __always_inline struct sock *sock_of_fd(struct task_struct *task, bool btf, long fd)
{
	struct file *file = file_of_fd(task, btf, fd);
	struct socket *sock;

	if (!file)
		return NULL;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & VG_S_IFMT) != VG_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* The address a syscall names (addrlen bytes of user memory at uaddr):
 * family, port and address of AF_INET/AF_INET6, the path of AF_UNIX. */
static __always_inline void put_user_sockaddr(struct vg_sock *r, __u64 uaddr, __u64 addrlen)
{
	__u8 sa[24]; /* family, port, then v4 address or v6 flowinfo + address */
	__u16 family = 0;
	long n;

	if (!uaddr || addrlen < 2 || addrlen > 65535)
		return;
	if (bpf_probe_read_user(&family, sizeof(family), (const void *)uaddr)) {
		count_read_error();
		return;
	}
	r->family = family;
	if (family == VG_AF_INET && addrlen >= 8) {
		if (bpf_probe_read_user(sa, 8, (const void *)uaddr)) {
			count_read_error();
			return;
		}
		r->port = ((__u16)sa[2] << 8) | sa[3];
		__builtin_memcpy(r->addr, &sa[4], 4);
		r->sock_flags |= VG_SOCK_ADDR;
	} else if (family == VG_AF_INET6 && addrlen >= 24) {
		if (bpf_probe_read_user(sa, 24, (const void *)uaddr)) {
			count_read_error();
			return;
		}
		r->port = ((__u16)sa[2] << 8) | sa[3];
		__builtin_memcpy(r->addr, &sa[8], 16);
		r->sock_flags |= VG_SOCK_ADDR;
	} else if (family == VG_AF_UNIX && addrlen > 2) {
		n = addrlen - 2;
		if (n > 108)
			n = 108;
		n &= VG_UNIX_MAX - 1;
		if (bpf_probe_read_user(r->unix_path, n, (const void *)(uaddr + 2))) {
			count_read_error();
			return;
		}
		r->unix_len = n;
		r->sock_flags |= VG_SOCK_ADDR;
	}
}

/* The path a unix socket is bound to (unix_sk(sk)->addr). An accepted socket
 * shares its listener's address. Skipped when unix sockets are a module
 * without BTF in vmlinux. */
static __always_inline void put_unix_name(struct vg_sock *r, struct sock *sk)
{
	struct unix_address *ua;
	long n;

	if (!bpf_core_type_exists(struct unix_sock))
		return;
	ua = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!ua)
		return; /* unnamed */
	n = BPF_CORE_READ(ua, len) - 2; /* len counts sun_family */
	if (n <= 0)
		return;
	if (n > 108)
		n = 108;
	n &= VG_UNIX_MAX - 1;
	if (bpf_probe_read_kernel(r->unix_path, n,
				  (void *)ua + bpf_core_field_offset(struct unix_address, name) + 2)) {
		count_read_error();
		return;
	}
	r->family = VG_AF_UNIX;
	r->unix_len = n;
	r->sock_flags |= VG_SOCK_ADDR;
}

/* What the kernel socket says: family, type, protocol, and for IP sockets
 * the local and the peer endpoint (skc_rcv_saddr/skc_num, skc_daddr/skc_dport). */
static __always_inline void put_kernel_sock(struct vg_sock *r, struct sock *sk)
{
	__u16 family, dport;

	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	r->sk_family = family;
	/* plain u16 fields since 5.6, bitfields before: the probed read handles both */
	r->sk_type = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_type);
	r->sk_protocol = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	r->sock_flags |= VG_SOCK_KNOWN;

	if (family == VG_AF_INET) {
		if (bpf_core_read(r->laddr, 4, &sk->__sk_common.skc_rcv_saddr) ||
		    bpf_core_read(r->raddr, 4, &sk->__sk_common.skc_daddr)) {
			count_read_error();
			return;
		}
	} else if (family == VG_AF_INET6 && bpf_core_field_exists(sk->__sk_common.skc_v6_rcv_saddr)) {
		if (bpf_core_read(r->laddr, 16, &sk->__sk_common.skc_v6_rcv_saddr) ||
		    bpf_core_read(r->raddr, 16, &sk->__sk_common.skc_v6_daddr)) {
			count_read_error();
			return;
		}
	} else {
		return;
	}
	r->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	r->sock_flags |= VG_SOCK_LOCAL;
	dport = BPF_CORE_READ(sk, __sk_common.skc_dport);
	if (dport) {
		r->rport = bpf_ntohs(dport);
		r->sock_flags |= VG_SOCK_PEER;
	} else {
		__builtin_memset(r->raddr, 0, sizeof(r->raddr));
	}
}

/* CONNECT (connect) and ENDPOINT (accept, accept4, bind, sendto, sendmsg). */
static __always_inline void emit_sock(struct task_struct *task, bool btf, struct vg_settings *cfg, __u16 kind,
				      long nr, long ret, __u64 *args)
{
	struct vg_sock *r = bpf_ringbuf_reserve(&vg_events, sizeof(*r), 0);
	long sockfd = (int)args[0];
	struct sock *sk;
	int i;

	if (!r) {
		count_result(-1);
		return;
	}
	fill_hdr(&r->h, task, btf, kind, nr, ret);
	r->h.len = sizeof(*r);
	__builtin_memset(&r->args, 0, sizeof(*r) - sizeof(r->h));
	for (i = 0; i < 6; i++)
		r->args[i] = args[i];
	r->fd = (int)args[0];

	switch (nr) {
	case VG_NR_CONNECT:
	case VG_NR_BIND:
		put_user_sockaddr(r, args[1], args[2]);
		break;
	case VG_NR_SENDTO:
		put_user_sockaddr(r, args[4], args[5]);
		break;
	case VG_NR_SENDMSG: {
		struct user_msghdr mh = {};

		if (args[1] && bpf_probe_read_user(&mh, sizeof(mh), (const void *)args[1]))
			count_read_error();
		else if (mh.msg_namelen > 0)
			put_user_sockaddr(r, (__u64)mh.msg_name, mh.msg_namelen);
		break;
	}
	case VG_NR_ACCEPT:
	case VG_NR_ACCEPT4:
		sockfd = ret; /* the new socket; < 0 when accept failed */
		break;
	}

	sk = sock_of_fd(task, btf, sockfd);
	if (sk) {
		put_kernel_sock(r, sk);
		if (r->sk_family == VG_AF_UNIX && (nr == VG_NR_ACCEPT || nr == VG_NR_ACCEPT4))
			put_unix_name(r, sk);
	}
	bpf_ringbuf_submit(r, wake_flags(cfg));
	count_result(0);
}

/* A failed execve/execveat: the caller's memory is intact, so filename and
 * argv come from the syscall's user pointers. */
static __always_inline void emit_exec_fail(struct task_struct *task, bool btf, struct vg_settings *cfg, long nr,
					   long ret, __u64 *args)
{
	/* execve(filename, argv, envp), execveat(dirfd, filename, argv, envp, flags) */
	__u64 ufilename = nr == VG_NR_EXECVEAT ? args[1] : args[0];
	__u64 uargv = nr == VG_NR_EXECVEAT ? args[2] : args[1];
	struct vg_exec *r = scratch();
	__u8 *buf = (__u8 *)r;
	__u32 off = sizeof(*r), start, argc = 0;
	long n;
	int i;

	if (!r)
		return;
	fill_hdr(&r->h, task, btf, VG_KIND_EXEC_FAIL, nr, ret);
	fill_task_info(r, task);
	r->exe_flags = 0; /* the caller's image is unchanged: no exe or credential facts */
	/* up to pidns, which fill_task_info has set */
	__builtin_memset(&r->cap_inheritable, 0,
			 __builtin_offsetof(struct vg_exec, pidns) - __builtin_offsetof(struct vg_exec, cap_inheritable));

	n = bpf_probe_read_user_str(buf + off, VG_PATH_MAX, (const void *)ufilename);
	if (n < 0) {
		count_read_error();
		n = 0;
	}
	r->filename_len = n;
	off += n;

	start = off;
	for (i = 0; uargv && i < VG_EXECFAIL_ARGS; i++) {
		const char *arg = NULL;

		if (bpf_probe_read_user(&arg, sizeof(arg), (const void *)(uargv + i * sizeof(arg)))) {
			count_read_error();
			break;
		}
		if (!arg)
			break;
		if (off - start > VG_ARGV_MAX - VG_ARG_MAX || i == VG_EXECFAIL_ARGS - 1) {
			r->h.flags |= VG_FLAG_ARGV_TRUNCATED;
			break;
		}
		n = bpf_probe_read_user_str(buf + (off & VG_OFF_MASK), VG_ARG_MAX, arg);
		if (n < 0) {
			count_read_error();
			break;
		}
		off += n;
		argc++;
	}
	r->argv_len = off - start;
	r->argc = argc;
	r->exe_name_len = 0;
	r->pad16 = 0;
	r->pad32 = 0;
	off = put_cgroups(r, buf, off, task);
	r->h.len = off;
	send_scratch(r, off, cfg);
}

/* Which arguments of a syscall are paths (libsinsp's path parameters):
 * 1 + the argument index of path1 in bits 0-3, of path2 in bits 4-7; 0 = none. */
static __always_inline int path_args(long nr)
{
	switch (nr) {
	case 80:  /* chdir */
	case 83:  /* mkdir */
	case 84:  /* rmdir */
	case 87:  /* unlink */
	case 90:  /* chmod */
	case 161: /* chroot */
	case 166: /* umount2 */
	case 319: /* memfd_create: the name */
		return 1;
	case 82:  /* rename */
	case 86:  /* link */
	case 88:  /* symlink: target, linkpath */
	case 165: /* mount: dev, dir */
		return 1 | 2 << 4;
	case 258: /* mkdirat */
	case 263: /* unlinkat */
	case 268: /* fchmodat */
		return 2;
	case 264: /* renameat */
	case 265: /* linkat */
	case 316: /* renameat2 */
		return 2 | 4 << 4;
	case 266: /* symlinkat: target, linkpath */
		return 1 | 3 << 4;
	}
	return 0;
}

static __always_inline __u64 arg_at(__u64 *args, int i)
{
	switch (i) {
	case 0: return args[0];
	case 1: return args[1];
	case 2: return args[2];
	case 3: return args[3];
	case 4: return args[4];
	case 5: return args[5];
	}
	return 0;
}

static __always_inline __u32 put_user_path(__u8 *buf, __u32 off, __u64 uptr)
{
	long n;

	if (!uptr)
		return 0;
	n = bpf_probe_read_user_str(buf + (off & VG_OFF_MASK), VG_PATH_MAX, (const void *)uptr);
	if (n < 0) {
		count_read_error();
		return 0;
	}
	return n;
}

/* The fixed part of a GENERIC record, with its regions empty. */
static __always_inline void fill_generic(struct vg_generic *r, struct task_struct *task, bool btf, long nr, long ret,
					 __u64 *args)
{
	int i;

	fill_hdr(&r->h, task, btf, VG_KIND_GENERIC, nr, ret);
	for (i = 0; i < 6; i++)
		r->args[i] = args[i];
	r->path1_len = 0;
	r->path2_len = 0;
	r->io_len = 0;
	r->pad = 0;
	r->h.len = sizeof(*r);
}

static __always_inline void emit_generic(struct task_struct *task, bool btf, struct vg_settings *cfg, long nr,
					 long ret, __u64 *args)
{
	int paths = path_args(nr);
	bool poll = nr == VG_NR_POLL || nr == VG_NR_PPOLL;
	bool io = poll ? args[1] > 0 && args[1] < (1 << 20) :
			 ret > 0 && (nr == VG_NR_READ || nr == VG_NR_WRITE || nr == VG_NR_PREAD64 ||
				     nr == VG_NR_PWRITE64 || nr == VG_NR_RECVFROM);
	struct vg_generic *r;
	__u32 off = sizeof(*r), n;

	if (!io && !paths) {
		r = bpf_ringbuf_reserve(&vg_events, sizeof(*r), 0);
		if (!r) {
			count_result(-1);
			return;
		}
		fill_generic(r, task, btf, nr, ret, args);
		bpf_ringbuf_submit(r, wake_flags(cfg));
		count_result(0);
		return;
	}
	/* variable regions: assembled in the scratch buffer */
	r = scratch();
	if (!r)
		return;
	fill_generic(r, task, btf, nr, ret, args);
	if (io) {
		/* read-like calls return the bytes read, write-like the bytes written,
		 * but recvfrom with MSG_TRUNC returns the datagram's length, which may
		 * exceed the buffer (args[2]); poll's array has args[1] entries of 8 bytes */
		if (poll) {
			n = args[1] < VG_IO_SNAPLEN / 8 ? args[1] * 8 : VG_IO_SNAPLEN;
		} else {
			__u64 len = (__u64)ret < args[2] ? (__u64)ret : args[2];

			n = len < VG_IO_SNAPLEN ? len : VG_IO_SNAPLEN;
		}
		n &= VG_IO_MASK;
		if (bpf_probe_read_user(r->data, n, (const void *)(poll ? args[0] : args[1]))) {
			count_read_error();
			n = 0;
		}
		r->io_len = n;
		off += n;
	} else {
		__u8 *buf = (__u8 *)r;

		n = put_user_path(buf, off, arg_at(args, (paths & 15) - 1));
		r->path1_len = n;
		off += n;
		n = (paths >> 4) ? put_user_path(buf, off, arg_at(args, (paths >> 4) - 1)) : 0;
		r->path2_len = n;
		off += n;
	}
	r->h.len = off;
	send_scratch(r, off, cfg);
}

/* The selection check shared by both sys_exit programs: whether syscall nr is
 * switched on. Unselected syscalls return here, before any helper call. */
static __always_inline bool syscall_wanted(long nr)
{
	if ((unsigned long)nr >= VG_NR_SYSCALLS)
		return false;
	if (switched_on(nr))
		return true;
	/* exec failures also follow the exec switch */
	return (nr == VG_NR_EXECVE || nr == VG_NR_EXECVEAT) && switched_on(VG_SEL_EXEC);
}

static __always_inline int dispatch(bool btf, long nr, long ret, __u64 *args)
{
	struct task_struct *task = current_task(btf);
	struct vg_settings *cfg = settings_for_current(task, btf);

	if (!cfg)
		return 0;
	/* ia32 syscalls use another numbering; they are not decoded. */
	if (bpf_core_field_exists(task->thread_info) &&
	    ((btf ? task->thread_info.status : BPF_CORE_READ(task, thread_info.status)) & VG_TS_COMPAT))
		return 0;

	/* One call site per record kind: every site is a copy of the inlined
	 * code, and a smaller program leaves more of the caches to the syscall. */
	switch (nr) {
	case VG_NR_OPEN:
	case VG_NR_CREAT:
	case VG_NR_OPENAT:
	case VG_NR_OPENAT2:
		emit_open(task, btf, cfg, nr, ret, args);
		break;
	case VG_NR_CONNECT:
	case VG_NR_ACCEPT:
	case VG_NR_ACCEPT4:
	case VG_NR_BIND:
	case VG_NR_SENDTO:
	case VG_NR_SENDMSG:
		emit_sock(task, btf, cfg, nr == VG_NR_CONNECT ? VG_KIND_CONNECT : VG_KIND_ENDPOINT, nr, ret, args);
		break;
	case VG_NR_EXECVE:
	case VG_NR_EXECVEAT:
		/* success is reported by sched_process_exec */
		if (ret < 0)
			emit_exec_fail(task, btf, cfg, nr, ret, args);
		break;
	default:
		emit_generic(task, btf, cfg, nr, ret, args);
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(vg_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax; /* typed context: a plain load */
	__u64 args[6];

	if (!syscall_wanted(nr))
		return 0;
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
	return dispatch(true, nr, ret, args);
}

SEC("?raw_tp/sys_exit")
int BPF_PROG(vg_sys_exit_raw, struct pt_regs *regs, long ret)
{
	long nr = BPF_CORE_READ(regs, orig_ax);
	__u64 args[6];

	if (!syscall_wanted(nr))
		return 0;
	args[0] = BPF_CORE_READ(regs, di);
	args[1] = BPF_CORE_READ(regs, si);
	args[2] = BPF_CORE_READ(regs, dx);
	args[3] = BPF_CORE_READ(regs, r10);
	args[4] = BPF_CORE_READ(regs, r8);
	args[5] = BPF_CORE_READ(regs, r9);
	return dispatch(false, nr, ret, args);
}

/* ---------------------------------------------------- process lifecycle */

static __always_inline int on_exec(struct task_struct *task, bool btf, struct linux_binprm *bprm)
{
	struct vg_settings *cfg;
	struct vg_exec *r;
	__u8 *buf;
	__u32 off = sizeof(struct vg_exec), n;
	unsigned long arg_start, arg_end, alen;

	if (!switched_on(VG_SEL_EXEC))
		return 0;
	cfg = settings_for_current(task, btf);
	if (!cfg)
		return 0;
	r = scratch();
	if (!r)
		return 0;
	buf = (__u8 *)r;

	fill_hdr(&r->h, task, btf, VG_KIND_EXEC, -1, 0);
	fill_task_info(r, task);
	r->argc = BPF_CORE_READ(bprm, argc);
	fill_exe_info(r, task, bprm);

	n = put_kernel_str(buf, off, BPF_CORE_READ(bprm, filename), VG_PATH_MAX);
	r->filename_len = n;
	off += n;

	/* The new image's arguments: the kernel has just copied them to the
	 * top of the new stack, so the pages are present. */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	alen = arg_end > arg_start ? arg_end - arg_start : 0;
	if (alen > VG_ARGV_MAX - 1) {
		alen = VG_ARGV_MAX - 1;
		r->h.flags |= VG_FLAG_ARGV_TRUNCATED;
	}
	alen &= VG_ARGV_MAX - 1;
	if (alen && bpf_probe_read_user(buf + (off & VG_OFF_MASK), alen, (const void *)arg_start)) {
		count_read_error();
		alen = 0;
	}
	r->argv_len = alen;
	off += alen;

	off = put_cgroups(r, buf, off, task);

	/* a memfd executable's name ("memfd:NAME"), which /proc shows only
	 * while the process lives */
	n = 0;
	if (r->exe_flags & VG_EXE_MEMFD)
		n = put_kernel_str(buf, off, (const char *)BPF_CORE_READ(bprm, file, f_path.dentry, d_name.name),
				   VG_CGNAME_MAX);
	r->exe_name_len = n;
	r->pad16 = 0;
	r->pad32 = 0;
	off += n;
	r->h.len = off;
	send_scratch(r, off, cfg);
	return 0;
}

static __always_inline int on_exit(struct task_struct *task, bool btf)
{
	struct vg_settings *cfg;
	struct vg_exit *r;

	if (!switched_on(VG_SEL_EXIT))
		return 0;
	if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return 0; /* a thread, not the process */
	cfg = settings_for_current(task, btf);
	if (!cfg)
		return 0;
	r = bpf_ringbuf_reserve(&vg_events, sizeof(*r), 0);
	if (!r) {
		count_result(-1);
		return 0;
	}
	fill_hdr(&r->h, task, btf, VG_KIND_EXIT, -1, 0);
	r->h.len = sizeof(*r);
	r->exit_code = BPF_CORE_READ(task, exit_code);
	r->pad = 0;
	bpf_ringbuf_submit(r, wake_flags(cfg));
	count_result(0);
	return 0;
}

static __always_inline int on_fork(struct task_struct *parent, bool btf, struct task_struct *child)
{
	struct vg_settings *cfg;
	struct vg_fork *r;

	if (!switched_on(VG_SEL_FORK))
		return 0;
	cfg = settings_for_current(parent, btf); /* current is the parent */
	if (!cfg)
		return 0;
	r = bpf_ringbuf_reserve(&vg_events, sizeof(*r), 0);
	if (!r) {
		count_result(-1);
		return 0;
	}
	fill_hdr(&r->h, parent, btf, VG_KIND_FORK, -1, 0);
	r->h.len = sizeof(*r);
	r->child_pid = BPF_CORE_READ(child, tgid);
	r->child_tid = BPF_CORE_READ(child, pid);
	bpf_ringbuf_submit(r, wake_flags(cfg));
	count_result(0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vg_proc_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, true, bprm);
}

SEC("?raw_tp/sched_process_exec")
int BPF_PROG(vg_proc_exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(p, false, bprm);
}

/* Newer kernels add a "bool group_dead" argument; only the task is used. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(vg_proc_exit, struct task_struct *p)
{
	return on_exit(p, true);
}

SEC("?raw_tp/sched_process_exit")
int BPF_PROG(vg_proc_exit_raw, struct task_struct *p)
{
	return on_exit(p, false);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vg_proc_fork, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, true, child);
}

SEC("?raw_tp/sched_process_fork")
int BPF_PROG(vg_proc_fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(parent, false, child);
}
