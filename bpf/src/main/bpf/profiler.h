/*
 * The contract between the kernel side (*.bpf.c) and the Java agent.
 *
 * Every constant the two sides share is defined here once. The build turns each
 * "#define NAME <integer>" line below into a Java constant (dev.ebpf.profiling.bpf.BpfContract),
 * so keep them as plain integer literals. Struct layouts are mirrored by hand in the agent's
 * layouts and checked against the loaded maps' key and value sizes at start-up.
 */
#ifndef PROFILER_H
#define PROFILER_H

/* Length of task->comm, including the terminating NUL. */
#define TASK_COMM_LEN 16
/* Frames kept per stack: the kernel's default perf_event_max_stack. */
#define MAX_STACK_DEPTH 127

/* Two buffers ("slots") per kind of data. The agent flips active_slot at each slice cut, waits
 * for in-flight programs to finish, then drains the slot that just went quiet. */
#define SLOT_COUNT 2
/* Distinct (process, cgroup, stacks) keys one slot can hold before samples are lost. */
#define COUNT_MAP_ENTRIES 65536
/* Distinct stacks one slot's stack-trace map can hold. */
#define STACK_MAP_ENTRIES 16384
/* Cgroup ids the in-kernel filter can allow. */
#define CGROUP_FILTER_ENTRIES 4096
/* Ancestor levels the filter checks, so that allowing a pod's cgroup admits its containers. */
#define MAX_CGROUP_DEPTH 16

/* Per-slot, per-CPU counters, at index slot * COUNTER_COUNT + COUNTER_x. */
#define COUNTER_SAMPLES 0
#define COUNTER_IDLE 1
#define COUNTER_FILTERED_OUT 2
#define COUNTER_LOST_MAP_FULL 3
#define COUNTER_LOST_KERNEL_STACK 4
#define COUNTER_LOST_USER_STACK 5
#define COUNTER_COUNT 6

/* A stack id slot that holds no stack (no kernel part, or no user part, or the walk failed). */
#define NO_STACK_ID -1

/* Key of the on-CPU count maps; the value is a __u64 sample count. */
struct sample_key {
	__u32 tgid;
	__s32 kernel_stack_id;
	__u64 cgroup_id;
	__s32 user_stack_id;
	__u32 reserved;
	char comm[TASK_COMM_LEN];
};

/* Read-only settings of the on-CPU program, fixed before load (.rodata holds only this). */
struct sampler_config {
	__u32 filter_cgroups;	/* 1: count only tasks whose cgroup (or an ancestor) is allowed */
	__u32 reserved;
};

#endif /* PROFILER_H */
