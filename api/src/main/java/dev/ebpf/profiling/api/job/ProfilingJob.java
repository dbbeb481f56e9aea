package dev.ebpf.profiling.api.job;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;
import java.io.Serial;

/**
 * A profiling job: which pods (or whole nodes) to profile, how, and for how long. Users and GitOps
 * tools own the spec; only the operator writes the status.
 */
@Group(ProfilingJob.GROUP)
@Version(ProfilingJob.VERSION)
@Kind(ProfilingJob.KIND)
@Plural("profilingjobs")
@Singular("profilingjob")
@ShortNames("pj")
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.mode")
@AdditionalPrinterColumn(name = "Status", jsonPath = ".status.phase")
@AdditionalPrinterColumn(name = "Nodes", jsonPath = ".status.nodes")
@AdditionalPrinterColumn(name = "Top Application", jsonPath = ".status.topApplications[0].name")
@AdditionalPrinterColumn(
        name = "CPU%",
        jsonPath = ".status.topApplications[0].cpuPercent",
        type = AdditionalPrinterColumn.Type.NUMBER)
// Trigger mode, shown by kubectl get -o wide: how long ago the newest firing was (status.triggers is newest first).
@AdditionalPrinterColumn(
        name = "Last Trigger",
        jsonPath = ".status.triggers[0].time",
        type = AdditionalPrinterColumn.Type.DATE,
        priority = 1)
@AdditionalPrinterColumn(
        name = "Age",
        jsonPath = ".metadata.creationTimestamp",
        type = AdditionalPrinterColumn.Type.DATE)
public class ProfilingJob extends CustomResource<ProfilingJobSpec, ProfilingJobStatus> implements Namespaced {

    @Serial
    private static final long serialVersionUID = 1L;

    public static final String GROUP = "profiling.ebpf.dev";
    public static final String VERSION = "v1alpha1";
    public static final String KIND = "ProfilingJob";
}
