package dev.ebpf.profiling.agent.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.job.CpuList;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class OnlineCpusTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(OnlineCpusTest.class.getResource("/cpu/" + name).toURI());
    }

    @Test
    void readsSysfsSyntax() throws Exception {
        assertThat(OnlineCpus.read(fixture("online-two")).cpus()).containsExactly(0, 1);
        assertThat(OnlineCpus.read(fixture("online-holes")).toString()).isEqualTo("0,2-5,7");
    }

    @Test
    void garbageFileNamesTheFile() throws Exception {
        Path file = fixture("online-garbage");
        assertThatThrownBy(() -> OnlineCpus.read(file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith(file + " is not a CPU list: ");
    }

    @Test
    void missingFileNamesTheFile() {
        Path missing = Path.of("/nonexistent/cpu/online");
        assertThatThrownBy(() -> OnlineCpus.read(missing))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith("cannot read online CPUs from /nonexistent/cpu/online");
    }

    /** This machine's own file: it must agree with what the JVM sees and with the file's text. */
    @Test
    void readsThisMachine() throws IOException {
        CpuList online = OnlineCpus.read();
        assertThat(online.toString())
                .isEqualTo(Files.readString(OnlineCpus.SYSFS_ONLINE).strip());
        assertThat(online.size()).isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
