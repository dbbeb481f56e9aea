package dev.ebpf.profiling.agent.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SamplingToleranceTest {

    @Test
    void theBoundIsZStandardDeviationsOfTheBinomial() {
        // 400 ticks at p = 0.5: sd = sqrt(400 * 0.25) = 10.
        assertThat(SamplingTolerance.samples(400, 0.5)).isCloseTo(48.92, within(1e-9));
        assertThat(SamplingTolerance.samples(400)).isEqualTo(SamplingTolerance.samples(400, 0.5));
        assertThat(SamplingTolerance.samples(400, 1.2)).isZero();
        // 10 points of 400 ticks is 40 ticks: (48.92 + 2) / 400 * 100.
        assertThat(SamplingTolerance.percentPoints(400, 50, 2)).isCloseTo(12.73, within(1e-9));
    }

    @Test
    void simulatedSamplersStayWithinTheBound() {
        // 10,000 simulated slices of 300 ticks at p = 0.3: at 1e-6, none may fall outside.
        SplittableRandom random = new SplittableRandom(42);
        double bound = SamplingTolerance.samples(300, 0.3);
        for (int run = 0; run < 10_000; run++) {
            int count = 0;
            for (int tick = 0; tick < 300; tick++) {
                count += random.nextDouble() < 0.3 ? 1 : 0;
            }
            assertThat(Math.abs(count - 90.0)).isLessThanOrEqualTo(bound);
        }
    }
}
