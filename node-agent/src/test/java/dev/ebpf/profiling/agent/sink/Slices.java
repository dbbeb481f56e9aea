package dev.ebpf.profiling.agent.sink;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Test slices whose content names them, so a mix-up shows in the bytes. */
final class Slices {

    static final Instant FIRST_START = Instant.parse("2026-11-26T06:20:00Z");

    private Slices() {}

    /** The {@code n}th slice of job demo/web on node-1, one minute apart. */
    static SliceObjects slice(int n) {
        SliceKey key = new SliceKey("demo", "web", FIRST_START.plusSeconds(60L * n), "node-1");
        return new SliceObjects(
                key,
                ("{\"node\":\"node-1\",\"slice\":" + n + "}").getBytes(StandardCharsets.UTF_8),
                ("main;work;spin " + (100 + n) + "\nmain;idle 3\n").getBytes(StandardCharsets.UTF_8),
                new byte[] {0x1f, (byte) 0x8b, 8, 0, (byte) n});
    }
}
