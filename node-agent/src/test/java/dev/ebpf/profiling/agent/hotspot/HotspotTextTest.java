package dev.ebpf.profiling.agent.hotspot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HotspotTextTest {

    private static Frame user(String name) {
        return new Frame(name, "nginx", Frame.Origin.EXECUTABLE);
    }

    @Test
    void showsTheLeafEndOfTheKernelAndUserParts() {
        List<Frame> frames = new ArrayList<>(
                KernelStacks.kernel("__napi_poll <- net_rx_action <- handle_softirqs <- do_softirq <- __sys_recvfrom"));
        frames.add(new Frame("recvmsg", "libc.so.6", Frame.Origin.LIBRARY));
        frames.add(user("ngx_recv"));
        Hotspot hotspot = new Hotspot("nginx", 312, 31.2, 15.2, Location.KERNEL, "network", frames);

        assertThat(HotspotText.line(hotspot))
                .isEqualTo(
                        " 31.2% of app  kernel/network         __napi_poll <- net_rx_action <- handle_softirqs <- ... <- recvmsg <- ngx_recv");
    }

    @Test
    void elidesTheOuterUserFrames() {
        Hotspot hotspot = new Hotspot(
                "nginx",
                180,
                18.0,
                8.8,
                Location.APPLICATION,
                null,
                List.of(user("ngx_http_parse_request_line"), user("ngx_http_process_request_line"), user("main")));

        assertThat(HotspotText.line(hotspot))
                .isEqualTo(
                        " 18.0% of app  application            ngx_http_parse_request_line <- ngx_http_process_request_line <- ...");
    }
}
