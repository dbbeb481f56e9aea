package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import dev.ebpf.profiling.api.profile.LocationSplit;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON shape of hotspots and the location split in the profile document (issue 3). */
class HotspotJsonTest {

    @Test
    void aHotspotHasTheDocumentedFieldsWithLowercaseVerdicts() throws Exception {
        Hotspot hotspot = new Hotspot(
                "nginx",
                312,
                31.2,
                15.6,
                Location.KERNEL,
                "network",
                List.of(
                        new Frame("__napi_poll", "vmlinux", Frame.Origin.KERNEL),
                        new Frame("ngx_recv", "nginx", Frame.Origin.EXECUTABLE)));

        String json = ProfileJson.mapper().writeValueAsString(hotspot);

        assertThat(json)
                .isEqualTo("{\"application\":\"nginx\",\"samples\":312,\"percentOfApplication\":31.2,"
                        + "\"percentOfTotal\":15.6,\"location\":\"kernel\",\"subsystem\":\"network\",\"frames\":["
                        + "{\"function\":\"__napi_poll\",\"module\":\"vmlinux\",\"origin\":\"kernel\"},"
                        + "{\"function\":\"ngx_recv\",\"module\":\"nginx\",\"origin\":\"executable\"}]}");
        assertThat(ProfileJson.mapper().readValue(json, Hotspot.class)).isEqualTo(hotspot);
    }

    @Test
    void theLocationSplitRoundTrips() throws Exception {
        LocationSplit split = LocationSplit.of(50, 20, 25, 5);

        String json = ProfileJson.mapper().writeValueAsString(split);

        assertThat(json)
                .isEqualTo("{\"applicationSamples\":50,\"librarySamples\":20,\"kernelSamples\":25,"
                        + "\"unknownSamples\":5,\"applicationPercent\":50.0,\"libraryPercent\":20.0,\"kernelPercent\":25.0,"
                        + "\"unknownPercent\":5.0}");
        assertThat(ProfileJson.mapper().readValue(json, LocationSplit.class)).isEqualTo(split);
    }
}
