// SPDX-License-Identifier: GPL-2.0
/*
 * On-CPU sampler: runs on every perf event sample (cpu-cycles or cpu-clock) and counts the
 * sample in the kernel under (process, cgroup id, kernel stack id, user stack id, comm).
 * Nothing is sent to user space per sample; the agent drains the counts once per slice.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "profiler.h"

#define EFAULT 14
#define EEXIST 17

const volatile struct sampler_config sampler_config = {};

/* Which slot the programs write to. The agent flips it at each slice cut. */
volatile __u32 active_slot;

#define COUNT_MAP(name)                                         \
	struct {                                                \
		__uint(type, BPF_MAP_TYPE_HASH);                \
		__uint(max_entries, COUNT_MAP_ENTRIES);         \
		__type(key, struct sample_key);                 \
		__type(value, __u64);                           \
	} name SEC(".maps")

#define STACK_MAP(name)                                                 \
	struct {                                                        \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);                 \
		__uint(max_entries, STACK_MAP_ENTRIES);                 \
		__uint(key_size, sizeof(__u32));                        \
		__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64));    \
	} name SEC(".maps")

COUNT_MAP(counts_0);
COUNT_MAP(counts_1);
STACK_MAP(stacks_0);
STACK_MAP(stacks_1);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLOT_COUNT * COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CGROUP_FILTER_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} allowed_cgroups SEC(".maps");

static __always_inline void count_event(__u32 slot, __u32 counter)
{
	__u32 index = slot * COUNTER_COUNT + counter;
	__u64 *value = bpf_map_lookup_elem(&counters, &index);

	if (value)
		*value += 1; /* per-CPU: no other writer */
}

static __always_inline bool cgroup_allowed(__u64 cgroup_id)
{
	if (bpf_map_lookup_elem(&allowed_cgroups, &cgroup_id))
		return true;
	for (int level = 0; level < MAX_CGROUP_DEPTH; level++) {
		__u64 ancestor = bpf_get_current_ancestor_cgroup_id(level);

		if (ancestor == 0)
			break;
		if (bpf_map_lookup_elem(&allowed_cgroups, &ancestor))
			return true;
	}
	return false;
}

/* A stack id for the key: -EFAULT means "this sample has no such stack" (a kernel thread has no
 * user stack; a sample taken in user mode has no kernel stack) and is not a loss. */
static __always_inline __s32 stack_id(__s64 id, __u32 slot, __u32 lost_counter)
{
	if (id >= 0)
		return (__s32)id;
	if (id != -EFAULT)
		count_event(slot, lost_counter);
	return NO_STACK_ID;
}

static __always_inline void add_sample(void *counts, struct sample_key *key, __u32 slot)
{
	__u64 one = 1;
	__u64 *value = bpf_map_lookup_elem(counts, key);

	if (value) {
		__sync_fetch_and_add(value, 1);
		return;
	}
	long err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == 0)
		return;
	if (err == -EEXIST) { /* another CPU inserted the same key first */
		value = bpf_map_lookup_elem(counts, key);
		if (value) {
			__sync_fetch_and_add(value, 1);
			return;
		}
	}
	count_event(slot, COUNTER_LOST_MAP_FULL);
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
	if (sampler_config.filter_cgroups && !cgroup_allowed(key.cgroup_id)) {
		count_event(slot, COUNTER_FILTERED_OUT);
		return 0;
	}
	key.tgid = pid_tgid >> 32;
	bpf_get_current_comm(&key.comm, sizeof(key.comm));
	count_event(slot, COUNTER_SAMPLES);
	if (slot == 0) {
		key.kernel_stack_id = stack_id(bpf_get_stackid(ctx, &stacks_0, 0), 0, COUNTER_LOST_KERNEL_STACK);
		key.user_stack_id = stack_id(bpf_get_stackid(ctx, &stacks_0, BPF_F_USER_STACK), 0,
					     COUNTER_LOST_USER_STACK);
		add_sample(&counts_0, &key, 0);
	} else {
		key.kernel_stack_id = stack_id(bpf_get_stackid(ctx, &stacks_1, 0), 1, COUNTER_LOST_KERNEL_STACK);
		key.user_stack_id = stack_id(bpf_get_stackid(ctx, &stacks_1, BPF_F_USER_STACK), 1,
					     COUNTER_LOST_USER_STACK);
		add_sample(&counts_1, &key, 1);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
