/*
 * Test fixture for symbolization and profiling: a process whose CPU time is all spent in one
 * function with a known name. Build with frame pointers and symbols:
 *   gcc -O0 -fno-omit-frame-pointer -g -o hot_loop hot_loop.c
 * Prints "profiler_test_hot_function=0x..." (its runtime address) on the first line of stdout,
 * then burns CPU in profiler_test_hot_function forever. With the argument "idle" it sleeps
 * instead, for tests that need the process and its maps but not its CPU.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

volatile unsigned long profiler_test_counter;

__attribute__((noinline)) void profiler_test_hot_function(void) {
    for (;;) {
        profiler_test_counter++;
    }
}

int main(int argc, char **argv) {
    printf("profiler_test_hot_function=%p\n", (void *) profiler_test_hot_function);
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "idle") == 0) {
        for (;;) {
            pause();
        }
    }
    profiler_test_hot_function();
    return 0;
}
