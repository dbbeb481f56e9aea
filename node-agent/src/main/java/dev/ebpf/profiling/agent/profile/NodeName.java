package dev.ebpf.profiling.agent.profile;

import dev.ebpf.profiling.api.job.AgentContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The node's name: NODE_NAME (set from the downward API in a cluster), else the host name. */
public final class NodeName {

    private NodeName() {}

    public static String current() {
        String fromEnvironment = System.getenv(AgentContract.ENV_NODE_NAME);
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
