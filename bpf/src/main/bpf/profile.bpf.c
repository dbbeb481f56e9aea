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

/* Read by dwarf_unwind.bpf.h too: defined before it. */
const volatile struct sampler_config sampler_config = {};

#include "dwarf_unwind.bpf.h"

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
 * The user stack's id in user_stacks: unwound with the tables in UNWIND_MODE_DWARF, else (or while
 * the process's tables are not loaded yet) by frame pointers.
 */
static __always_inline __s32 user_stack(struct bpf_perf_event_data *ctx, __u32 tgid, void *stacks,
					void *user_stacks, __u32 slot)
{
	bool lost;

	if (sampler_config.unwind_mode == UNWIND_MODE_DWARF) {
		bool unwound;
		__s32 id = unwind_user_stack(ctx, tgid, user_stacks, &unwound);

		if (unwound) {
			if (id == NO_STACK_ID)
				count_event(slot, COUNTER_LOST_USER_STACK);
			return id;
		}
	}
	if (sampler_config.bench_kernel_fp_walk)
		return stack_id(bpf_get_stackid(ctx, stacks, BPF_F_USER_STACK), &counters,
				slot * COUNTER_COUNT + COUNTER_LOST_USER_STACK);
	__s32 id = frame_pointer_user_stack(ctx, user_stacks, &lost);

	if (lost)
		count_event(slot, COUNTER_LOST_USER_STACK);
	return id;
}

/* Benchmark only: sampler_config.bench_reads reads of one user word (see profiler.h). */
static __always_inline void bench_user_reads(struct bpf_perf_event_data *ctx)
{
	struct user_unwind_state user = {};
	__u32 at = sampler_config.bench_read_at;
	__u64 word;

	if (!user_registers(ctx, &user))
		return;
	__u64 address = at == BENCH_READ_AT_UNMAPPED ? 16
			: at == BENCH_READ_AT_PC     ? user.pc
			: at == BENCH_READ_AT_BP     ? user.bp
						     : user.sp;
	__u64 step = at == BENCH_READ_AT_STACK_PAGES ? 4096 : 0;

	for (__u32 i = 0; i < BENCH_MAX_READS && i < sampler_config.bench_reads; i++) {
		if (bpf_probe_read_user(&word, sizeof(word), (void *)address) != 0)
			count_at(&unwind_counters, UNWIND_COUNTER_FAILED_READS);
		address += step;
	}
}

/* Benchmark only: whether the sample stops after this phase (see BENCH_STOP_*). */
static __always_inline bool bench_stop(__u32 phase)
{
	return sampler_config.bench_stop_after == phase;
}

SEC("perf_event")
int on_cpu_sample(struct bpf_perf_event_data *ctx)
{
	if (bench_stop(BENCH_STOP_AT_ENTRY))
		return 0;
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
	if (bench_stop(BENCH_STOP_AFTER_CGROUP))
		return 0;
	key.tgid = pid_tgid >> 32;
	key.cpu = bpf_get_smp_processor_id();
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	if (bench_stop(BENCH_STOP_AFTER_COMM))
		return 0;
	count_event(slot, COUNTER_SAMPLES);
	if (bench_stop(BENCH_STOP_AFTER_COUNTER))
		return 0;
	if (sampler_config.bench_reads) {
		bench_user_reads(ctx);
		return 0;
	}
	bool kernel = sampler_config.kernel_stack_in_user_mode || !sampled_in_user_mode(ctx);

	key.kernel_stack_id = NO_STACK_ID;
	if (slot == 0) {
		if (kernel)
			key.kernel_stack_id = stack_id(bpf_get_stackid(ctx, &stacks_0, 0),
						       &counters, COUNTER_LOST_KERNEL_STACK);
		if (bench_stop(BENCH_STOP_AFTER_KERNEL_STACK))
			return 0;
		key.user_stack_id = user_stack(ctx, key.tgid, &stacks_0, &user_stacks_0, 0);
		if (bench_stop(BENCH_STOP_AFTER_USER_STACK) ||
		    bench_stop(BENCH_STOP_BEFORE_STACK_STORE))
			return 0;
		add_sample(&counts_0, &key, 0);
	} else {
		if (kernel)
			key.kernel_stack_id =
				stack_id(bpf_get_stackid(ctx, &stacks_1, 0), &counters,
					 COUNTER_COUNT + COUNTER_LOST_KERNEL_STACK);
		if (bench_stop(BENCH_STOP_AFTER_KERNEL_STACK))
			return 0;
		key.user_stack_id = user_stack(ctx, key.tgid, &stacks_1, &user_stacks_1, 1);
		if (bench_stop(BENCH_STOP_AFTER_USER_STACK) ||
		    bench_stop(BENCH_STOP_BEFORE_STACK_STORE))
			return 0;
		add_sample(&counts_1, &key, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
