// SPDX-License-Identifier: MIT OR GPL-2.0-only
/*
 * palisade's system-call sensor.
 *
 * Every event leaves the kernel already encoded as a scap event (the format of sysdig and Falco
 * captures): the 26-byte header (ts, tid, len, type, nparams), one u16 length per parameter,
 * then the parameters, with the parameter types of the event table in palisade-event. User
 * space hands the events to the same reader, Inspector and rules as a replayed capture.
 *
 * Which system calls become which events, and how each parameter is read, is not written here
 * once per system call: user space fills the `specs` map from the event table (one entry per
 * system call and direction: the event type and an opcode per parameter), and `interest` says
 * which event types anybody consumes, so nothing else is even encoded. Process creation, exec
 * and exit, whose parameters come from the task rather than the registers, are written by hand.
 *
 * Attach points (what works on our kernels, see the README): tp_btf/sys_enter,
 * tp_btf/sys_exit, tp_btf/sched_process_exit.
 */
#include "vmlinux_min.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

#define HDR_LEN 26
#define MAX_PARAMS 8
/* An event is at most HALF bytes; the scratch buffer is twice that, so a write of up to HALF
 * bytes at an offset masked to HALF - 1 always stays inside it (what the verifier checks). */
#define HALF 16384
#define MASK (HALF - 1)
#define MAX_STR 4096
#define MAX_ARGS 4096
#define MAX_ENV 2048
#define SNAPLEN 80
#define CGROUP_DEPTH 16
#define CGROUP_SUBSYS 12

/* Event types written by hand (the rest come from `specs`). */
#define PPME_PROCEXIT_1_E 186
#define PPME_CLONE_20_X 223
#define PPME_FORK_20_X 225
#define PPME_VFORK_20_X 227
#define PPME_EXECVE_19_X 293
#define PPME_EXECVEAT_X 331
#define PPME_CLONE3_X 335

/* Parameter opcodes; the same numbers are in src/spec.rs. */
enum op {
	OP_NONE = 0,
	OP_RES = 1,          /* the return value, 8 bytes */
	OP_ARG_I64 = 2,      /* argument a, 8 bytes */
	OP_ARG_S32 = 3,      /* argument a as int, sign-extended to 8 bytes (fds, pids) */
	OP_ARG_U32 = 4,      /* argument a, 4 bytes */
	OP_ARG_STR = 5,      /* NUL-terminated user string at argument a */
	OP_OPEN_FLAGS = 6,   /* argument a: O_* flags as PPM_O_* (4 bytes) */
	OP_CLONE_FLAGS = 7,  /* argument a: CLONE_* flags as PPM_CL_* (4 bytes) */
	OP_EMPTY = 8,        /* an empty parameter */
	OP_RES_DEV = 9,      /* device of the file the returned fd refers to (4 bytes) */
	OP_RES_INO = 10,     /* inode of the file the returned fd refers to (8 bytes) */
	OP_TUPLE_ARG = 11,   /* socket tuple of the fd in argument a */
	OP_TUPLE_RES = 12,   /* socket tuple of the returned fd */
	OP_SOCKADDR = 13,    /* user sockaddr at argument a, length in argument b */
	OP_RES_DATA = 14,    /* the first SNAPLEN bytes of the user buffer at argument a, res long */
	OP_ZERO_U8 = 15,     /* 1 byte 0 */
	OP_ZERO_U32 = 16,    /* 4 bytes 0 */
	OP_PTRACE_REQ = 17,  /* argument a: ptrace request as PPM_PTRACE_* (2 bytes) */
	OP_USER_S32 = 18,    /* the int at index b of the user int array at argument a (8 bytes) */
	OP_ARG_U16 = 19,     /* argument a, 2 bytes */
	OP_OPENAT2_HOW = 20, /* struct open_how at argument a: field b (0 flags, 1 mode, 2 resolve) */
	OP_ARG_DATA = 21,    /* the first SNAPLEN bytes of the user buffer at argument a, argument b long */
	OP_ZERO_U64 = 22,    /* 8 bytes 0 */
	OP_ARG_U8 = 23,      /* argument a, 1 byte */
};

struct spec {
	u16 evt;
	u8 nparams;
	u8 pad;
	u8 op[MAX_PARAMS];
	u8 a[MAX_PARAMS];
	u8 b[MAX_PARAMS];
};

struct scratch {
	u8 buf[2 * HALF];
	/* Name pointers of one cgroup path, leaf first. */
	u64 names[CGROUP_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024 * 1024);
} events SEC(".maps");

