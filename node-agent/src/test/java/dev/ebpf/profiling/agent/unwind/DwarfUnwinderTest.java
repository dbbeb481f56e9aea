package dev.ebpf.profiling.agent.unwind;

import static dev.ebpf.profiling.bpf.BpfContract.UNWIND_MAX_MAPPINGS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.agent.symbolize.FileIdentity;
import dev.ebpf.profiling.agent.symbolize.MemoryMapping;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DwarfUnwinderTest {

    private static MemoryMapping code(long start, String path) {
        return new MemoryMapping(start, start + 0x1000, true, 0, new FileIdentity("", 0), path);
    }

    @Test
    void mappingsAreWrittenInTheOrderTheProgramSearchesThem() {
        MemoryMapping vsyscall = code(0xffffffffff600000L, "[vsyscall]");
        MemoryMapping library = code(0x7f0000001000L, "/usr/lib/x86_64-linux-gnu/libc.so.6");
        MemoryMapping executable = code(0x555500001000L, "/usr/bin/xz");

        // Unsigned, as the program's binary search compares them: [vsyscall] goes last.
        assertThat(DwarfUnwinder.inSearchOrder(List.of(vsyscall, library, executable)))
                .containsExactly(executable, library, vsyscall);
    }

    @Test
    void atMostABlockOfMappingsIsWritten() {
        List<MemoryMapping> many = new ArrayList<>();
        for (int i = UNWIND_MAX_MAPPINGS; i >= 0; i--) {
            many.add(code(0x10000L * (i + 1), "/lib" + i + ".so"));
        }

        List<MemoryMapping> written = DwarfUnwinder.inSearchOrder(many);

        assertThat(written).hasSize(UNWIND_MAX_MAPPINGS);
        assertThat(written.getFirst().start()).isEqualTo(0x10000L);
    }
}
