/*
 * DWARF (.eh_frame) unwinding of the interrupted user stack, for profile.bpf.c. The agent loads
 * one table of rows per mapped file (struct unwind_row, sorted by pc) and, per process, its
 * executable mappings (struct unwind_process); see the last section of profiler.h.
 *
 * Each frame: find the mapping of pc (binary search), then the row of pc in the mapping's file
 * (binary search), compute the CFA from rsp or rbp, read the return address at CFA - 8 and the
 * caller's rbp where the row says it was saved. A pc without a row (JIT code, a file without
 * tables) continues with frame pointers; a failed read ends the stack with what was unwound.
 * Frames are walked by bpf_loop, so the verifier checks one step, not MAX_STACK_DEPTH of them.
 *
 * Include after vmlinux.h, bpf_helpers.h, profiler.h and sampler_common.bpf.h.
 */
#ifndef DWARF_UNWIND_BPF_H
#define DWARF_UNWIND_BPF_H

#define USER_CS_RPL 3 /* the low bits of cs of a task interrupted in user mode */

/*
 * Open-coded iterators (kernel 6.4+): the verifier checks a loop body until its states converge
 * instead of once per iteration, which keeps the nested binary searches within its limits.
 * Declared here as the vendored libbpf headers predate them.
 */
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* Runs the statement after it up to n times (break and continue work as in a for loop). */
#define repeat_at_most(n)                                                                          \
	for (struct bpf_iter_num ___it __attribute__((aligned(8), cleanup(bpf_iter_num_destroy))), \
	     *___p __attribute__((unused)) =                                                       \
		     (bpf_iter_num_new(&___it, 0, (n)), (void)bpf_iter_num_destroy, (void *)0);    \
	     bpf_iter_num_next(&___it);)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE); /* the agent writes tables straight into it */
	__uint(max_entries, UNWIND_ROW_ENTRIES);
	__type(key, __u32);
	__type(value, struct unwind_row);
} unwind_rows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UNWIND_PROCESS_ENTRIES);
	__type(key, __u32);
	__type(value, struct unwind_process);
} unwind_processes SEC(".maps");

/* Every process's mappings, a block of UNWIND_MAX_MAPPINGS each (found by index, so that the
 * verifier need not track the search's bounds as it would for a pointer into one value). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, UNWIND_PROCESS_ENTRIES *UNWIND_MAX_MAPPINGS);
	__type(key, __u32);
	__type(value, struct unwind_mapping);
} unwind_mappings SEC(".maps");

/* Processes sampled without an entry in unwind_processes: the agent loads them and deletes these. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, UNWIND_WANTED_ENTRIES);
	__type(key, __u32);
	__type(value, __u8);
} unwind_wanted SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UNWIND_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} unwind_counters SEC(".maps");

/* The stack being unwound on this CPU (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unwound_stack);
} unwind_scratch SEC(".maps");

/*
 * Rules already found, per CPU: a direct-mapped cache keyed by (the process's load, pc). A hot
 * stack's return addresses come back sample after sample, and each saves the two binary searches
 * (about 30 dependent reads scattered over 32 MiB of rows: cache and TLB misses). Every load of a
 * process by the agent (a new process, another exec, a library loaded) has a number of its own,
 * so an entry never outlives the mappings it was found in, even when a later load of the same
 * tgid (or a new process reusing it) is given the same block again; the rule is copied, not
 * pointed to.
 */
#define UNWIND_RULE_CACHE_ENTRIES 4096 /* a power of two; 24 bytes each, per CPU */

struct unwind_rule {
	__s32 cfa_offset;
	__s16 rbp_offset;
	__u8 cfa_type; /* UNWIND_CFA_NONE also when a mapping holds pc but no row does */
	__u8 rbp_type;
};

struct unwind_rule_cache_entry {
	__u64 pc;   /* the looked-up pc; 0: empty */
	__u32 load; /* unwind_process.load of the process it was found in */
	struct unwind_rule rule;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UNWIND_RULE_CACHE_ENTRIES);
	__type(key, __u32);
	__type(value, struct unwind_rule_cache_entry);
} unwind_rule_cache SEC(".maps");

