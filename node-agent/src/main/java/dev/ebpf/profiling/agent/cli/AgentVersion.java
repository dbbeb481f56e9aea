package dev.ebpf.profiling.agent.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** {@code node-agent --version}: the version Maven built the agent as (node-agent-version.properties). */
final class AgentVersion implements CommandLine.IVersionProvider {

    static final String RESOURCE = "/node-agent-version.properties";

    @Override
    public String[] getVersion() {
        return new String[] {"node-agent " + version()};
    }

    static String version() {
        try (InputStream in = AgentVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown (no " + RESOURCE + " in the class path)";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
