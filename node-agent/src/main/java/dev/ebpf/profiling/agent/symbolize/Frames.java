package dev.ebpf.profiling.agent.symbolize;

import dev.ebpf.profiling.api.profile.Frame;

/** The frames that name no function: they still print, so a stack never loses a frame. */
public final class Frames {

    public static final String UNKNOWN = "[unknown]";
    public static final String EXITED = "[exited]";
    /** The user stack of a thread that was already blocked when sampling began: the kernel never walked it. */
    public static final String BEFORE_START = "[blocked before profiling started]";

    private Frames() {}

    /** An address no mapping or symbol covers. */
    public static Frame unknown(Frame.Origin origin) {
        return new Frame(UNKNOWN, null, origin);
    }

    /** The user part of a block that began before sampling did. */
    public static Frame beforeStart() {
        return new Frame(BEFORE_START, null, Frame.Origin.UNKNOWN);
    }

    /** A user address of a process that exited before its maps were captured. */
    public static Frame exited() {
        return new Frame(EXITED, null, Frame.Origin.UNKNOWN);
    }

    /**
     * An address in a known file without a symbol for it: named {@code [module]}, so that code
     * without symbols groups per file in hotspots and tables, with {@code [module+0xoffset]} kept as
     * the system name for pprof.
     */
    public static Frame unnamed(String module, long fileOffset, Frame.Origin origin) {
        return new Frame("[" + module + "]", module, origin, "[" + module + "+0x" + Long.toHexString(fileOffset) + "]");
    }
}
