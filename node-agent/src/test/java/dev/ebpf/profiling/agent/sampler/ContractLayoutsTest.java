package dev.ebpf.profiling.agent.sampler;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.agent.bpf.BpfObject;
import dev.ebpf.profiling.agent.bpf.StructFields;
import dev.ebpf.profiling.agent.testsupport.RequiresRoot;
import dev.ebpf.profiling.agent.testsupport.TestTags;
import dev.ebpf.profiling.agent.unwind.DwarfUnwinder;
import dev.ebpf.profiling.agent.unwind.UnwindRow;
import dev.ebpf.profiling.agent.unwind.UnwindRowLayout;
import dev.ebpf.profiling.bpf.BpfContract;
import dev.ebpf.profiling.bpf.BpfGlobals;
import dev.ebpf.profiling.bpf.BpfStructs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
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
        } else if (member.equals(ValueLayout.JAVA_SHORT.withName(field))) {
            segment.set(ValueLayout.JAVA_SHORT, offset, (short) value);
        } else if (member.equals(ValueLayout.JAVA_BYTE.withName(field))) {
            segment.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
        } else {
            segment.set(ValueLayout.JAVA_LONG, offset, value);
        }
    }

    /** Field {@code field} of {@code layout}, read through the generated layout (sign-extended). */
    private static long get(MemorySegment segment, StructLayout layout, String field) {
        MemoryLayout member = layout.select(groupElement(field));
        long offset = layout.byteOffset(groupElement(field));
        if (member.equals(ValueLayout.JAVA_INT.withName(field))) {
            return segment.get(ValueLayout.JAVA_INT, offset);
        } else if (member.equals(ValueLayout.JAVA_SHORT.withName(field))) {
            return segment.get(ValueLayout.JAVA_SHORT, offset);
        } else if (member.equals(ValueLayout.JAVA_BYTE.withName(field))) {
            return segment.get(ValueLayout.JAVA_BYTE, offset);
        }
        return segment.get(ValueLayout.JAVA_LONG, offset);
    }

    private static void setBytes(MemorySegment segment, StructLayout layout, String field, byte[] bytes) {
        MemorySegment.copy(
                bytes, 0, segment, ValueLayout.JAVA_BYTE, layout.byteOffset(groupElement(field)), bytes.length);
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
    void cpuTimeKeyReadsEveryFieldWhereTheKernelWroteIt() {
        StructLayout layout = BpfStructs.CPUTIME_KEY;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(layout);
            set(key, layout, "tgid", 4242);
            set(key, layout, "cpu", 5);
            set(key, layout, "cgroup_id", 0x1_0000_0007L);
            setComm(key, layout, "redis-server");

            assertThat(CpuTimeKey.read(key)).isEqualTo(new CpuTimeKey(4242, 5, 0x1_0000_0007L, "redis-server"));
        }
    }

    @Test
    void netRxAppCountReadsEveryFieldWhereTheKernelWroteIt() {
        StructLayout keyLayout = BpfStructs.NETRX_APP_KEY;
        StructLayout valueLayout = BpfStructs.NETRX_APP_VALUE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(keyLayout);
            set(key, keyLayout, "cgroup_id", 0x2_0000_0001L);
            set(key, keyLayout, "tgid", 77);
            set(key, keyLayout, "cpu", 3);
            setComm(key, keyLayout, "envoy");
            MemorySegment value = arena.allocate(valueLayout);
            set(value, valueLayout, "packets", 10);
            set(value, valueLayout, "bytes", 20);
            set(value, valueLayout, "reads", 30);
            set(value, valueLayout, "delay_sum_ns", 40);
            set(value, valueLayout, "delay_max_ns", 50);
            long[] buckets = new long[BpfContract.NETRX_DELAY_BUCKETS];
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = 100L + i;
            }
            MemorySegment.copy(
                    buckets,
                    0,
                    value,
                    ValueLayout.JAVA_LONG,
                    valueLayout.byteOffset(groupElement("delay_buckets")),
                    buckets.length);

            NetRxAppCount count = NetRxAppCount.read(key, value);
            assertThat(count.tgid()).isEqualTo(77);
            assertThat(count.cgroupId()).isEqualTo(0x2_0000_0001L);
            assertThat(count.cpu()).isEqualTo(3);
            assertThat(count.comm()).isEqualTo("envoy");
            assertThat(count.packets()).isEqualTo(10);
            assertThat(count.bytes()).isEqualTo(20);
            assertThat(count.reads()).isEqualTo(30);
            assertThat(count.delaySumNanos()).isEqualTo(40);
            assertThat(count.delayMaxNanos()).isEqualTo(50);
            assertThat(count.delayBuckets()).containsExactly(buckets);
        }
    }

    @Test
    void netRxSocketWaitReadsEveryFieldWhereTheKernelWroteIt() throws Exception {
        StructLayout keyLayout = BpfStructs.NETRX_SOCKET_KEY;
        StructLayout valueLayout = BpfStructs.NETRX_WORST;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(keyLayout);
            set(key, keyLayout, "sk", 0xffff_8880_1234_5678L);
            set(key, keyLayout, "cgroup_id", 9);
            set(key, keyLayout, "tgid", 1234);
            set(key, keyLayout, "cpu", 6);
            MemorySegment value = arena.allocate(valueLayout);
            set(value, valueLayout, "wait_ns", 1);
            set(value, valueLayout, "read_ns", 2);
            set(value, valueLayout, "reader_gap_ns", 3);
            set(value, valueLayout, "reader_runtime_ns", 4);
            set(value, valueLayout, "reader_run_delay_ns", 5);
            set(value, valueLayout, "reads", 6);
            set(value, valueLayout, "delay_sum_ns", 7);
            set(value, valueLayout, "bytes", 8);
            set(value, valueLayout, "tid", 1235);
            set(value, valueLayout, "family", BpfContract.NETRX_AF_INET6);
            set(value, valueLayout, "protocol", 17);
            set(value, valueLayout, "local_port", 0xc350); // above 32767: read unsigned
            set(value, valueLayout, "remote_port", 443);
            InetAddress local = InetAddress.getByName("2001:db8::1");
            InetAddress remote = InetAddress.getByName("2001:db8::2");
            setBytes(value, valueLayout, "local_addr", local.getAddress());
            setBytes(value, valueLayout, "remote_addr", remote.getAddress());
            setComm(value, valueLayout, "netty-worker");

            assertThat(NetRxSocketWait.read(key, value))
                    .isEqualTo(new NetRxSocketWait(
                            0xffff_8880_1234_5678L,
                            1234,
                            9,
                            6,
                            1,
                            2,
                            3,
                            4,
                            5,
                            6,
                            7,
                            8,
                            1235,
                            BpfContract.NETRX_AF_INET6,
                            17,
                            0xc350,
                            443,
                            local,
                            remote,
                            "netty-worker"));
        }
    }

    @Test
    void netRxSoftirqTimeReadsEveryFieldWhereTheKernelWroteIt() {
        StructLayout keyLayout = BpfStructs.NETRX_SOFTIRQ_KEY;
        StructLayout valueLayout = BpfStructs.NETRX_SOFTIRQ_VALUE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(keyLayout);
            set(key, keyLayout, "cgroup_id", 31);
            set(key, keyLayout, "tgid", 32);
            set(key, keyLayout, "cpu", 33);
            set(key, keyLayout, "vec", 3);
            setComm(key, keyLayout, "ksoftirqd/33");
            MemorySegment value = arena.allocate(valueLayout);
            set(value, valueLayout, "time_ns", 123_456);
            set(value, valueLayout, "runs", 7);

            assertThat(NetRxSoftirqTime.read(key, value))
                    .isEqualTo(new NetRxSoftirqTime(33, 3, 31, 32, "ksoftirqd/33", 123_456, 7));
        }
    }

    @Test
    void unwindRowsAreWrittenWhereTheKernelReadsThem() {
        StructLayout layout = BpfStructs.UNWIND_ROW;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rows = arena.allocate(layout.byteSize() * 2, 8);
            UnwindRow row = new UnwindRow(0x7f00_1234_5678L, 2, -24, 1, -16);
            UnwindRowLayout.write(rows, 1, row);
            MemorySegment second = rows.asSlice(layout.byteSize(), layout.byteSize());

            assertThat(get(second, layout, "pc")).isEqualTo(0x7f00_1234_5678L);
            assertThat(get(second, layout, "cfa_type")).isEqualTo(2);
            assertThat(get(second, layout, "cfa_offset")).isEqualTo(-24);
            assertThat(get(second, layout, "rbp_type")).isEqualTo(1);
            assertThat(get(second, layout, "rbp_offset")).isEqualTo(-16);
            assertThat(rows.asSlice(0, layout.byteSize()).toArray(ValueLayout.JAVA_BYTE))
                    .containsOnly((byte) 0);
        }
    }

    @Test
    void unwindMappingsAndProcessesAreWrittenWhereTheKernelReadsThem() {
        StructLayout mapping = BpfStructs.UNWIND_MAPPING;
        StructLayout process = BpfStructs.UNWIND_PROCESS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mappings = arena.allocate(mapping.byteSize() * 3, 8);
            DwarfUnwinder.writeMapping(mappings, 2, 0x40_0000L, 0x41_0000L, -0x1000L, 500, 60);
            MemorySegment third = mappings.asSlice(2 * mapping.byteSize(), mapping.byteSize());
            assertThat(get(third, mapping, "start")).isEqualTo(0x40_0000L);
            assertThat(get(third, mapping, "end")).isEqualTo(0x41_0000L);
            assertThat(get(third, mapping, "bias")).isEqualTo(-0x1000L);
            assertThat(get(third, mapping, "row_start")).isEqualTo(500);
            assertThat(get(third, mapping, "row_count")).isEqualTo(60);

            MemorySegment entry = arena.allocate(process);
            DwarfUnwinder.writeProcess(entry, 64, 9, 3);
            assertThat(get(entry, process, "mapping_start")).isEqualTo(64);
            assertThat(get(entry, process, "mapping_count")).isEqualTo(9);
            assertThat(get(entry, process, "load")).isEqualTo(3);
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
        try (BpfObject cpuTime = BpfObject.open("cputime")) {
            cpuTime.load();
            cpuTime.map("counts_0").requireSizes(BpfStructs.CPUTIME_KEY.byteSize(), Long.BYTES);
            cpuTime.map(".bss").requireSizes(Integer.BYTES, BpfGlobals.Cputime.BSS_SIZE);
            cpuTime.map(".rodata").requireSizes(Integer.BYTES, BpfGlobals.Cputime.RODATA_SIZE);
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
