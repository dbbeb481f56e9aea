package dev.ebpf.profiling.agent.sink;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool on its own: order, restart, bounds, and files it cannot use. */
class SliceSpoolTest {

    private static final SpoolBounds ROOMY = new SpoolBounds(10_000_000, 100);

    @TempDir
    Path dir;

    @Test
    void slicesComeOutOldestFirstWithTheirObjectsIntact() {
        SliceSpool spool = new SliceSpool(dir, ROOMY);
        spool.add("s0", objects(0));
        spool.add("s1", objects(1));

        SpooledSlice oldest = spool.nextToUpload().orElseThrow();
        assertThat(oldest.slicePath()).isEqualTo("s0");
        assertThat(oldest.objects())
                .usingRecursiveFieldByFieldElementComparator()
                .isEqualTo(objects(0));
        spool.uploaded(oldest);
        assertThat(spool.nextToUpload().orElseThrow().slicePath()).isEqualTo("s1");
    }

    @Test
    void aRestartedAgentFindsItsSlicesAndContinuesTheSequence() {
        SliceSpool first = new SliceSpool(dir, ROOMY);
        first.add("s0", objects(0));
        first.add("s1", objects(1));
        long bytes = first.pendingBytes();

        SliceSpool second = new SliceSpool(dir, ROOMY);
        second.add("s2", objects(2));

        assertThat(second.pendingSlices()).isEqualTo(3);
        assertThat(second.pendingBytes()).isGreaterThan(bytes);
        assertThat(second.pendingSequences()).containsExactly(0L, 1L, 2L);
        assertThat(second.nextToUpload().orElseThrow().slicePath()).isEqualTo("s0");
    }

    @Test
    void theByteBoundDropsTheOldestAndCountsThem() throws IOException {
        long oneSlice = sizeOfOneSlice();
        SliceSpool spool = new SliceSpool(dir, new SpoolBounds(oneSlice * 2 + oneSlice / 2, 100));
        for (int i = 0; i < 4; i++) {
            spool.add("s" + i, objects(i));
        }

        assertThat(spool.pendingSlices()).isEqualTo(2);
        assertThat(spool.nextToUpload().orElseThrow().slicePath()).isEqualTo("s2");
        assertThat(spool.dropped().slices()).isEqualTo(2);
        assertThat(spool.dropped().bytes()).isEqualTo(2 * oneSlice);
        assertThat(spool.dropped().lastReason()).startsWith("slice s1 dropped: spool full");
        assertThat(files()).hasSize(2);
    }

    @Test
    void aSliceLargerThanTheWholeBoundIsDroppedItselfAndTheQueueIsKept() {
        SliceSpool spool = new SliceSpool(dir, new SpoolBounds(sizeOfOneSlice() + 10, 100));
        spool.add("small", objects(0));
        spool.add("huge", List.of(new StoredObject("k", "application/octet-stream", new byte[10_000])));

        assertThat(spool.pendingSlices()).isEqualTo(1);
        assertThat(spool.dropped().slices()).isEqualTo(1);
        assertThat(spool.dropped().lastReason()).startsWith("slice huge (").contains("is larger than the spool bound");
    }

    @Test
    void anUnreadableFileIsSetAsideCountedAndSkipped() throws IOException {
        SliceSpool spool = new SliceSpool(dir, ROOMY);
        spool.add("s0", objects(0));
        spool.add("s1", objects(1));
        Path first = files().getFirst();
        byte[] truncated = Files.readAllBytes(first);
        Files.write(first, java.util.Arrays.copyOf(truncated, truncated.length - 5));

        assertThat(spool.nextToUpload().orElseThrow().slicePath()).isEqualTo("s1");
        assertThat(spool.dropped().slices()).isEqualTo(1);
        assertThat(spool.dropped().lastReason())
                .contains("is unreadable", "kept as " + first.getFileName() + ".corrupt");
        assertThat(first.resolveSibling(first.getFileName() + ".corrupt")).exists();
        assertThat(spool.pendingSlices()).isEqualTo(1);
    }

    @Test
    void theSliceBeingUploadedIsNeverDroppedByTheBounds() {
        SliceSpool spool = new SliceSpool(dir, new SpoolBounds(10_000_000, 1));
        spool.add("s0", objects(0));
        SpooledSlice inFlight = spool.nextToUpload().orElseThrow();

        spool.add("s1", objects(1));
        assertThat(spool.pendingSlices())
                .as("one over the bound while s0 uploads")
                .isEqualTo(2);
        assertThat(spool.dropped().slices()).isZero();

        spool.add("s2", objects(2));
        assertThat(spool.dropped().lastReason()).startsWith("slice s1 dropped");

        spool.uploaded(inFlight);
        assertThat(spool.pendingSlices()).isEqualTo(1);
        assertThat(spool.nextToUpload().orElseThrow().slicePath()).isEqualTo("s2");
    }

    @Test
    void aFailedUploadLeavesTheSliceFirstInLineAndDroppableAgain() {
        SliceSpool spool = new SliceSpool(dir, new SpoolBounds(10_000_000, 1));
        spool.add("s0", objects(0));
        spool.uploadFailed(spool.nextToUpload().orElseThrow());

        spool.add("s1", objects(1));

        assertThat(spool.dropped().lastReason()).startsWith("slice s0 dropped");
        assertThat(spool.nextToUpload().orElseThrow().slicePath()).isEqualTo("s1");
    }

    @Test
    void aWriteInterruptedByACrashIsCleanedUpOnOpen() throws IOException {
        Files.write(dir.resolve("00000000000000000007.slice.partial"), new byte[] {1, 2, 3});

        SliceSpool spool = new SliceSpool(dir, ROOMY);

        assertThat(spool.pendingSlices()).isZero();
        assertThat(files()).isEmpty();
    }

    private long sizeOfOneSlice() {
        return new SpooledSlice(0, "s0", objects(0)).encode().length;
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> p.toString().endsWith(".slice")).sorted().toList();
        }
    }

    private static List<StoredObject> objects(int n) {
        return Slices.slice(n).toObjects("p");
    }
}
