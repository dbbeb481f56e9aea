package dev.ebpf.profiling.operator.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The ingest endpoint's settings (Helm: environment variables OPERATOR_INGEST_...). */
@ConfigMapping(prefix = "operator.ingest")
public interface IngestConfig {

    /** How long a token's review is reused before the API server is asked again. */
    @WithDefault("60s")
    Duration tokenCacheTtl();

    /**
     * Whether reports are taken over plain HTTP too. Off in a cluster: reports carry the agents'
     * tokens and come over HTTPS (port 8443) only. The tests turn it on to talk to the test port.
     */
    @WithDefault("false")
    boolean allowPlainHttp();
}
