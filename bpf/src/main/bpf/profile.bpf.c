// SPDX-License-Identifier: GPL-2.0
/*
 * On-CPU sampler: runs on every perf event sample (cpu-cycles or cpu-clock) and counts the
 * sample in the kernel under (process, cgroup id, kernel stack id, user stack id, CPU, comm).
 * Nothing is sent to user space per sample; the agent drains the counts once per slice.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profiler.h"
#include "sampler_common.bpf.h"
#include "dwarf_unwind.bpf.h"

const volatile struct sampler_config sampler_config = {};

/* Which slot the programs write to. The agent flips it at each slice cut. */
volatile __u32 active_slot;

COUNT_MAP(counts_0, struct sample_key, __u64);
COUNT_MAP(counts_1, struct sample_key, __u64);
STACK_MAP(stacks_0);
STACK_MAP(stacks_1);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, (SLOT_COUNT * COUNTER_COUNT));
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count_event(__u32 slot, __u32 counter)
{
	count_at(&counters, slot * COUNTER_COUNT + counter);
}

static __always_inline void add_sample(void *counts, struct sample_key *key, __u32 slot)
{
	__u64 zero = 0;
	__u64 *value = lookup_or_init(counts, key, &zero);

	if (!value) {
		count_event(slot, COUNTER_LOST_MAP_FULL);
		return;
	}
	__sync_fetch_and_add(value, 1);
}

/*
 * The user stack's id: unwound with the tables in UNWIND_MODE_DWARF (an id in user_stacks), else
 * (or while the process's tables are not loaded yet) by frame pointers (an id in stacks).
 */
static __always_inline __s32 user_stack(struct bpf_perf_event_data *ctx, __u32 tgid, void *stacks,
					void *user_stacks, __u32 slot)
{
	__u32 lost = slot * COUNTER_COUNT + COUNTER_LOST_USER_STACK;

	if (sampler_config.unwind_mode == UNWIND_MODE_DWARF) {
		bool unwound;
		__s32 id = unwind_user_stack(ctx, tgid, user_stacks, &unwound);

		if (unwound) {
			if (id == NO_STACK_ID)
				count_event(slot, COUNTER_LOST_USER_STACK);
			return id;
		}
	}
	return stack_id(bpf_get_stackid(ctx, stacks, BPF_F_USER_STACK), &counters, lost);
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 slot = active_slot & 1;
	struct sample_key key = {};

	if ((__u32)pid_tgid == 0) { /* the idle task */
		count_event(slot, COUNTER_IDLE);
		return 0;
	}
	key.cgroup_id = bpf_get_current_cgroup_id();
	if (sampler_config.filter_cgroups && !current_cgroup_allowed(key.cgroup_id)) {
		count_event(slot, COUNTER_FILTERED_OUT);
		return 0;
	}
	key.tgid = pid_tgid >> 32;
	key.cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	count_event(slot, COUNTER_SAMPLES);
	bool kernel = sampler_config.kernel_stack_in_user_mode || !sampled_in_user_mode(ctx);

	key.kernel_stack_id = NO_STACK_ID;
	if (slot == 0) {
		if (kernel)
			key.kernel_stack_id = stack_id(bpf_get_stackid(ctx, &stacks_0, 0),
						       &counters, COUNTER_LOST_KERNEL_STACK);
		key.user_stack_id = user_stack(ctx, key.tgid, &stacks_0, &user_stacks_0, 0);
		add_sample(&counts_0, &key, 0);
	} else {
		if (kernel)
			key.kernel_stack_id =
				stack_id(bpf_get_stackid(ctx, &stacks_1, 0), &counters,
					 COUNTER_COUNT + COUNTER_LOST_KERNEL_STACK);
		key.user_stack_id = user_stack(ctx, key.tgid, &stacks_1, &user_stacks_1, 1);
		add_sample(&counts_1, &key, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
