// SPDX-License-Identifier: GPL-2.0
/*
 * Net-rx profiler: the two stages of receiving, counted in the kernel per slice.
 *
 * 1. Queue delay. sock:sk_data_ready (softirq, or the socket owner's release_sock) stamps a TCP
 *    or UDP socket with the time its oldest unread data became ready; sock:sock_recv_length (the
 *    reader's recvmsg returning) measures from that stamp to the read that consumed the data,
 *    and counts it under the reading process, cgroup and CPU: packets, bytes, a log2 histogram
 *    and the maximum. Per socket the longest wait is kept with the reader thread and how that thread
 *    spent the time since its previous read (on a CPU, runnable, or blocked), which the agent
 *    correlates with the on-CPU and off-CPU profiles of the slice.
 * 2. Softirq time. irq:softirq_entry/exit time NET_RX and NET_TX per CPU, under the task they
 *    interrupted; napi:napi_poll counts polls and the packets they brought in per CPU.
 *
 * Nothing is sent to user space per packet; the agent drains the slot that went quiet at a cut.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "profiler.h"
#include "sampler_common.bpf.h"

#define BITS_PER_WORD 64
#define MSG_PEEK 2
#define TCP_LISTEN 10
#define NSEC_PER_USEC 1000

const volatile struct netrx_config netrx_config = {};

/* Which slot the programs write to. The agent flips it at each slice cut. */
volatile __u32 active_slot;

/* sock:sock_recv_length as its format file has it (vmlinux.h of older kernels lacks the type). */
struct sock_recv_length_args {
	struct trace_entry ent;
	void *sk;
	__u16 family;
	__u16 protocol;
	int ret;
	int flags;
};

#define APP_MAP(name)                                   \
	struct {                                        \
		__uint(type, BPF_MAP_TYPE_HASH);        \
		__uint(max_entries, NETRX_APP_ENTRIES); \
		__type(key, struct netrx_app_key);      \
		__type(value, struct netrx_app_value);  \
	} name SEC(".maps")

#define WORST_MAP(name)                                   \
	struct {                                          \
		__uint(type, BPF_MAP_TYPE_HASH);          \
		__uint(max_entries, NETRX_WORST_ENTRIES); \
		__type(key, struct netrx_socket_key);     \
		__type(value, struct netrx_worst);        \
	} name SEC(".maps")

#define SOFTIRQ_MAP(name)                                   \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_HASH);            \
		__uint(max_entries, NETRX_SOFTIRQ_ENTRIES); \
		__type(key, struct netrx_softirq_key);      \
		__type(value, struct netrx_softirq_value);  \
	} name SEC(".maps")

APP_MAP(apps_0);
APP_MAP(apps_1);
WORST_MAP(worst_0);
WORST_MAP(worst_1);
SOFTIRQ_MAP(softirqs_0);
SOFTIRQ_MAP(softirqs_1);

/* Sockets with unread data, by struct sock address. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NETRX_SOCKET_ENTRIES);
	__type(key, __u64);
	__type(value, struct netrx_ready);
} ready SEC(".maps");

/* Reader threads' last reads, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NETRX_READER_ENTRIES);
	__type(key, __u32);
	__type(value, struct netrx_reader);
} readers SEC(".maps");

/* The softirq under way on each CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct netrx_softirq_start);
} softirq_now SEC(".maps");

/* NAPI polls per CPU, one entry per slot. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLOT_COUNT);
	__type(key, __u32);
	__type(value, struct netrx_napi);
} napi SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (SLOT_COUNT * NETRX_COUNTER_COUNT));
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count_event(__u32 slot, __u32 counter)
{
	count_at(&counters, slot * NETRX_COUNTER_COUNT + counter);
}

static __always_inline bool cpu_selected(void)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__u32 word = cpu / BITS_PER_WORD;

	if (!netrx_config.filter_cpus)
		return true;
	if (word >= OFFCPU_CPU_MASK_WORDS)
		return false;
	return (netrx_config.cpu_mask[word] >> (cpu % BITS_PER_WORD)) & 1;
}

static __always_inline bool followed(__u16 family, __u16 protocol)
{
	return (family == NETRX_AF_INET || family == NETRX_AF_INET6) &&
	       (protocol == NETRX_PROTO_TCP || protocol == NETRX_PROTO_UDP);
}

/* The log2 bucket of a delay (see NETRX_DELAY_BUCKETS), without a loop. */
static __always_inline __u32 delay_bucket(__u64 delay_ns)
{
	__u64 v = delay_ns / NSEC_PER_USEC;
	__u32 r = 0, shift;

	if (v == 0)
		return 0;
	shift = (v > 0xFFFFFFFFULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFFFF) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	r += 1; /* floor(log2(us)) + 1 */
	return r < NETRX_DELAY_BUCKETS ? r : NETRX_DELAY_BUCKETS - 1;
}

