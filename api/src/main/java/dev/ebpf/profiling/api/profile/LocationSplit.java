package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * How all samples of a slice split between application code, shared libraries and the kernel,
 * so that "the sys time is the kernel's own" is one line. The percents are of all samples.
 */
@JsonPropertyOrder({
    "applicationSamples",
    "librarySamples",
    "kernelSamples",
    "unknownSamples",
    "applicationPercent",
    "libraryPercent",
    "kernelPercent",
    "unknownPercent"
})
public record LocationSplit(
        long applicationSamples,
        long librarySamples,
        long kernelSamples,
        long unknownSamples,
        double applicationPercent,
        double libraryPercent,
        double kernelPercent,
        double unknownPercent) {

    /** The split of these sample counts, with each count's percent of their sum. */
    public static LocationSplit of(long application, long library, long kernel, long unknown) {
        long total = application + library + kernel + unknown;
        return new LocationSplit(
                application,
                library,
                kernel,
                unknown,
                percent(application, total),
                percent(library, total),
                percent(kernel, total),
                percent(unknown, total));
    }

    private static double percent(long part, long total) {
        return total == 0 ? 0.0 : part * 100.0 / total;
    }
}
