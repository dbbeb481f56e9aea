package dev.ebpf.profiling.operator.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The token check's cache and answers, with {@link FakeTokenReviewer} (the mock API server cannot review tokens). */
class IngestAuthenticatorTest {

    private final AtomicInteger reviews = new AtomicInteger();
    private final FakeTokenReviewer fake = new FakeTokenReviewer();
    private final TokenReviewer counting = (token, audience) -> {
        reviews.incrementAndGet();
        return fake.review(token, audience);
    };
    private Instant now = Instant.parse("2026-12-01T12:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };
    private final IngestAuthenticator authenticator = new IngestAuthenticator(
            counting, null, FakeTokenReviewer.NAMESPACE, FakeTokenReviewer.AGENT_SA, Duration.ofSeconds(60), clock);

    @Test
    void aTokenIsReviewedOncePerMinute() {
        String bearer = "Bearer " + FakeTokenReviewer.agentOn("node-1");
        assertThat(authenticator.authenticate(bearer).node()).isEqualTo("node-1");
        now = now.plusSeconds(59);
        assertThat(authenticator.authenticate(bearer).node()).isEqualTo("node-1");
        assertThat(reviews).hasValue(1);
        now = now.plusSeconds(2);
        authenticator.authenticate(bearer);
        assertThat(reviews).hasValue(2);
    }

    @Test
    void refusalsAreCachedTooAndSayWhy() {
        assertThatThrownBy(() -> authenticator.authenticate("Bearer forged"))
                .isInstanceOfSatisfying(
                        IngestRefusal.class, r -> assertThat(r.status()).isEqualTo(401));
        assertThatThrownBy(() -> authenticator.authenticate("Bearer forged")).isInstanceOf(IngestRefusal.class);
        assertThat(reviews).hasValue(1);
        assertThatThrownBy(() -> authenticator.authenticate("Basic abc"))
                .isInstanceOfSatisfying(
                        IngestRefusal.class, r -> assertThat(r.reason()).isEqualTo("missingToken"));
        assertThatThrownBy(() -> authenticator.authenticate("Bearer builder@node=node-1"))
                .isInstanceOfSatisfying(IngestRefusal.class, r -> {
                    assertThat(r.status()).isEqualTo(403);
                    assertThat(r.getMessage())
                            .isEqualTo("token of system:serviceaccount:profiling-system:builder, reports are taken"
                                    + " from system:serviceaccount:profiling-system:ebpf-profiler-agent only");
                });
    }

    @Test
    void anApiServerThatCannotReviewIsA503AndNotCached() {
        AtomicInteger calls = new AtomicInteger();
        IngestAuthenticator down = new IngestAuthenticator(
                (token, audience) -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("connection refused");
                },
                null,
                FakeTokenReviewer.NAMESPACE,
                FakeTokenReviewer.AGENT_SA,
                Duration.ofSeconds(60),
                clock);
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> down.authenticate("Bearer " + FakeTokenReviewer.agentOn("node-1")))
                    .isInstanceOfSatisfying(
                            IngestRefusal.class, r -> assertThat(r.status()).isEqualTo(503));
        }
        assertThat(calls).hasValue(2);
    }
}
