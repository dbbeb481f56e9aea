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
	__u32 unwind_mode;    /* UNWIND_MODE_FRAME_POINTERS or UNWIND_MODE_DWARF (see the end) */
	/*
	 * 1: ask for the kernel stack even of a sample that interrupted user mode, which has none (the
	 * program did so before it checked): only UnwindBenchmark sets it, to measure the check.
	 */
	__u32 kernel_stack_in_user_mode;
	/*
	 * Benchmark only (UnwindBenchmark; 0 everywhere else): BENCH_STOP_* ends each sample after that
	 * phase, so that the time of each phase is the difference of two variants measured side by side.
	 * The verifier sees the value at load and drops the branches: no cost when 0.
	 */
	__u32 bench_stop_after;
	/* Benchmark only: reads of one user word per sample after the counters (then the program
	 * stops), at the address BENCH_READ_AT_* says. */
	__u32 bench_reads;
	__u32 bench_read_at;
	/* Benchmark only: 1 searches every frame's rule, as before the rule cache (dwarf_unwind.bpf.h). */
	__u32 bench_rule_cache_off;
	/* Benchmark only: 1 walks frame pointers with the kernel's bpf_get_stackid, as before the
	 * program's own bounded walk (profile.bpf.c). */
	__u32 bench_kernel_fp_walk;
};

/*
 * sampler_config.bench_stop_after: the last phase a sample runs (0: all of them). Each phase adds
 * to the one before: return at once (what bpf_stats itself costs); the pid and cgroup id (and
 * the filter); the CPU and comm; the samples counter; the kernel stack (of samples that
 * interrupted the kernel); the user stack, walked and stored (no count-map insert); in DWARF
 * mode, BENCH_STOP_BEFORE_STACK_STORE walks the user stack but neither stores it nor counts.
 */
#define BENCH_RUN_ALL 0
#define BENCH_STOP_AT_ENTRY 1
#define BENCH_STOP_AFTER_CGROUP 2
#define BENCH_STOP_AFTER_COMM 3
#define BENCH_STOP_AFTER_COUNTER 4
#define BENCH_STOP_AFTER_KERNEL_STACK 5
#define BENCH_STOP_AFTER_USER_STACK 6
#define BENCH_STOP_BEFORE_STACK_STORE 7
/*
 * sampler_config.bench_read_at: where the benchmark's reads go, from the user registers: rsp (the
 * top of the stack, mapped and just touched by the task); address 16 (the first page, never
 * mapped: vm.mmap_min_addr; every read faults); pc (the code being run); what rbp points to
 * (garbage in code built without frame pointers); rsp + i pages for read i (the stack above).
 */
#define BENCH_READ_AT_SP 0
#define BENCH_READ_AT_UNMAPPED 1
#define BENCH_READ_AT_PC 2
#define BENCH_READ_AT_BP 3
#define BENCH_READ_AT_STACK_PAGES 4
/* Most benchmark reads per sample. */
#define BENCH_MAX_READS 64

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

/* Key of the off-CPU count maps. The CPU is in the key so that one sampler can serve several
 * jobs and the agent can split the time by each job's CPUs, as for on-CPU samples. It is the CPU
 * the task went off (where it blocked), the same CPU the in-kernel CPU filter looks at; a task
 * blocking on several CPUs in one slice has a key per CPU, so the count map holds fewer distinct
 * stacks (a full map is counted in OFFCPU_COUNTER_LOST_MAP_FULL). */
struct offcpu_key {
	__u32 tgid;
	__s32 kernel_stack_id;
	__u64 cgroup_id;
	__s32 user_stack_id;
	__u32 stack_slot; /* the slot whose stack map holds the ids, or OFFCPU_STACKS_CARRIED */
	__s64 prev_state; /* as the tracepoint reports it */
	char comm[TASK_COMM_LEN];
	__u32 cpu;	/* the CPU the task was switched out on */
	__u32 reserved; /* zero: keeps the key free of padding, as hash keys compare every byte */
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
	__u32 cpu; /* the CPU it was switched out on */
	__u32 reserved;
};

