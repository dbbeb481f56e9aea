package dev.ebpf.profiling.agent.symbolize;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why {@code /proc/kallsyms} shows this process every kernel address as 0, and what would show
 * them. The kernel shows the addresses when {@code kernel.kptr_restrict} is 0 and
 * {@code kernel.perf_event_paranoid} is at most 1, or when {@code kptr_restrict} is at most 1 and
 * the reader holds CAP_SYSLOG; {@code kptr_restrict=2} hides them from everyone.
 *
 * @param kptrRestrict       {@code kernel.kptr_restrict}, or null when unreadable
 * @param perfEventParanoid  {@code kernel.perf_event_paranoid}, or null when unreadable
 * @param hasSyslog          whether this process holds CAP_SYSLOG (effective)
 */
public record KernelAddressVisibility(Integer kptrRestrict, Integer perfEventParanoid, boolean hasSyslog) {

    private static final int CAP_SYSLOG = 34;

    /** This machine's settings, as this process sees them. */
    public static KernelAddressVisibility ofThisProcess() {
        return of(Path.of("/proc"));
    }

    static KernelAddressVisibility of(Path proc) {
        return new KernelAddressVisibility(
                sysctl(proc.resolve("sys/kernel/kptr_restrict")),
                sysctl(proc.resolve("sys/kernel/perf_event_paranoid")),
                effectiveCapability(proc.resolve("self/status"), CAP_SYSLOG));
    }

    /**
     * One line for the log, the metrics' reason and the job's condition: what the kernel hides, what
     * the agent does without it, and the one change that would show the symbols.
     */
    public String explain() {
        String settings = "kernel.kptr_restrict=" + show(kptrRestrict) + ", kernel.perf_event_paranoid="
                + show(perfEventParanoid) + ", " + (hasSyslog ? "with" : "without") + " CAP_SYSLOG";
        return "/proc/kallsyms shows every kernel address as 0 to the agent (" + settings
                + "): kernel frames are named by region only ([kernel], [kernel module]); " + remedy();
    }

    private String remedy() {
        if (kptrRestrict != null && kptrRestrict >= 2) {
            return "kernel.kptr_restrict=2 hides them from everyone: set it to 1 and give the agent CAP_SYSLOG";
        }
        if (!hasSyslog) {
            return "give the agent CAP_SYSLOG (the chart does), or set kernel.perf_event_paranoid=1"
                    + " with kernel.kptr_restrict=0";
        }
        return "check the kernel's lockdown mode (/sys/kernel/security/lockdown), which can hide them too";
    }

    private static String show(Integer value) {
        return value == null ? "?" : value.toString();
    }

    private static Integer sysctl(Path file) {
        try {
            return Integer.valueOf(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Reads the CapEff mask of a status file; false when it cannot be read. */
    static boolean effectiveCapability(Path status, int capability) {
        try {
            Optional<String> line = Files.readAllLines(status).stream()
                    .filter(l -> l.startsWith("CapEff:"))
                    .findFirst();
            return line.isPresent()
                    && new BigInteger(line.get().substring("CapEff:".length()).strip(), 16).testBit(capability);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