#define USER_STACK_MAP(name)                            \
	struct {                                        \
		__uint(type, BPF_MAP_TYPE_HASH);        \
		__uint(max_entries, STACK_MAP_ENTRIES); \
		__type(key, __u32);                     \
		__type(value, struct unwound_stack);    \
	} name SEC(".maps")

/* One slot's unwound user stacks, by user stack id (UNWIND_STACK_ID_BIT set). */
USER_STACK_MAP(user_stacks_0);
USER_STACK_MAP(user_stacks_1);

/* What one bpf_loop step needs and leaves for the next. */
struct user_unwind_state {
	__u64 pc;
	__u64 sp;
	__u64 bp;
	__u64 hash;
	__u32 tgid;
	__u32 mapping_start; /* the process's entry (looked up once per stack) */
	__u32 mapping_count;
	__u32 load;
	__u32 depth;
	__u32 read_failed;
	__u32 ended;	/* the outermost frame was reached */
	__u32 switches; /* frame-pointer steps to another stack (see frame_pointer_walk_ends) */
	__u32 depth_at_switch; /* depth at the last such step, or 0 */
};

/* FNV-1a's offset basis: the hash of an empty stack, which record_pc extends pc by pc. */
#define STACK_HASH_SEED 14695981039346656037ULL

static __always_inline void unwind_count(__u32 counter)
{
	count_at(&unwind_counters, counter);
}

/* The pages of the user stack from sp up to the last frame's sp (each read one page or more). */
static __always_inline __u64 stack_pages(__u64 first_sp, __u64 last_sp)
{
	return last_sp >= first_sp ? (last_sp >> 12) - (first_sp >> 12) + 1 : 1;
}

/* The mapping that holds pc, or NULL. */
static __always_inline struct unwind_mapping *find_mapping(__u32 first, __u32 count, __u64 pc)
{
	__u32 low = 0;
	__u32 high = count;

	/* Find the last mapping whose start <= pc. */
	repeat_at_most(UNWIND_MAPPING_SEARCH_STEPS)
	{
		if (low >= high)
			break;
		__u32 middle = (low + high) / 2;
		__u32 index = first + middle;
		struct unwind_mapping *mapping = bpf_map_lookup_elem(&unwind_mappings, &index);

		if (!mapping)
			return NULL;
		if (mapping->start <= pc)
			low = middle + 1;
		else
			high = middle;
	}
	if (low == 0 || low < high)
		return NULL;
	__u32 index = first + low - 1;
	struct unwind_mapping *mapping = bpf_map_lookup_elem(&unwind_mappings, &index);

	return mapping && pc < mapping->end ? mapping : NULL;
}

/* The row that holds link-time address pc among [first, first + count), or NULL. */
static __always_inline struct unwind_row *find_row(__u32 first, __u32 count, __u64 pc)
{
	__u32 low = 0;
	__u32 high = count;

	repeat_at_most(UNWIND_ROW_SEARCH_STEPS)
	{
		if (low >= high)
			break;
		__u32 middle = (low + high) / 2;
		__u32 index = first + middle;
		struct unwind_row *row = bpf_map_lookup_elem(&unwind_rows, &index);

		if (!row)
			return NULL;
		if (row->pc <= pc)
			low = middle + 1;
		else
			high = middle;
	}
	if (low == 0 || low < high) /* before the first row, or the search did not converge */
		return NULL;
	__u32 index = first + low - 1;
	return bpf_map_lookup_elem(&unwind_rows, &index);
}

/* Reads one word of the user stack; false (and counted) when the page is not there. */
static __always_inline bool read_user_word(__u64 address, __u64 *value)
{
	if (bpf_probe_read_user(value, sizeof(*value), (void *)address) == 0)
		return true;
	unwind_count(UNWIND_COUNTER_FAILED_READS);
	return false;
}

/* The cache slot of pc in the unwound process (see unwind_rule_cache). */
static __always_inline __u32 rule_cache_index(__u32 load, __u64 pc)
{
	return ((pc ^ ((__u64)load << 32)) * 0x9E3779B97F4A7C15ULL) >> 52 &
	       (UNWIND_RULE_CACHE_ENTRIES - 1);
}

/*
 * The rule of pc (a link-time row of its mapping's file, or UNWIND_CFA_NONE where the file has no
 * row or pc no mapping), from the cache or the searches. False when no mapping holds pc.
 */