/* The off-CPU program's slice state (.bss holds only this). The agent writes the next slot's
 * cut_ns, then flips active_slot, in two updates, so a program that sees a slot sees when it took
 * over, and one that still sees the old slot sees the old slot's cut time, never the new one. */
struct offcpu_slice {
	__u32 active_slot; /* which slot the program writes to */
	__u32 reserved;
	__u64 cut_ns
		[SLOT_COUNT]; /* when each slot last took over, bpf_ktime_get_ns (CLOCK_MONOTONIC) */
};

/* Read-only settings of the off-CPU program, fixed before load (.rodata holds only this). */
struct offcpu_config {
	__u64 min_block_ns;   /* shorter blocks are dropped in the kernel */
	__u32 filter_cgroups; /* 1: track only tasks whose cgroup (or an ancestor) is allowed */
	__u32 filter_cpus;    /* 1: track only switch-outs on the CPUs set in cpu_mask */
	__u64 cpu_mask[OFFCPU_CPU_MASK_WORDS];
};

/* ======================================================================================
 * CPU time (bpf/cputime.bpf.c on tp/sched/sched_switch, plus a flush program the agent runs on
 * each CPU at a slice cut). It reuses TASK_COMM_LEN, SLOT_COUNT and COUNT_MAP_ENTRIES and the
 * cgroup filter from above; everything below is CPU time only.
 * ====================================================================================== */

/* Per-slot, per-CPU counters, at index slot * CPUTIME_COUNTER_COUNT + CPUTIME_COUNTER_x. */
#define CPUTIME_COUNTER_CHARGES 0	/* stretches of running time added to the count map */
#define CPUTIME_COUNTER_FILTERED_OUT 1	/* stretches of tasks outside the cgroup filter */
#define CPUTIME_COUNTER_LOST_MAP_FULL 2 /* stretches lost: the count map was full */
#define CPUTIME_COUNTER_LOST_NS 3	/* nanoseconds of those lost stretches */
#define CPUTIME_COUNTER_COUNT 4

/* Key of the CPU time count maps; the value is a __u64 of nanoseconds on the CPU. The CPU is in
 * the key so that one program can serve several jobs, each with its own CPUs. */
struct cputime_key {
	__u32 tgid;
	__u32 cpu;
	__u64 cgroup_id;
	char comm[TASK_COMM_LEN]; /* the thread's, as sched_switch reports it */
};

/* What one CPU runs now (the per-CPU "running" map): since when its time is not yet counted. */
struct cputime_cpu {
	__u64 since_ns; /* bpf_ktime_get_ns of the last switch or flush; 0 before the first */
	__u32 slot;	/* the slot active at since_ns */
	__u32 reserved;
};

/* The CPU time program's slice state (.bss holds only this), written as offcpu_slice is. */
struct cputime_slice {
	__u32 active_slot;
	__u32 reserved;
	__u64 cut_ns;
};

/* Read-only settings of the CPU time programs, fixed before load (.rodata holds only this). */
struct cputime_config {
	__u32 filter_cgroups; /* 1: count only tasks whose cgroup (or an ancestor) is allowed */
	__u32 reserved;
};

/* ======================================================================================
 * DWARF unwinding of user stacks (profile.bpf.c with sampler_config.unwind_mode set to
 * UNWIND_MODE_DWARF). The agent turns each mapped file's .eh_frame/.debug_frame into rows,
 * loads them into unwind_rows once per file, and lists each sampled process's executable
 * mappings in unwind_processes. See docs/unwinding.md.
 * ====================================================================================== */

/* sampler_config.unwind_mode */
#define UNWIND_MODE_FRAME_POINTERS 0
#define UNWIND_MODE_DWARF 1

