package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;

/**
 * The agents' identity in a job's namespace: a ServiceAccount, bound by a RoleBinding to the chart's
 * agent ClusterRole, so the grant (read pods, write result ConfigMaps) holds in that namespace only.
 * Shared by the namespace's jobs and left in place when a job goes.
 */
public final class AgentRbac {

    private final KubernetesClient client;
    private final OperatorConfig.AgentSettings settings;

    public AgentRbac(KubernetesClient client, OperatorConfig.AgentSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    public void ensure(String namespace) {
        Map<String, String> labels = Map.of(AgentContract.LABEL_MANAGED_BY, AgentContract.MANAGED_BY);
        String name = settings.serviceAccount();
        if (client.serviceAccounts().inNamespace(namespace).withName(name).get() == null) {
            client.serviceAccounts()
                    .inNamespace(namespace)
                    .resource(new ServiceAccountBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .withNamespace(namespace)
                            .withLabels(labels)
                            .endMetadata()
                            .build())
                    .create();
        }
        if (client.rbac().roleBindings().inNamespace(namespace).withName(name).get() == null) {
            client.rbac()
                    .roleBindings()
                    .inNamespace(namespace)
                    .resource(new RoleBindingBuilder()
                            .withNewMetadata()
                            .withName(name)
                            .withNamespace(namespace)
                            .withLabels(labels)
                            .endMetadata()
                            .withNewRoleRef()
                            .withApiGroup("rbac.authorization.k8s.io")
                            .withKind("ClusterRole")
                            .withName(settings.clusterRole())
                            .endRoleRef()
                            .addNewSubject()
                            .withKind("ServiceAccount")
                            .withName(name)
                            .withNamespace(namespace)
                            .endSubject()
                            .build())
                    .create();
        }
    }
}
