/*
 * What the sampler programs (profile.bpf.c, offcpu.bpf.c) share beyond the contract in
 * profiler.h: the in-kernel cgroup filter, per-CPU event counters, stack ids for count keys.
 * Include after vmlinux.h, bpf_helpers.h and profiler.h.
 */
#ifndef SAMPLER_COMMON_BPF_H
#define SAMPLER_COMMON_BPF_H

#define EFAULT 14
#define EEXIST 17

/* One slot's count map: what the program adds up in the kernel, per key. */
#define COUNT_MAP(name, key_type, value_type)           \
	struct {                                        \
		__uint(type, BPF_MAP_TYPE_HASH);        \
		__uint(max_entries, COUNT_MAP_ENTRIES); \
		__type(key, key_type);                  \
		__type(value, value_type);              \
	} name SEC(".maps")

/* One slot's stack-trace map. */
#define STACK_MAP(name)                                              \
	struct {                                                     \
		__uint(type, BPF_MAP_TYPE_STACK_TRACE);              \
		__uint(max_entries, STACK_MAP_ENTRIES);              \
		__uint(key_size, sizeof(__u32));                     \
		__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64)); \
	} name SEC(".maps")

/* Cgroup ids the program counts, with their descendants, when its config says to filter. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, CGROUP_FILTER_ENTRIES);
	__type(key, __u64);
	__type(value, __u8);
} allowed_cgroups SEC(".maps");

/* Adds amount to a counter of a per-CPU array map. */
static __always_inline void add_at(void *counters, __u32 index, __u64 amount)
{
	__u64 *value = bpf_map_lookup_elem(counters, &index);

	if (value)
		*value += amount; /* per-CPU: no other writer */
}

/* Adds one to a counter of a per-CPU array map. */
static __always_inline void count_at(void *counters, __u32 index)
{
	add_at(counters, index, 1);
}

/* True when the current task's cgroup, or one of its ancestors, is allowed. */
static __always_inline bool current_cgroup_allowed(__u64 cgroup_id)
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

/*
 * The value under key in a count map, inserted as init when the key is new. Another CPU may insert
 * the same key between the lookup and the insert (-EEXIST): then that value is the one to add to.
 * NULL only when the map is full.
 */
static __always_inline void *lookup_or_init(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);

	if (value)
		return value;
	/* The helper returns a negative errno in a long; errno values fit an int. */
	int err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);

	if (err != 0 && err != -EEXIST)
		return NULL;
	return bpf_map_lookup_elem(map, key);
}

/*
 * A stack id for a count key from bpf_get_stackid's result. -EFAULT means "this task has no
 * such stack" (a kernel thread has no user stack; a sample taken in user mode has no kernel
 * stack) and is not a loss; any other failure is counted at lost_index of counters.
 */
static __always_inline __s32 stack_id(__s64 id, void *counters, __u32 lost_index)
{
	if (id >= 0)
		return (__s32)id;
	if (id != -EFAULT)
		count_at(counters, lost_index);
	return NO_STACK_ID;
}

#endif /* SAMPLER_COMMON_BPF_H */
