package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessMapsTest {

    private static final List<String> MAPS = List.of(
            "55d4c7a8c000-55d4c7a8e000 r--p 00000000 08:01 1234567                    /usr/bin/cat",
            "55d4c7a8e000-55d4c7a93000 r-xp 00002000 08:01 1234567                    /usr/bin/cat",
            "7f3a1c000000-7f3a1c021000 rw-p 00000000 00:00 0 ",
            "7f3a1c428000-7f3a1c5bd000 r-xp 00028000 fd:00 42                         /opt/my app/lib x.so (deleted)",
            "7f3a1d000000-7f3a1d010000 rwxp 00000000 00:00 0 ",
            "7ffc5b1f4000-7ffc5b1f6000 r-xp 00000000 00:00 0                          [vdso]");

    @Test
    void keepsOnlyExecutableMappingsSortedByAddress() {
        ProcessMaps maps = ProcessMaps.parse(MAPS, "test");

        assertThat(maps.mappings())
                .extracting(MemoryMapping::start)
                .containsExactly(0x55d4c7a8e000L, 0x7f3a1c428000L, 0x7f3a1d000000L, 0x7ffc5b1f4000L);
    }

    @Test
    void readsOffsetIdentityAndPathsWithSpaces() {
        MemoryMapping library = ProcessMaps.parse(MAPS, "test").find(0x7f3a1c428010L);

        assertThat(library.fileOffset()).isEqualTo(0x28000);
        assertThat(library.file()).isEqualTo(new FileIdentity("fd:00", 42));
        assertThat(library.path()).isEqualTo("/opt/my app/lib x.so (deleted)");
        assertThat(library.filePath()).isEqualTo("/opt/my app/lib x.so");
        assertThat(library.moduleName()).isEqualTo("lib x.so");
        assertThat(library.isFileBacked()).isTrue();
        assertThat(library.fileOffsetOf(0x7f3a1c428010L)).isEqualTo(0x28010);
    }

    @Test
    void findsByAddressWithExclusiveEnd() {
        ProcessMaps maps = ProcessMaps.parse(MAPS, "test");

        assertThat(maps.find(0x55d4c7a8e000L).path()).isEqualTo("/usr/bin/cat");
        assertThat(maps.find(0x55d4c7a92fffL).path()).isEqualTo("/usr/bin/cat");
        assertThat(maps.find(0x55d4c7a93000L)).isNull();
        assertThat(maps.find(0x1000L)).isNull();
        assertThat(maps.find(0x7f3a1d000100L).isFileBacked()).isFalse();
        assertThat(maps.find(0x7ffc5b1f4100L).isFileBacked()).isFalse();
    }

    @Test
    void aMalformedLineNamesItsSourceAndLine() {
        assertThatThrownBy(() -> ProcessMaps.parse(List.of(MAPS.get(0), "garbage"), "/proc/1/maps"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/proc/1/maps line 2");
        // Non-executable lines skip the full parse, but a line that is not a maps line is not skipped.
        assertThatThrownBy(() -> ProcessMaps.parse(List.of(MAPS.get(0), "this is not a maps line"), "/proc/1/maps"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/proc/1/maps line 2");
    }
}
