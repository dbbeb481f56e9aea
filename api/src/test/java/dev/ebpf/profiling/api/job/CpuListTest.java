package dev.ebpf.profiling.api.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuListTest {

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "0,2-3; 0,2-3",
                "0-1; 0-1",
                "1; 1",
                "3,1,2; 1-3",
                "0-2,1-3; 0-3",
                "5,5,5; 5",
                "' 0, 2 '; 0,2",
                "0-0; 0",
                "0,1,2,4,6,7; 0-2,4,6-7",
                "'0-1\n'; 0-1",
            })
    void parsesAndFormatsCanonically(String text, String canonical) {
        assertThat(CpuList.parse(text).toString()).isEqualTo(canonical);
    }

    @Test
    void aTypedListRefusesRepeats() {
        assertThatThrownBy(() -> CpuList.parseStrict("0,0")).hasMessage("bad CPU list '0,0': CPU 0 is listed twice");
        assertThatThrownBy(() -> CpuList.parseStrict("0-2,1")).hasMessageContaining("CPU 1 is listed twice");
        assertThat(CpuList.parseStrict("0,2-3").toString()).isEqualTo("0,2-3");
    }

    @Test
    void cpusAreSortedAndDistinct() {
        CpuList list = CpuList.parse("3,0-1,1");
        assertThat(list.cpus()).containsExactly(0, 1, 3);
        assertThat(list.size()).isEqualTo(3);
        assertThat(list.contains(3)).isTrue();
        assertThat(list.contains(2)).isFalse();
        assertThat(list).isEqualTo(CpuList.of(List.of(1, 3, 0)));
    }

    @ParameterizedTest(name = "''{0}'' is rejected: {1}")
    @CsvSource(
            delimiter = ';',
            value = {
                "''; empty CPU list",
                "'  '; empty CPU list",
                "0,,1; empty item",
                "0,; empty item",
                "a; 'a' is not a CPU number",
                "1-; '' is not a CPU number",
                "1-2-3; '2-3' is not a CPU number",
                "0x1; '0x1' is not a CPU number",
                "+1; '+1' is not a CPU number",
                "-1; cannot be negative (-1)",
                "0--1; cannot be negative (-1)",
                "3-2; range 3-2 is reversed",
                "0-99999; CPU 99999 is outside 0-8191",
                "99999999999; '99999999999' is not a CPU number",
            })
    void rejectsGarbageWithOneLine(String text, String message) {
        assertThatThrownBy(() -> CpuList.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .hasMessageNotContaining("\n");
    }

    @Test
    void parseWithinAcceptsOnlineCpus() {
        CpuList online = CpuList.parse("0-1");
        assertThat(CpuList.parseWithin("1", online).cpus()).containsExactly(1);
        assertThat(CpuList.parseWithin("0-1", online).cpus()).containsExactly(0, 1);
    }

    @Test
    void parseWithinRejectsOfflineCpu() {
        assertThatThrownBy(() -> CpuList.parseWithin("0,7", CpuList.parse("0-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown CPU 7: this node's online CPUs are 0-1");
        assertThatThrownBy(() -> CpuList.parseWithin("1", CpuList.parse("0,2-5,7")))
                .hasMessage("unknown CPU 1: this node's online CPUs are 0,2-5,7");
    }

    @Test
    void ofRejectsOutOfRange() {
        assertThatThrownBy(() -> CpuList.of(List.of(-2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside");
    }
}
