package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.agent.bpf.Libc;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Opens a file that a container controls (its perf map, the binaries it maps) so that it cannot
 * hang or exhaust the agent: a path under a process's {@code /proc/PID/root} is resolved inside
 * that root (openat2 RESOLVE_IN_ROOT, so an absolute link cannot lead to the host's files) and its
 * last component is never a followed link (O_NOFOLLOW); every open is non-blocking (a FIFO does not
 * wait for a writer); and only a regular file of at most {@code maxBytes} is read. The checks are
 * made on the opened file itself, through {@code /proc/self/fd}, so the file cannot be swapped
 * between the check and the read.
 *
 * @param channel    the file, open for reading
 * @param attributes its attributes as opened (size, modification time)
 */
record ConfinedFile(FileChannel channel, BasicFileAttributes attributes) implements AutoCloseable {

    private static final long FLAGS = Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC;

    /**
     * Opens {@code file}. A path through a process root ({@code .../PID/root/rest}) is resolved in
     * that root without following its last component; any other path (a {@code map_files} link the
     * kernel holds open, a host debug file) is opened as named.
     *
     * @throws IOException one line naming the file: missing, a link, not a regular file, or too big
     */
    static ConfinedFile open(Path file, long maxBytes) throws IOException {
        int root = processRootIndex(file);
        int fd = root < 0 ? Libc.open(file.toString(), FLAGS) : openInRoot(file, root, FLAGS);
        return checked(fd, file.toString(), maxBytes);
    }

    /**
     * Opens {@code file} as {@link #open} resolves it, but as an {@code O_PATH} handle that reads
     * nothing and cannot block (whatever the file is): for holding a file to read later through
     * {@code /proc/self/fd}, with {@link #open}'s checks then. The caller closes it.
     */
    static int openHandle(Path file) throws IOException {
        int root = processRootIndex(file);
        long flags = Libc.O_PATH | Libc.O_CLOEXEC;
        return root < 0 ? Libc.open(file.toString(), flags) : openInRoot(file, root, flags);
    }

    /**
     * Opens {@code name}, one path component, in a directory the caller holds open (a process's
     * {@code /tmp}, kept open so the file can be read after the process and its root are gone),
     * without following a link; the same checks as {@link #open}.
     */
    static ConfinedFile openAt(int directory, String name, long maxBytes, String shownAs) throws IOException {
        if (name.contains("/")) {
            throw new IllegalArgumentException("one path component expected, got " + name);
        }
        return checked(Libc.openAt(directory, name, FLAGS | Libc.O_NOFOLLOW, shownAs), shownAs, maxBytes);
    }

    /** Checks the opened fd (and closes it): a regular file of at most maxBytes, re-opened as a channel. */
    private static ConfinedFile checked(int fd, String file, long maxBytes) throws IOException {
        try {
            Path opened = Path.of("/proc/self/fd", Integer.toString(fd));
            BasicFileAttributes attributes = Files.readAttributes(opened, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                throw new IOException(file + ": not a regular file (" + kind(attributes) + "), not read");
            }
            if (attributes.size() > maxBytes) {
                throw new IOException(
                        file + ": " + attributes.size() + " bytes, more than the " + maxBytes + "-byte cap, not read");
            }
            // Re-opening the fd's link opens the very inode just checked.
            return new ConfinedFile(FileChannel.open(opened, StandardOpenOption.READ), attributes);
        } finally {
            Libc.close(fd);
        }
    }

    /**
     * Opens {@code inside} (a relative path) as an O_PATH directory fd resolved inside the root of
     * {@code processDirectory} ({@code /proc/PID}), links confined to that root; the caller closes it.
     */
    static int openDirectoryInRoot(Path processDirectory, String inside) throws IOException {
        Path root = ProcessImage.root(processDirectory);
        int rootFd = Libc.open(root.toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        try {
            return Libc.openAt2(
                    rootFd,
                    inside,
                    Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC,
                    Libc.RESOLVE_IN_ROOT | Libc.RESOLVE_NO_MAGICLINKS,
                    root.resolve(inside).toString());
        } finally {
            Libc.close(rootFd);
        }
    }

    private static int openInRoot(Path file, int rootIndex, long flags) throws IOException {
        Path root = file.getRoot().resolve(file.subpath(0, rootIndex + 1));
        String inside = file.subpath(rootIndex + 1, file.getNameCount()).toString();
        int rootFd = Libc.open(root.toString(), Libc.O_PATH | Libc.O_DIRECTORY | Libc.O_CLOEXEC);
        try {
            return Libc.openAt2(
                    rootFd,
                    inside,
                    flags | Libc.O_NOFOLLOW,
                    Libc.RESOLVE_IN_ROOT | Libc.RESOLVE_NO_MAGICLINKS,
                    file.toString());
        } catch (IOException e) {
            if (!Libc.isMissingSyscall(e)) {
                throw e;
            }
            // Before Linux 5.6: the last component is still not followed, the rest is.
            return Libc.open(file.toString(), flags | Libc.O_NOFOLLOW);
        } finally {
            Libc.close(rootFd);
        }
    }

    /** The index of {@code root} in {@code .../<pid>/root/<more>}, or -1 when the path is not through one. */
    static int processRootIndex(Path file) {
        if (!file.isAbsolute()) {
            return -1;
        }
        for (int i = 1; i < file.getNameCount() - 1; i++) {
            if (file.getName(i).toString().equals("root")
                    && file.getName(i - 1).toString().chars().allMatch(Character::isDigit)) {
                return i;
            }
        }
        return -1;
    }

    private static String kind(BasicFileAttributes attributes) {
        if (attributes.isDirectory()) {
            return "a directory";
        }
        if (attributes.isSymbolicLink()) {
            return "a link";
        }
        return "a FIFO, socket or device";
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
