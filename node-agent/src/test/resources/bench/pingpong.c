/*
 * Two processes passing one byte back and forth over two pipes, paced to a target number of
 * round trips per second: each round trip is at least two context switches (each side blocks in
 * read until the other writes). Usage: pingpong ROUND_TRIPS_PER_SECOND
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Round trips between pacing sleeps: small enough that the rate stays even. */
#define BATCH 100

static void pass(int in, int out, int first)
{
	char byte = 0;

	if (first && write(out, &byte, 1) != 1)
		exit(1);
	for (;;) {
		if (read(in, &byte, 1) != 1 || write(out, &byte, 1) != 1)
			exit(0);
	}
}

int main(int argc, char **argv)
{
	long rate = argc > 1 ? atol(argv[1]) : 10000;
	int there[2], back[2];
	struct timespec next;

	if (rate <= 0 || pipe(there) || pipe(back))
		return 2;
	if (fork() == 0) {
		/* Keep only this side's ends, so that the other side's exit reads as end-of-file. */
		close(there[1]);
		close(back[0]);
		pass(there[0], back[1], 0);
	}
	close(there[0]);
	close(back[1]);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		char byte = 0;

		for (int i = 0; i < BATCH; i++) {
			if (write(there[1], &byte, 1) != 1 || read(back[0], &byte, 1) != 1)
				return 1;
		}
		next.tv_nsec += BATCH * (1000000000L / rate);
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
}
