// SPDX-License-Identifier: GPL-2.0
/*
 * Off-CPU sampler: on every context switch, remembers when and where (stacks, state) the task
 * leaving the CPU went off it, and when that task comes back, counts the time it was away in the
 * kernel under (process, cgroup id, kernel stack id, user stack id, state, comm, and the CPU it
 * went off: a job with a CPU list gets the time its tasks blocked on its CPUs). Nothing is sent
 * to user space per switch; the agent drains the counts once per slice.
 *
 * A block is counted in the slot active when the task switches back in. A block still going on
 * at a cut is not lost: the agent reports the part before the cut and moves the task's
 * accounted_ns to the cut, so the kernel later counts only the rest (see OffCpuSampler); one that
 * ends between the flip and that moment is split here, and noted in counted_from so that the agent
 * does not report its part before the cut as well.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "profiler.h"
#include "sampler_common.bpf.h"

#define BITS_PER_WORD 64

const volatile struct offcpu_config offcpu_config = {};

/* Which slot the program writes to, and since when. The agent flips it at each slice cut. */
volatile struct offcpu_slice slice;

COUNT_MAP(counts_0, struct offcpu_key, struct offcpu_value);
COUNT_MAP(counts_1, struct offcpu_key, struct offcpu_value);
STACK_MAP(stacks_0);
STACK_MAP(stacks_1);

/* Threads off the CPU right now, by thread id. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, OFFCPU_TASK_ENTRIES);
	__type(key, __u32);
	__type(value, struct offcpu_task);
} tasks SEC(".maps");

/*
 * Per thread, the accounted_ns its last ended block was counted from here. The agent carries a
 * block by taking the task's entry and putting back a new one; a program that copied the entry
 * just before may still count the block from the old accounted_ns, the part before the cut with
 * it, which the agent reported too. After its cut the agent looks here and drops its own report
 * of a block the kernel counted (see OffCpuSampler). Read within milliseconds, so an LRU map.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, OFFCPU_TASK_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} counted_from SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (SLOT_COUNT * OFFCPU_COUNTER_COUNT));
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count_event(__u32 slot, __u32 counter)
{
	count_at(&counters, slot * OFFCPU_COUNTER_COUNT + counter);
}

static __always_inline bool cpu_selected(__u32 cpu)
{
	__u32 word = cpu / BITS_PER_WORD;

	if (word >= OFFCPU_CPU_MASK_WORDS)
		return false;
	return (offcpu_config.cpu_mask[word] >> (cpu % BITS_PER_WORD)) & 1;
}

static __always_inline void switch_out(struct trace_event_raw_sched_switch *ctx, __u32 slot,
				       __u64 now)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = (__u32)pid_tgid;
	__s64 state = ctx->prev_state;
	struct offcpu_task task = {};

	if (state & (OFFCPU_STATE_EXIT_DEAD | OFFCPU_STATE_EXIT_ZOMBIE)) {
		/* Its last switch: it never comes back, so nothing to wait for. */
		bpf_map_delete_elem(&tasks, &pid);
		return;
	}
	__u32 cpu = bpf_get_smp_processor_id();

	if (offcpu_config.filter_cpus && !cpu_selected(cpu))
		return;
	task.cgroup_id = bpf_get_current_cgroup_id();
	if (offcpu_config.filter_cgroups && !current_cgroup_allowed(task.cgroup_id)) {
		count_event(slot, OFFCPU_COUNTER_FILTERED_OUT);
		return;
	}
	task.start_ns = now;
	task.accounted_ns = now;
	task.prev_state = state;
	task.tgid = pid_tgid >> 32;
	task.cpu = cpu;
	task.stack_slot = slot;
	bpf_get_current_comm(&task.comm, sizeof(task.comm));
	/* At switch-out the current task is the one leaving, so the stacks are its own. */
	__u32 counters_of_slot = slot * OFFCPU_COUNTER_COUNT;
	if (slot == 0) {
		task.kernel_stack_id =
			stack_id(bpf_get_stackid(ctx, &stacks_0, 0), &counters,
				 counters_of_slot + OFFCPU_COUNTER_LOST_KERNEL_STACK);
		task.user_stack_id =
			stack_id(bpf_get_stackid(ctx, &stacks_0, BPF_F_USER_STACK), &counters,
				 counters_of_slot + OFFCPU_COUNTER_LOST_USER_STACK);
	} else {
		task.kernel_stack_id =
			stack_id(bpf_get_stackid(ctx, &stacks_1, 0), &counters,
				 counters_of_slot + OFFCPU_COUNTER_LOST_KERNEL_STACK);
		task.user_stack_id =
			stack_id(bpf_get_stackid(ctx, &stacks_1, BPF_F_USER_STACK), &counters,
				 counters_of_slot + OFFCPU_COUNTER_LOST_USER_STACK);
	}
	if (bpf_map_update_elem(&tasks, &pid, &task, BPF_ANY) != 0)
		count_event(slot, OFFCPU_COUNTER_LOST_TASK_MAP_FULL);
}