static __always_inline bool find_rule(struct user_unwind_state *state, __u64 pc,
				      struct unwind_rule *rule)
{
	__u32 index = rule_cache_index(state->load, pc);
	struct unwind_rule_cache_entry *cached =
		sampler_config.bench_rule_cache_off
			? NULL
			: bpf_map_lookup_elem(&unwind_rule_cache, &index);

	if (cached && cached->pc == pc && cached->load == state->load) {
		*rule = cached->rule;
		unwind_count(UNWIND_COUNTER_RULE_CACHE_HITS);
		return true;
	}
	rule->cfa_type = UNWIND_CFA_NONE;
	rule->rbp_type = UNWIND_RBP_SAME;
	rule->cfa_offset = 0;
	rule->rbp_offset = 0;
	struct unwind_mapping *mapping =
		find_mapping(state->mapping_start, state->mapping_count, pc);

	if (!mapping)
		return false;
	if (mapping->row_count > 0) {
		struct unwind_row *row =
			find_row(mapping->row_start, mapping->row_count, pc - mapping->bias);

		if (row) {
			rule->cfa_type = row->cfa_type;
			rule->rbp_type = row->rbp_type;
			rule->cfa_offset = row->cfa_offset;
			rule->rbp_offset = row->rbp_offset;
		}
	}
	if (cached) {
		cached->pc = pc;
		cached->load = state->load;
		cached->rule = *rule;
	}
	return true;
}

/* Records pc as the next frame of the stack being unwound; false when the stack is full. */
static __always_inline bool record_pc(struct user_unwind_state *state)
{
	__u32 zero = 0;
	struct unwound_stack *stack = bpf_map_lookup_elem(&unwind_scratch, &zero);

	if (!stack || state->pc == 0 || state->depth >= MAX_STACK_DEPTH)
		return false;
	stack->pcs[state->depth & 127] = state->pc; /* MAX_STACK_DEPTH is 127: the mask bounds it */
	state->hash = (state->hash ^ state->pc) * 1099511628211ULL;
	state->depth++;
	return true;
}

/*
 * Whether the fp mode's walk ends at rbp, because rbp cannot be a frame of this stack: below sp,
 * or further above it than UNWIND_FP_MAX_FRAME_BYTES. Code built without frame pointers uses rbp
 * for data, and following it reads a heap page (about 5 us on the dev VM) or faults (6 us) for
 * frames that are garbage; the kernel's own walk (bpf_get_stackid) checks neither.
 *
 * Some chains do leave the stack: Go's systemstack and cgo calls, handlers on a sigaltstack,
 * segmented stacks, a frame over 1 MiB. So rbp outside that window is followed all the same
 * when at least UNWIND_FP_FRAMES_BEFORE_SWITCH frames were found on the stack it leaves (a chain,
 * not a leaf's data), at most UNWIND_FP_STACK_SWITCHES times per stack; such a step is counted in
 * state. A garbage caller that gets through is cut by the agent (no code there).
 */
static __always_inline bool frame_pointer_walk_ends(struct user_unwind_state *state)
{
	if (state->bp >= state->sp && state->bp - state->sp <= UNWIND_FP_MAX_FRAME_BYTES)
		return false;
	/* rbp 0 ends every complete chain (_start, a thread's start); a frame is 8-byte aligned. */
	if (state->bp == 0 || (state->bp & 7) || state->switches >= UNWIND_FP_STACK_SWITCHES ||
	    state->depth - state->depth_at_switch < UNWIND_FP_FRAMES_BEFORE_SWITCH)
		return true;
	state->switches++;
	state->depth_at_switch = state->depth;
	return false;
}

/*
 * The caller's frame by frame pointers: rbp points at the saved rbp, the return address above it.
 * The fp mode bounds the walk (frame_pointer_walk_ends). DWARF's step for a pc without a row (JIT
 * code, Go) keeps the rule it had before: stop only where rbp is below sp. The stack-switch
 * allowance made the DWARF program too complex for the verifier (E2BIG), and a window without it
 * would stop Go's upward steps to another stack; code without frame pointers is walked by the
 * tables there, so the window would save little. Returns 1 to stop the loop.
 */