/* One scratch buffer per CPU (a per-CPU array cannot hold values this large); the loader
 * sets max_entries to the number of possible CPUs. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

/* Index = system call number * 2 + (1 for the exit). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, u32);
	__type(value, struct spec);
} specs SEC(".maps");

/* Index = event type; value 1 if a consumer wants it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, u32);
	__type(value, u8);
} interest SEC(".maps");

/* Per CPU: [0] events written, [1] events dropped (ring buffer full), [2] events cut short. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

/* Set by the loader: the boot time in ns since the epoch, and palisade's own process id. */
volatile const u64 boot_time = 0;
volatile const u32 self_tgid = 0;

struct ev {
	u32 off; /* where the next parameter's bytes go */
	u32 idx; /* the next parameter's number */
	u32 nparams;
};

/* The parameter writers below are global functions: the verifier checks each once, rather than
 * once for every parameter of every event (which exceeds its budget). A global function may
 * not receive the scratch buffer's pointer, so each looks it up again (a per-CPU array slot). */
#define GLOBAL __attribute__((noinline))

static __always_inline void count(u32 which)
{
	u64 *c = bpf_map_lookup_elem(&counters, &which);
	if (c)
		*c += 1;
}

static __always_inline bool wanted(u32 evt)
{
	u8 *w = bpf_map_lookup_elem(&interest, &evt);
	return w && *w;
}

static __always_inline struct scratch *scratch_buf(void)
{
	u32 cpu = bpf_get_smp_processor_id();
	return bpf_map_lookup_elem(&scratch, &cpu);
}

/* An offset the verifier can see is inside the scratch buffer. The compiler knows offsets are
 * already checked against HALF and would drop a plain mask; the barrier keeps it. */
static __always_inline u32 masked(u32 off)
{
	barrier_var(off);
	return off & MASK;
}

GLOBAL int ev_begin(struct ev *e, u16 type, u32 nparams, u32 tid)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (nparams > 32)
		nparams = 32;
	e->nparams = nparams;
	e->idx = 0;
	e->off = HDR_LEN + 2 * nparams;
	u64 ts = bpf_ktime_get_boot_ns() + boot_time;
	u64 tid64 = tid;
	__builtin_memcpy(s->buf, &ts, 8);
	__builtin_memcpy(s->buf + 8, &tid64, 8);
	__builtin_memcpy(s->buf + 20, &type, 2);
	__builtin_memcpy(s->buf + 22, &nparams, 4);
	return 0;
}

/* Ends the current parameter: len bytes were written at e->off. */
static __always_inline void set_len(struct scratch *s, struct ev *e, u16 len)
{
	u32 at = HDR_LEN + 2 * (e->idx & 31);
	__builtin_memcpy(s->buf + at, &len, 2);
	e->idx++;
	e->off += len;
}

GLOBAL int put_empty(struct ev *e)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	set_len(s, e, 0);
	return 0;
}

GLOBAL int put_u64(struct ev *e, u64 v)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (e->off + 8 > HALF) {
		count(2);
		set_len(s, e, 0);
		return 0;
	}
	__builtin_memcpy(s->buf + masked(e->off), &v, 8);
	set_len(s, e, 8);
	return 0;
}

GLOBAL int put_u32(struct ev *e, u32 v)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (e->off + 4 > HALF) {
		count(2);
		set_len(s, e, 0);
		return 0;
	}
	__builtin_memcpy(s->buf + masked(e->off), &v, 4);
	set_len(s, e, 4);
	return 0;
}

GLOBAL int put_u16(struct ev *e, u16 v)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (e->off + 2 > HALF) {
		count(2);
		set_len(s, e, 0);
		return 0;
	}
	__builtin_memcpy(s->buf + masked(e->off), &v, 2);
	set_len(s, e, 2);
	return 0;
}

GLOBAL int put_u8(struct ev *e, u8 v)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (e->off + 1 > HALF) {
		count(2);
		set_len(s, e, 0);
		return 0;
	}
	s->buf[masked(e->off)] = v;
	set_len(s, e, 1);
	return 0;
}

/* A NUL-terminated string from user (user != 0) or kernel memory, at most MAX_STR bytes. */
GLOBAL int put_str(struct ev *e, u64 src, u32 user)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (!src || e->off + MAX_STR > HALF) {
		if (src)
			count(2);
		set_len(s, e, 0);
		return 0;
	}
	long n = user ? bpf_probe_read_user_str(s->buf + masked(e->off), MAX_STR, (void *)src)
		      : bpf_probe_read_kernel_str(s->buf + masked(e->off), MAX_STR, (void *)src);
	set_len(s, e, n > 0 ? (u16)n : 0);
	return 0;
}

/* Raw user bytes at src, len of them but at most max (<= MAX_STR). */
GLOBAL int put_user_bytes(struct ev *e, u64 src, u64 len, u32 max)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (max > MAX_STR)
		max = MAX_STR;
	if (len > max)
		len = max;
	if (!src || len == 0 || e->off + MAX_STR > HALF) {
		set_len(s, e, 0);
		return 0;
	}
	barrier_var(len);
	len &= MAX_STR - 1;
	if (len == 0 || bpf_probe_read_user(s->buf + masked(e->off), len, (void *)src) != 0) {
		set_len(s, e, 0);
		return 0;
	}
	set_len(s, e, (u16)len);
	return 0;
}

