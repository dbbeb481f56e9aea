package dev.ebpf.profiling.agent.trigger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A real cgroup made for a test (root needed) and removed after it, with the processes it holds. */
final class TestCgroup implements AutoCloseable {

    static final Path V2_ROOT = Path.of("/sys/fs/cgroup/unified");
    static final Path V1_CPUACCT_ROOT = Path.of("/sys/fs/cgroup/cpuacct");
    private static final int REMOVE_ATTEMPTS = 100;
    private static final long REMOVE_PAUSE_MS = 20;

    private final Path directory;

    private TestCgroup(Path directory) {
        this.directory = directory;
    }

    /** Creates {@code root/name}. */
    static TestCgroup create(Path root, String name) throws IOException {
        return new TestCgroup(Files.createDirectories(
                root.resolve(name + "-" + ProcessHandle.current().pid())));
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    Path directory() {
        return directory;
    }

    /** Moves a process into this cgroup. */
    void add(Process process) throws IOException {
        Files.writeString(directory.resolve("cgroup.procs"), Long.toString(process.pid()));
    }

    /** Starts a shell busy loop, already moved into this cgroup. */
    Process startBusyLoop() throws IOException {
        Process busy = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        add(busy);
        return busy;
    }

    /** Removes the directory; the caller has ended its processes (a cgroup is removed once empty). */
    @Override
    public void close() {
        for (int attempt = 0; attempt < REMOVE_ATTEMPTS && Files.isDirectory(directory); attempt++) {
            try {
                Files.delete(directory);
            } catch (IOException stillPopulated) {
                try {
                    Thread.sleep(REMOVE_PAUSE_MS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the test is being stopped: leave the flag for it
                    return;
                }
            }
        }
    }
}
