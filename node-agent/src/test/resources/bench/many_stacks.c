/*
 * Burns CPU along random call chains (10 functions, chains 6 deep), so that sampling it sees
 * thousands of distinct user stacks: the load of the slice-drain benchmark.
 * Build: gcc -O1 -fno-omit-frame-pointer -fno-optimize-sibling-calls -o many_stacks many_stacks.c
 */
#include <stdint.h>

#define DEPTH 6
#define LEAF_WORK 3000

static volatile uint64_t sink;
static uint32_t seed = 2463534242u;

static uint32_t next_random(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return seed;
}

static void step(int depth);

#define LEVEL(n) \
	__attribute__((noinline)) static void level_##n(int depth) { step(depth); sink++; }
LEVEL(0) LEVEL(1) LEVEL(2) LEVEL(3) LEVEL(4) LEVEL(5) LEVEL(6) LEVEL(7) LEVEL(8) LEVEL(9)

static void (*const levels[10])(int) = {
	level_0, level_1, level_2, level_3, level_4, level_5, level_6, level_7, level_8, level_9,
};

__attribute__((noinline)) static void step(int depth)
{
	if (depth == 0) {
		for (int i = 0; i < LEAF_WORK; i++)
			sink += i;
		return;
	}
	levels[next_random() % 10](depth - 1);
}

int main(void)
{
	for (;;)
		step(DEPTH);
}