/* A list of NUL-terminated strings in user memory [start, end) (argv, envp), at most max
 * (<= MAX_STR) bytes; a list cut short still ends with a NUL. */
GLOBAL int put_user_area(struct ev *e, u64 start, u64 end, u32 max)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	u64 len = end > start ? end - start : 0;
	if (max > MAX_STR)
		max = MAX_STR;
	if (len > max)
		len = max;
	if (len == 0 || e->off + MAX_STR > HALF) {
		set_len(s, e, 0);
		return 0;
	}
	barrier_var(len);
	len &= MAX_STR - 1;
	if (len == 0 || bpf_probe_read_user(s->buf + masked(e->off), len, (void *)start) != 0) {
		set_len(s, e, 0);
		return 0;
	}
	s->buf[masked(e->off + len - 1)] = 0;
	set_len(s, e, (u16)len);
	return 0;
}

static __always_inline u32 open_flags_to_scap(u32 flags)
{
	u32 r = 0;
	u32 acc = flags & 3;
	if (acc == 0)
		r |= 1 << 0; /* PPM_O_RDONLY */
	else if (acc == 1)
		r |= 1 << 1; /* PPM_O_WRONLY */
	else if (acc == 2)
		r |= 3; /* PPM_O_RDWR */
	if (flags & 0100)
		r |= 1 << 2; /* O_CREAT */
	if (flags & 02000)
		r |= 1 << 3; /* O_APPEND */
	if (flags & 010000)
		r |= 1 << 4; /* O_DSYNC */
	if (flags & 0200)
		r |= 1 << 5; /* O_EXCL */
	if (flags & 04000)
		r |= 1 << 6; /* O_NONBLOCK */
	if (flags & 04000000)
		r |= 1 << 7; /* O_SYNC */
	if (flags & 01000)
		r |= 1 << 8; /* O_TRUNC */
	if (flags & 040000)
		r |= 1 << 9; /* O_DIRECT */
	if (flags & 0200000)
		r |= 1 << 10; /* O_DIRECTORY */
	if (flags & 0100000)
		r |= 1 << 11; /* O_LARGEFILE */
	if (flags & 02000000)
		r |= 1 << 12; /* O_CLOEXEC */
	if ((flags & 020000000) != 0)
		r |= 1 << 13; /* O_TMPFILE */
	return r;
}

static __always_inline u32 clone_flags_to_scap(u64 flags)
{
	u32 r = 0;
	if (flags & 0x400) r |= 1 << 0;         /* CLONE_FILES */
	if (flags & 0x200) r |= 1 << 1;         /* CLONE_FS */
	if (flags & 0x80000000) r |= 1 << 2;    /* CLONE_IO */
	if (flags & 0x08000000) r |= 1 << 3;    /* CLONE_NEWIPC */
	if (flags & 0x40000000) r |= 1 << 4;    /* CLONE_NEWNET */
	if (flags & 0x00020000) r |= 1 << 5;    /* CLONE_NEWNS */
	if (flags & 0x20000000) r |= 1 << 6;    /* CLONE_NEWPID */
	if (flags & 0x04000000) r |= 1 << 7;    /* CLONE_NEWUTS */
	if (flags & 0x00008000) r |= 1 << 8;    /* CLONE_PARENT */
	if (flags & 0x00100000) r |= 1 << 9;    /* CLONE_PARENT_SETTID */
	if (flags & 0x00002000) r |= 1 << 10;   /* CLONE_PTRACE */
	if (flags & 0x00000800) r |= 1 << 11;   /* CLONE_SIGHAND */
	if (flags & 0x00040000) r |= 1 << 12;   /* CLONE_SYSVSEM */
	if (flags & 0x00010000) r |= 1 << 13;   /* CLONE_THREAD */
	if (flags & 0x00800000) r |= 1 << 14;   /* CLONE_UNTRACED */
	if (flags & 0x00000100) r |= 1 << 15;   /* CLONE_VM */
	if (flags & 0x10000000) r |= 1 << 20;   /* CLONE_NEWUSER */
	if (flags & 0x00200000) r |= 1 << 23;   /* CLONE_CHILD_CLEARTID */
	if (flags & 0x01000000) r |= 1 << 24;   /* CLONE_CHILD_SETTID */
	if (flags & 0x00080000) r |= 1 << 25;   /* CLONE_SETTLS */
	if (flags & 0x00004000) r |= 1 << 27;   /* CLONE_VFORK */
	if (flags & 0x02000000) r |= 1 << 28;   /* CLONE_NEWCGROUP */
	return r;
}

