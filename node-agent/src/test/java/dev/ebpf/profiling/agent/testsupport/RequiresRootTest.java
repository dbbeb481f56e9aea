package dev.ebpf.profiling.agent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class RequiresRootTest {

    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(RequiresRoot.REQUIRE_BPF_PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(RequiresRoot.REQUIRE_BPF_PROPERTY);
        } else {
            System.setProperty(RequiresRoot.REQUIRE_BPF_PROPERTY, saved);
        }
    }

    @Test
    void unmetConditionSkipsWithTheReason() {
        System.setProperty(RequiresRoot.REQUIRE_BPF_PROPERTY, "false");
        assertThatThrownBy(() -> RequiresRoot.require(false, "needs a PMU"))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("needs a PMU");
    }

    @Test
    void unmetConditionFailsWhenBpfTestsAreRequired() {
        System.setProperty(RequiresRoot.REQUIRE_BPF_PROPERTY, "true");
        assertThatThrownBy(() -> RequiresRoot.require(false, "needs a PMU"))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageStartingWith("needs a PMU (-Dprofiler.requireBpf=true");
    }

    @Test
    void metConditionPassesEitherWay() {
        System.setProperty(RequiresRoot.REQUIRE_BPF_PROPERTY, "true");
        RequiresRoot.require(true, "unused");
    }

    @Test
    void isRootReadsTheEffectiveUid() throws IOException {
        String uidLine = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:"))
                .findFirst()
                .orElseThrow();
        assertThat(RequiresRoot.isRoot()).isEqualTo(uidLine.split("\\s+")[2].equals("0"));
    }

    @Test
    void aTestThatLoadsBpfWithoutTheTagFails() {
        assertThatThrownBy(RequiresRoot::assumeBpf)
                .isInstanceOf(AssertionFailedError.class)
                .hasMessageContaining("aTestThatLoadsBpfWithoutTheTagFails loads eBPF programs")
                .hasMessageContaining("@Tag(\"bpf\")");
    }

    @Nested
    @Tag(TestTags.BPF)
    class TaggedClass {
        @Test
        void theTagOnTheClassCounts() {
            TestTags.requireBpfTagOnCaller();
        }
    }

    @Test
    @Tag(TestTags.BPF)
    void theTagOnTheMethodCounts() {
        TestTags.requireBpfTagOnCaller();
    }
}
