package dev.ebpf.profiling.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 14: the agent starts without "No SLF4J providers" warnings, with one logging setup. */
class LoggingSetupTest {

    @Test
    void slf4jFindsItsProviderWithoutWarnings(@TempDir Path dir) throws Exception {
        // A fresh JVM with the agent's class path: slf4j prints its warnings once, at first use.
        Path stderr = dir.resolve("stderr.txt");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-XX:TieredStopAtLevel=1",
                        SlfFirstUse.class.getName())
                .redirectError(stderr.toFile())
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(child.exitValue()).isZero();
        assertThat(out.strip()).isEqualTo("org.slf4j.simple.SimpleLoggerFactory");
        String errors = Files.readString(stderr);
        assertThat(errors).doesNotContain("SLF4J");
        // Warnings of the libraries still show, one line each; info does not.
        assertThat(errors.lines()).singleElement().asString().contains("WARN", "a library's warning");
    }

    /** Logs through slf4j as the Fabric8 client does, then prints which factory served it. */
    public static final class SlfFirstUse {
        public static void main(String[] args) {
            org.slf4j.Logger logger = org.slf4j.LoggerFactory.getLogger("io.fabric8.test");
            logger.info("an info line nobody needs");
            logger.warn("a library's warning");
            System.out.println(
                    org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName());
        }
    }
}