static __always_inline u16 ptrace_req_to_scap(u64 req)
{
	switch (req) {
	case 0: return 1;        /* TRACEME */
	case 1: return 2;        /* PEEKTEXT */
	case 2: return 3;        /* PEEKDATA */
	case 3: return 4;        /* PEEKUSR */
	case 4: return 5;        /* POKETEXT */
	case 5: return 6;        /* POKEDATA */
	case 6: return 7;        /* POKEUSR */
	case 7: return 8;        /* CONT */
	case 8: return 9;        /* KILL */
	case 9: return 10;       /* SINGLESTEP */
	case 16: return 11;      /* ATTACH */
	case 17: return 12;      /* DETACH */
	case 24: return 13;      /* SYSCALL */
	case 0x4200: return 14;  /* SETOPTIONS */
	case 0x4201: return 15;  /* GETEVENTMSG */
	case 0x4202: return 16;  /* GETSIGINFO */
	case 0x4203: return 17;  /* SETSIGINFO */
	case 0x4204: return 18;  /* GETREGSET */
	case 0x4205: return 19;  /* SETREGSET */
	case 0x4206: return 20;  /* SEIZE */
	case 0x4207: return 21;  /* INTERRUPT */
	case 0x4208: return 22;  /* LISTEN */
	case 0x4209: return 23;  /* PEEKSIGINFO */
	case 0x420a: return 24;  /* GETSIGMASK */
	case 0x420b: return 25;  /* SETSIGMASK */
	case 12: return 26;      /* GETREGS */
	case 13: return 27;      /* SETREGS */
	case 14: return 28;      /* GETFPREGS */
	case 15: return 29;      /* SETFPREGS */
	case 18: return 30;      /* GETFPXREGS */
	case 19: return 31;      /* SETFPXREGS */
	case 21: return 32;      /* OLDSETOPTIONS */
	case 25: return 33;      /* GET_THREAD_AREA */
	case 26: return 34;      /* SET_THREAD_AREA */
	case 30: return 35;      /* ARCH_PRCTL */
	case 31: return 36;      /* SYSEMU */
	case 32: return 37;      /* SYSEMU_SINGLESTEP */
	case 33: return 38;      /* SINGLEBLOCK */
	default: return 0;
	}
}

static __always_inline u64 arg_of(struct pt_regs *regs, u32 i)
{
	switch (i) {
	case 0: return BPF_CORE_READ(regs, di);
	case 1: return BPF_CORE_READ(regs, si);
	case 2: return BPF_CORE_READ(regs, dx);
	case 3: return BPF_CORE_READ(regs, r10);
	case 4: return BPF_CORE_READ(regs, r8);
	case 5: return BPF_CORE_READ(regs, r9);
	default: return 0;
	}
}

static __always_inline struct file *fd_file(struct task_struct *task, s64 fd)
{
	if (fd < 0)
		return 0;
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt)
		return 0;
	u32 max = BPF_CORE_READ(fdt, max_fds);
	if ((u64)fd >= max)
		return 0;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* The socket tuple of fd as scap writes it: family, then source address and port, then
 * destination address and port (ports in host order); unix sockets: family and two kernel
 * pointers and a path. */
GLOBAL int put_tuple(struct ev *e, s64 fd)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *f = fd_file(task, fd);
	struct socket *sock = f ? BPF_CORE_READ(f, private_data) : 0;
	struct sock *sk = sock ? BPF_CORE_READ(sock, sk) : 0;
	if (!sk || e->off + 64 > HALF) {
		set_len(s, e, 0);
		return 0;
	}
	u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	u8 *d = s->buf + masked(e->off);
	u16 lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	u16 dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == 2) {
		u32 saddr = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		u32 daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		d[0] = 2;
		__builtin_memcpy(d + 1, &saddr, 4);
		__builtin_memcpy(d + 5, &lport, 2);
		__builtin_memcpy(d + 7, &daddr, 4);
		__builtin_memcpy(d + 11, &dport, 2);
		set_len(s, e, 13);
	} else if (family == 10) {
		d[0] = 10;
		BPF_CORE_READ_INTO(d + 1, sk, __sk_common.skc_v6_rcv_saddr);
		__builtin_memcpy(d + 17, &lport, 2);
		BPF_CORE_READ_INTO(d + 19, sk, __sk_common.skc_v6_daddr);
		__builtin_memcpy(d + 35, &dport, 2);
		set_len(s, e, 37);
	} else if (family == 1) {
		u64 src = (u64)sk;
		u64 dst = 0;
		d[0] = 1;
		__builtin_memcpy(d + 1, &src, 8);
		__builtin_memcpy(d + 9, &dst, 8);
		d[17] = 0;
		set_len(s, e, 18);
	} else {
		d[0] = (u8)family;
		set_len(s, e, 1);
	}
	return 0;
}

