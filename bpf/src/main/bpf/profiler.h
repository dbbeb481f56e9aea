/*
 * The contract between the kernel side (*.bpf.c) and the Java agent.
 *
 * Every constant the two sides share is defined here once. The build turns each
 * "#define NAME <integer>" line below into a Java constant (dev.ebpf.profiling.bpf.BpfContract),
 * so keep them as plain integer literals. Every struct below becomes a Java StructLayout
 * (dev.ebpf.profiling.bpf.BpfStructs, read from the BTF the compiler gives it), so no offset
 * is written twice; the agent checks them against the loaded maps' key and value sizes.
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

/* Key of the on-CPU count maps; the value is a __u64 sample count. The CPU is in the key so that
 * one sampler can serve several jobs and the agent can split its counts by each job's CPUs. */
struct sample_key {
	__u32 tgid;
	__s32 kernel_stack_id;
	__u64 cgroup_id;
	__s32 user_stack_id;
	__u32 cpu; /* the CPU the sample was taken on */
	char comm[TASK_COMM_LEN];
};

/* Read-only settings of the on-CPU program, fixed before load (.rodata holds only this). */
struct sampler_config {
	__u32 filter_cgroups; /* 1: count only tasks whose cgroup (or an ancestor) is allowed */
	__u32 reserved;
};

/* ======================================================================================
 * Off-CPU (bpf/offcpu.bpf.c on tp/sched/sched_switch). It reuses TASK_COMM_LEN,
 * MAX_STACK_DEPTH, SLOT_COUNT, COUNT_MAP_ENTRIES, STACK_MAP_ENTRIES, CGROUP_FILTER_ENTRIES,
 * MAX_CGROUP_DEPTH and NO_STACK_ID from above; everything below is off-CPU only.
 * ====================================================================================== */

/* Threads that can be off the CPU (switched out, not yet back) and tracked at once. */
#define OFFCPU_TASK_ENTRIES 65536
/* 64-bit words of the CPU filter bitmap in .rodata: CPUs 0 .. 64 x words - 1 can be selected. */
#define OFFCPU_CPU_MASK_WORDS 16
/* stack_slot value saying "the stack ids are the agent's own": a block that was still going on
 * at a slice cut, whose stacks the agent copied out before it emptied the slot's stack map. */
#define OFFCPU_STACKS_CARRIED 2

/* prev_state of sched_switch is the state as reported (TASK_REPORT bits), not task->__state:
 * a preempted task reports TASK_REPORT_MAX. A task that is exiting reports one of these. */
#define OFFCPU_STATE_EXIT_DEAD 16
#define OFFCPU_STATE_EXIT_ZOMBIE 32

/* Per-slot, per-CPU counters, at index slot * OFFCPU_COUNTER_COUNT + OFFCPU_COUNTER_x. */
#define OFFCPU_COUNTER_BLOCKS 0		    /* blocks of at least min_block_ns that ended */
#define OFFCPU_COUNTER_SHORT_BLOCKS 1	    /* blocks that ended before min_block_ns: dropped */
#define OFFCPU_COUNTER_FILTERED_OUT 2	    /* switch-outs of tasks outside the cgroup filter */
#define OFFCPU_COUNTER_LOST_MAP_FULL 3	    /* ended blocks lost: the count map was full */
#define OFFCPU_COUNTER_LOST_KERNEL_STACK 4  /* switch-outs whose kernel stack walk failed */
#define OFFCPU_COUNTER_LOST_USER_STACK 5    /* switch-outs whose user stack walk failed */
#define OFFCPU_COUNTER_LOST_TASK_MAP_FULL 6 /* switch-outs not tracked: the task map was full */
#define OFFCPU_COUNTER_COUNT 7

/* Key of the off-CPU count maps. */
struct offcpu_key {
	__u32 tgid;
	__s32 kernel_stack_id;
	__u64 cgroup_id;
	__s32 user_stack_id;
	__u32 stack_slot; /* the slot whose stack map holds the ids, or OFFCPU_STACKS_CARRIED */
	__s64 prev_state; /* as the tracepoint reports it */
	char comm[TASK_COMM_LEN];
};

/* Value of the off-CPU count maps. */
struct offcpu_value {
	__u64 blocked_ns; /* off-CPU time counted in this slot */
	__u64 blocks;	  /* blocks that ended (the task switched back in) in this slot */
};

/* One thread that is off the CPU, keyed by its thread id in the task map. */
struct offcpu_task {
	__u64 start_ns;	    /* switch-out time, bpf_ktime_get_ns (CLOCK_MONOTONIC) */
	__u64 accounted_ns; /* time before this was already reported by the agent at a cut */
	__u64 cgroup_id;
	__s64 prev_state;
	__u32 tgid;
	__s32 kernel_stack_id;
	__s32 user_stack_id;
	__u32 stack_slot;
	char comm[TASK_COMM_LEN];
};

/* The off-CPU program's slice state (.bss holds only this). The agent writes cut_ns, then flips
 * active_slot, each in one aligned store, so a program that sees the new slot sees its cut time. */
struct offcpu_slice {
	__u32 active_slot; /* which slot the program writes to */
	__u32 reserved;
	__u64 cut_ns; /* when active_slot took over, bpf_ktime_get_ns (CLOCK_MONOTONIC) */
};

/* Read-only settings of the off-CPU program, fixed before load (.rodata holds only this). */
struct offcpu_config {
	__u64 min_block_ns;   /* shorter blocks are dropped in the kernel */
	__u32 filter_cgroups; /* 1: track only tasks whose cgroup (or an ancestor) is allowed */
	__u32 filter_cpus;    /* 1: track only switch-outs on the CPUs set in cpu_mask */
	__u64 cpu_mask[OFFCPU_CPU_MASK_WORDS];
};

#endif /* PROFILER_H */
