package dev.ebpf.profiling.agent.cgroup;

import dev.ebpf.profiling.agent.testsupport.PodCgroups;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * What attribution costs at a slice end, on this machine's real cgroup2 hierarchy: one walk of
 * the tree (the cost of a cache miss) with {@value #PODS} pods of {@value #CONTAINERS_PER_POD}
 * containers added, and resolving {@value #SAMPLE_KEYS} distinct (tgid, cgroup id) keys. Run as root:
 * <pre>
 * mvn -B -q -pl node-agent test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.ebpf.profiling.agent.cgroup.AttributionBenchmark
 * </pre>
 */
public final class AttributionBenchmark {

    private static final int PODS = 500;
    private static final int CONTAINERS_PER_POD = 3;
    private static final int SAMPLE_KEYS = 10_000;
    private static final int TYPICAL_PROCESSES = 200;
    private static final int ROUNDS = 5;
    private static final long UNKNOWN_ID = -1;

    public static void main(String[] args) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<PodCgroups> pods = new ArrayList<>();
        try {
            for (int i = 0; i < PODS; i++) {
                PodCgroups.Builder builder = PodCgroups.builder();
                for (int c = 0; c < CONTAINERS_PER_POD; c++) {
                    builder.container();
                }
                pods.add(builder.build());
            }
            List<Long> ids = pods.stream()
                    .flatMap(p -> p.containers().stream())
                    .map(PodCgroups.Container::cgroupId)
                    .toList();
            List<Integer> livePids =
                    ProcessHandle.allProcesses().map(p -> (int) p.pid()).toList();
            System.out.printf(
                    "cgroup2 at %s; %d test containers; %d live processes%n",
                    CgroupMount.findUnified().directory(), ids.size(), livePids.size());

            for (int round = 1; round <= ROUNDS; round++) {
                CgroupResolver cgroups = CgroupResolver.forThisMachine();
                long cpu0 = threads.getCurrentThreadCpuTime();
                cgroups.pathOf(UNKNOWN_ID); // a miss: one full walk
                double walkCpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;

                ApplicationResolver applications = new ApplicationResolver(cgroups);
                cpu0 = threads.getCurrentThreadCpuTime();
                applications.snapshot(livePids);
                double snapshotCpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;

                // Typical: the keys of a slice's stacks repeat their (tgid, cgroup) pairs.
                double typicalCpu = resolveCpuMillis(threads, applications, ids, livePids, TYPICAL_PROCESSES);
                applications.startSlice();
                applications.snapshot(livePids);
                // Worst: every key a different process, nearly all exited before the slice ended.
                double worstCpu = resolveCpuMillis(threads, applications, ids, livePids, SAMPLE_KEYS);
                System.out.printf(
                        "round %d: walk cpu %.1f ms; snapshot of %d processes cpu %.1f ms;"
                                + " resolve %d keys cpu %.1f ms over %d processes, %.1f ms over %d processes%n",
                        round,
                        walkCpu,
                        livePids.size(),
                        snapshotCpu,
                        SAMPLE_KEYS,
                        typicalCpu,
                        TYPICAL_PROCESSES,
                        worstCpu,
                        SAMPLE_KEYS);
            }
        } finally {
            for (PodCgroups pod : pods) {
                pod.close();
            }
        }
    }

    /** CPU time to resolve SAMPLE_KEYS keys spread over {@code processes} tgids (live ones first). */
    private static double resolveCpuMillis(
            ThreadMXBean threads,
            ApplicationResolver applications,
            List<Long> ids,
            List<Integer> livePids,
            int processes) {
        long cpu0 = threads.getCurrentThreadCpuTime();
        int inPods = 0;
        for (int k = 0; k < SAMPLE_KEYS; k++) {
            int p = k % processes;
            int tgid = p < livePids.size() ? livePids.get(p) : 4_000_000 + p;
            if (applications.resolve(tgid, ids.get(p % ids.size()), "worker").pod() != null) {
                inPods++;
            }
        }
        if (inPods != SAMPLE_KEYS) {
            throw new IllegalStateException("only " + inPods + " of " + SAMPLE_KEYS + " keys resolved to their pods");
        }
        return (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
    }
}
