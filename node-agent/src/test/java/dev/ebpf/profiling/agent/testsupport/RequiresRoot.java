package dev.ebpf.profiling.agent.testsupport;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Preconditions of real (root, cgroup, eBPF) tests. When a precondition does not hold the test is
 * skipped with the reason, except under {@code -Dprofiler.requireBpf=true} (as CI runs), where
 * a skip would hide that nothing was tested: there it fails instead.
 *
 * <pre>
 * &#64;BeforeEach void root() { RequiresRoot.assumeRoot(); }
 * &#64;BeforeEach void bpf() { RequiresRoot.assumeBpf(); }   // root, and the kernel's BTF to load CO-RE programs
 * RequiresRoot.require(Files.exists(binary), "needs gcc");
 * </pre>
 */
public final class RequiresRoot {

    /** System property that turns skips into failures. */
    public static final String REQUIRE_BPF_PROPERTY = "profiler.requireBpf";

    private RequiresRoot() {}

    /** Skips (or fails, see class doc) unless the effective uid is 0. */
    public static void assumeRoot() {
        require(isRoot(), "needs root (effective uid 0) to create cgroups and load eBPF programs");
    }

    /**
     * Skips (or fails) unless this JVM can load the agent's eBPF programs: root and readable kernel BTF.
     * Fails first when the calling test is not tagged {@value TestTags#BPF}, so that {@code ./scripts/test.sh
     * --fast} (which excludes that tag) never runs a test that loads programs.
     */
    public static void assumeBpf() {
        TestTags.requireBpfTagOnCaller();
        assumeRoot();
        require(Files.isReadable(BpfObject.KERNEL_BTF), "needs kernel BTF at " + BpfObject.KERNEL_BTF);
    }

    /** Skips (or fails, see class doc) with {@code reason} unless {@code condition} holds. */
    public static void require(boolean condition, String reason) {
        if (condition) {
            return;
        }
        if (Boolean.getBoolean(REQUIRE_BPF_PROPERTY)) {
            Assertions.fail(reason + " (-D" + REQUIRE_BPF_PROPERTY + "=true: this test must run here, not be skipped)");
        }
        Assumptions.abort(reason);
    }

    /** True when this JVM's effective uid is 0 (the second field of the Uid: line of /proc/self/status). */
    public static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }
}
