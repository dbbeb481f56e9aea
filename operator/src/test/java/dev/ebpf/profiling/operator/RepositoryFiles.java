package dev.ebpf.profiling.operator;

import java.nio.file.Path;

/** Files of the repository that the operator's tests read: the CRD, the chart and the samples. */
final class RepositoryFiles {

    static final String CRD_FILE_NAME = "profilingjobs.profiling.ebpf.dev-v1.yml";

    /** Surefire runs in operator/; the repository root is its parent. */
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    private RepositoryFiles() {}

    static Path crd() {
        return ROOT.resolve("crds").resolve(CRD_FILE_NAME);
    }

    /** Helm installs CRDs from the chart's own crds/ folder: a copy, kept equal by CrdDriftTest. */
    static Path chartCrd() {
        return chart().resolve("crds").resolve(CRD_FILE_NAME);
    }

    static Path chart() {
        return ROOT.resolve("charts").resolve("ebpf-profiler");
    }

    static Path samples() {
        return ROOT.resolve("samples");
    }
}