static __always_inline long follow_frame_pointer(struct user_unwind_state *state, bool bounded)
{
	if (bounded ? frame_pointer_walk_ends(state) : state->bp < state->sp) {
		state->ended = 1;
		return 1;
	}
	__u64 frame = state->bp;
	if (!read_user_word(frame + 8, &state->pc) || !read_user_word(frame, &state->bp)) {
		state->read_failed = 1;
		return 1;
	}
	state->sp = frame + 16;
	return 0;
}

/* One frame by the tables: records pc, then finds the caller's pc, sp and bp. Returns 1 to stop. */
static long unwind_step(__u64 index, struct user_unwind_state *state)
{
	if (!record_pc(state))
		return 1;
	/* A return address points after the call: look up the call itself. */
	__u64 lookup_pc = state->depth == 1 ? state->pc : state->pc - 1;
	struct unwind_rule rule;

	if (!find_rule(state, lookup_pc, &rule)) {
		/* Code mapped since the agent read the process (a library loaded later): ask again. */
		__u8 yes = 1;

		bpf_map_update_elem(&unwind_wanted, &state->tgid, &yes, BPF_NOEXIST);
	}
	if (rule.cfa_type == UNWIND_CFA_END) {
		state->ended = 1;
		return 1;
	}
	if (rule.cfa_type != UNWIND_CFA_NONE) {
		__u64 cfa;
		__u64 caller_bp = state->bp;

		if (rule.cfa_type == UNWIND_CFA_RSP)
			cfa = state->sp + rule.cfa_offset;
		else if (rule.cfa_type == UNWIND_CFA_RBP)
			cfa = state->bp + rule.cfa_offset;
		else /* UNWIND_CFA_PLT */
			cfa = state->sp + rule.cfa_offset +
			      ((state->pc & 15) >= (__u64)rule.rbp_offset ? 8 : 0);
		if (!read_user_word(cfa - 8, &state->pc)) {
			state->read_failed = 1;
			return 1;
		}
		if (rule.rbp_type == UNWIND_RBP_AT_CFA &&
		    !read_user_word(cfa + rule.rbp_offset, &caller_bp)) {
			state->read_failed = 1;
			return 1;
		}
		state->sp = cfa;
		state->bp = caller_bp;
		unwind_count(UNWIND_COUNTER_TABLE_FRAMES);
		return 0;
	}
	/* No row: code with frame pointers (JIT code, a file without tables). */
	if (follow_frame_pointer(state, false))
		return 1;
	unwind_count(UNWIND_COUNTER_FP_FRAMES);
	return 0;
}

/* One frame by frame pointers alone (the fp mode, and processes whose tables are not loaded yet). */
static long frame_pointer_step(__u64 index, struct user_unwind_state *state)
{
	if (!record_pc(state))
		return 1;
	return follow_frame_pointer(state, true);
}

/*
 * Whether the sample interrupted user mode: then there is no kernel stack to walk, and asking
 * bpf_get_stackid for it only costs the helper's setup before its -EFAULT. The context allows
 * whole 8-byte reads only; vmlinux.h declares cs narrower.
 */
static __always_inline bool sampled_in_user_mode(struct bpf_perf_event_data *ctx)
{
	__u64 cs = *(__u64 *)((void *)&ctx->regs + __builtin_offsetof(struct pt_regs, cs));

	return (cs & 3) == USER_CS_RPL;
}

/* The user registers at the sample: the sample's own in user mode, else the task's saved ones. */
static __always_inline bool user_registers(struct bpf_perf_event_data *ctx,
					   struct user_unwind_state *state)
{
	if (sampled_in_user_mode(ctx)) {
		state->pc = ctx->regs.ip;
		state->sp = ctx->regs.sp;
		state->bp = ctx->regs.bp;
		return true;
	}
	struct task_struct *task = bpf_get_current_task_btf();

	if (!task->mm) /* a kernel thread has no user stack */
		return false;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	if (!regs)
		return false;
	state->pc = BPF_CORE_READ(regs, ip);
	state->sp = BPF_CORE_READ(regs, sp);
	state->bp = BPF_CORE_READ(regs, bp);
	return state->pc != 0;
}

