package dev.ebpf.profiling.agent.testsupport;

/**
 * How far a sampled figure may be from the truth, derived from the number of samples rather than
 * from how quiet the machine is. Every test that compares sampled figures takes its bound from here.
 *
 * <p>The model: a sampler that ticks {@code n} times (frequency x seconds x CPUs) while a process
 * runs a fraction {@code p} of the time counts it a Binomial(n, p) number of times when the ticks fall
 * independently of what runs (the busy loops of the tests share CPUs with whatever else runs). Its
 * standard deviation is {@code sqrt(n p (1 - p))}, at most {@code sqrt(n) / 2}. The bound is
 * {@link #Z_1E6} standard deviations (normal approximation, fine for the hundreds of ticks the
 * tests take): a correct sampler fails it once in a million runs. On top of the statistics, each
 * caller adds the samples its window edges can gain or lose (a tick either side of each cut per CPU,
 * the clocks the truth is read with), which are not random and are said where they are used.
 */
public final class SamplingTolerance {

    /** The standard normal quantile of a two-sided tail of 1e-6. */
    public static final double Z_1E6 = 4.892;

    private SamplingTolerance() {}

    /**
     * Largest deviation, in samples, of a count over {@code ticks} sampling ticks that each count with
     * probability {@code p}, at 1e-6. Out-of-range {@code p} (a truth measured with its own error) is
     * clamped to [0, 1].
     */
    public static double samples(double ticks, double p) {
        double q = Math.min(1, Math.max(0, p));
        return Z_1E6 * Math.sqrt(ticks * q * (1 - q));
    }

    /** {@link #samples} when {@code p} is not known: the largest variance, at p = 1/2. */
    public static double samples(double ticks) {
        return samples(ticks, 0.5);
    }

    /**
     * Largest deviation, in percentage points, of a share (count / ticks x 100, as cpuPercent is)
     * whose true value is {@code truePercent}, plus {@code edgeTicks} ticks the window edges can add or
     * lose.
     */
    public static double percentPoints(double ticks, double truePercent, double edgeTicks) {
        return (samples(ticks, truePercent / 100) + edgeTicks) / ticks * 100;
    }

    /**
     * Largest difference, in samples per second, between the rates of two independent counts over
     * {@code ticksA} and {@code ticksB} ticks lasting {@code secondsA} and {@code secondsB}, each
     * plus {@code edgeTicks} (worst-case variance: p unknown).
     */
    public static double rateDifference(
            double ticksA, double secondsA, double ticksB, double secondsB, double edgeTicks) {
        double a = Math.sqrt(ticksA) / 2 / secondsA;
        double b = Math.sqrt(ticksB) / 2 / secondsB;
        return Z_1E6 * Math.sqrt(a * a + b * b) + edgeTicks / secondsA + edgeTicks / secondsB;
    }
}
