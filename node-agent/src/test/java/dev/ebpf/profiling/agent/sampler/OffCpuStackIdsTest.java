package dev.ebpf.profiling.agent.sampler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.bpf.BpfContract;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The agent's own stack ids, which carry the stacks of blocks that go on across slice cuts. */
class OffCpuStackIdsTest {

    @Test
    void equalStacksShareAnIdAndNoStackHasNone() {
        StackIds ids = new StackIds();
        int first = ids.idOf(new long[] {0x10, 0x20});
        assertThat(ids.idOf(new long[] {0x10, 0x20})).isEqualTo(first);
        assertThat(ids.idOf(new long[] {0x10, 0x30})).isNotEqualTo(first);
        assertThat(ids.idOf(null)).isEqualTo(BpfContract.NO_STACK_ID);
        assertThat(ids.frames(first)).containsExactly(0x10, 0x20);
        assertThat(ids.stacks()).hasSize(2);
    }

    @Test
    void forgottenIdsAreNeverHandedOutAgain() {
        StackIds ids = new StackIds();
        int kept = ids.idOf(new long[] {1});
        int dropped = ids.idOf(new long[] {2});
        ids.retainOnly(Set.of(kept));

        assertThat(ids.frames(dropped)).isNull();
        assertThat(ids.frames(kept)).containsExactly(1);
        // The same frames again get a new id: a key still holding the old one cannot alias them.
        int again = ids.idOf(new long[] {2});
        assertThat(again).isNotEqualTo(dropped).isNotEqualTo(kept);
        assertThat(ids.idOf(new long[] {1})).isEqualTo(kept);
    }
}
