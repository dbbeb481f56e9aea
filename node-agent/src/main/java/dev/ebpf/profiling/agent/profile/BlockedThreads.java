package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cgroup.ProcCgroupFile;
import dev.ebpf.profiling.agent.sampler.BlockedThread;
import dev.ebpf.profiling.agent.symbolize.KernelSymbols;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.LongStream;

/**
 * Finds the threads that are off the CPU right now, from /proc: their state (S or D), the CPU they
 * last ran on, their cgroup and its ancestors, and where they wait in the kernel
 * ({@code /proc/PID/task/TID/stack} where readable, which needs CAP_SYS_ADMIN, else {@code wchan}),
 * turned back into kernel addresses so they symbolize like the program's own stacks. A thread that
 * exits or cannot be read during the walk is skipped.
 */
public final class BlockedThreads {

    /** sched_switch's prev_state bits for ps's S and D. */
    private static final long TASK_INTERRUPTIBLE = 0x1;

    private static final long TASK_UNINTERRUPTIBLE = 0x2;
    /** /proc/PID/stat fields after the ")" that ends comm: state is the 1st, processor the 37th. */
    private static final int STATE_FIELD = 0;

    private static final int PROCESSOR_FIELD = 36;

    private final Path proc;
    private final CgroupMount cgroups;
    private final KernelSymbols kernel;

    public BlockedThreads(Path proc, CgroupMount cgroups, KernelSymbols kernel) {
        this.proc = proc;
        this.cgroups = cgroups;
        this.kernel = kernel;
    }

    /** The threads of every process that are asleep (S) or in uninterruptible wait (D) now. */
    public List<BlockedThread> scan() {
        List<BlockedThread> blocked = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, BlockedThreads::isNumeric)) {
            for (Path process : processes) {
                int tgid = Integer.parseInt(process.getFileName().toString());
                try (DirectoryStream<Path> tasks =
                        Files.newDirectoryStream(process.resolve("task"), BlockedThreads::isNumeric)) {
                    for (Path task : tasks) {
                        read(tgid, task).ifPresent(blocked::add);
                    }
                } catch (IOException e) {
                    // Exited during the walk, or not readable: it cannot be tracked, and costs nothing else.
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return blocked;
    }

    private Optional<BlockedThread> read(int tgid, Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long state = switch (fields[STATE_FIELD]) {
                case "S" -> TASK_INTERRUPTIBLE;
                case "D" -> TASK_UNINTERRUPTIBLE;
                default -> 0;
            };
            if (state == 0) {
                return Optional.empty();
            }
            int tid = Integer.parseInt(task.getFileName().toString());
            int cpu = Integer.parseInt(fields[PROCESSOR_FIELD]);
            String comm = Files.readString(task.resolve("comm")).strip();
            return Optional.of(new BlockedThread(tid, tgid, ancestry(tgid), state, cpu, comm, waitSite(task)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The cgroup ids from the thread's own (v2) cgroup up to the root; empty when unknown. */
    private List<Long> ancestry(int tgid) {
        Optional<ProcCgroupFile> file = ProcCgroupFile.read(proc, tgid);
        if (file.isEmpty() || file.get().unifiedPath() == null) {
            return List.of();
        }
        List<Long> ids = new ArrayList<>();
        Path directory = cgroups.directory().resolve(relative(file.get().unifiedPath()));
        for (; directory != null && directory.startsWith(cgroups.directory()); directory = directory.getParent()) {
            try {
                ids.add((Long) Files.getAttribute(directory, "unix:ino"));
            } catch (IOException | UnsupportedOperationException e) {
                break;
            }
        }
        return ids;
    }

    private String relative(String unifiedPath) {
        String root = cgroups.cgroupRoot();
        String inside = unifiedPath.startsWith(root) ? unifiedPath.substring(root.length()) : unifiedPath;
        return inside.startsWith("/") ? inside.substring(1) : inside;
    }

    /** Where the thread waits, innermost first, as addresses; null when unknown (kernel symbols hidden). */
    private long[] waitSite(Path task) {
        if (kernel.hidden()) {
            return null;
        }
        LongStream.Builder ips = LongStream.builder();
        try {
            // "[<0>] do_nanosleep+0x6a/0x170" per frame, innermost first.
            for (String line : Files.readAllLines(task.resolve("stack"))) {
                long ip = address(line.substring(line.indexOf(']') + 1).strip());
                if (ip != 0) {
                    ips.add(ip);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Without CAP_SYS_ADMIN the stack is not readable: wchan names the innermost wait site.
            try {
                long ip =
                        kernel.addressOf(Files.readString(task.resolve("wchan")).strip());
                if (ip != 0) {
                    ips.add(ip);
                }
            } catch (IOException f) {
                return null;
            }
        }
        long[] stack = ips.build().toArray();
        return stack.length == 0 ? null : stack;
    }

    /** {@code name+0xoffset/0xsize} to the address it names. */
    private long address(String frame) {
        int plus = frame.indexOf('+');
        if (plus < 0) {
            return kernel.addressOf(frame);
        }
        long function = kernel.addressOf(frame.substring(0, plus));
        int slash = frame.indexOf('/', plus);
        long offset = Long.parseUnsignedLong(frame.substring(plus + 3, slash < 0 ? frame.length() : slash), 16);
        return function == 0 ? 0 : function + offset;
    }

    private static boolean isNumeric(Path path) {
        String name = path.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }
}
