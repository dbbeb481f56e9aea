package dev.ebpf.profiling.agent.hotspot;

import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.Location;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A hotspot as one line of the table output:
 * {@code 31.2% of app  kernel/network   __napi_poll <- net_rx_action <- ... <- recvmsg <- ngx_recv}.
 * The frames shown are the leaf end of the kernel part and of the user part, where the time is
 * spent and who asked for it; the outer frames (main, entry code) are elided.
 */
public final class HotspotText {

    private static final String CALLED_FROM = " <- ";
    private static final String ELIDED = "...";
    private static final int KERNEL_FRAMES_SHOWN = 3;
    private static final int USER_FRAMES_SHOWN = 2;

    private HotspotText() {}

    public static String line(Hotspot hotspot) {
        return String.format(
                Locale.ROOT,
                "%5.1f%% of app  %-22s %s",
                hotspot.percentOfApplication(),
                verdict(hotspot),
                frames(hotspot.frames()));
    }

    /** {@code application}, {@code library} or {@code kernel/SUBSYSTEM}. */
    static String verdict(Hotspot hotspot) {
        String location = hotspot.location().jsonName();
        return hotspot.location() == Location.KERNEL ? location + "/" + hotspot.subsystem() : location;
    }

    /** The frames as one line, leaf first, outer frames elided. */
    public static String frames(List<Frame> leafFirst) {
        List<Frame> kernel = leafFirst.stream().filter(Frame::isKernel).toList();
        List<Frame> user = leafFirst.stream().filter(frame -> !frame.isKernel()).toList();
        List<String> shown = new ArrayList<>();
        addHead(kernel, KERNEL_FRAMES_SHOWN, shown);
        addHead(user, USER_FRAMES_SHOWN, shown);
        return String.join(CALLED_FROM, shown);
    }

    private static void addHead(List<Frame> frames, int limit, List<String> shown) {
        frames.stream().limit(limit).map(Frame::function).forEach(shown::add);
        if (frames.size() > limit) {
            shown.add(ELIDED);
        }
    }
}
