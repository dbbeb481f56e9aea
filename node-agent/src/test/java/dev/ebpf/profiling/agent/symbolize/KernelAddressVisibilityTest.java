package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelAddressVisibilityTest {

    @Test
    void aStockKernelWithoutSyslogNamesTheSettingAndTheCapability() {
        String line = new KernelAddressVisibility(0, 2, false).explain();

        assertThat(line)
                .contains("kernel.kptr_restrict=0", "kernel.perf_event_paranoid=2", "without CAP_SYSLOG")
                .contains("kernel frames are named by region only")
                .contains("give the agent CAP_SYSLOG", "kernel.perf_event_paranoid=1")
                .doesNotContain("\n");
    }

    @Test
    void kptrRestrictTwoHidesThemFromEveryone() {
        assertThat(new KernelAddressVisibility(2, 1, true).explain())
                .contains("kernel.kptr_restrict=2 hides them from everyone");
    }

    @Test
    void withSyslogAndPermissiveSettingsItPointsAtLockdown() {
        assertThat(new KernelAddressVisibility(1, 2, true).explain()).contains("lockdown");
    }

    @Test
    void readsTheSettingsAndTheCapabilityFromProc(@TempDir Path proc) throws Exception {
        Files.createDirectories(proc.resolve("sys/kernel"));
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("sys/kernel/kptr_restrict"), "1\n");
        Files.writeString(proc.resolve("sys/kernel/perf_event_paranoid"), "3\n");
        // CAP_SYSLOG is bit 34: 0x400000000.
        Files.writeString(proc.resolve("self/status"), "Name:\tx\nCapEff:\t0000000400000000\n");

        assertThat(KernelAddressVisibility.of(proc)).isEqualTo(new KernelAddressVisibility(1, 3, true));
    }

    @Test
    void unreadableSettingsShowAsUnknown(@TempDir Path proc) {
        KernelAddressVisibility unknown = KernelAddressVisibility.of(proc);

        assertThat(unknown).isEqualTo(new KernelAddressVisibility(null, null, false));
        assertThat(unknown.explain()).contains("kernel.kptr_restrict=?");
    }
}
