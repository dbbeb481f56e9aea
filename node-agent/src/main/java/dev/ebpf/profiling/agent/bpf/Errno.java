package dev.ebpf.profiling.agent.bpf;

/** The errno values the agent reacts to, and a readable name for any errno. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int E2BIG = 7;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int EOPNOTSUPP = 95;

    private Errno() {}

    /** "Operation not permitted (errno 1)", from the C library's own table. */
    public static String describe(int errno) {
        return Libc.strerror(errno) + " (errno " + errno + ")";
    }
}
