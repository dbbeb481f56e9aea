package dev.ebpf.profiling.agent.cli;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks up front that the process may load BPF programs and open system-wide perf events, so the
 * user gets one clear line instead of an EPERM from deep inside libbpf.
 */
public final class Privileges {

    static final Path SELF_STATUS = Path.of("/proc/self/status");
    private static final int CAP_PERFMON = 38;
    private static final int CAP_BPF = 39;
    private static final int CAP_SYS_ADMIN = 21;

    private Privileges() {}

    /** Throws a UsageException unless the process is root or holds CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN). */
    public static void requireBpfPrivileges(Path status) {
        String effective = field(status, "CapEff:");
        String uid = field(status, "Uid:");
        boolean root = uid.split("\\s+")[1].equals("0");
        BigInteger caps = new BigInteger(effective, 16);
        boolean bpfCaps = caps.testBit(CAP_BPF) && caps.testBit(CAP_PERFMON);
        if (!(root || bpfCaps || caps.testBit(CAP_SYS_ADMIN))) {
            throw new UsageException("profiling needs root (or CAP_BPF and CAP_PERFMON): run it with sudo");
        }
    }

    private static String field(Path status, String name) {
        try {
            return Files.readAllLines(status).stream()
                    .filter(line -> line.startsWith(name))
                    .map(line -> line.substring(name.length()).strip())
                    .findFirst()
                    .orElseThrow(() ->
                            new UsageException("cannot tell the process's privileges: no " + name + " in " + status));
        } catch (IOException e) {
            throw new UsageException("cannot tell the process's privileges: " + status + " is unreadable");
        }
    }
}
