package dev.ebpf.profiling.agent.unwind;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Builds one file's {@link UnwindTable} from its .eh_frame and, for code that .eh_frame does not
 * describe, its .debug_frame. Between and after described functions a row says "no rule", so the
 * kernel side continues with frame pointers there instead of applying a neighbour's rule.
 */
public final class UnwindTableBuilder {

    private UnwindTableBuilder() {}

    /** The table of an open ELF file; {@code name} only names it in errors. */
    public static UnwindTable build(FileChannel channel, String name) throws IOException {
        ElfSections elf = ElfSections.read(channel, name);
        List<CfiParser.FdeRows> fdes = new ArrayList<>();
        Optional<ElfSections.Section> ehFrame = elf.section(".eh_frame");
        if (ehFrame.isPresent()) {
            fdes.addAll(CfiParser.parse(ehFrame.get().bytes(), ehFrame.get().address(), false));
        }
        Optional<ElfSections.Section> debugFrame = elf.section(".debug_frame");
        if (debugFrame.isPresent()) {
            List<CfiParser.FdeRows> described = sorted(fdes);
            for (CfiParser.FdeRows fde : CfiParser.parse(debugFrame.get().bytes(), 0, true)) {
                if (!overlaps(described, fde)) {
                    fdes.add(fde);
                }
            }
        }
        return merge(fdes);
    }

    /** One sorted table from the FDEs' rows, "no rule" rows filling the gaps. */
    static UnwindTable merge(List<CfiParser.FdeRows> fdes) {
        List<CfiParser.FdeRows> sorted = sorted(fdes);
        List<UnwindRow> rows = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            CfiParser.FdeRows fde = sorted.get(i);
            for (UnwindRow row : fde.rows()) {
                add(rows, row);
            }
            boolean nextStartsHere = i + 1 < sorted.size()
                    && Long.compareUnsigned(sorted.get(i + 1).begin(), fde.end()) <= 0;
            if (!nextStartsHere) {
                add(rows, UnwindRow.none(fde.end()));
            }
        }
        int unsupported = (int) rows.stream()
                .filter(row -> row.cfaType() == dev.ebpf.profiling.bpf.BpfContract.UNWIND_CFA_NONE)
                .count();
        return new UnwindTable(rows, fdes.size(), unsupported);
    }

    /** Adds a row in pc order: one at the same pc replaces the last; one with the last's rule is not needed. */
    private static void add(List<UnwindRow> rows, UnwindRow row) {
        while (!rows.isEmpty() && Long.compareUnsigned(rows.getLast().pc(), row.pc()) >= 0) {
            rows.removeLast();
        }
        if (rows.isEmpty() || !rows.getLast().sameRuleAs(row)) {
            rows.add(row);
        }
    }

    private static List<CfiParser.FdeRows> sorted(List<CfiParser.FdeRows> fdes) {
        List<CfiParser.FdeRows> sorted = new ArrayList<>(fdes);
        sorted.sort(Comparator.comparing(CfiParser.FdeRows::begin, Long::compareUnsigned));
        return sorted;
    }

    private static boolean overlaps(List<CfiParser.FdeRows> sorted, CfiParser.FdeRows fde) {
        int low = 0;
        int high = sorted.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (Long.compareUnsigned(sorted.get(middle).begin(), fde.begin()) <= 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        // The FDE starting at or before fde's start, and the one after it.
        if (low > 0 && Long.compareUnsigned(sorted.get(low - 1).end(), fde.begin()) > 0) {
            return true;
        }
        return low < sorted.size() && Long.compareUnsigned(sorted.get(low).begin(), fde.end()) < 0;
    }
}
