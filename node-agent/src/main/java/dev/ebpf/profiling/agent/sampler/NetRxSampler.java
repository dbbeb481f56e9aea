package dev.ebpf.profiling.agent.sampler;

import static dev.ebpf.profiling.bpf.BpfContract.NETRX_COUNTER_COUNT;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_COUNTER_FILTERED_OUT;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_COUNTER_LOST_APP_MAP_FULL;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_COUNTER_LOST_SOFTIRQ_MAP_FULL;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_COUNTER_LOST_WORST_MAP_FULL;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_COUNTER_READS;
import static dev.ebpf.profiling.bpf.BpfContract.NETRX_COUNTER_UNSTAMPED_READS;
import static dev.ebpf.profiling.bpf.BpfContract.OFFCPU_CPU_MASK_WORDS;
import static dev.ebpf.profiling.bpf.BpfContract.SLOT_COUNT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.bpf.BpfMap;
import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.bpf.BpfGlobals;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The net-rx profiler: bpf/netrx.bpf.c on four tracepoints, counting in the kernel how long
 * received data waits in TCP and UDP sockets before its reader takes it (per reading process and
 * cgroup, with each socket's worst wait), and the NET_RX/NET_TX softirq time and NAPI polls per CPU.
 *
 * <p>Slicing uses two slots (A/B maps) as {@link OnCpuSampler} does: {@link #cut()} flips the
 * programs' {@code active_slot}, waits for programs already running to finish, then drains the
 * slot that went quiet. The socket stamps (data ready, not yet read) and the reader threads' last
 * reads are not per slot: a wait that spans a cut is counted whole in the slice of its read.
 */
public final class NetRxSampler implements AutoCloseable {

    /** The tracepoints the program attaches to, as {@code category/name} under tracefs/events. */
    public static final List<String> TRACEPOINTS = List.of(
            "sock/sk_data_ready", "sock/sock_recv_length", "irq/softirq_entry", "irq/softirq_exit", "napi/napi_poll");

    private static final String OBJECT = "netrx";
    private static final List<String> PROGRAMS = List.of(
            "net_rx_data_ready", "net_rx_recv", "net_rx_softirq_entry", "net_rx_softirq_exit", "net_rx_napi_poll");
    /** A BPF program runs for microseconds; this is ample for one that read the old slot to finish. */
    private static final Duration SLOT_QUIESCE = Duration.ofMillis(10);
    /** CPUs the .rodata bitmap can select. */
    public static final int MAX_CPUS = OFFCPU_CPU_MASK_WORDS * Long.SIZE;
    // The program's variables, at the offsets the build read from netrx.bpf.o and its BTF.
    private static final long ACTIVE_SLOT = BpfGlobals.Netrx.ACTIVE_SLOT;
    private static final long CONFIG_FILTER_CGROUPS =
            BpfGlobals.Netrx.NETRX_CONFIG + StructFields.offset(BpfStructs.NETRX_CONFIG, "filter_cgroups", JAVA_INT);
    private static final long CONFIG_FILTER_CPUS =
            BpfGlobals.Netrx.NETRX_CONFIG + StructFields.offset(BpfStructs.NETRX_CONFIG, "filter_cpus", JAVA_INT);
    private static final long CONFIG_CPU_MASK = BpfGlobals.Netrx.NETRX_CONFIG
            + StructFields.offset(
                    BpfStructs.NETRX_CONFIG, "cpu_mask", MemoryLayout.sequenceLayout(OFFCPU_CPU_MASK_WORDS, JAVA_LONG));
    /** struct netrx_napi, one per CPU in the per-CPU array's values. */
    private static final StructLayout NAPI_LAYOUT = BpfStructs.NETRX_NAPI;

    private static final long NAPI_POLLS = StructFields.offset(NAPI_LAYOUT, "polls", JAVA_LONG);
    private static final long NAPI_PACKETS = StructFields.offset(NAPI_LAYOUT, "packets", JAVA_LONG);

    /**
     * @param cpus             CPUs whose reads and softirqs are counted (the tracepoints fire on all; the program filters)
     * @param filterCgroups    count only reads of {@code allowedCgroupIds} and their descendants (nothing
     *                         while that set is empty); softirq time counts for the CPU either way
     * @param allowedCgroupIds the cgroups the filter admits
     * @param appEntries       capacity of each slot's application map; 0 keeps the header's default
     */
    public record Settings(List<Integer> cpus, boolean filterCgroups, Set<Long> allowedCgroupIds, int appEntries) {

        public Settings {
            cpus = List.copyOf(cpus);
            allowedCgroupIds = Set.copyOf(allowedCgroupIds);
            if (cpus.isEmpty()) {
                throw new IllegalArgumentException("no CPUs to watch");
            }
            for (int cpu : cpus) {
                if (cpu < 0 || cpu >= MAX_CPUS) {
                    throw new IllegalArgumentException(
                            "CPU " + cpu + " is outside what the net-rx filter can select (0-" + (MAX_CPUS - 1) + ")");
                }
            }
            if (appEntries < 0) {
                throw new IllegalArgumentException("application map entries cannot be negative, got " + appEntries);
            }
        }

        /** Everything on these CPUs when {@code allowedCgroupIds} is empty, else only those cgroups. */
        public Settings(List<Integer> cpus, Set<Long> allowedCgroupIds) {
            this(cpus, !allowedCgroupIds.isEmpty(), allowedCgroupIds, 0);
        }

        /** Only these cgroups, and nothing at all while the set is empty (a job whose pods are not here yet). */
        public static Settings onlyCgroups(List<Integer> cpus, Set<Long> allowedCgroupIds) {
            return new Settings(cpus, true, allowedCgroupIds, 0);
        }
    }

    private final Settings settings;
    private final BpfObject object;
    private final BpfMap slotVariable;
    private final BpfMap[] apps = new BpfMap[SLOT_COUNT];
    private final BpfMap[] worst = new BpfMap[SLOT_COUNT];
    private final BpfMap[] softirqs = new BpfMap[SLOT_COUNT];
    private final BpfMap napi;
    private final BpfMap counters;
    private final AllowedCgroups allowedCgroups;
    private int activeSlot;
    private Instant sliceStart;
    private long sliceStartNanos;

    private NetRxSampler(Settings settings, BpfObject object) {
        this.settings = settings;
        this.object = object;
        this.slotVariable = object.map(".bss").requireSizes(Integer.BYTES, BpfGlobals.Netrx.BSS_SIZE);
        for (int slot = 0; slot < SLOT_COUNT; slot++) {
            apps[slot] = object.map("apps_" + slot)
                    .requireSizes(NetRxAppCount.KEY_LAYOUT.byteSize(), NetRxAppCount.VALUE_LAYOUT.byteSize());
            worst[slot] = object.map("worst_" + slot)
                    .requireSizes(NetRxSocketWait.KEY_LAYOUT.byteSize(), NetRxSocketWait.VALUE_LAYOUT.byteSize());
            softirqs[slot] = object.map("softirqs_" + slot)
                    .requireSizes(NetRxSoftirqTime.KEY_LAYOUT.byteSize(), NetRxSoftirqTime.VALUE_LAYOUT.byteSize());
        }
        this.napi = object.map("napi").requireSizes(Integer.BYTES, NAPI_LAYOUT.byteSize());
        this.counters = object.map("counters").requireSizes(Integer.BYTES, Long.BYTES);
        this.allowedCgroups = new AllowedCgroups(object.map("allowed_cgroups"));
        allowedCgroups.replace(settings.allowedCgroupIds()); // before the programs are attached
    }

    /** Loads the program, attaches it to its tracepoints and starts the first slice. */
    public static NetRxSampler start(Settings settings) {
        return start(settings, OffCpuSampler.TRACEFS, TRACEPOINTS);
    }

    /** As {@link #start(Settings)}, checking {@code tracepoints} under {@code tracefs} first (tests name a missing one). */
    static NetRxSampler start(Settings settings, Path tracefs, List<String> tracepoints) {
        OffCpuSampler.requireTracefs(tracefs);
        requireTracepoints(tracefs, tracepoints);
        BpfObject object = BpfObject.open(OBJECT);
        try {
            configure(object, settings);
            object.load();
            NetRxSampler sampler = new NetRxSampler(settings, object);
            sampler.sliceStart = Instant.now();
            sampler.sliceStartNanos = System.nanoTime();
            for (String program : PROGRAMS) {
                object.attach(program);
            }
            return sampler;
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /**
     * Says in one line which tracepoint this kernel lacks (sock:sock_recv_length came with Linux
     * 6.4, sock:sk_data_ready with 6.6), instead of a libbpf error deep in the attach.
     */
    static void requireTracepoints(Path tracefs, List<String> tracepoints) {
        for (String tracepoint : tracepoints) {
            if (!Files.isDirectory(tracefs.resolve("events").resolve(tracepoint))) {
                throw new BpfException("net-rx needs the tracepoint " + tracepoint.replace('/', ':')
                        + ", which this kernel does not have (no "
                        + tracefs.resolve("events").resolve(tracepoint)
                        + "; sock:sock_recv_length came with Linux 6.4 and sock:sk_data_ready with 6.6)");
            }
        }
    }

    private static void configure(BpfObject object, Settings settings) {
        MemorySegment config = object.sectionBeforeLoad(".rodata", BpfGlobals.Netrx.RODATA_SIZE);
        config.set(JAVA_INT, CONFIG_FILTER_CGROUPS, settings.filterCgroups() ? 1 : 0);
        config.set(JAVA_INT, CONFIG_FILTER_CPUS, 1);
        long[] mask = new long[OFFCPU_CPU_MASK_WORDS];
        for (int cpu : settings.cpus()) {
            mask[cpu / Long.SIZE] |= 1L << (cpu % Long.SIZE);
        }
        MemorySegment.copy(mask, 0, config, JAVA_LONG, CONFIG_CPU_MASK, mask.length);
        if (settings.appEntries() > 0) {
            for (int slot = 0; slot < SLOT_COUNT; slot++) {
                object.setMaxEntries("apps_" + slot, settings.appEntries());
            }
        }
    }

    public Settings settings() {
        return settings;
    }

    /** Changes the cgroups the filter admits, for reads from now on. */
    public synchronized void replaceAllowedCgroups(Set<Long> cgroupIds) {
        if (!settings.filterCgroups()) {
            throw new IllegalStateException("this sampler was started without a cgroup filter");
        }
        allowedCgroups.replace(cgroupIds);
    }

    /** Ends the current slice, starts the next one, and returns what the ended one counted. */
    public synchronized RawNetRxSlice cut() {
        int finished = activeSlot;
        int next = (finished + 1) % SLOT_COUNT;
        long cutNanos = System.nanoTime();
        Instant end = Instant.now();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(JAVA_INT);
            MemorySegment slot = arena.allocate(BpfGlobals.Netrx.BSS_SIZE, 8);
            slot.set(JAVA_INT, ACTIVE_SLOT, next);
            slotVariable.update(zero, slot, 0);
        }
        activeSlot = next;
        try {
            Thread.sleep(SLOT_QUIESCE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<NetRxAppCount> applications = new ArrayList<>();
        apps[finished].drain((key, value) -> applications.add(NetRxAppCount.read(key, value)));
        List<NetRxSocketWait> waits = new ArrayList<>();
        worst[finished].drain((key, value) -> waits.add(NetRxSocketWait.read(key, value)));
        List<NetRxSoftirqTime> softirqTimes = new ArrayList<>();
        softirqs[finished].drain((key, value) -> softirqTimes.add(NetRxSoftirqTime.read(key, value)));
        Map<Integer, RawNetRxSlice.NapiPolls> polls = drainNapi(finished);
        long[] counts = drainCounters(finished);
        RawNetRxSlice slice = new RawNetRxSlice(
                sliceStart,
                end,
                cutNanos - sliceStartNanos,
                settings.cpus(),
                applications,
                waits,
                softirqTimes,
                polls,
                new NetRxCounters(
                        counts[NETRX_COUNTER_READS],
                        counts[NETRX_COUNTER_UNSTAMPED_READS],
                        counts[NETRX_COUNTER_FILTERED_OUT],
                        counts[NETRX_COUNTER_LOST_APP_MAP_FULL],
                        counts[NETRX_COUNTER_LOST_WORST_MAP_FULL],
                        counts[NETRX_COUNTER_LOST_SOFTIRQ_MAP_FULL]));
        sliceStart = end;
        sliceStartNanos = cutNanos;
        return slice;
    }

    /** This slot's NAPI polls per CPU (CPUs with none left out), zeroed for the slot's next use. */
    private Map<Integer, RawNetRxSlice.NapiPolls> drainNapi(int slot) {
        Map<Integer, RawNetRxSlice.NapiPolls> polls = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment index = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(napi.userValueBytes(), 8);
            MemorySegment zeros = arena.allocate(napi.userValueBytes(), 8);
            index.set(JAVA_INT, 0, slot);
            napi.lookup(index, values);
            // A per-CPU value is one struct per possible CPU, each rounded up to 8 bytes.
            long stride = (NAPI_LAYOUT.byteSize() + 7) & -8L;
            for (int cpu = 0; (cpu + 1) * stride <= values.byteSize(); cpu++) {
                long pollCount = values.get(JAVA_LONG, cpu * stride + NAPI_POLLS);
                if (pollCount > 0) {
                    polls.put(
                            cpu,
                            new RawNetRxSlice.NapiPolls(pollCount, values.get(JAVA_LONG, cpu * stride + NAPI_PACKETS)));
                }
            }
            napi.update(index, zeros, 0);
        }
        return polls;
    }

    /** Reads this slot's per-CPU counters, summed over CPUs, then zeroes them. */
    private long[] drainCounters(int slot) {
        long[] totals = new long[NETRX_COUNTER_COUNT];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment index = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(counters.userValueBytes(), 8);
            MemorySegment zeros = arena.allocate(counters.userValueBytes(), 8);
            for (int counter = 0; counter < NETRX_COUNTER_COUNT; counter++) {
                index.set(JAVA_INT, 0, slot * NETRX_COUNTER_COUNT + counter);
                counters.lookup(index, values);
                totals[counter] = Arrays.stream(values.toArray(JAVA_LONG)).sum();
                counters.update(index, zeros, 0);
            }
        }
        return totals;
    }

    /** Detaches the programs and frees their maps. */
    @Override
    public synchronized void close() {
        object.close();
    }
}
