package dev.ebpf.profiling.operator;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The tests' many API requests of a set-up (thousands of Nodes, pods, tokens), a bounded number at
 * once on virtual threads. Every step is waited for and the first failure is thrown, with its own
 * message: a refused create must fail the set-up, not leave it waiting for an object never made.
 */
final class BoundedParallel {

    interface Step<T> {
        void run(T item) throws Exception;
    }

    private BoundedParallel() {}

    /** Runs {@code step} for every item, at most {@code limit} at once. */
    static <T> void forEach(Collection<T> items, int limit, Step<T> step) throws Exception {
        Semaphore slots = new Semaphore(limit);
        List<Future<?>> pending = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (T item : items) {
                slots.acquire();
                pending.add(pool.submit(() -> {
                    try {
                        step.run(item);
                    } finally {
                        slots.release();
                    }
                    return null;
                }));
            }
        }
        for (Future<?> done : pending) {
            try {
                done.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }
}
