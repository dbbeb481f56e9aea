package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a container can put where the agent reads (issue 9): its perf map and the files it maps.
 * Each case uses real files and the real openat2/openat calls, under a made-up {@code PID/root}.
 */
class ConfinedFileTest {

    private static final Duration NO_HANG = Duration.ofSeconds(10);

    @TempDir
    Path directory;

    private Path root;

    @BeforeEach
    void containerRoot() throws IOException {
        root = Files.createDirectories(directory.resolve("4242/root"));
        Files.createDirectories(root.resolve("tmp"));
    }

    private static String read(ConfinedFile file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) file.attributes().size());
        file.channel().read(buffer, 0);
        return new String(buffer.array(), StandardCharsets.UTF_8);
    }

    @Test
    void readsARegularFileInTheRoot() throws IOException {
        Files.writeString(root.resolve("tmp/perf-1.map"), "1000 10 f\n");

        try (ConfinedFile file = ConfinedFile.open(root.resolve("tmp/perf-1.map"), 1024)) {
            assertThat(read(file)).isEqualTo("1000 10 f\n");
        }
    }

    @Test
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = root.resolve("tmp/perf-1.map");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor())
                .isZero();

        assertTimeoutPreemptively(
                NO_HANG,
                () -> assertThatThrownBy(() -> ConfinedFile.open(fifo, 1024))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("not a regular file (a FIFO, socket or device)"));
    }

    @Test
    void aDeviceIsRefused() {
        assertTimeoutPreemptively(
                NO_HANG,
                () -> assertThatThrownBy(() -> ConfinedFile.open(Path.of("/dev/zero"), Long.MAX_VALUE))
                        .hasMessageContaining("not a regular file"));
    }

    @Test
    void aLinkAsTheLastComponentIsNotFollowed() throws IOException {
        Path outside = Files.writeString(directory.resolve("secret"), "host secret\n");
        Files.createSymbolicLink(root.resolve("tmp/perf-1.map"), outside);

        assertThatThrownBy(() -> ConfinedFile.open(root.resolve("tmp/perf-1.map"), 1024))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("perf-1.map")
                .hasMessageContaining("symbolic links");
    }

    @Test
    void anAbsoluteLinkInThePathStaysInsideTheRoot() throws IOException {
        // The container's /var points at an absolute path that, seen from the host, holds a secret.
        Path hostDirectory = Files.createDirectories(directory.resolve("host"));
        Files.writeString(hostDirectory.resolve("perf-1.map"), "host secret\n");
        Files.createSymbolicLink(root.resolve("var"), hostDirectory.toAbsolutePath());
        assertThat(root.resolve("var/perf-1.map")).as("followed from the host").hasContent("host secret");

        // Inside the root that path does not exist: the host's file is never opened.
        assertThatThrownBy(() -> ConfinedFile.open(root.resolve("var/perf-1.map"), 1024))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aFileOverTheCapIsNotRead() throws IOException {
        Path huge = root.resolve("tmp/perf-1.map");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(PerfMap.MAX_BYTES + 1); // sparse: no disk used
        }

        assertThatThrownBy(() -> ConfinedFile.open(huge, PerfMap.MAX_BYTES))
                .hasMessageContaining(
                        (PerfMap.MAX_BYTES + 1) + " bytes, more than the " + PerfMap.MAX_BYTES + "-byte cap");
    }

    @Test
    void aMissingFileIsNoSuchFile() {
        assertThatThrownBy(() -> ConfinedFile.open(root.resolve("tmp/perf-1.map"), 1024))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void findsTheProcessRootInAPath() {
        assertThat(ConfinedFile.processRootIndex(Path.of("/proc/17/root/usr/lib/libc.so.6")))
                .isEqualTo(2);
        assertThat(ConfinedFile.processRootIndex(Path.of("/proc/17/map_files/1000-2000")))
                .isEqualTo(-1);
        assertThat(ConfinedFile.processRootIndex(Path.of("/usr/lib/debug/.build-id/ab/cd.debug")))
                .isEqualTo(-1);
    }
}
