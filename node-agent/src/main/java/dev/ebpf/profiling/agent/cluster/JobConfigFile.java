package dev.ebpf.profiling.agent.cluster;

import dev.ebpf.profiling.api.job.AgentJobConfig;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads the job config the operator mounts for the agent, refusing what this agent cannot run. */
public final class JobConfigFile {

    private JobConfigFile() {}

    /** @throws IllegalArgumentException with one line when the file is missing, unreadable or of another schema */
    public static AgentJobConfig read(Path file) {
        AgentJobConfig config;
        try {
            config = ProfileJson.mapper().readValue(Files.readString(file), AgentJobConfig.class);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("job config " + file + " does not exist");
        } catch (IOException e) {
            String reason = e.getMessage() == null
                    ? e.getClass().getSimpleName()
                    : e.getMessage().lines().findFirst().orElse("");
            throw new IllegalArgumentException("job config " + file + " is not valid: " + reason);
        }
        if (config.schemaVersion() != AgentJobConfig.SCHEMA_VERSION) {
            throw new IllegalArgumentException("job config " + file + " has schemaVersion " + config.schemaVersion()
                    + " but this agent reads version " + AgentJobConfig.SCHEMA_VERSION + ": upgrade the agent image");
        }
        if (config.job() == null
                || config.job().name() == null
                || config.job().namespace() == null
                || config.job().uid() == null) {
            throw new IllegalArgumentException(
                    "job config " + file + " does not name its ProfilingJob (job.namespace," + " job.name, job.uid)");
        }
        if (config.durationSeconds() <= 0) {
            throw new IllegalArgumentException("job config " + file + " has durationSeconds " + config.durationSeconds()
                    + ": it must be positive");
        }
        return config;
    }

    /** The config again, or {@code previous} (with a line in the log) when it cannot be read now. */
    public static AgentJobConfig reread(Path file, AgentJobConfig previous, PrintStream log) {
        try {
            return read(file);
        } catch (IllegalArgumentException e) {
            log.println("keeping the previous job config: " + e.getMessage());
            return previous;
        }
    }
}