/* A user sockaddr as scap writes it: family, then address and port (host order). */
GLOBAL int put_sockaddr(struct ev *e, u64 uaddr, u64 len)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	u8 raw[32] = {};
	if (!uaddr || len < 2 || e->off + 128 > HALF) {
		set_len(s, e, 0);
		return 0;
	}
	if (len > 28)
		len = 28;
	barrier_var(len);
	len &= 31;
	if (len == 0 || bpf_probe_read_user(raw, len, (void *)uaddr) != 0) {
		set_len(s, e, 0);
		return 0;
	}
	u16 family = raw[0] | (raw[1] << 8);
	u8 *d = s->buf + masked(e->off);
	u16 port = (raw[2] << 8) | raw[3];
	if (family == 2) {
		d[0] = 2;
		__builtin_memcpy(d + 1, raw + 4, 4);
		__builtin_memcpy(d + 5, &port, 2);
		set_len(s, e, 7);
	} else if (family == 10) {
		d[0] = 10;
		__builtin_memcpy(d + 1, raw + 8, 16);
		__builtin_memcpy(d + 17, &port, 2);
		set_len(s, e, 19);
	} else if (family == 1) {
		d[0] = 1;
		long n = bpf_probe_read_user_str(d + 1, 108, (const u8 *)uaddr + 2);
		set_len(s, e, n > 0 ? 1 + n : 1);
	} else {
		d[0] = (u8)family;
		set_len(s, e, 1);
	}
	return 0;
}

/* One parameter of a generic event. */
static __always_inline void put_op(struct ev *e, struct task_struct *task, const u64 *args,
				   s64 res, u8 op, u8 a, u8 b)
{
	switch (op) {
	case OP_RES:
		put_u64(e, (u64)res);
		break;
	case OP_ARG_I64:
		put_u64(e, args[a & 7]);
		break;
	case OP_ARG_S32:
		put_u64(e, (u64)(s64)(s32)args[a & 7]);
		break;
	case OP_ARG_U32:
		put_u32(e, (u32)args[a & 7]);
		break;
	case OP_ARG_U16:
		put_u16(e, (u16)args[a & 7]);
		break;
	case OP_ARG_U8:
		put_u8(e, (u8)args[a & 7]);
		break;
	case OP_ARG_STR:
		put_str(e, args[a & 7], 1);
		break;
	case OP_OPEN_FLAGS: {
		u32 f = open_flags_to_scap((u32)args[a & 7]);
		if (res >= 0 && (args[a & 7] & 0100)) {
			struct file *file = fd_file(task, res);
			/* FMODE_CREATED */
			if (file && (BPF_CORE_READ(file, f_mode) & 0x100000))
				f |= 1 << 14;
		}
		put_u32(e, f);
		break;
	}
	case OP_CLONE_FLAGS:
		put_u32(e, clone_flags_to_scap(args[a & 7]));
		break;
	case OP_RES_DEV: {
		struct file *f = fd_file(task, res);
		put_u32(e, f ? BPF_CORE_READ(f, f_inode, i_sb, s_dev) : 0);
		break;
	}
	case OP_RES_INO: {
		struct file *f = fd_file(task, res);
		put_u64(e, f ? BPF_CORE_READ(f, f_inode, i_ino) : 0);
		break;
	}
	case OP_TUPLE_ARG:
		put_tuple(e, (s64)(s32)args[a & 7]);
		break;
	case OP_TUPLE_RES:
		put_tuple(e, res);
		break;
	case OP_SOCKADDR:
		put_sockaddr(e, args[a & 7], args[b & 7]);
		break;
	case OP_RES_DATA:
		put_user_bytes(e, args[a & 7], res > 0 ? (u64)res : 0, SNAPLEN);
		break;
	case OP_ARG_DATA:
		put_user_bytes(e, args[a & 7], args[b & 7], SNAPLEN);
		break;
	case OP_ZERO_U8:
		put_u8(e, 0);
		break;
	case OP_ZERO_U32:
		put_u32(e, 0);
		break;
	case OP_ZERO_U64:
		put_u64(e, 0);
		break;
	case OP_PTRACE_REQ:
		put_u16(e, ptrace_req_to_scap(args[a & 7]));
		break;
	case OP_USER_S32: {
		s32 v = -1;
		u64 arr = args[a & 7];
		if (res < 0 || !arr || bpf_probe_read_user(&v, 4, (void *)(arr + 4 * (b & 1))) != 0)
			v = -1;
		put_u64(e, (u64)(s64)v);
		break;
	}
	case OP_OPENAT2_HOW: {
		u64 how[3] = {};
		u64 p = args[a & 7];
		if (p)
			bpf_probe_read_user(how, sizeof(how), (void *)p);
		if (b == 0) {
			put_u32(e, open_flags_to_scap((u32)how[0]));
		} else if (b == 1) {
			put_u32(e, (u32)how[1]);
		} else {
			u64 r = how[2], t = 0;
			/* RESOLVE_* to PPM_RESOLVE_*. */
			if (r & 0x08) t |= 1 << 0; /* BENEATH */
			if (r & 0x10) t |= 1 << 1; /* IN_ROOT */
			if (r & 0x02) t |= 1 << 2; /* NO_MAGICLINKS */
			if (r & 0x04) t |= 1 << 3; /* NO_SYMLINKS */
			if (r & 0x01) t |= 1 << 4; /* NO_XDEV */
			if (r & 0x20) t |= 1 << 5; /* CACHED */
			put_u32(e, (u32)t);
		}
		break;
	}
	default:
		put_empty(e);
		break;
	}
}