/* Rows of every loaded file's table, in one array (16 bytes each: 32 MiB). */
#define UNWIND_ROW_ENTRIES 2097152
/* Binary search steps over one file's rows: enough for 2^22 rows. */
#define UNWIND_ROW_SEARCH_STEPS 22
/* Processes whose mappings the unwinder knows at once. */
#define UNWIND_PROCESS_ENTRIES 2048
/* Executable mappings kept per process; the ones beyond unwind with frame pointers. */
#define UNWIND_MAX_MAPPINGS 128
/* Binary search steps over one process's mappings: log2(UNWIND_MAX_MAPPINGS) + 1. */
#define UNWIND_MAPPING_SEARCH_STEPS 8
/* The furthest rbp may point above sp for the frame-pointer walk to follow it (a frame's size). */
#define UNWIND_FP_MAX_FRAME_BYTES 1048576
/* rbp outside that window is still followed, this many times per stack, as a step to another
 * stack (Go's systemstack, a sigaltstack), after this many frames on the stack it leaves. */
#define UNWIND_FP_STACK_SWITCHES 2
#define UNWIND_FP_FRAMES_BEFORE_SWITCH 2
/* Processes sampled before their mappings were loaded, waiting for the agent. */
#define UNWIND_WANTED_ENTRIES 1024

/* How a row finds the canonical frame address (CFA); the return address is at CFA - 8. */
#define UNWIND_CFA_NONE 0 /* no rule the program can follow here: continue with frame pointers */
#define UNWIND_CFA_RSP 1  /* CFA = rsp + cfa_offset */
#define UNWIND_CFA_RBP 2  /* CFA = rbp + cfa_offset */
/* A PLT entry: CFA = rsp + cfa_offset, plus 8 once (rip & 15) >= rbp_offset (the push of its stub). */
#define UNWIND_CFA_PLT 3
#define UNWIND_CFA_END 4 /* the outermost frame (_start): the stack ends here */

/* Where the caller's rbp is. */
#define UNWIND_RBP_SAME 0   /* unchanged in this frame */
#define UNWIND_RBP_AT_CFA 1 /* saved at CFA + rbp_offset */

/* User stack ids of unwound stacks have this bit set: apart from the stack-trace map's ids. */
#define UNWIND_STACK_ID_BIT 1073741824
/* Ids tried after a hash collision before the stack is counted as lost. */
#define UNWIND_STACK_ID_PROBES 4

/* Per-CPU counters of the unwinder (not per slot: figures over the sampler's life). */
#define UNWIND_COUNTER_STACKS 0	      /* stacks unwound with the tables */
#define UNWIND_COUNTER_TABLE_FRAMES 1 /* frames found with a table row */
#define UNWIND_COUNTER_FP_FRAMES 2    /* frames found with frame pointers (no row: JIT, unknown) */
#define UNWIND_COUNTER_READ_FAILED 3  /* stacks cut short by a failed read of the stack */
#define UNWIND_COUNTER_NO_PROCESS 4   /* samples of processes not loaded yet: frame pointers only */
#define UNWIND_COUNTER_TRUNCATED 5    /* stacks longer than MAX_STACK_DEPTH */
#define UNWIND_COUNTER_FAILED_READS 6 /* failed reads of user memory (benchmark's too) */
#define UNWIND_COUNTER_RULE_CACHE_HITS 7 /* frames whose rule came from the per-CPU cache */
#define UNWIND_COUNTER_STACK_PAGES 8	 /* user stack pages each unwound stack spans, added up */
#define UNWIND_COUNTER_COUNT 9

/* One row of a file's unwind table, sorted by pc; it holds until the next row's pc. */
struct unwind_row {
	__u64 pc;	  /* link-time address (the file's virtual address) */
	__s32 cfa_offset; /* see UNWIND_CFA_* */
	__s16 rbp_offset; /* see UNWIND_RBP_* (UNWIND_CFA_PLT: the rip & 15 threshold) */
	__u8 cfa_type;	  /* UNWIND_CFA_* */
	__u8 rbp_type;	  /* UNWIND_RBP_* */
};

/* One executable mapping of a process, in unwind_mappings; a process's are sorted by start. */
struct unwind_mapping {
	__u64 start;	 /* first address */
	__u64 end;	 /* end address (exclusive) */
	__u64 bias;	 /* runtime address - link-time address */
	__u32 row_start; /* index of the file's first row in unwind_rows */
	__u32 row_count; /* 0: no table (frame pointers) */
};

/* Value of unwind_processes, keyed by tgid: where its mappings are in unwind_mappings (an array of
 * UNWIND_PROCESS_ENTRIES x UNWIND_MAX_MAPPINGS; each process has a block of its own). */
