package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.output.OutputFormat;
import dev.ebpf.profiling.agent.sampler.Unwinding;
import dev.ebpf.profiling.api.job.CpuList;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/**
 * The options of {@code node-agent profile}, parsed and checked. Every problem is a
 * {@link UsageException} with one line that names the option.
 *
 * @param duration    how long to profile
 * @param frequencyHz samples per second per CPU (1 to 1000)
 * @param cpus        CPUs to sample, already checked against the online ones
 * @param cgroups     cgroup paths to keep (with their descendants); empty keeps everything
 * @param slice       length of one time slice; the last one may be shorter
 * @param top         applications to list per slice
 * @param hotspots    hottest stacks to list per application
 * @param offCpu      also measure where applications block ({@code --off-cpu})
 * @param minBlock    off-CPU blocks shorter than this are ignored in the kernel
 * @param netRx       also measure the network receive path ({@code --net-rx})
 * @param format      how to print each slice
 * @param output      file to write to, or null for stdout
 * @param unwinding   how user stacks are walked ({@code --unwind})
 */
public record ProfileOptions(
        Duration duration,
        int frequencyHz,
        CpuList cpus,
        List<String> cgroups,
        Duration slice,
        int top,
        int hotspots,
        boolean offCpu,
        Duration minBlock,
        boolean netRx,
        OutputFormat format,
        Path output,
        Unwinding unwinding) {

    /** Defaults as typed on the command line (picocli shows them in --help). */
    static final String DEFAULT_DURATION = "10s";

    static final String DEFAULT_MIN_BLOCK = "1ms";
    /** DWARF: stacks through code built without frame pointers (most of a distribution) reach main. */
    static final String DEFAULT_UNWIND = "dwarf";

    public static final int DEFAULT_FREQUENCY_HZ = 99;
    public static final int MAX_FREQUENCY_HZ = 1000;
    public static final int DEFAULT_TOP = 10;
    public static final int MAX_HOTSPOTS = 100;

    /**
     * Parses the arguments after {@code profile} (as the CLI does, with picocli); {@code online} is
     * this machine's online CPU list.
     */
    public static ProfileOptions parse(List<String> args, CpuList online) {
        ProfileCommand command = new ProfileCommand(null);
        try {
            new CommandLine(command).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new UsageException(ParameterErrors.oneLine(e));
        }
        return command.options(online);
    }

    /** Checks the options as given; every problem is a UsageException with one line naming the option. */
    static ProfileOptions of(
            String durationText,
            String frequencyText,
            String cpusText,
            List<String> cgroups,
            String sliceText,
            String topText,
            String hotspotsText,
            boolean offCpu,
            String minBlockText,
            boolean netRx,
            String formatText,
            Path output,
            String unwindText,
            CpuList online) {
        Duration duration = DurationArgument.parse("--duration", durationText);
        OutputFormat format = OutputFormat.parse(formatText);
        if (format.filePerSlice() && output == null) {
            throw new UsageException("--format " + format.name().toLowerCase(Locale.ROOT)
                    + " writes one file per slice: give --output FILE");
        }
        return new ProfileOptions(
                duration,
                intInRange("--frequency", frequencyText, 1, MAX_FREQUENCY_HZ),
                cpusText == null ? online : cpuList(cpusText, online),
                List.copyOf(cgroups),
                sliceText == null ? duration : DurationArgument.parse("--slice", sliceText),
                intInRange("--top", topText, 1, 1000),
                intInRange("--hotspots", hotspotsText, 0, MAX_HOTSPOTS),
                offCpu,
                DurationArgument.parseAtLeast("--min-block", minBlockText, Duration.ZERO),
                netRx,
                format,
                output,
                unwinding(unwindText));
    }

    private static Unwinding unwinding(String value) {
        try {
            return Unwinding.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--unwind: " + e.getMessage());
        }
    }

    private static CpuList cpuList(String value, CpuList online) {
        try {
            return CpuList.parseWithin(value, online);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--cpus: " + e.getMessage());
        }
    }

    private static int intInRange(String option, String value, int min, int max) {
        int number;
        try {
            number = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new UsageException(
                    option + " must be a whole number from " + min + " to " + max + ", not '" + value + "'");
        }
        if (number < min || number > max) {
            throw new UsageException(option + " must be from " + min + " to " + max + ", not " + number);
        }
        return number;
    }
}
