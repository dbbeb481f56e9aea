package dev.ebpf.profiling.agent.cli;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivilegesTest {

    @TempDir
    Path dir;

    private Path status(String uid, String capEff) throws IOException {
        return Files.writeString(
                dir.resolve("status"),
                "Name:\tjava\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\nCapEff:\t" + capEff + "\n");
    }

    @Test
    void rootMayProfile() throws IOException {
        assertThatCode(() -> Privileges.requireBpfPrivileges(status("0", "000001ffffffffff")))
                .doesNotThrowAnyException();
    }

    @Test
    void aNonRootUserWithBpfAndPerfmonMayProfile() throws IOException {
        // CAP_PERFMON (38) and CAP_BPF (39): bits 0xC000000000.
        assertThatCode(() -> Privileges.requireBpfPrivileges(status("1000", "000000c000000000")))
                .doesNotThrowAnyException();
    }

    @Test
    void anOrdinaryUserIsToldToUseRoot() throws IOException {
        assertThatThrownBy(() -> Privileges.requireBpfPrivileges(status("1000", "0000000000000000")))
                .isInstanceOf(UsageException.class)
                .hasMessage("profiling needs root (or CAP_BPF and CAP_PERFMON): run it with sudo");
    }

    @Test
    void anUnreadableStatusFileIsOneClearLine() {
        assertThatThrownBy(() -> Privileges.requireBpfPrivileges(dir.resolve("missing")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("is unreadable");
    }
}
