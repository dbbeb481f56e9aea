package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.agent.sampler.OffCpuSampler;
import dev.ebpf.profiling.api.profile.Frame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
    private final List<String> problems;
    private final Map<Integer, String> exitedNames;

    /** A captured process with its executable mappings' regions, in the order of its maps. */
    private record ProcessCode(ProcessImage image, CodeRegion[] regions) {}

    SliceSymbols(
            KernelSymbols kernel,
            Map<Integer, ProcessImage> images,
            Map<FileIdentity, ElfSymbols> files,
            List<String> problems,
            Map<Integer, String> exitedNames) {
        this.kernel = kernel;
        this.problems = List.copyOf(problems);
        this.exitedNames = Map.copyOf(exitedNames);
        images.forEach((tgid, image) -> processes.put(
                tgid,
                new ProcessCode(
                        image,
                        image.maps().mappings().stream()
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

    /**
     * Names a stack's frames. Every frame but the leaf of each part holds a return address: the
     * instruction after a call, which is past the end of the calling function when the call is
     * its last instruction (a call to a noreturn function). Looking up the address minus one
     * names the caller, as perf and pprof do.
     */
    public SymbolizedStack symbolize(StackSample sample) {
        return new SymbolizedStack(
                sample.tgid(),
                sample.application(),
                frames(sample.tgid(), sample.userIps(), sample.kernelIps()),
                sample.count());
    }

    /**
     * The frames of one process's stacks, kernel frames then user frames, leaf first: for stacks
     * that are not on-CPU samples (the off-CPU sampler's stacks at switch-out).
     */
    public List<Frame> frames(int tgid, long[] userIps, long[] kernelIps) {
        List<Frame> frames = new ArrayList<>(kernelIps.length + userIps.length);
        for (int i = 0; i < kernelIps.length; i++) {
            frames.add(kernel.resolve(callSite(kernelIps, i)));
        }
        if (userIps.length == 1 && userIps[0] == OffCpuSampler.USER_STACK_BEFORE_START) {
            frames.add(Frames.beforeStart());
            return frames;
        }
        ProcessCode process = processes.get(tgid);
        for (int i = 0; i < userIps.length; i++) {
            if (process == null) {
                frames.add(Frames.exited());
                continue;
            }
            long ip = callSite(userIps, i);
            if (i > 0 && returnsIntoNoCode(process, ip)) {
                break;
            }
            frames.add(userFrame(process, ip));
        }
        return frames;
    }

    /**
     * Whether a caller's address lies outside every executable mapping (see {@link KnownCode}) and
     * JIT symbol of the process: no call returns there, so the walk that produced it read data as
     * a frame (a frame-pointer step through code built without frame pointers). Such a frame, and
     * every frame the walk found above it, is garbage; the stack ends below it, so that a leaf's
     * samples make one hotspot whatever the walk read past it.
     */
    private static boolean returnsIntoNoCode(ProcessCode process, long ip) {
        return process.image().code().isNoCode(ip) && process.image().perfMap().lookup(ip) == null;
    }

    /** The leaf's own address; a caller's return address minus one, inside its call instruction. */
    private static long callSite(long[] leafFirst, int index) {
        return index == 0 ? leafFirst[0] : leafFirst[index] - 1;
    }

    /** Processes that were there at slice end but could not be read, one line each, for a warning. */
    public List<String> problems() {
        return problems;
    }

    /**
     * The name of a process that had exited at slice end, as the kernel's records gave it (its main
     * thread's comm, as {@code /proc/PID/comm} shows), when mappings are tracked; empty otherwise.
     * Name an exited process by this, not by the comm of the thread a sample caught: a process
     * keeps one name whatever its threads are called.
     */
    public Optional<String> exitedProcessName(int tgid) {
        return Optional.ofNullable(exitedNames.get(tgid));
    }

    /** Whether the process was alive at slice end or its mappings are known, so its frames have names. */
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