/* Adds time (and ended blocks) under key; a full map is counted against the slot it was meant for. */
static __always_inline void add_time(void *counts, struct offcpu_key *key, __u64 nanos,
				     __u64 blocks, __u32 slot)
{
	struct offcpu_value zero = {};
	struct offcpu_value *value = lookup_or_init(counts, key, &zero);

	if (!value) {
		count_event(slot, OFFCPU_COUNTER_LOST_MAP_FULL);
		return;
	}
	__sync_fetch_and_add(&value->blocked_ns, nanos);
	if (blocks)
		__sync_fetch_and_add(&value->blocks, blocks);
}

/*
 * A block going on at the cut whose task the agent has not carried over this cut yet is split at
 * the cut: the part before goes to the previous slot, which the agent drains only after carrying
 * every such task over. "Not carried yet" is what the agent would report for it: time before the
 * cut not accounted yet (accounted_ns < cut_ns), in a block already min_block_ns long at the cut.
 * That holds for a task that left the CPU in the previous slot and for one carried at an earlier
 * cut alike; a task the agent carried this cut has accounted_ns at the cut, or a block too short at
 * it (counted whole where it ends, as the agent leaves it).
 */
static __always_inline void switch_in(__u32 pid, __u32 slot, __u64 cut_ns, __u64 now)
{
	struct offcpu_task *found = bpf_map_lookup_elem(&tasks, &pid);
	struct offcpu_key key = {};
	struct offcpu_task task;

	if (!found)
		return; /* not tracked: filtered out, or off the CPU since before the agent started */
	task = *found;
	bpf_map_delete_elem(&tasks, &pid);
	/* The threshold applies to the whole block, even when the agent reported part of it. */
	if (now < task.start_ns + offcpu_config.min_block_ns) {
		count_event(slot, OFFCPU_COUNTER_SHORT_BLOCKS);
		return;
	}
	if (now <= task.accounted_ns)
		return; /* a cut reported all of it a moment ago */
	bpf_map_update_elem(&counted_from, &pid, &task.accounted_ns, BPF_ANY);
	key.tgid = task.tgid;
	key.cgroup_id = task.cgroup_id;
	key.kernel_stack_id = task.kernel_stack_id;
	key.user_stack_id = task.user_stack_id;
	key.stack_slot = task.stack_slot;
	key.prev_state = task.prev_state;
	key.cpu = task.cpu;
	__builtin_memcpy(key.comm, task.comm, sizeof(key.comm));
	count_event(slot, OFFCPU_COUNTER_BLOCKS);
	if (task.accounted_ns < cut_ns && cut_ns - task.start_ns >= offcpu_config.min_block_ns) {
		__u64 before_cut = cut_ns - task.accounted_ns;

		if (slot == 0)
			add_time(&counts_1, &key, before_cut, 0, 1);
		else
			add_time(&counts_0, &key, before_cut, 0, 0);
		task.accounted_ns = cut_ns;
	}
	if (slot == 0)
		add_time(&counts_0, &key, now - task.accounted_ns, 1, 0);
	else
		add_time(&counts_1, &key, now - task.accounted_ns, 1, 1);
}

SEC("tp/sched/sched_switch")
int off_cpu_switch(struct trace_event_raw_sched_switch *ctx)
{
	/* The slot is read before the clock, so a task tagged with the new slot started after the
	 * agent's cut time (the agent reads its clock before flipping). The cut time is the active
	 * slot's own: until the flip, the old slot's, so nothing is split at a cut not in effect yet. */
	__u32 slot = slice.active_slot & 1;
	__u64 cut_ns = slice.cut_ns[slot];
	__u64 now = bpf_ktime_get_ns();
	__u32 next = ctx->next_pid;

	if (ctx->prev_pid != 0) /* pid 0 is the idle task */
		switch_out(ctx, slot, now);
	if (next != 0)
		switch_in(next, slot, cut_ns, now);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
