package dev.ebpf.profiling.agent.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SliceKeyTest {

    private static final Instant START = Instant.parse("2026-11-26T06:20:00.750Z");
    private static final StoreCredentials CREDENTIALS = new StoreCredentials("id", "secret");

    @Test
    void thePathIsNamespaceJobSecondOfTheSliceStartAndNode() {
        assertThat(new SliceKey("demo", "web", START, "ip-10-0-0-1.ec2.internal").path())
                .isEqualTo("demo/web/2026-11-26T06:20:00Z/ip-10-0-0-1.ec2.internal");
    }

    @Test
    void namesThatAreNotKubernetesNamesAreRejectedSoTheyCannotBendTheKey() {
        assertThatThrownBy(() -> new SliceKey("demo", "../etc", START, "node-1"))
                .hasMessage("job '../etc' is not a Kubernetes name (lower-case letters, digits, '-', '.')");
        assertThatThrownBy(() -> new SliceKey("demo", "web", START, "node/1"))
                .hasMessageStartingWith("node 'node/1' is not a Kubernetes name");
        assertThatThrownBy(() -> new SliceKey("demo", "web", null, "node-1")).hasMessage("slice start is missing");
    }

    @Test
    void theObjectsSitBesideEachOtherUnderThePrefix() {
        SliceObjects slice = Slices.slice(0);

        assertThat(slice.toObjects("").stream().map(StoredObject::key))
                .containsExactly(
                        "demo/web/2026-11-26T06:20:00Z/node-1.json",
                        "demo/web/2026-11-26T06:20:00Z/node-1.folded.gz",
                        "demo/web/2026-11-26T06:20:00Z/node-1.pprof");
        assertThat(slice.toObjects("a/b").getFirst().key()).isEqualTo("a/b/demo/web/2026-11-26T06:20:00Z/node-1.json");
    }

    @Test
    void theConfigStripsSlashesFromThePrefixAndChecksTheEndpoint() {
        ObjectStoreConfig config =
                new ObjectStoreConfig(URI.create("http://s3:9000"), "b", "//x/y/", "us-east-1", CREDENTIALS);
        assertThat(config.prefix()).isEqualTo("x/y");

        assertThatThrownBy(() -> new ObjectStoreConfig(URI.create("ftp://s3"), "b", "", "r", CREDENTIALS))
                .hasMessage("objectStore.endpoint must be an http or https URL, got 'ftp://s3'");
        assertThatThrownBy(() -> new ObjectStoreConfig(URI.create("http://s3"), " ", "", "r", CREDENTIALS))
                .hasMessage("objectStore.bucket is empty");
    }

    @Test
    void credentialsNeverPrintTheSecret() {
        assertThat(new StoreCredentials("AKIAEXAMPLE", "wJalrXUtnFEMI").toString())
                .contains("AKIAEXAMPLE")
                .doesNotContain("wJalrXUtnFEMI");
    }
}
