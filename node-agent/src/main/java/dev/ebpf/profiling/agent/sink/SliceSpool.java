package dev.ebpf.profiling.agent.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A bounded first-in first-out queue of slices on local disk, one file per slice named by its
 * sequence number ({@code 00000000000000000042.slice}). Slices survive an agent restart; the
 * oldest are dropped (and counted) when the bounds would be exceeded, so the newest history wins.
 *
 * <p>Thread-safe: the slice loop adds while the uploader takes. The slice being uploaded is never
 * dropped by the bounds (it may briefly exceed them by that one slice), so a slice is never counted
 * both dropped and uploaded.
 */
public final class SliceSpool {

    private static final String SUFFIX = ".slice";
    private static final String PARTIAL_SUFFIX = ".partial";
    private static final String CORRUPT_SUFFIX = ".corrupt";
    private static final long NOT_UPLOADING = -1;

    private final Path directory;
    private final SpoolBounds bounds;
    /** sequence -> file size, oldest first: mirrors the directory so bounds need no listing. */
    private final TreeMap<Long, Long> sizes = new TreeMap<>();

    private long totalBytes;
    private long nextSequence;
    private DroppedSlices dropped = DroppedSlices.NONE;
    /** The sequence handed out by {@link #nextToUpload()} and not yet settled. */
    private long uploading = NOT_UPLOADING;

    /** Opens (or creates) the spool in {@code directory}, keeping the slices a previous run left. */
    public SliceSpool(Path directory, SpoolBounds bounds) {
        this.directory = directory;
        this.bounds = bounds;
        try {
            Files.createDirectories(directory);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    if (name.endsWith(PARTIAL_SUFFIX)) {
                        // A write the previous run did not finish: never renamed, so never counted.
                        Files.delete(file);
                    } else if (name.endsWith(SUFFIX)) {
                        long size = Files.size(file);
                        sizes.put(sequenceOf(name), size);
                        totalBytes += size;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open spool directory " + directory + ": " + e.getMessage(), e);
        }
        nextSequence = sizes.isEmpty() ? 0 : sizes.lastKey() + 1;
    }

    /**
     * Adds a slice at the end of the queue, first dropping the oldest slices the bounds force out.
     * A slice larger than the whole byte bound is itself dropped.
     */
    public synchronized void add(String slicePath, List<StoredObject> objects) {
        SpooledSlice slice = new SpooledSlice(nextSequence, slicePath, objects);
        byte[] data = slice.encode();
        if (data.length > bounds.maxBytes()) {
            dropped = dropped.plus(
                    data.length,
                    "slice " + slicePath + " (" + data.length + " bytes) is larger than the spool bound of "
                            + bounds.maxBytes() + " bytes");
            return;
        }
        while (sizes.size() + 1 > bounds.maxSlices() || totalBytes + data.length > bounds.maxBytes()) {
            if (!dropOldest()) {
                break;
            }
        }
        Path partial = directory.resolve(fileName(nextSequence) + PARTIAL_SUFFIX);
        Path target = directory.resolve(fileName(nextSequence));
        try {
            Files.write(partial, data);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot write slice " + slicePath + " to spool " + directory + ": " + e.getMessage(), e);
        }
        sizes.put(nextSequence, (long) data.length);
        totalBytes += data.length;
        nextSequence++;
    }

    /**
     * The oldest slice, read from disk and marked as being uploaded until {@link #uploaded} or
     * {@link #uploadFailed} settles it. A file that cannot be decoded is renamed to
     * {@code *.corrupt}, counted as dropped, and the next one is returned.
     */
    public synchronized Optional<SpooledSlice> nextToUpload() {
        while (!sizes.isEmpty()) {
            long sequence = sizes.firstKey();
            Path file = directory.resolve(fileName(sequence));
            try {
                SpooledSlice slice = SpooledSlice.decode(sequence, Files.readAllBytes(file));
                uploading = sequence;
                return Optional.of(slice);
            } catch (IllegalArgumentException e) {
                quarantine(sequence, file, e.getMessage());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read spool file " + file + ": " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    /** Removes a slice once it is safely in the store. */
    public synchronized void uploaded(SpooledSlice slice) {
        settle(slice);
        Long size = sizes.remove(slice.sequence());
        if (size == null) {
            return;
        }
        totalBytes -= size;
        deleteFile(directory.resolve(fileName(slice.sequence())));
    }

    /** Keeps a slice whose upload failed, first in line for the next try. */
    public synchronized void uploadFailed(SpooledSlice slice) {
        settle(slice);
    }

    public synchronized int pendingSlices() {
        return sizes.size();
    }

    public synchronized long pendingBytes() {
        return totalBytes;
    }

    public synchronized DroppedSlices dropped() {
        return dropped;
    }

    /** The sequence numbers waiting, oldest first (for tests and reports). */
    public synchronized List<Long> pendingSequences() {
        return new ArrayList<>(sizes.keySet());
    }

    /** Drops the oldest slice not being uploaded; false if there is none. */
    private boolean dropOldest() {
        Long sequence = null;
        for (long candidate : sizes.keySet()) {
            if (candidate != uploading) {
                sequence = candidate;
                break;
            }
        }
        if (sequence == null) {
            return false;
        }
        long size = sizes.remove(sequence);
        totalBytes -= size;
        Path file = directory.resolve(fileName(sequence));
        String slicePath = readSlicePath(file);
        deleteFile(file);
        dropped = dropped.plus(
                size,
                "slice " + slicePath + " dropped: spool full (bounds " + bounds.maxSlices() + " slices, "
                        + bounds.maxBytes() + " bytes)");
        return true;
    }

    private void settle(SpooledSlice slice) {
        if (uploading == slice.sequence()) {
            uploading = NOT_UPLOADING;
        }
    }

    private String readSlicePath(Path file) {
        try {
            return SpooledSlice.decode(0, Files.readAllBytes(file)).slicePath();
        } catch (IOException | IllegalArgumentException e) {
            return file.getFileName().toString();
        }
    }

    private void quarantine(long sequence, Path file, String reason) {
        long size = sizes.remove(sequence);
        totalBytes -= size;
        try {
            Files.move(
                    file,
                    file.resolveSibling(file.getFileName() + CORRUPT_SUFFIX),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set aside corrupt spool file " + file + ": " + e.getMessage(), e);
        }
        dropped = dropped.plus(
                size,
                "spool file " + file.getFileName() + " is unreadable (" + reason + "); kept as " + file.getFileName()
                        + CORRUPT_SUFFIX);
    }

    private static void deleteFile(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete spool file " + file + ": " + e.getMessage(), e);
        }
    }

    private static String fileName(long sequence) {
        return String.format("%020d%s", sequence, SUFFIX);
    }

    private static long sequenceOf(String fileName) {
        String digits = fileName.substring(0, fileName.length() - SUFFIX.length());
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("spool file " + fileName + " is not named <sequence>" + SUFFIX, e);
        }
    }
}
