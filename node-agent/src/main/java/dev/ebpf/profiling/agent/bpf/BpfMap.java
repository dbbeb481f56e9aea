package dev.ebpf.profiling.agent.bpf;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * One loaded BPF map, addressed by its fd. The fd belongs to the {@link BpfObject} that loaded it;
 * this class only reads and writes elements.
 */
public final class BpfMap {

    /** Keys and values drained per batch system call. */
    private static final int DRAIN_BATCH = 4096;
    /** Update flag of bpf_map_update_elem: only add an element that is absent. */
    private static final long BPF_NOEXIST = 1;

    /** The callback of {@link #drain}: each segment is valid only during the call. */
    @FunctionalInterface
    public interface EntryConsumer {
        void accept(MemorySegment key, MemorySegment value);
    }

    private final String name;
    private final int fd;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final boolean perCpu;

    BpfMap(String name, int fd, int keySize, int valueSize, int maxEntries, boolean perCpu) {
        this.name = name;
        this.fd = fd;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.perCpu = perCpu;
    }

    public String name() {
        return name;
    }

    public int keySize() {
        return keySize;
    }

    public int valueSize() {
        return valueSize;
    }

    public int maxEntries() {
        return maxEntries;
    }

    /**
     * Bytes of one value as user space sees it: for per-CPU maps the kernel hands over one 8-byte
     * aligned value per possible CPU.
     */
    public long userValueBytes() {
        if (!perCpu) {
            return valueSize;
        }
        return ((valueSize + 7L) / 8 * 8) * LibBpf.numPossibleCpus();
    }

    /** Fails at start-up, not with garbage later, if the Java layout and the C struct disagree. */
    public BpfMap requireSizes(long expectedKeySize, long expectedValueSize) {
        if (keySize != expectedKeySize || valueSize != expectedValueSize) {
            throw new BpfException("map " + name + " has key/value sizes " + keySize + "/" + valueSize
                    + " but the agent expects " + expectedKeySize + "/" + expectedValueSize
                    + ": the agent and bpf/profiler.h are out of step");
        }
        return this;
    }

    /**
     * Maps the values of an array created with BPF_F_MMAPABLE into this process, so that user space
     * writes them without a system call each; unmap with {@link Libc#unmap} before the map closes.
     */
    public MemorySegment mapShared(long bytes) {
        return Libc.mapShared(fd, bytes);
    }

    public void update(MemorySegment key, MemorySegment value, long flags) {
        try {
            LibBpf.check((int) LibBpf.MAP_UPDATE.invokeExact(fd, key, value, flags), "updating map " + name);
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /**
     * Adds a key that is absent (BPF_NOEXIST); false, and nothing written, when it exists already
     * (a program added it first) or the map is full.
     */
    public boolean insert(MemorySegment key, MemorySegment value) {
        try {
            int result = (int) LibBpf.MAP_UPDATE.invokeExact(fd, key, value, BPF_NOEXIST);
            if (result == -Errno.EEXIST || result == -Errno.E2BIG) {
                return false;
            }
            LibBpf.check(result, "adding to map " + name);
            return true;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Copies the value of key into value; false when the key is absent. */
    public boolean lookup(MemorySegment key, MemorySegment value) {
        try {
            int result = (int) LibBpf.MAP_LOOKUP.invokeExact(fd, key, value);
            if (result == -Errno.ENOENT) {
                return false;
            }
            LibBpf.check(result, "reading map " + name);
            return true;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /**
     * Copies the value of key into value and removes it, in one step the programs cannot come
     * between (hash maps); false when the key is absent.
     */
    public boolean take(MemorySegment key, MemorySegment value) {
        try {
            int result = (int) LibBpf.MAP_LOOKUP_AND_DELETE.invokeExact(fd, key, value);
            if (result == -Errno.ENOENT) {
                return false;
            }
            LibBpf.check(result, "taking from map " + name);
            return true;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Removes key; false when it was absent. */
    public boolean delete(MemorySegment key) {
        try {
            int result = (int) LibBpf.MAP_DELETE.invokeExact(fd, key);
            if (result == -Errno.ENOENT) {
                return false;
            }
            LibBpf.check(result, "deleting from map " + name);
            return true;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /** Writes the key after {@code key} (or the first key, when key is NULL) into next; false at the end. */
    public boolean nextKey(MemorySegment key, MemorySegment next) {
        try {
            int result = (int) LibBpf.MAP_NEXT_KEY.invokeExact(fd, key, next);
            if (result == -Errno.ENOENT) {
                return false;
            }
            LibBpf.check(result, "iterating map " + name);
            return true;
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /**
     * Reads and deletes every entry in batches. Meant for a map no program writes to any more (the
     * inactive slot), so each entry is read exactly once. Returns the number of entries.
     */
    public long drain(EntryConsumer consumer) {
        return batch(LibBpf.MAP_LOOKUP_AND_DELETE_BATCH, "draining", consumer);
    }

    /**
     * Reads every entry in batches without deleting. Unlike a {@link #nextKey} walk, a batch walk
     * goes bucket by bucket, so programs deleting entries meanwhile cannot send it back to the
     * start. Entries added or removed during the walk may or may not be seen. Returns the count.
     */
    public long readAll(EntryConsumer consumer) {
        return batch(LibBpf.MAP_LOOKUP_BATCH, "reading", consumer);
    }

    private long batch(MethodHandle call, String what, EntryConsumer consumer) {
        try (Arena arena = Arena.ofConfined()) {
            long valueBytes = userValueBytes();
            MemorySegment keys = arena.allocate((long) keySize * DRAIN_BATCH, 8);
            MemorySegment values = arena.allocate(valueBytes * DRAIN_BATCH, 8);
            // The batch token is opaque (a bucket index for hash maps); key-sized is always enough.
            long tokenBytes = Math.max(8, keySize);
            MemorySegment inToken = arena.allocate(tokenBytes, 8);
            MemorySegment outToken = arena.allocate(tokenBytes, 8);
            MemorySegment count = arena.allocate(JAVA_INT);
            MemorySegment in = MemorySegment.NULL;
            long total = 0;
            while (true) {
                count.set(JAVA_INT, 0, DRAIN_BATCH);
                int result = (int) call.invokeExact(fd, in, outToken, keys, values, count, MemorySegment.NULL);
                int read = count.get(JAVA_INT, 0);
                for (int i = 0; i < read; i++) {
                    consumer.accept(
                            keys.asSlice((long) i * keySize, keySize), values.asSlice(i * valueBytes, valueBytes));
                }
                total += read;
                if (result == -Errno.ENOENT) {
                    return total;
                }
                LibBpf.check(result, what + " map " + name);
                inToken.copyFrom(outToken);
                in = inToken;
            }
        } catch (Throwable t) {
            throw LibBpf.rethrow(t);
        }
    }

    /**
     * Deletes every key, one at a time: for maps without batch support (stack-trace maps). Keys are
     * listed first and deleted after, because asking for the first key again after each delete would
     * rescan the map's buckets from the start every time.
     */
    public long clear() {
        try (Arena arena = Arena.ofConfined()) {
            List<MemorySegment> keys = new ArrayList<>();
            MemorySegment previous = MemorySegment.NULL;
            MemorySegment next = arena.allocate(keySize, 8);
            while (nextKey(previous, next)) {
                keys.add(next);
                previous = next;
                next = arena.allocate(keySize, 8);
            }
            long deleted = 0;
            for (MemorySegment key : keys) {
                if (delete(key)) {
                    deleted++;
                }
            }
            return deleted;
        }
    }
}
