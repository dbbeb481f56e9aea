package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.cpu.CpuList;
import dev.ebpf.profiling.agent.hotspot.HotspotAnalyzer;
import dev.ebpf.profiling.agent.output.OutputFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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
 * @param format      how to print each slice
 * @param output      file to write to, or null for stdout
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
        OutputFormat format,
        Path output) {

    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(10);
    public static final int DEFAULT_FREQUENCY_HZ = 99;
    public static final int MAX_FREQUENCY_HZ = 1000;
    public static final int DEFAULT_TOP = 10;
    public static final int MAX_HOTSPOTS = 100;
    public static final Duration DEFAULT_MIN_BLOCK = Duration.ofMillis(1);
    private static final String OFF_CPU_FLAG = "--off-cpu";

    public static final String USAGE = """
            usage: node-agent profile [--duration 10s] [--frequency 99] [--cpus 0,2-3] [--cgroup PATH]...
                                      [--slice 10s] [--top 10] [--hotspots 5]
                                      [--off-cpu] [--min-block 1ms]
                                      [--format table|json|folded|pprof|svg] [--output FILE]""";

    /** Parses the arguments after {@code profile}; {@code online} is this machine's online CPU list. */
    public static ProfileOptions parse(List<String> args, CpuList online) {
        Duration duration = DEFAULT_DURATION;
        int frequency = DEFAULT_FREQUENCY_HZ;
        CpuList cpus = online;
        List<String> cgroups = new ArrayList<>();
        Duration slice = null;
        int top = DEFAULT_TOP;
        int hotspots = HotspotAnalyzer.DEFAULT_HOTSPOTS;
        boolean offCpu = false;
        Duration minBlock = DEFAULT_MIN_BLOCK;
        OutputFormat format = OutputFormat.TABLE;
        Path output = null;
        for (OptionTokens.Option token : OptionTokens.split(args, Set.of(OFF_CPU_FLAG))) {
            String option = token.name();
            String value = token.value();
            switch (option) {
                case OFF_CPU_FLAG -> offCpu = true;
                case "--duration" -> duration = DurationArgument.parse(option, value);
                case "--frequency" -> frequency = intInRange(option, value, 1, MAX_FREQUENCY_HZ);
                case "--cpus" -> cpus = cpuList(value, online);
                case "--cgroup" -> cgroups.add(value);
                case "--slice" -> slice = DurationArgument.parse(option, value);
                case "--top" -> top = intInRange(option, value, 1, 1000);
                case "--hotspots" -> hotspots = intInRange(option, value, 0, MAX_HOTSPOTS);
                case "--min-block" -> minBlock = DurationArgument.parseAtLeast(option, value, Duration.ZERO);
                case "--format" -> format = OutputFormat.parse(value);
                case "--output" -> output = Path.of(value);
                default -> throw new UsageException("unknown option '" + option + "'");
            }
        }
        if (format.filePerSlice() && output == null) {
            throw new UsageException("--format " + format.name().toLowerCase(Locale.ROOT)
                    + " writes one file per slice: give --output FILE");
        }
        return new ProfileOptions(
                duration,
                frequency,
                cpus,
                List.copyOf(cgroups),
                slice == null ? duration : slice,
                top,
                hotspots,
                offCpu,
                minBlock,
                format,
                output);
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