/* Where a run of TCP data ends (rcv_nxt after it), or 1 datagram for UDP. */
static __always_inline __u32 run_mark(struct sock *sk, __u16 protocol)
{
	if (protocol == NETRX_PROTO_TCP)
		return BPF_CORE_READ((struct tcp_sock *)sk, rcv_nxt);
	return 1;
}

SEC("tp/sock/sk_data_ready")
int net_rx_data_ready(struct trace_event_raw_sk_data_ready *ctx)
{
	struct sock *sk = (struct sock *)ctx->skaddr;
	__u64 key = (__u64)ctx->skaddr;
	__u16 protocol = ctx->protocol;
	__u64 now = bpf_ktime_get_ns();
	__u64 addrpair;
	__u32 portpair, mark, index;
	struct netrx_ready *found;

	if (!followed(ctx->family, protocol))
		return 0;
	/* A listener is "ready" with a connection to accept, which no recvmsg consumes. */
	if (BPF_CORE_READ(sk, __sk_common.skc_state) == TCP_LISTEN)
		return 0;
	addrpair = BPF_CORE_READ(sk, __sk_common.skc_addrpair);
	portpair = BPF_CORE_READ(sk, __sk_common.skc_portpair);
	mark = run_mark(sk, protocol);
	found = bpf_map_lookup_elem(&ready, &key);
	if (!found || found->addrpair != addrpair || found->portpair != portpair) {
		/* The first data seen on this socket (or a new socket at a freed one's address). */
		struct netrx_ready fresh = {.tail = 1, .packets = 1};

		fresh.addrpair = addrpair;
		fresh.portpair = portpair;
		fresh.ready_ns[0] = now;
		fresh.mark[0] = mark;
		bpf_map_update_elem(&ready, &key, &fresh, BPF_ANY);
		return 0;
	}
	found->packets += 1;
	if (found->tail - found->head < NETRX_READY_RUNS) {
		index = found->tail & (NETRX_READY_RUNS - 1);
		found->ready_ns[index] = now;
		found->mark[index] = mark;
		found->tail += 1;
		return 0;
	}
	/* Full: the newest run takes this data too (its ready time stays that of its oldest part). */
	index = (found->tail - 1) & (NETRX_READY_RUNS - 1);
	if (protocol == NETRX_PROTO_TCP)
		found->mark[index] = mark;
	else
		found->mark[index] += 1;
	return 0;
}

/*
 * Takes off the runs a read consumed: TCP runs that end at or before copied_seq, or one UDP
 * datagram. Readers and sk_data_ready race only on a socket read on one CPU while data arrives
 * on another; a lost update misdates one run, it never blocks anything.
 */
static __always_inline void consume_runs(struct netrx_ready *runs, struct sock *sk, __u16 protocol)
{
	__u32 index;

	if (protocol != NETRX_PROTO_TCP) {
		if (runs->head == runs->tail)
			return;
		index = runs->head & (NETRX_READY_RUNS - 1);
		if (runs->mark[index] > 1)
			runs->mark[index] -= 1;
		else
			runs->head += 1;
		return;
	}
	__u32 copied = BPF_CORE_READ((struct tcp_sock *)sk, copied_seq);
	for (int i = 0; i < NETRX_READY_RUNS; i++) {
		if (runs->head == runs->tail)
			return;
		index = runs->head & (NETRX_READY_RUNS - 1);
		if ((__s32)(runs->mark[index] - copied) > 0)
			return; /* this run is still (partly) unread */
		runs->head += 1;
	}
}

/* The socket's addresses and ports, for the agent to name it. */
static __always_inline void read_addresses(struct sock *sk, struct netrx_worst *worst, __u16 family)
{
	worst->family = family;
	worst->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	worst->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == NETRX_AF_INET6) {
		BPF_CORE_READ_INTO(&worst->local_addr, sk,
				   __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&worst->remote_addr, sk,
				   __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		BPF_CORE_READ_INTO((__u32 *)worst->local_addr, sk, __sk_common.skc_rcv_saddr);
		BPF_CORE_READ_INTO((__u32 *)worst->remote_addr, sk, __sk_common.skc_daddr);
	}
}

/* How the reader spent the time since its previous read; remembers this read for the next. */
static __always_inline void reader_split(__u32 tid, __u64 now, struct netrx_worst *worst)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct netrx_reader current = {.read_ns = now};
	struct netrx_reader *previous;

	current.runtime_ns = BPF_CORE_READ(task, se.sum_exec_runtime);
	if (bpf_core_field_exists(task->sched_info))
		current.run_delay_ns = BPF_CORE_READ(task, sched_info.run_delay);
	previous = bpf_map_lookup_elem(&readers, &tid);
	if (previous && previous->read_ns < now) {
		worst->reader_gap_ns = now - previous->read_ns;
		worst->reader_runtime_ns = current.runtime_ns - previous->runtime_ns;
		worst->reader_run_delay_ns = current.run_delay_ns - previous->run_delay_ns;
	}
	bpf_map_update_elem(&readers, &tid, &current, BPF_ANY);
}

