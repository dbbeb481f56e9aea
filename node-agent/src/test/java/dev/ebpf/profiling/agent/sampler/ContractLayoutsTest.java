package dev.ebpf.profiling.agent.sampler;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.bpf.BpfContract;
import dev.ebpf.profiling.bpf.BpfGlobals;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Drift between bpf/profiler.h and the agent. The layouts are generated from the objects' BTF
 * (BpfStructs, BpfGlobals); what can still drift is how the agent reads them: each mirror is read
 * back from a struct written field by field through the generated layout, so a field the mirror reads
 * at the wrong place or width fails here. With BPF, the loaded maps' key and value sizes are checked too.
 */
class ContractLayoutsTest {

    private static void set(MemorySegment segment, StructLayout layout, String field, long value) {
        MemoryLayout member = layout.select(groupElement(field));
        long offset = layout.byteOffset(groupElement(field));
        if (member.equals(ValueLayout.JAVA_INT.withName(field))) {
            segment.set(ValueLayout.JAVA_INT, offset, (int) value);
        } else {
            segment.set(ValueLayout.JAVA_LONG, offset, value);
        }
    }

    private static void setComm(MemorySegment segment, StructLayout layout, String comm) {
        byte[] bytes = comm.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(
                bytes, 0, segment, ValueLayout.JAVA_BYTE, layout.byteOffset(groupElement("comm")), bytes.length);
    }

    @Test
    void sampleKeyReadsEveryFieldWhereTheKernelWroteIt() {
        StructLayout layout = BpfStructs.SAMPLE_KEY;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(layout);
            set(key, layout, "tgid", 4242);
            set(key, layout, "kernel_stack_id", 7);
            set(key, layout, "cgroup_id", 0x1_0000_0003L);
            set(key, layout, "user_stack_id", BpfContract.NO_STACK_ID);
            set(key, layout, "cpu", 3);
            setComm(key, layout, "nginx");

            assertThat(SampleKey.read(key)).isEqualTo(new SampleKey(4242, 0x1_0000_0003L, 7, -1, "nginx", 3));
        }
    }

    @Test
    void offCpuKeyAndValueReadEveryFieldWhereTheKernelWroteIt() {
        StructLayout layout = BpfStructs.OFFCPU_KEY;
        StructLayout valueLayout = BpfStructs.OFFCPU_VALUE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(layout);
            set(key, layout, "tgid", 99);
            set(key, layout, "kernel_stack_id", 5);
            set(key, layout, "cgroup_id", 12345L);
            set(key, layout, "user_stack_id", 6);
            set(key, layout, "stack_slot", BpfContract.OFFCPU_STACKS_CARRIED);
            set(key, layout, "prev_state", 0x402L);
            setComm(key, layout, "postgres");
            set(key, layout, "cpu", 3);
            MemorySegment value = arena.allocate(valueLayout);
            set(value, valueLayout, "blocked_ns", 1_500_000_000L);
            set(value, valueLayout, "blocks", 3);

            assertThat(KernelOffCpuKey.read(key))
                    .isEqualTo(new KernelOffCpuKey(
                            99, 12345L, 5, 6, BpfContract.OFFCPU_STACKS_CARRIED, 0x402L, "postgres", 3));
            assertThat(KernelOffCpuKey.readValue(value)).isEqualTo(new BlockedTime(1_500_000_000L, 3, 0));
        }
    }

    @Test
    void offCpuTaskWritesWhatItReads() {
        StructLayout layout = BpfStructs.OFFCPU_TASK;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment written = arena.allocate(layout);
            set(written, layout, "start_ns", 11);
            set(written, layout, "accounted_ns", 22);
            set(written, layout, "cgroup_id", 33);
            set(written, layout, "prev_state", 1);
            set(written, layout, "tgid", 44);
            set(written, layout, "kernel_stack_id", 55);
            set(written, layout, "user_stack_id", 66);
            set(written, layout, "stack_slot", 1);
            setComm(written, layout, "java");
            set(written, layout, "cpu", 1);

            OffCpuTask task = OffCpuTask.read(written);
            assertThat(task.startNanos()).isEqualTo(11);
            assertThat(task.accountedNanos()).isEqualTo(22);
            assertThat(task.cgroupId()).isEqualTo(33);
            assertThat(task.prevState()).isEqualTo(1);
            assertThat(task.tgid()).isEqualTo(44);
            assertThat(task.kernelStackId()).isEqualTo(55);
            assertThat(task.userStackId()).isEqualTo(66);
            assertThat(task.stackSlot()).isEqualTo(1);
            assertThat(task.cpu()).isEqualTo(1);
            MemorySegment rewritten = arena.allocate(layout);
            task.write(rewritten);
            assertThat(rewritten.mismatch(written)).isEqualTo(-1);
        }
    }

    @Test
    void aFieldReadAtAnotherWidthThanTheKernelsIsRefused() {
        assertThatThrownBy(() -> StructFields.offset(BpfStructs.SAMPLE_KEY, "cgroup_id", ValueLayout.JAVA_INT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("field cgroup_id is")
                .hasMessageContaining("out of step");
        assertThatThrownBy(() -> StructFields.offset(BpfStructs.SAMPLE_KEY, "no_such_field", ValueLayout.JAVA_INT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("struct sample_key has no field no_such_field");
    }

    @Test
    @Tag(TestTags.BPF)
    void theLoadedMapsHoldTheGeneratedLayouts() {
        RequiresRoot.assumeBpf();
        try (BpfObject profile = BpfObject.open("profile")) {
            profile.load();
            profile.map("counts_0").requireSizes(BpfStructs.SAMPLE_KEY.byteSize(), Long.BYTES);
            profile.map(".bss").requireSizes(Integer.BYTES, BpfGlobals.Profile.BSS_SIZE);
            profile.map(".rodata").requireSizes(Integer.BYTES, BpfGlobals.Profile.RODATA_SIZE);
        }
        try (BpfObject offCpu = BpfObject.open("offcpu")) {
            offCpu.load();
            offCpu.map("counts_0").requireSizes(BpfStructs.OFFCPU_KEY.byteSize(), BpfStructs.OFFCPU_VALUE.byteSize());
            offCpu.map("tasks").requireSizes(Integer.BYTES, BpfStructs.OFFCPU_TASK.byteSize());
            offCpu.map(".bss").requireSizes(Integer.BYTES, BpfGlobals.Offcpu.BSS_SIZE);
            offCpu.map(".rodata").requireSizes(Integer.BYTES, BpfGlobals.Offcpu.RODATA_SIZE);
        }
    }
}
