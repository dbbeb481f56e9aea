package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What counts as code when the symbolizer cuts a stack below a caller that is none. */
class KnownCodeTest {

    private static final FileIdentity LIB = new FileIdentity("fe:00", 42);
    private static final ProcessMaps AT_SLICE_END =
            ProcessMaps.of(List.of(new MemoryMapping(0x400000, 0x401000, true, 0, LIB, "/app")));
    private static final ProcessMaps TRACKED =
            ProcessMaps.of(List.of(new MemoryMapping(0x7f0000000000L, 0x7f0000001000L, true, 0, LIB, "/lib.so")));

    @Test
    void anAddressOutsideEveryKnownMappingIsNoCode() {
        KnownCode code = KnownCode.of(AT_SLICE_END, TRACKED);

        assertThat(code.isNoCode(0x1000)).isTrue();
        assertThat(code.isNoCode(0x400010)).isFalse();
        assertThat(code.isNoCode(0x7f0000000010L))
                .as("unmapped since, in the records")
                .isFalse();
    }

    @Test
    void withoutAnyMappingNothingIsJudged() {
        // A tracked image with no mapping (first seen by a comm record) is no evidence either.
        assertThat(KnownCode.of(ProcessMaps.NONE, null)).isEqualTo(KnownCode.UNKNOWN);
        assertThat(KnownCode.of(ProcessMaps.of(List.of()))).isEqualTo(KnownCode.UNKNOWN);
        assertThat(KnownCode.UNKNOWN.isNoCode(0x1000)).isFalse();
        assertThat(KnownCode.of(ProcessMaps.NONE, TRACKED).isNoCode(0x1000)).isTrue();
    }
}