static __always_inline void add_read(void *apps, struct netrx_app_key *key, __u64 packets,
				     __u64 bytes, __u64 delay_ns, bool timed, __u32 slot)
{
	struct netrx_app_value *value = bpf_map_lookup_elem(apps, key);

	if (!value) {
		struct netrx_app_value zero = {};
		long err = bpf_map_update_elem(apps, key, &zero, BPF_NOEXIST);

		if (err == 0 || err == -EEXIST) /* -EEXIST: another CPU inserted it first */
			value = bpf_map_lookup_elem(apps, key);
	}
	if (!value) {
		count_event(slot, NETRX_COUNTER_LOST_APP_MAP_FULL);
		return;
	}
	__sync_fetch_and_add(&value->packets, packets);
	__sync_fetch_and_add(&value->bytes, bytes);
	if (!timed)
		return;
	__sync_fetch_and_add(&value->reads, 1);
	__sync_fetch_and_add(&value->delay_sum_ns, delay_ns);
	if (delay_ns > value->delay_max_ns)
		value->delay_max_ns =
			delay_ns; /* a racing larger one can be lost: max is a sample */
	__u32 bucket = delay_bucket(delay_ns);
	/* The verifier must see the bound where the index is used; keep the compiler from folding it. */
	barrier_var(bucket);
	if (bucket < NETRX_DELAY_BUCKETS)
		__sync_fetch_and_add(&value->delay_buckets[bucket], 1);
}

static __always_inline void keep_worst(void *worsts, struct netrx_socket_key *key, struct sock *sk,
				       __u16 family, __u16 protocol, __u64 delay_ns, __u64 bytes,
				       __u32 tid, __u64 now, __u32 slot)
{
	struct netrx_worst *value = bpf_map_lookup_elem(worsts, key);
	struct netrx_worst fresh = {};

	reader_split(tid, now, &fresh);
	if (value) {
		__sync_fetch_and_add(&value->reads, 1);
		__sync_fetch_and_add(&value->delay_sum_ns, delay_ns);
		__sync_fetch_and_add(&value->bytes, bytes);
		if (delay_ns <= value->wait_ns)
			return;
		/* One reader per socket at a time, in practice: a plain rewrite of the longest wait. */
		value->wait_ns = delay_ns;
		value->read_ns = now;
		value->tid = tid;
		value->reader_gap_ns = fresh.reader_gap_ns;
		value->reader_runtime_ns = fresh.reader_runtime_ns;
		value->reader_run_delay_ns = fresh.reader_run_delay_ns;
		return;
	}
	fresh.wait_ns = delay_ns;
	fresh.read_ns = now;
	fresh.reads = 1;
	fresh.delay_sum_ns = delay_ns;
	fresh.bytes = bytes;
	fresh.tid = tid;
	fresh.protocol = protocol;
	read_addresses(sk, &fresh, family);
	bpf_get_current_comm(&fresh.comm, sizeof(fresh.comm));
	if (bpf_map_update_elem(worsts, key, &fresh, BPF_NOEXIST) != 0)
		count_event(slot, NETRX_COUNTER_LOST_WORST_MAP_FULL);
}

SEC("tp/sock/sock_recv_length")
int net_rx_recv(struct sock_recv_length_args *ctx)
{
	__u32 slot = active_slot & 1;
	struct sock *sk = (struct sock *)ctx->sk;
	__u64 sk_key = (__u64)ctx->sk;
	__u16 family = ctx->family, protocol = ctx->protocol;
	int ret = ctx->ret;
	struct netrx_app_key key = {};
	struct netrx_ready *found;
	__u64 now, delay_ns = 0, packets = 0;
	bool timed = false;

	if (!followed(family, protocol) || (ctx->flags & MSG_PEEK) || ret < 0)
		return 0; /* a peek consumes nothing; an error (EAGAIN) leaves the data waiting */
	now = bpf_ktime_get_ns();
	found = bpf_map_lookup_elem(&ready, &sk_key);
	if (found && ret == 0 && protocol == NETRX_PROTO_TCP) {
		bpf_map_delete_elem(&ready, &sk_key); /* end of stream: nothing more to wait for */
		return 0;
	}
	if (found && found->head != found->tail) {
		__u64 oldest = found->ready_ns[found->head & (NETRX_READY_RUNS - 1)];

		delay_ns = now > oldest ? now - oldest : 0;
		timed = true;
		packets = found->packets;
		found->packets = 0;
		consume_runs(found, sk, protocol);
	}
	if (ret == 0)
		return 0; /* end of stream, or an empty datagram */
	if (!cpu_selected())
		return 0;
	key.cgroup_id = bpf_get_current_cgroup_id();
	if (netrx_config.filter_cgroups && !current_cgroup_allowed(key.cgroup_id)) {
		count_event(slot, NETRX_COUNTER_FILTERED_OUT);
		return 0;
	}
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	key.tgid = pid_tgid >> 32;
	key.cpu = bpf_get_smp_processor_id(); /* the reader's CPU: this runs in its recvmsg */
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	count_event(slot, timed ? NETRX_COUNTER_READS : NETRX_COUNTER_UNSTAMPED_READS);
	struct netrx_socket_key socket = {
		.sk = sk_key, .cgroup_id = key.cgroup_id, .tgid = key.tgid, .cpu = key.cpu};
	if (slot == 0) {
		add_read(&apps_0, &key, packets, ret, delay_ns, timed, 0);
		if (timed)
			keep_worst(&worst_0, &socket, sk, family, protocol, delay_ns, ret,
				   (__u32)pid_tgid, now, 0);
	} else {
		add_read(&apps_1, &key, packets, ret, delay_ns, timed, 1);
		if (timed)
			keep_worst(&worst_1, &socket, sk, family, protocol, delay_ns, ret,
				   (__u32)pid_tgid, now, 1);
	}
	return 0;
}