/* Stores the unwound stack under an id of its own in user_stacks; returns the id or NO_STACK_ID. */
static __always_inline __s32 store_user_stack(void *user_stacks, struct unwound_stack *stack)
{
	__u32 id = UNWIND_STACK_ID_BIT | (__u32)(stack->hash & (UNWIND_STACK_ID_BIT - 1));

	repeat_at_most(UNWIND_STACK_ID_PROBES)
	{
		struct unwound_stack *stored = bpf_map_lookup_elem(user_stacks, &id);

		if (stored && stored->hash == stack->hash)
			return (__s32)id;
		if (!stored) {
			long err = bpf_map_update_elem(user_stacks, &id, stack, BPF_NOEXIST);

			if (err == 0)
				return (__s32)id;
			if (err != -EEXIST)
				return NO_STACK_ID;			/* full */
			stored = bpf_map_lookup_elem(user_stacks, &id); /* another CPU was first */
			if (stored && stored->hash == stack->hash)
				return (__s32)id;
		}
		id = UNWIND_STACK_ID_BIT | ((id + 1) & (UNWIND_STACK_ID_BIT - 1));
	}
	return NO_STACK_ID;
}

/*
 * Unwinds the current task's user stack into user_stacks and returns its id; NO_STACK_ID with
 * *unwound false when the process is not loaded yet (the caller then walks frame pointers and
 * the agent is asked to load it), or when the task has no user stack.
 */
static __always_inline __s32 unwind_user_stack(struct bpf_perf_event_data *ctx, __u32 tgid,
					       void *user_stacks, bool *unwound)
{
	struct user_unwind_state state = {.tgid = tgid, .hash = STACK_HASH_SEED};
	__u32 zero = 0;
	__u8 yes = 1;

	*unwound = false;
	struct unwind_process *process = bpf_map_lookup_elem(&unwind_processes, &tgid);

	if (!process) {
		bpf_map_update_elem(&unwind_wanted, &tgid, &yes, BPF_NOEXIST);
		unwind_count(UNWIND_COUNTER_NO_PROCESS);
		return NO_STACK_ID;
	}
	state.mapping_start = process->mapping_start;
	state.mapping_count = process->mapping_count;
	state.load = process->load;
	*unwound = true;
	struct unwound_stack *stack = bpf_map_lookup_elem(&unwind_scratch, &zero);

	if (!stack || !user_registers(ctx, &state))
		return NO_STACK_ID;
	__u64 first_sp = state.sp;
	__builtin_memset(stack->pcs, 0, sizeof(stack->pcs));
	bpf_loop(MAX_STACK_DEPTH, unwind_step, &state, 0);
	if (state.depth == 0)
		return NO_STACK_ID;
	if (state.read_failed)
		unwind_count(UNWIND_COUNTER_READ_FAILED);
	else if (!state.ended && state.pc != 0)
		unwind_count(UNWIND_COUNTER_TRUNCATED);
	unwind_count(UNWIND_COUNTER_STACKS);
	add_at(&unwind_counters, UNWIND_COUNTER_STACK_PAGES, stack_pages(first_sp, state.sp));
	stack->hash = state.hash;
	if (sampler_config.bench_stop_after == BENCH_STOP_BEFORE_STACK_STORE)
		return NO_STACK_ID;
	return store_user_stack(user_stacks, stack);
}

/*
 * Walks the current task's user stack by frame pointers alone into user_stacks and returns its
 * id; NO_STACK_ID when the task has no user stack (a kernel thread), or with *lost set when
 * user_stacks is full.
 */
static __always_inline __s32 frame_pointer_user_stack(struct bpf_perf_event_data *ctx,
						      void *user_stacks, bool *lost)
{
	struct user_unwind_state state = {.hash = STACK_HASH_SEED};
	__u32 zero = 0;
	struct unwound_stack *stack = bpf_map_lookup_elem(&unwind_scratch, &zero);

	*lost = false;
	if (!stack || !user_registers(ctx, &state))
		return NO_STACK_ID;
	__builtin_memset(stack->pcs, 0, sizeof(stack->pcs));
	bpf_loop(MAX_STACK_DEPTH, frame_pointer_step, &state, 0);
	if (state.depth == 0)
		return NO_STACK_ID;
	stack->hash = state.hash;
	if (sampler_config.bench_stop_after == BENCH_STOP_BEFORE_STACK_STORE)
		return NO_STACK_ID;
	__s32 id = store_user_stack(user_stacks, stack);

	*lost = id == NO_STACK_ID;
	return id;
}

#endif /* DWARF_UNWIND_BPF_H */
