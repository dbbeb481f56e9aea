// A CPU-bound loop for SampleCostBenchmark: what sampling costs the sampled code. It spins through
// a few frames (built with frame pointers, so both walks find the same stack) and prints, once per
// second of wall time, how many rounds it completed in that second. Run it pinned to one CPU at
// SCHED_FIFO, so that it has that CPU to itself and a slower second means interrupts (samples)
// took the time.
#include <stdio.h>
#include <time.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void leaf(unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		sink += i;
}

__attribute__((noinline)) static void middle(unsigned long n, int depth)
{
	if (depth > 0)
		middle(n, depth - 1);
	else
		leaf(n);
	sink++;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	double start = now();
	unsigned long rounds = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		middle(1000, 8);
		rounds++;
		if ((rounds & 255) == 0) {
			double t = now();
			if (t - start >= 1.0) {
				printf("%.0f\n", rounds / (t - start));
				rounds = 0;
				start = t;
			}
		}
	}
}
