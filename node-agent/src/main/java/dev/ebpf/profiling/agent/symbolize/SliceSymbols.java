package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The symbols of one slice: the processes as captured at its end and the symbols of the files
 * they map. It names frames without touching /proc, so it gives the same answer whether the
 * processes still run or not.
 */
public final class SliceSymbols {

    /** How frames of special kernel-provided mappings ({@code [vdso]}) name their module. */
    private static final String VDSO = "[vdso]";

    private final KernelSymbols kernel;
    private final Map<Integer, ProcessImage> processes;
    private final Map<FileIdentity, ElfSymbols> files;

    SliceSymbols(KernelSymbols kernel, Map<Integer, ProcessImage> processes, Map<FileIdentity, ElfSymbols> files) {
        this.kernel = kernel;
        this.processes = processes;
        this.files = files;
    }

    public List<SymbolizedStack> symbolize(List<StackSample> samples) {
        List<SymbolizedStack> stacks = new ArrayList<>(samples.size());
        for (StackSample sample : samples) {
            stacks.add(symbolize(sample));
        }
        return stacks;
    }

    public SymbolizedStack symbolize(StackSample sample) {
        List<Frame> frames = new ArrayList<>(sample.kernelIps().length + sample.userIps().length);
        for (long ip : sample.kernelIps()) {
            frames.add(kernel.resolve(ip));
        }
        ProcessImage process = processes.get(sample.tgid());
        for (long ip : sample.userIps()) {
            frames.add(process == null ? Frames.exited() : userFrame(process, ip));
        }
        return new SymbolizedStack(sample.tgid(), sample.application(), frames, sample.count());
    }

    /** Whether the process was alive at slice end, so its frames have names. */
    public boolean captured(int tgid) {
        return processes.containsKey(tgid);
    }

    Frame userFrame(ProcessImage process, long ip) {
        MemoryMapping mapping = process.maps().find(ip);
        if (mapping != null && mapping.isFileBacked()) {
            Frame.Origin origin = process.isExecutable(mapping) ? Frame.Origin.EXECUTABLE : Frame.Origin.LIBRARY;
            ElfSymbols symbols = files.get(mapping.file());
            long fileOffset = mapping.fileOffsetOf(ip);
            return symbols == null
                    ? Frames.unnamed(mapping.moduleName(), fileOffset, origin)
                    : symbols.resolve(fileOffset, mapping.moduleName(), origin);
        }
        String jitName = process.perfMap().lookup(ip);
        if (jitName != null) {
            return new Frame(jitName, PerfMap.MODULE, Frame.Origin.JIT);
        }
        if (mapping == null) {
            return Frames.unknown(Frame.Origin.UNKNOWN);
        }
        if (mapping.path().equals(VDSO)) {
            return Frames.unnamed("vdso", ip - mapping.start(), Frame.Origin.LIBRARY);
        }
        // Anonymous executable memory without a JIT map entry is generated code all the same.
        return Frames.unknown(Frame.Origin.JIT);
    }
}
