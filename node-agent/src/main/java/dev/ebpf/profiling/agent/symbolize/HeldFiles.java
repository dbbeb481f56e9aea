package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.agent.bpf.Libc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The files processes mapped, held open (an {@code O_PATH} descriptor, which reads nothing) but
 * not read: a file's symbols are read only once a sample lands in it, which can be after the
 * process that mapped it exited and its root and {@code map_files} are gone. Holding costs a
 * descriptor; reading the symbols of every file any process on the node maps cost tens of
 * megabytes of heap.
 *
 * <p>A descriptor is kept only when it is the very file mapped (same device and inode). At most
 * {@link #CAPACITY} are held, the least recently mapped closed first, and one that no process
 * mapped for {@link #MAX_IDLE} is closed: a held file that was deleted keeps its disk space
 * until then.
 */
final class HeldFiles implements AutoCloseable {

    /** Distinct files held at most; a node rarely maps more distinct binaries and libraries in {@link #MAX_IDLE}. */
    static final int CAPACITY = 1024;
    /** A file no new mapping touched for this long is let go (a still-running process reaches it through map_files). */
    static final Duration MAX_IDLE = Duration.ofMinutes(10);

    private static final String SELF_FD = "/proc/self/fd/";

    private record Held(int fd, long lastMappedNanos) {}

    private final Map<FileIdentity, Held> held = new LinkedHashMap<>(64, 0.75f, true);
    /**
     * Descriptors let go while a slice reads through {@link #path}s: closed once it is done, so that
     * a path handed out never names a descriptor number the process reused for another file.
     */
    private final List<Integer> closeAfterReading = new ArrayList<>();

    private int readers;
    private long opened;

    /** Marks the file as mapped again now; false when it is not held. */
    synchronized boolean touch(FileIdentity identity, long nowNanos) {
        Held entry = held.get(identity);
        if (entry == null) {
            return false;
        }
        held.put(identity, new Held(entry.fd(), nowNanos));
        return true;
    }

    /** Holds the first candidate that opens and is the file of that identity; nothing when none is. */
    synchronized void hold(FileIdentity identity, List<Path> candidates, long nowNanos) {
        if (touch(identity, nowNanos)) {
            return;
        }
        for (Path candidate : candidates) {
            int fd;
            try {
                fd = ConfinedFile.openHandle(candidate);
            } catch (IOException e) {
                continue;
            }
            if (Symbolizer.isFile(Path.of(SELF_FD + fd), identity)) {
                opened++;
                held.put(identity, new Held(fd, nowNanos));
                evictOverCapacity();
                return;
            }
            Libc.close(fd);
        }
    }

    /** Paths from {@link #path} are read from now until {@link #doneReading()}: their descriptors stay open. */
    synchronized void reading() {
        readers++;
    }

    synchronized void doneReading() {
        if (--readers == 0) {
            closeAfterReading.forEach(Libc::close);
            closeAfterReading.clear();
        }
    }

    private void release(int fd) {
        if (readers > 0) {
            closeAfterReading.add(fd);
        } else {
            Libc.close(fd);
        }
    }

    /**
     * The path that reopens the held file (the caller reads it confined as any other), or empty;
     * call between {@link #reading()} and {@link #doneReading()}.
     */
    synchronized Optional<Path> path(FileIdentity identity) {
        Held entry = held.get(identity);
        return entry == null ? Optional.empty() : Optional.of(Path.of(SELF_FD + entry.fd()));
    }

    /** Closes the files no process mapped for {@link #MAX_IDLE}. */
    synchronized void expire(long nowNanos) {
        for (Iterator<Held> iterator = held.values().iterator(); iterator.hasNext(); ) {
            Held entry = iterator.next();
            if (nowNanos - entry.lastMappedNanos() > MAX_IDLE.toNanos()) {
                release(entry.fd());
                iterator.remove();
            }
        }
    }

    private void evictOverCapacity() {
        for (Iterator<Held> iterator = held.values().iterator(); held.size() > CAPACITY; ) {
            release(iterator.next().fd());
            iterator.remove();
        }
    }

    synchronized int size() {
        return held.size();
    }

    /** The files held now, for tests. */
    synchronized Set<FileIdentity> identities() {
        return Set.copyOf(held.keySet());
    }

    /** Files held over the holder's life, for benchmarks and tests. */
    synchronized long opened() {
        return opened;
    }

    @Override
    public synchronized void close() {
        held.values().forEach(entry -> Libc.close(entry.fd()));
        held.clear();
        closeAfterReading.forEach(Libc::close);
        closeAfterReading.clear();
    }
}