struct unwind_process {
	__u32 mapping_start; /* index of its first mapping */
	__u32 mapping_count;
	__u32 load; /* which of the agent's loads wrote it: never the same twice */
};

/* Value of the unwound user stack maps (user_stacks_0/1), keyed by a user stack id. */
struct unwound_stack {
	__u64 hash;		    /* of the pcs; tells a collision from the same stack */
	__u64 pcs[MAX_STACK_DEPTH]; /* innermost first, zero-padded */
};

/* ======================================================================================
 * Net-rx (bpf/netrx.bpf.c on sock:sk_data_ready, sock:sock_recv_length, irq:softirq_entry/exit
 * and napi:napi_poll). It reuses TASK_COMM_LEN, SLOT_COUNT, CGROUP_FILTER_ENTRIES,
 * MAX_CGROUP_DEPTH and OFFCPU_CPU_MASK_WORDS from above; everything below is net-rx only.
 * ====================================================================================== */

/* Log2 buckets of the queue delay, in microseconds: bucket 0 holds delays under 1 us, bucket b
 * (b >= 1) holds [2^(b-1), 2^b) us, and the last bucket also everything longer. */
#define NETRX_DELAY_BUCKETS 32
/* Sockets with data waiting to be read that are tracked at once (an LRU map: the least recently
 * stamped socket's wait is forgotten past this). */
#define NETRX_SOCKET_ENTRIES 16384
/* Runs of unread data one socket keeps a ready time for (a power of two); past this the newest
 * run grows, so a wait is never shorter than measured, only later data's may read longer. */
#define NETRX_READY_RUNS 16
/* (process, cgroup, CPU) keys one slot's application map can hold before reads are lost. */
#define NETRX_APP_ENTRIES 8192
/* (socket, process, cgroup, CPU) keys one slot's worst-wait map can hold before waits are lost. */
#define NETRX_WORST_ENTRIES 16384
/* Reader threads whose last read is remembered (LRU), to tell how a wait was spent. */
#define NETRX_READER_ENTRIES 65536
/* (CPU, softirq, interrupted process) keys one slot's softirq map can hold. */
#define NETRX_SOFTIRQ_ENTRIES 16384

/* Softirq vectors the program times (enum of include/linux/interrupt.h, as irq:softirq_entry has it). */
#define NETRX_VEC_NET_TX 2
#define NETRX_VEC_NET_RX 3

/* Address families and protocols the program follows (AF_INET, AF_INET6, IPPROTO_TCP, IPPROTO_UDP). */
#define NETRX_AF_INET 2
#define NETRX_AF_INET6 10
#define NETRX_PROTO_TCP 6
#define NETRX_PROTO_UDP 17

/* Per-slot, per-CPU counters, at index slot * NETRX_COUNTER_COUNT + NETRX_COUNTER_x: reads that
 * consumed data whose ready time was stamped; reads of data that became ready unseen (before the
 * start, or evicted); reads by tasks outside the cgroup filter; reads lost to a full application
 * map; waits not kept per socket (worst-wait map full); softirq runs lost (softirq map full). */
#define NETRX_COUNTER_READS 0
#define NETRX_COUNTER_UNSTAMPED_READS 1
#define NETRX_COUNTER_FILTERED_OUT 2
#define NETRX_COUNTER_LOST_APP_MAP_FULL 3
#define NETRX_COUNTER_LOST_WORST_MAP_FULL 4
#define NETRX_COUNTER_LOST_SOFTIRQ_MAP_FULL 5
#define NETRX_COUNTER_COUNT 6

/* Key of the per-application maps: the reading process, as the reader's context saw it, and the
 * CPU the read ran on (so that a job with a CPU list gets only the reads done on its CPUs). */
struct netrx_app_key {
	__u64 cgroup_id;
	__u32 tgid;
	__u32 cpu;
	char comm[TASK_COMM_LEN];
};