static __always_inline bool network_vector(__u32 vec)
{
	return vec == NETRX_VEC_NET_RX || vec == NETRX_VEC_NET_TX;
}

SEC("tp/irq/softirq_entry")
int net_rx_softirq_entry(struct trace_event_raw_softirq *ctx)
{
	__u32 zero = 0;
	struct netrx_softirq_start *start;

	if (!network_vector(ctx->vec) || !cpu_selected())
		return 0;
	start = bpf_map_lookup_elem(&softirq_now, &zero);
	if (!start)
		return 0;
	start->start_ns = bpf_ktime_get_ns();
	start->vec = ctx->vec;
	return 0;
}

static __always_inline void add_softirq(void *softirqs, struct netrx_softirq_key *key, __u64 nanos,
					__u32 slot)
{
	struct netrx_softirq_value *value = bpf_map_lookup_elem(softirqs, key);

	if (!value) {
		struct netrx_softirq_value first = {.time_ns = nanos, .runs = 1};
		long err = bpf_map_update_elem(softirqs, key, &first, BPF_NOEXIST);

		if (err == 0)
			return;
		if (err == -EEXIST)
			value = bpf_map_lookup_elem(softirqs, key);
	}
	if (!value) {
		count_event(slot, NETRX_COUNTER_LOST_SOFTIRQ_MAP_FULL);
		return;
	}
	/* Keys hold the CPU, and softirqs do not nest on a CPU: this CPU is the only writer. */
	value->time_ns += nanos;
	value->runs += 1;
}

SEC("tp/irq/softirq_exit")
int net_rx_softirq_exit(struct trace_event_raw_softirq *ctx)
{
	__u32 slot = active_slot & 1;
	__u32 zero = 0;
	struct netrx_softirq_start *start;
	struct netrx_softirq_key key = {};
	__u64 now, pid_tgid;

	if (!network_vector(ctx->vec))
		return 0;
	start = bpf_map_lookup_elem(&softirq_now, &zero);
	if (!start || start->start_ns == 0 || start->vec != ctx->vec)
		return 0;
	now = bpf_ktime_get_ns();
	__u64 nanos = now - start->start_ns;
	start->start_ns = 0;
	key.cpu = bpf_get_smp_processor_id();
	key.vec = ctx->vec;
	/* In softirq context "current" is the task the softirq interrupted (or ksoftirqd). */
	key.cgroup_id = bpf_get_current_cgroup_id();
	if (!netrx_config.filter_cgroups || current_cgroup_allowed(key.cgroup_id)) {
		pid_tgid = bpf_get_current_pid_tgid();
		key.tgid = pid_tgid >> 32;
		bpf_get_current_comm(&key.comm, sizeof(key.comm));
	} else {
		key.cgroup_id = 0; /* time still counts for the CPU, under no application */
	}
	if (slot == 0)
		add_softirq(&softirqs_0, &key, nanos, 0);
	else
		add_softirq(&softirqs_1, &key, nanos, 1);
	return 0;
}

SEC("tp/napi/napi_poll")
int net_rx_napi_poll(struct trace_event_raw_napi_poll *ctx)
{
	__u32 slot = active_slot & 1;
	struct netrx_napi *polls;

	if (!cpu_selected())
		return 0;
	polls = bpf_map_lookup_elem(&napi, &slot);
	if (!polls)
		return 0;
	polls->polls += 1; /* per-CPU */
	if (ctx->work > 0)
		polls->packets += ctx->work;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
