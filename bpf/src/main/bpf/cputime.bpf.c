// SPDX-License-Identifier: GPL-2.0
/*
 * CPU time: the kernel's own account of who ran on each CPU, for exact CPU% per application.
 * On every context switch the task leaving the CPU is charged the time since it came on (or
 * since the last flush), under (process, CPU, cgroup id, comm). Short-lived processes are
 * charged at each of their switch-outs, the last one included.
 *
 * A task that never leaves the CPU (a busy loop) would be charged only when it does. So at each
 * slice cut the agent runs cpu_time_flush on every CPU (BPF_PROG_TEST_RUN with
 * BPF_F_TEST_RUN_ON_CPU: an IPI, with the running task as current), which charges the running
 * task up to now. Time is split at the cut: the part before it goes to the slot that was active
 * when the stretch began (the one being drained), the rest to the new slot. Once every CPU has
 * been flushed after the flip, nothing adds to the old slot any more and the agent drains it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "profiler.h"
#include "sampler_common.bpf.h"

const volatile struct cputime_config cputime_config = {};

/* Which slot the programs write to, and since when. The agent flips it at each slice cut. */
volatile struct cputime_slice slice;

COUNT_MAP(counts_0, struct cputime_key, __u64);
COUNT_MAP(counts_1, struct cputime_key, __u64);

/* Since when each CPU's current task has not been charged. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cputime_cpu);
} running SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (SLOT_COUNT * CPUTIME_COUNTER_COUNT));
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void add_to_counter(__u32 slot, __u32 counter, __u64 amount)
{
	__u32 index = slot * CPUTIME_COUNTER_COUNT + counter;
	__u64 *value = bpf_map_lookup_elem(&counters, &index);

	if (value)
		*value += amount; /* per-CPU: no other writer */
}

static __always_inline void add_time(struct cputime_key *key, __u32 slot, __u64 nanos)
{
	void *counts = slot == 0 ? (void *)&counts_0 : (void *)&counts_1;
	__u64 *value;

	if (nanos == 0)
		return;
	value = bpf_map_lookup_elem(counts, key);
	if (!value) {
		long err = bpf_map_update_elem(counts, key, &nanos, BPF_NOEXIST);

		if (err == 0) {
			add_to_counter(slot, CPUTIME_COUNTER_CHARGES, 1);
			return;
		}
		if (err == -EEXIST)
			value = bpf_map_lookup_elem(counts, key);
	}
	if (!value) {
		add_to_counter(slot, CPUTIME_COUNTER_LOST_MAP_FULL, 1);
		add_to_counter(slot, CPUTIME_COUNTER_LOST_NS, nanos);
		return;
	}
	__sync_fetch_and_add(value, nanos);
	add_to_counter(slot, CPUTIME_COUNTER_CHARGES, 1);
}

/*
 * Charges the current task (the one leaving the CPU, or the one a flush interrupted) its time
 * since this CPU's since_ns, and starts the next stretch at now. Runs with interrupts off on its
 * own CPU (sched_switch holds the run queue lock; the flush is an IPI), so the per-CPU state has
 * one writer at a time.
 */
static __always_inline void charge_current(__u64 now)
{
	/* The slot is read before the cut time: the agent writes the cut time first, then flips. */
	__u32 slot = slice.active_slot & 1;
	__u64 cut_ns = slice.cut_ns;
	__u32 zero = 0;
	struct cputime_cpu *cpu_state = bpf_map_lookup_elem(&running, &zero);
	struct cputime_key key = {};
	__u64 since;
	__u32 since_slot;
	__u64 pid_tgid;

	if (!cpu_state)
		return;
	since = cpu_state->since_ns;
	since_slot = cpu_state->slot & 1;
	cpu_state->since_ns = now;
	cpu_state->slot = slot;
	if (since == 0 || now <= since)
		return; /* the first event on this CPU: when the task came on is unknown */
	pid_tgid = bpf_get_current_pid_tgid();
	if ((__u32)pid_tgid == 0)
		return; /* the idle task */
	key.cgroup_id = bpf_get_current_cgroup_id();
	if (cputime_config.filter_cgroups && !current_cgroup_allowed(key.cgroup_id)) {
		add_to_counter(slot, CPUTIME_COUNTER_FILTERED_OUT, 1);
		return;
	}
	key.tgid = pid_tgid >> 32;
	key.cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (since_slot != slot && since < cut_ns && cut_ns < now) {
		/* A cut came while this task ran: the part before it belongs to the slice that ended. */
		add_time(&key, since_slot, cut_ns - since);
		since = cut_ns;
	}
	add_time(&key, slot, now - since);
}

SEC("tp/sched/sched_switch")
int cpu_time_switch(void *ctx)
{
	charge_current(bpf_ktime_get_ns());
	return 0;
}

/* Run by the agent on each CPU at a cut (and once at start, to begin every CPU's first stretch). */
SEC("raw_tp")
int cpu_time_flush(void *ctx)
{
	charge_current(bpf_ktime_get_ns());
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