/* Writes the length into the header and hands the event to the ring buffer. */
GLOBAL int submit(struct ev *e)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	u32 len = e->off;
	if (len > HALF)
		len = HALF;
	__builtin_memcpy(s->buf + 16, &len, 4);
	barrier_var(len);
	len &= 2 * HALF - 1;
	if (bpf_ringbuf_output(&events, s->buf, len, BPF_RB_NO_WAKEUP) != 0)
		count(1);
	else
		count(0);
	return 0;
}

static __always_inline bool ignored(struct task_struct *task)
{
	return self_tgid && (u32)BPF_CORE_READ(task, tgid) == self_tgid;
}

/* What one generic event's parameters are written from; the context of put_param. */
struct gen {
	u64 args[8];
	s64 res;
	struct ev e;
	u8 op[MAX_PARAMS];
	u8 a[MAX_PARAMS];
	u8 b[MAX_PARAMS];
};

/* One parameter of a generic event: a bpf_loop callback, so that the verifier checks the
 * encoder once rather than once per parameter position. */
static long put_param(u64 i, void *ctx)
{
	struct gen *g = ctx;
	if (i >= MAX_PARAMS)
		return 1;
	struct task_struct *task = bpf_get_current_task_btf();
	put_op(&g->e, task, g->args, g->res, g->op[i & (MAX_PARAMS - 1)],
	       g->a[i & (MAX_PARAMS - 1)], g->b[i & (MAX_PARAMS - 1)]);
	return 0;
}

static __always_inline int generic(struct pt_regs *regs, long id, s64 res, u32 dir)
{
	if (id < 0 || id >= 512)
		return 0;
	u32 key = (u32)id * 2 + dir;
	struct spec *sp = bpf_map_lookup_elem(&specs, &key);
	if (!sp || sp->evt == 0 || !wanted(sp->evt))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (ignored(task))
		return 0;
	struct gen g = {};
	u32 n = sp->nparams;
	if (n > MAX_PARAMS)
		n = MAX_PARAMS;
	for (u32 i = 0; i < 6; i++)
		g.args[i] = arg_of(regs, i);
	g.res = res;
	__builtin_memcpy(g.op, sp->op, MAX_PARAMS);
	__builtin_memcpy(g.a, sp->a, MAX_PARAMS);
	__builtin_memcpy(g.b, sp->b, MAX_PARAMS);
	ev_begin(&g.e, sp->evt, n, BPF_CORE_READ(task, pid));
	bpf_loop(n, put_param, &g, 0);
	submit(&g.e);
	return 0;
}

/* Writing the `cgroups` parameter: "subsys=/path" for each cgroup subsystem of the task,
 * NUL-separated. Each subsystem and each path segment is a bpf_loop callback. */
struct cg {
	struct css_set *cs;
	u32 off;
	u32 depth;
};

static long cg_segment(u64 j, void *ctx)
{
	struct cg *c = ctx;
	struct scratch *s = scratch_buf();
	if (!s || c->off + 256 > HALF)
		return 1;
	u32 k = c->depth - 1 - (u32)j;
	s->buf[masked(c->off)] = '/';
	c->off++;
	long n = bpf_probe_read_kernel_str(s->buf + masked(c->off), 200,
					   (const void *)s->names[k & (CGROUP_DEPTH - 1)]);
	if (n > 0)
		c->off += n - 1;
	return 0;
}

