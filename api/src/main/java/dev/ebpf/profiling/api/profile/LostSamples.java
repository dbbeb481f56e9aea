package dev.ebpf.profiling.api.profile;

/**
 * Samples the kernel could not record in full, by cause. A sample whose count map was full is
 * gone; a sample whose stack walk failed still counts for its application's CPU, without that
 * stack.
 */
public record LostSamples(long countMapFull, long kernelStackFailed, long userStackFailed) {

    public static final LostSamples NONE = new LostSamples(0, 0, 0);

    public long total() {
        return countMapFull + kernelStackFailed + userStackFailed;
    }

    public LostSamples plus(LostSamples other) {
        return new LostSamples(
                countMapFull + other.countMapFull,
                kernelStackFailed + other.kernelStackFailed,
                userStackFailed + other.userStackFailed);
    }
}
