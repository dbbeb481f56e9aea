package dev.ebpf.profiling.agent.symbolize;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Function symbols with sizes, sorted by address: an address finds its function by binary search.
 * The names are kept compact ({@link SymbolNames}); one is decoded only when looked up.
 */
final class SymbolTable {

    /** One function; {@code rank} orders aliases at one address, lowest first. */
    record Symbol(long address, long size, String name, int rank) {}

    static final SymbolTable EMPTY = new SymbolTable(List.of());

    private final long[] starts;
    private final long[] ends;
    private final SymbolNames names;

    SymbolTable(List<Symbol> symbols) {
        List<Symbol> sorted = new ArrayList<>(symbols);
        sorted.sort(Comparator.comparing(Symbol::address, Long::compareUnsigned)
                .thenComparingInt(Symbol::rank)
                .thenComparing(Symbol::name));
        starts = new long[sorted.size()];
        ends = new long[sorted.size()];
        SymbolNames.Builder builder = new SymbolNames.Builder(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            starts[i] = sorted.get(i).address();
            ends[i] = sorted.get(i).address() + sorted.get(i).size();
            builder.add(sorted.get(i).name());
        }
        names = builder.build();
    }

    int size() {
        return starts.length;
    }

    /** The heap bytes this table holds (addresses and names), for benchmarks. */
    long heapBytes() {
        return 2 * (16L + 8L * starts.length) + names.heapBytes();
    }

    /** The name of the function whose [start, start+size) holds this address, or null. */
    String lookup(long address) {
        int floor = Addresses.floorIndex(starts, address);
        if (floor < 0) {
            return null;
        }
        int first = floor;
        while (first > 0 && starts[first - 1] == starts[floor]) {
            first--;
        }
        // Among aliases at one start, the best-ranked one that covers the address wins.
        for (int i = first; i <= floor; i++) {
            if (Long.compareUnsigned(address, ends[i]) < 0) {
                return names.get(i);
            }
        }
        return null;
    }
}