static long cg_subsys(u64 i, void *ctx)
{
	struct cg *c = ctx;
	struct scratch *s = scratch_buf();
	if (!s || i >= CGROUP_SUBSYS)
		return 1;
	struct cgroup_subsys_state *css = 0;
	bpf_probe_read_kernel(&css, sizeof(css), &c->cs->subsys[i]);
	if (!css)
		return 0;
	const char *ssname = BPF_CORE_READ(css, ss, name);
	struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
	if (!ssname || !kn)
		return 0;
	u32 depth = 0;
	for (u32 d = 0; d < CGROUP_DEPTH; d++) {
		struct kernfs_node *parent;
		if (bpf_core_field_exists(kn->__parent))
			parent = BPF_CORE_READ(kn, __parent);
		else
			parent = BPF_CORE_READ((struct kernfs_node___old *)kn, parent);
		if (!parent)
			break;
		s->names[d] = (u64)BPF_CORE_READ(kn, name);
		depth = d + 1;
		kn = parent;
	}
	if (c->off + 64 + 256 > HALF)
		return 1;
	long n = bpf_probe_read_kernel_str(s->buf + masked(c->off), 64, ssname);
	if (n <= 0)
		return 0;
	c->off += n - 1;
	s->buf[masked(c->off)] = '=';
	c->off++;
	if (depth == 0) {
		s->buf[masked(c->off)] = '/';
		c->off++;
	}
	c->depth = depth;
	bpf_loop(depth, cg_segment, c, 0);
	if (c->off + 1 > HALF)
		return 1;
	s->buf[masked(c->off)] = 0;
	c->off++;
	return 0;
}

GLOBAL int put_cgroups(struct ev *e)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct cg c = {
		.cs = BPF_CORE_READ(task, cgroups),
		.off = e->off,
	};
	if (!c.cs) {
		set_len(s, e, 0);
		return 0;
	}
	bpf_loop(CGROUP_SUBSYS, cg_subsys, &c, 0);
	set_len(s, e, (u16)(c.off - e->off));
	return 0;
}

static __always_inline u32 vnr(struct pid *p)
{
	if (!p)
		return 0;
	u32 level = BPF_CORE_READ(p, level);
	int nr = 0;
	u64 at = (u64)p + bpf_core_field_offset(struct pid, numbers) +
		 (u64)(level & 31) * bpf_core_type_size(struct upid);
	bpf_probe_read_kernel(&nr, sizeof(nr), (void *)at);
	return nr;
}

/* The task's command name (comm). */
GLOBAL int put_comm(struct ev *e)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	if (e->off + 16 > HALF) {
		set_len(s, e, 0);
		return 0;
	}
	char comm[16] = {};
	bpf_get_current_comm(comm, sizeof(comm));
	long n = bpf_probe_read_kernel_str(s->buf + masked(e->off), 16, comm);
	set_len(s, e, n > 0 ? (u16)n : 0);
	return 0;
}

/* exe (argv[0]) and args (the rest) from the task's argument area. */
GLOBAL int put_exe_args(struct ev *e)
{
	struct scratch *s = scratch_buf();
	if (!e || !s)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	u64 arg_start = mm ? BPF_CORE_READ(mm, arg_start) : 0;
	u64 arg_end = mm ? BPF_CORE_READ(mm, arg_end) : 0;
	long n = 0;
	if (arg_start && arg_end > arg_start && e->off + MAX_STR <= HALF)
		n = bpf_probe_read_user_str(s->buf + masked(e->off), MAX_STR, (void *)arg_start);
	if (n > 0) {
		set_len(s, e, (u16)n);
		put_user_area(e, arg_start + n, arg_end, MAX_ARGS);
	} else {
		put_comm(e);
		put_empty(e);
	}
	return 0;
}

/* The parameters execve and clone exits share: res to cwd, fdlimit to comm, and cgroups. */
static __always_inline void put_proc_common(struct ev *e, struct task_struct *task, s64 res)
{
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	put_u64(e, (u64)res);                                            /* res */
	put_exe_args(e);                                                 /* exe, args */
	put_u64(e, (u64)BPF_CORE_READ(task, pid));                       /* tid */
	put_u64(e, (u64)BPF_CORE_READ(task, tgid));                      /* pid */
	put_u64(e, (u64)BPF_CORE_READ(task, real_parent, tgid));         /* ptid */
	put_empty(e);                                                    /* cwd: kept by the state */
	put_u64(e, BPF_CORE_READ(task, signal, rlim[7].rlim_cur));       /* fdlimit (RLIMIT_NOFILE) */
	put_u64(e, 0);                                                   /* pgft_maj */
	put_u64(e, 0);                                                   /* pgft_min */
	put_u32(e, mm ? (u32)(BPF_CORE_READ(mm, total_vm) * 4) : 0);     /* vm_size (KiB) */
	put_u32(e, 0);                                                   /* vm_rss */
	put_u32(e, 0);                                                   /* vm_swap */
	put_comm(e);                                                     /* comm */
	put_cgroups(e);                                                  /* cgroups */
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	return generic(regs, id, 0, 0);
}

