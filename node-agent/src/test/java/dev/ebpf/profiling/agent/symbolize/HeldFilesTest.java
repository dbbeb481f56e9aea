package dev.ebpf.profiling.agent.symbolize;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files held open to read later: only the very file mapped, readable after its path is gone, let go when idle. */
class HeldFilesTest {

    @TempDir
    Path directory;

    /** The identity /proc/PID/maps would print for this file. */
    private static FileIdentity identityOf(Path file) throws Exception {
        Map<String, Object> attributes = Files.readAttributes(file, "unix:dev,ino");
        long device = (Long) attributes.get("dev");
        int major = (int) (((device >>> 8) & 0xfff) | ((device >>> 32) & ~0xfffL));
        int minor = (int) ((device & 0xff) | ((device >>> 12) & ~0xffL));
        return new FileIdentity(MappingTracker.device(major, minor), (Long) attributes.get("ino"));
    }

    @Test
    void holdsOnlyTheMappedFileAndReadsItAfterItsPathIsGone() throws Exception {
        Path mapped = Files.writeString(directory.resolve("lib.so"), "the mapped file");
        Path other = Files.writeString(directory.resolve("other.so"), "another file");
        FileIdentity identity = identityOf(mapped);
        try (HeldFiles held = new HeldFiles()) {
            held.hold(identity, List.of(other), 0);
            assertThat(held.path(identity))
                    .as("a path to another file is not held")
                    .isEmpty();

            held.hold(identity, List.of(directory.resolve("missing"), other, mapped), 0);
            Files.delete(mapped);

            held.reading();
            try {
                Path path = held.path(identity).orElseThrow();
                try (ConfinedFile file = ConfinedFile.open(path, 1 << 20)) {
                    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(64);
                    file.channel().read(bytes);
                    assertThat(new String(bytes.array(), 0, bytes.position(), java.nio.charset.StandardCharsets.UTF_8))
                            .isEqualTo("the mapped file");
                }
            } finally {
                held.doneReading();
            }
            assertThat(held.opened()).isEqualTo(1);
        }
    }

    @Test
    void letsGoOfAFileNoProcessMappedForTheIdleTime() throws Exception {
        Path mapped = Files.writeString(directory.resolve("lib.so"), "x");
        FileIdentity identity = identityOf(mapped);
        long idle = HeldFiles.MAX_IDLE.toNanos();
        try (HeldFiles held = new HeldFiles()) {
            held.hold(identity, List.of(mapped), 0);
            assertThat(held.touch(identity, idle / 2)).as("mapped again: known").isTrue();

            held.expire(idle);
            assertThat(held.size()).as("mapped again half-way: kept").isEqualTo(1);
            held.expire(idle / 2 + idle + 1);
            assertThat(held.size()).isZero();
            assertThat(held.path(identity)).isEmpty();
        }
    }
}
