package dev.ebpf.profiling.agent.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sampling perf events, one per selected CPU, for every process on that CPU. Hardware cycles are
 * tried first; where the kernel has no PMU for them, software cpu-clock runs instead, and
 * {@link #event()} says which.
 */
public final class PerfEvents implements AutoCloseable {

    /** Errnos that mean "this machine has no such hardware event", as opposed to "not allowed". */
    private static final Set<Integer> NO_HARDWARE_EVENT = Set.of(Errno.ENOENT, Errno.EOPNOTSUPP, Errno.ENODEV);

    // struct perf_event_attr, as far as the agent sets it (PERF_ATTR_SIZE_VER7 = 128 bytes).
    private static final int ATTR_SIZE = 128;
    private static final long OFFSET_TYPE = 0;
    private static final long OFFSET_SIZE = 4;
    private static final long OFFSET_CONFIG = 8;
    private static final long OFFSET_SAMPLE_PERIOD_OR_FREQ = 16;
    private static final long OFFSET_FLAGS = 40;
    private static final long FLAG_DISABLED = 1L; // enabled by libbpf once the program is attached
    private static final long FLAG_FREQ = 1L << 10; // the period field holds a frequency
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final SamplingEvent event;
    /** CPU to perf event fd; an fd leaves this map once a link owns it. */
    private final Map<Integer, Integer> fds;

    private PerfEvents(SamplingEvent event, Map<Integer, Integer> fds) {
        this.event = event;
        this.fds = fds;
    }

    /**
     * Opens one event per CPU at the given frequency.
     *
     * @param preferred the event to try first; {@link SamplingEvent#CPU_CLOCK} skips the hardware try
     */
    public static PerfEvents open(List<Integer> cpus, int frequencyHz, SamplingEvent preferred) {
        if (preferred == SamplingEvent.CPU_CYCLES) {
            try {
                return openAll(SamplingEvent.CPU_CYCLES, cpus, frequencyHz);
            } catch (BpfException e) {
                if (!NO_HARDWARE_EVENT.contains(e.errno())) {
                    throw e;
                }
            }
        }
        return openAll(SamplingEvent.CPU_CLOCK, cpus, frequencyHz);
    }

    private static PerfEvents openAll(SamplingEvent event, List<Integer> cpus, int frequencyHz) {
        Map<Integer, Integer> fds = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = attributes(arena, event, frequencyHz);
            for (int cpu : cpus) {
                fds.put(cpu, Libc.perfEventOpen(attr, cpu));
            }
            return new PerfEvents(event, fds);
        } catch (BpfException e) {
            fds.values().forEach(Libc::close);
            if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
                throw new BpfException(e.getMessage() + " (run as root, or with CAP_PERFMON)", e.errno());
            }
            throw e;
        }
    }

    private static MemorySegment attributes(Arena arena, SamplingEvent event, int frequencyHz) {
        MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
        attr.set(JAVA_INT, OFFSET_TYPE, event.perfType());
        attr.set(JAVA_INT, OFFSET_SIZE, ATTR_SIZE);
        attr.set(JAVA_LONG, OFFSET_CONFIG, event.perfConfig());
        if (event == SamplingEvent.CPU_CLOCK) {
            // cpu-clock counts nanoseconds: a fixed period gives exactly frequencyHz samples per busy second.
            attr.set(JAVA_LONG, OFFSET_SAMPLE_PERIOD_OR_FREQ, NANOS_PER_SECOND / frequencyHz);
            attr.set(JAVA_LONG, OFFSET_FLAGS, FLAG_DISABLED);
        } else {
            // Cycles per second vary with the clock speed, so let the kernel steer the period.
            attr.set(JAVA_LONG, OFFSET_SAMPLE_PERIOD_OR_FREQ, frequencyHz);
            attr.set(JAVA_LONG, OFFSET_FLAGS, FLAG_DISABLED | FLAG_FREQ);
        }
        return attr;
    }

    public SamplingEvent event() {
        return event;
    }

    /** Attaches the program on every CPU; from then on the links own the fds. */
    public void attach(BpfObject object, String program) {
        var iterator = fds.entrySet().iterator();
        while (iterator.hasNext()) {
            var entry = iterator.next();
            object.attachPerfEvent(program, entry.getValue());
            iterator.remove();
        }
    }

    /** Closes the fds no link took over. */
    @Override
    public void close() {
        fds.values().forEach(Libc::close);
        fds.clear();
    }
}
