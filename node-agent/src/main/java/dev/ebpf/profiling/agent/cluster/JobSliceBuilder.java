package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.agent.bpf.SamplingEvent;
import dev.ebpf.profiling.agent.sampler.BlockedTime;
import dev.ebpf.profiling.agent.sampler.CpuTimeKey;
import dev.ebpf.profiling.agent.sampler.OffCpuCounters;
import dev.ebpf.profiling.agent.sampler.OffCpuKey;
import dev.ebpf.profiling.agent.sampler.RawCpuTimeSlice;
import dev.ebpf.profiling.agent.sampler.RawNetRxSlice;
import dev.ebpf.profiling.agent.sampler.RawOffCpuSlice;
import dev.ebpf.profiling.agent.sampler.RawSlice;
import dev.ebpf.profiling.agent.sampler.SampleKey;
import dev.ebpf.profiling.agent.sampler.SliceCounters;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.bpf.BpfContract;
import java.nio.LongBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * One job's slice, built from the cuts of the node's shared samplers that fall in the job's window:
 * of each cut it keeps the samples of the job's cgroups (all, for a node-wide job) taken on the
 * job's CPUs (all, without a CPU list), and adds them up; off-CPU time likewise, by the CPU the
 * thread was switched out on.
 *
 * <p>Stack ids are only meaningful within one cut (each cut empties its slot's stack map, and the
 * next use of the slot numbers stacks again), so the stacks are renumbered here by content.
 *
 * <p>The figures follow the job: {@code cpus} are the job's CPUs, the samples are the job's, the
 * duration is the time its cuts cover. When the node's rate changed inside the window (a job with a
 * higher rate came), {@code frequencyHz} is the time-weighted mean of the cuts' rates, rounded, so
 * that samples / (frequency x seconds x CPUs) stays the CPU share. Lost samples and stacks are the
 * node's (the kernel counts them per CPU, not per job).
 */
final class JobSliceBuilder {

    private final List<Integer> jobCpus;
    private final boolean offCpu;
    private final boolean netRx;
    private final NetRxParts netRxParts = new NetRxParts();

    private final Map<SampleKey, Long> counts = new HashMap<>();
    private final Map<OffCpuKey, BlockedTime> blocked = new HashMap<>();
    private final Map<LongBuffer, Integer> stackIds = new HashMap<>();
    private final Map<Integer, long[]> stacks = new HashMap<>();
    private SamplingEvent event;
    /** How the first cut's user stacks were walked. */
    private Unwinding unwinding = Unwinding.FRAME_POINTERS;
    /** Whether some cut walked them another way (the node's sampler switched inside the window). */
    private boolean unwindingMixed;

    private List<Integer> sampledCpus;
    private Instant start;
    private Instant end;
    private long durationNanos;
    private double frequencyNanos; // sum of rate x nanoseconds over the cuts
    private long[] samplesPerCpu = new long[0];
    private long idle;
    private long filteredOut;
    private LostSamples lost = new LostSamples(0, 0, 0);
    private long offDurationNanos;
    private Instant offStart;
    private Instant offEnd;
    private OffCpuCounters offCounters = new OffCpuCounters(0, 0, 0, 0, new LostSamples(0, 0, 0));
    private final Map<CpuTimeKey, Long> cpuNanos = new HashMap<>();
    private long cpuTimeDurationNanos;
    private long lostCpuNanos;
    /** Whether every cut added so far had the kernel's CPU time: a slice mixes no sources. */
    private boolean everyCutTimed = true;

    /**
     * @param jobCpus the job's CPUs, or null for every CPU sampled
     * @param offCpu  whether the job takes the off-CPU cuts too (a net-rx job takes them as well:
     *                its late readers' blocked stacks come from there)
     */
    JobSliceBuilder(List<Integer> jobCpus, boolean offCpu) {
        this(jobCpus, offCpu, false);
    }

    /** @param netRx whether the job takes the net-rx cuts too */
    JobSliceBuilder(List<Integer> jobCpus, boolean offCpu, boolean netRx) {
        this.jobCpus = jobCpus == null ? null : List.copyOf(jobCpus);
        this.offCpu = offCpu;
        this.netRx = netRx;
    }