static __always_inline int execve_exit(struct pt_regs *regs, long id, s64 res)
{
	u16 type = id == 322 ? PPME_EXECVEAT_X : PPME_EXECVE_19_X;
	if (!wanted(type))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (ignored(task))
		return 0;
	struct ev e = {};
	ev_begin(&e, type, 30, BPF_CORE_READ(task, pid));
	if (res != 0) {
		/* A failed exec: the registers still hold the arguments. */
		put_u64(&e, (u64)res);
		put_str(&e, arg_of(regs, id == 322 ? 1 : 0), 1);
		for (u32 i = 2; i < 30; i++)
			put_empty(&e);
		submit(&e);
		return 0;
	}
	put_proc_common(&e, task, res);
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	put_user_area(&e, BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end), MAX_ENV);
	put_u32(&e, 0);                                                  /* tty */
	put_u64(&e, 0);                                                  /* vpgid */
	put_u32(&e, (u32)BPF_CORE_READ(task, loginuid.val));             /* loginuid */
	put_u32(&e, 0);                                                  /* flags */
	const struct cred *cred = BPF_CORE_READ(task, cred);
	put_u64(&e, BPF_CORE_READ(cred, cap_inheritable.val));
	put_u64(&e, BPF_CORE_READ(cred, cap_permitted.val));
	put_u64(&e, BPF_CORE_READ(cred, cap_effective.val));
	struct file *exe = BPF_CORE_READ(mm, exe_file);
	put_u64(&e, exe ? BPF_CORE_READ(exe, f_inode, i_ino) : 0);        /* exe_ino */
	put_u64(&e, 0);                                                  /* exe_ino_ctime */
	put_u64(&e, 0);                                                  /* exe_ino_mtime */
	put_u32(&e, (u32)BPF_CORE_READ(cred, euid.val));                 /* uid */
	put_empty(&e);                                                   /* trusted_exepath */
	put_u64(&e, 0);                                                  /* pgid */
	put_u32(&e, (u32)BPF_CORE_READ(cred, egid.val));                 /* gid */
	submit(&e);
	return 0;
}

static __always_inline int clone_exit(struct pt_regs *regs, long id, s64 res)
{
	u16 type = id == 56 ? PPME_CLONE_20_X : id == 57 ? PPME_FORK_20_X
		 : id == 58 ? PPME_VFORK_20_X : PPME_CLONE3_X;
	if (!wanted(type))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (ignored(task))
		return 0;
	struct ev e = {};
	ev_begin(&e, type, 21, BPF_CORE_READ(task, pid));
	put_proc_common(&e, task, res);
	u64 flags = 0;
	if (id == 56) {
		flags = arg_of(regs, 0);
	} else if (id == 435) {
		u64 args = arg_of(regs, 0);
		if (args)
			bpf_probe_read_user(&flags, 8, (void *)args);
	} else if (id == 58) {
		flags = 0x4000 | 0x100; /* vfork: CLONE_VFORK | CLONE_VM */
	}
	u32 sflags = clone_flags_to_scap(flags);
	struct pid *tp = BPF_CORE_READ(task, thread_pid);
	if (tp && BPF_CORE_READ(tp, level) > 0)
		sflags |= 1 << 29; /* PPM_CL_CHILD_IN_PIDNS */
	put_u32(&e, sflags);
	const struct cred *cred = BPF_CORE_READ(task, cred);
	put_u32(&e, (u32)BPF_CORE_READ(cred, euid.val));
	put_u32(&e, (u32)BPF_CORE_READ(cred, egid.val));
	put_u64(&e, vnr(tp));                                            /* vtid */
	put_u64(&e, vnr(BPF_CORE_READ(task, group_leader, thread_pid))); /* vpid */
	put_u64(&e, 0);                                                  /* pidns_init_start_ts */
	submit(&e);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	long id = (long)BPF_CORE_READ(regs, orig_ax);
	switch (id) {
	case 59:  /* execve */
	case 322: /* execveat */
		return execve_exit(regs, id, ret);
	case 56:  /* clone */
	case 57:  /* fork */
	case 58:  /* vfork */
	case 435: /* clone3 */
		return clone_exit(regs, id, ret);
	default:
		return generic(regs, id, ret, 1);
	}
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p)
{
	if (!wanted(PPME_PROCEXIT_1_E))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	if (ignored(task))
		return 0;
	struct ev e = {};
	ev_begin(&e, PPME_PROCEXIT_1_E, 5, BPF_CORE_READ(task, pid));
	s64 code = BPF_CORE_READ(task, exit_code);
	put_u64(&e, (u64)code);                 /* status */
	put_u64(&e, (u64)((code >> 8) & 0xff)); /* ret */
	put_u8(&e, (u8)(code & 0x7f));          /* sig */
	put_u8(&e, (code & 0x80) ? 1 : 0);      /* core */
	put_u64(&e, 0);                         /* reaper_tid */
	submit(&e);
	return 0;
}
