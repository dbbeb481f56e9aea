package dev.ebpf.profiling.agent.symbolize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The executable mappings of one process, from {@code /proc/PID/maps}, sorted by address so an
 * instruction pointer finds its mapping by binary search. Only executable mappings are kept:
 * instruction pointers land nowhere else.
 */
public final class ProcessMaps {

    /** A process whose maps could not be read: every address is outside its mappings. */
    static final ProcessMaps NONE = new ProcessMaps(List.of());

    private final MemoryMapping[] mappings;

    private ProcessMaps(List<MemoryMapping> mappings) {
        this.mappings = mappings.stream()
                .sorted(Comparator.comparing(MemoryMapping::start, Long::compareUnsigned))
                .toArray(MemoryMapping[]::new);
    }

    /** Maps of executable mappings known otherwise (the kernel's mmap records), in any order. */
    static ProcessMaps of(List<MemoryMapping> mappings) {
        return new ProcessMaps(mappings);
    }

    public static ProcessMaps read(Path mapsFile) throws IOException {
        return parse(Files.readAllLines(mapsFile), mapsFile.toString());
    }

    static ProcessMaps parse(List<String> lines, String source) {
        List<MemoryMapping> executable = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            // Most mappings are data; look at the permissions before parsing the whole line.
            if (!line.isBlank() && isExecutable(line)) {
                executable.add(parseLine(line, source, i + 1));
            }
        }
        return new ProcessMaps(executable);
    }

    /**
     * Whether the line needs a full parse: its permissions ({@code r-xp}, right after the address
     * range) allow execution, or it does not look like a maps line at all (the parse then
     * reports it).
     */
    private static boolean isExecutable(String line) {
        int space = line.indexOf(' ');
        if (space < 0 || space + 4 >= line.length()) {
            return true;
        }
        char read = line.charAt(space + 1);
        char write = line.charAt(space + 2);
        char execute = line.charAt(space + 3);
        char share = line.charAt(space + 4);
        boolean looksLikePermissions = (read == 'r' || read == '-')
                && (write == 'w' || write == '-')
                && (execute == 'x' || execute == '-')
                && (share == 'p' || share == 's');
        return !looksLikePermissions || execute == 'x';
    }

    /** {@code start-end perms offset major:minor inode [path]}; the path may hold spaces. */
    static MemoryMapping parseLine(String line, String source, int lineNumber) {
        String[] fields = line.trim().split("\\s+", 6);
        int dash = fields[0].indexOf('-');
        if (fields.length < 5 || dash < 0 || fields[1].length() < 3) {
            throw new IllegalArgumentException(source + " line " + lineNumber + ": not a maps line: " + line);
        }
        try {
            long start = Long.parseUnsignedLong(fields[0], 0, dash, 16);
            long end = Long.parseUnsignedLong(fields[0], dash + 1, fields[0].length(), 16);
            boolean executable = fields[1].charAt(2) == 'x';
            long offset = Long.parseUnsignedLong(fields[2], 16);
            long inode = Long.parseLong(fields[4]);
            String path = fields.length > 5 ? fields[5] : "";
            return new MemoryMapping(start, end, executable, offset, new FileIdentity(fields[3], inode), path);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " line " + lineNumber + ": bad number in: " + line, e);
        }
    }

    public List<MemoryMapping> mappings() {
        return List.of(mappings);
    }

    /** The mapping that holds this address, or null. */
    public MemoryMapping find(long address) {
        int index = indexOf(address);
        return index < 0 ? null : mappings[index];
    }

    /** The position in {@link #mappings()} of the mapping that holds this address, or -1. */
    int indexOf(long address) {
        int low = 0;
        int high = mappings.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            MemoryMapping mapping = mappings[mid];
            if (Long.compareUnsigned(address, mapping.start()) < 0) {
                high = mid - 1;
            } else if (Long.compareUnsigned(address, mapping.end()) >= 0) {
                low = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }
}