    /** Adds the part of one cut that is the job's: samples of {@code cgroupSelected} cgroups on the job's CPUs. */
    void add(SharedSamplers.Cut cut, LongPredicate cgroupSelected) {
        RawSlice on = cut.onCpu();
        event = on.event();
        sampledCpus = on.cpus();
        if (start == null) {
            start = on.start();
            unwinding = on.unwinding();
        } else if (unwinding != on.unwinding()) {
            unwindingMixed = true;
        }
        end = on.end();
        durationNanos += on.durationNanos();
        frequencyNanos += (double) on.frequencyHz() * on.durationNanos();
        idle += on.counters().idle();
        filteredOut += on.counters().filteredOut();
        lost = plus(lost, on.counters().lost());
        Map<Integer, Integer> renumbered = new HashMap<>();
        on.counts().forEach((key, count) -> {
            if ((jobCpus != null && !jobCpus.contains(key.cpu())) || !cgroupSelected.test(key.cgroupId())) {
                return;
            }
            SampleKey renamed = key.withStackIds(
                    stackId(key.kernelStackId(), on.stacks(), renumbered),
                    stackId(key.userStackId(), on.stacks(), renumbered));
            counts.merge(renamed, count, Long::sum);
            if (key.cpu() >= samplesPerCpu.length) {
                samplesPerCpu = java.util.Arrays.copyOf(samplesPerCpu, key.cpu() + 1);
            }
            samplesPerCpu[key.cpu()] += count;
        });
        addCpuTime(cut.cpuTime(), cgroupSelected);
        if (netRx && cut.netRx() != null) {
            addNetRx(cut.netRx(), cgroupSelected);
        }
        RawOffCpuSlice off = cut.offCpu();
        if ((offCpu || netRx) && off != null) {
            if (offStart == null) {
                offStart = off.start();
            }
            offEnd = off.end();
            offDurationNanos += off.durationNanos();
            OffCpuCounters c = off.counters();
            offCounters = new OffCpuCounters(
                    offCounters.blocks() + c.blocks(),
                    offCounters.shortBlocks() + c.shortBlocks(),
                    offCounters.filteredOut() + c.filteredOut(),
                    offCounters.lostTasks() + c.lostTasks(),
                    plus(offCounters.lost(), c.lost()));
            Map<Integer, Integer> offRenumbered = new HashMap<>();
            off.blocked().forEach((key, time) -> {
                // The CPU the thread blocked on, as the in-kernel CPU filter judges it.
                if ((jobCpus != null && !jobCpus.contains(key.cpu())) || !cgroupSelected.test(key.cgroupId())) {
                    return;
                }
                OffCpuKey renamed = new OffCpuKey(
                        key.tgid(),
                        key.cgroupId(),
                        stackId(key.kernelStackId(), off.stacks(), offRenumbered),
                        stackId(key.userStackId(), off.stacks(), offRenumbered),
                        key.comm(),
                        key.prevState(),
                        key.cpu());
                blocked.merge(renamed, time, BlockedTime::plus);
            });
        }
    }

    /** The job's part of one cut's CPU time: its cgroups on its CPUs. */
    private void addCpuTime(RawCpuTimeSlice time, LongPredicate cgroupSelected) {
        if (time == null) {
            everyCutTimed = false;
            return;
        }
        cpuTimeDurationNanos += time.durationNanos();
        lostCpuNanos += time.lostNanos();
        time.filtered(cpu -> jobCpus == null || jobCpus.contains(cpu), cgroupSelected)
                .nanos()
                .forEach((key, nanos) -> cpuNanos.merge(key, nanos, Long::sum));
    }

    /**
     * The job's CPU time so far (the kernel's, exact); null when some cut had none (the program
     * could not run), so that the slice's CPU% then comes from samples throughout.
     */
    RawCpuTimeSlice cpuTime() {
        if (start == null || !everyCutTimed) {
            return null;
        }
        return new RawCpuTimeSlice(start, end, cpuTimeDurationNanos, cpuNanos, lostCpuNanos);
    }

    /**
     * The job's part of one net-rx cut: reads of its cgroups done on its CPUs (the CPU the reader
     * ran on), softirq time and NAPI polls of its CPUs, with the interrupted tasks outside its
     * cgroups left unnamed.
     */
    private void addNetRx(RawNetRxSlice cut, LongPredicate cgroupSelected) {
        netRxParts.add(cut, jobCpus, cgroupSelected);
    }

    /** The job's net-rx slice so far; null when the job has none or no net-rx cut came. */
    RawNetRxSlice netRx() {
        return netRx ? netRxParts.slice(jobCpus) : null;
    }

    /** Whether some cut was added. */
    boolean isEmpty() {
        return start == null;
    }

    /** The job's on-CPU slice so far. */
    RawSlice onCpu() {
        int frequency = durationNanos == 0 ? 0 : (int) Math.round(frequencyNanos / durationNanos);
        return new RawSlice(
                event,
                frequency,
                jobCpus != null ? jobCpus : sampledCpus,
                start,
                end,
                durationNanos,
                Map.copyOf(counts),
                Map.copyOf(stacks),
                new SliceCounters(samplesPerCpu.clone(), idle, filteredOut, lost),
                unwindingMixed ? null : unwinding);
    }

    /** The job's off-CPU slice so far; null when the job has none or no off-CPU cut came. */
    RawOffCpuSlice offCpu() {
        if (!(offCpu || netRx) || offStart == null) {
            return null;
        }
        return new RawOffCpuSlice(
                offStart, offEnd, offDurationNanos, Map.copyOf(blocked), Map.copyOf(stacks), offCounters);
    }

    /** The id of this cut's stack {@code id} in the job's slice: the same content gets the same id. */
    private int stackId(int id, Map<Integer, long[]> cutStacks, Map<Integer, Integer> renumbered) {
        if (id == BpfContract.NO_STACK_ID) {
            return id;
        }
        Integer known = renumbered.get(id);
        if (known != null) {
            return known;
        }
        long[] frames = cutStacks.get(id);
        if (frames == null) {
            return BpfContract.NO_STACK_ID; // the stack map had lost it: no frames either way
        }
        int assigned = stackIds.computeIfAbsent(LongBuffer.wrap(frames), content -> {
            int next = stacks.size();
            stacks.put(next, frames);
            return next;
        });
        renumbered.put(id, assigned);
        return assigned;
    }

    private static LostSamples plus(LostSamples a, LostSamples b) {
        return new LostSamples(
                a.countMapFull() + b.countMapFull(),
                a.kernelStackFailed() + b.kernelStackFailed(),
                a.userStackFailed() + b.userStackFailed());
    }
}