/* Value of the per-application maps. */
struct netrx_app_value {
	__u64 packets; /* sk_data_ready calls (skbs queued) consumed by the application's reads */
	__u64 bytes;   /* bytes its reads returned */
	__u64 reads;   /* reads that returned data with a known ready time */
	__u64 delay_sum_ns; /* queue delay summed over those reads */
	__u64 delay_max_ns;
	__u64 delay_buckets[NETRX_DELAY_BUCKETS];
};

/* A socket with unread data, keyed by its struct sock address: a FIFO of runs of data, each
 * with the time it became ready. A read's queue delay is measured from the oldest run it takes. */
struct netrx_ready {
	__u64 ready_ns[NETRX_READY_RUNS]; /* when each run became ready, bpf_ktime_get_ns */
	__u32 mark
		[NETRX_READY_RUNS]; /* TCP: rcv_nxt after the run (its end); UDP: datagrams in it */
	__u32 head;		    /* free-running indexes: runs head .. tail - 1 are unread */
	__u32 tail;
	__u64 packets;	/* sk_data_ready calls since the last read */
	__u64 addrpair; /* skc_addrpair and skc_portpair: a reused struct sock is not taken */
	__u32 portpair; /*   for the socket that was freed with unread data */
	__u32 reserved;
};

/* Key of the worst-wait maps. */
struct netrx_socket_key {
	__u64 sk; /* the struct sock address, only an identity */
	__u64 cgroup_id;
	__u32 tgid;
	__u32 cpu; /* the CPU the reads ran on */
};

/* Value of the worst-wait maps: the socket's longest wait in the slot and how the reader spent it. */
struct netrx_worst {
	__u64 wait_ns;	     /* the longest queue delay of one read */
	__u64 read_ns;	     /* when that read returned, bpf_ktime_get_ns */
	__u64 reader_gap_ns; /* from the reader thread's previous read to this one (0: unknown) */
	__u64 reader_runtime_ns;   /* of that gap, time the reader ran on a CPU */
	__u64 reader_run_delay_ns; /* of that gap, time it was runnable, waiting for a CPU */
	__u64 reads;		   /* reads of this socket by this process in the slot */
	__u64 delay_sum_ns;
	__u64 bytes;
	__u32 tid; /* the thread that read after the longest wait */
	__u16 family;
	__u16 protocol;
	__u16 local_port;  /* host order */
	__u16 remote_port; /* host order; 0 for an unconnected UDP socket */
	__u32 reserved;
	__u8 local_addr[16]; /* IPv4 in the first 4 bytes, network order */
	__u8 remote_addr[16];
	char comm[TASK_COMM_LEN];
};

/* A reader thread's last read, for the next wait's on/off-CPU split. */
struct netrx_reader {
	__u64 read_ns;
	__u64 runtime_ns;   /* task->se.sum_exec_runtime then */
	__u64 run_delay_ns; /* task->sched_info.run_delay then */
};

/* Key of the softirq maps: what ran, where, and whom it interrupted. */
struct netrx_softirq_key {
	__u64 cgroup_id; /* of the interrupted task; 0 when the cgroup filter leaves it out */
	__u32 tgid;	 /* 0 for the idle task, or one left out by the filter */
	__u32 cpu;
	__u32 vec;
	__u32 reserved;
	char comm[TASK_COMM_LEN];
};

/* Value of the softirq maps. */
struct netrx_softirq_value {
	__u64 time_ns;
	__u64 runs;
};

/* A softirq under way on a CPU (per-CPU scratch between entry and exit). */
struct netrx_softirq_start {
	__u64 start_ns; /* 0: none under way (or it began before the program was attached) */
	__u32 vec;
	__u32 reserved;
};

/* NAPI polls per CPU, in one per-CPU array entry per slot. */
struct netrx_napi {
	__u64 polls;
	__u64 packets; /* work done by the polls: packets handed to the stack */
};

/* Read-only settings of the net-rx program, fixed before load (.rodata holds only this). */
struct netrx_config {
	__u32 filter_cgroups; /* 1: count only reads of tasks whose cgroup (or an ancestor) is allowed */
	__u32 filter_cpus; /* 1: count only on the CPUs set in cpu_mask */
	__u64 cpu_mask[OFFCPU_CPU_MASK_WORDS];
};

#endif /* PROFILER_H */
