package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The symbols of one slice: the processes as captured at its end and the symbols of the files
 * they map. It names frames without touching /proc, so it gives the same answer whether the
 * processes still run or not.
 */
public final class SliceSymbols {

    /** The maps name of the code the kernel maps into every process (clock_gettime and co). */
    private static final String VDSO_PATH = "[vdso]";
    private static final String VDSO_MODULE = "vdso";

    private final KernelSymbols kernel;
    private final Map<Integer, ProcessCode> processes = new HashMap<>();

    /** A captured process with its executable mappings' regions, in the order of its maps. */
    private record ProcessCode(ProcessImage image, CodeRegion[] regions) {
    }

    SliceSymbols(KernelSymbols kernel, Map<Integer, ProcessImage> images, Map<FileIdentity, ElfSymbols> files) {
        this.kernel = kernel;
        images.forEach((tgid, image) -> processes.put(tgid, new ProcessCode(image, image.maps().mappings().stream()
                .map(mapping -> CodeRegion.of(mapping, image, files.get(mapping.file())))
                .toArray(CodeRegion[]::new))));
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
        ProcessCode process = processes.get(sample.tgid());
        for (long ip : sample.userIps()) {
            frames.add(process == null ? Frames.exited() : userFrame(process, ip));
        }
        return new SymbolizedStack(sample.tgid(), sample.application(), frames, sample.count());
    }

    /** Whether the process was alive at slice end, so its frames have names. */
    public boolean captured(int tgid) {
        return processes.containsKey(tgid);
    }

    private static Frame userFrame(ProcessCode process, long ip) {
        int index = process.image().maps().indexOf(ip);
        CodeRegion region = index < 0 ? null : process.regions()[index];
        if (region != null && region.symbols() != null) {
            return region.resolve(ip);
        }
        String jitName = process.image().perfMap().lookup(ip);
        if (jitName != null) {
            return new Frame(jitName, PerfMap.MODULE, Frame.Origin.JIT);
        }
        if (region == null) {
            return Frames.unknown(Frame.Origin.UNKNOWN);
        }
        if (region.mapping().path().equals(VDSO_PATH)) {
            return Frames.unnamed(VDSO_MODULE, ip - region.mapping().start(), Frame.Origin.LIBRARY);
        }
        // Anonymous executable memory without a JIT map entry is generated code all the same.
        return Frames.unknown(region.mapping().isAnonymous() ? Frame.Origin.JIT : Frame.Origin.UNKNOWN);
    }
}
