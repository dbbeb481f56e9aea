package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.operator.agents.AgentHealth;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agents' side of a reconcile, each test on an API server of its own (so the node labels are
 * this test's alone): the one DaemonSet in the operator's namespace, the agent label following the
 * jobs' pods, nothing in the jobs' namespaces, and every agent failure in the job's AgentsReady
 * condition with one Warning. The reconciler is called directly, with a clock the test moves.
 */
@EnableKubernetesMockClient(crud = true)
class AgentsTest {

    static final String OPERATOR_NS = TestConfig.OPERATOR_NAMESPACE;
    static final Instant T0 = Instant.parse("2026-03-01T03:00:00Z");

    KubernetesClient client;
    KubernetesMockServer server;

    Cluster cluster;
    MovableClock clock;

    @BeforeEach
    void nodes() {
        cluster = new Cluster(client);
        cluster.node("node-1", 2);
        cluster.node("node-2", 2);
        cluster.node("node-3", 2);
        clock = new MovableClock(T0);
    }

    @Test
    void theOneDaemonSetLivesInTheOperatorNamespaceLockedDown() {
        cluster.pod("team-a", "web", Map.of("app", "web"), "node-1");
        cluster.pod("team-b", "api", Map.of("app", "api"), "node-2");
        ProfilingJob a = cluster.job("team-a", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        ProfilingJob b = cluster.job("team-b", "b", Cluster.spec(Mode.GENERAL, Map.of("app", "api")));
        ProfilingJobReconciler reconciler = reconciler(TestConfig.defaults());
        reconcile(reconciler, a);
        reconcile(reconciler, b);
        String version = Agents.daemonSets(client).getFirst().getMetadata().getResourceVersion();
        reconcile(reconciler, a);

        DaemonSet daemonSet = Agents.daemonSets(client).stream().collect(singleOne());
        assertThat(daemonSet.getMetadata().getNamespace()).isEqualTo(OPERATOR_NS);
        assertThat(daemonSet.getMetadata().getName()).isEqualTo("ebpf-profiler-agent");
        assertThat(daemonSet.getMetadata().getOwnerReferences()).isNullOrEmpty();
        assertThat(daemonSet.getMetadata().getResourceVersion())
                .as("an unchanged DaemonSet is not rewritten")
                .isEqualTo(version);
        PodSpec pod = daemonSet.getSpec().getTemplate().getSpec();
        assertThat(pod.getNodeSelector())
                .containsExactly(Map.entry(IngestContract.NODE_LABEL_AGENT, IngestContract.NODE_LABEL_AGENT_VALUE));
        assertThat(pod.getHostPID()).isTrue();
        assertThat(pod.getServiceAccountName()).isEqualTo("ebpf-profiler-agent");
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getTolerations())
                .singleElement()
                .satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
        var container = pod.getContainers().stream().collect(singleOne());
        assertThat(container.getImage()).isEqualTo("node-agent:test");
        assertThat(container.getArgs()).containsExactly("run");
        var security = container.getSecurityContext();
        assertThat(security.getPrivileged()).as("not privileged").isNotEqualTo(true);
        assertThat(security.getAllowPrivilegeEscalation()).isFalse();
        assertThat(security.getReadOnlyRootFilesystem()).isTrue();
        assertThat(security.getCapabilities().getAdd())
                .containsExactlyInAnyOrder("BPF", "PERFMON", "SYS_PTRACE", "SYSLOG");
        assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(container.getPorts())
                .singleElement()
                .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(AgentContract.METRICS_PORT));
        assertThat(container.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");

        Map<String, EnvVar> env = container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get(AgentContract.ENV_NODE_NAME)
                        .getValueFrom()
                        .getFieldRef()
                        .getFieldPath())
                .isEqualTo("spec.nodeName");
        assertThat(env.get(AgentContract.ENV_POD_NAMESPACE)
                        .getValueFrom()
                        .getFieldRef()
                        .getFieldPath())
                .isEqualTo("metadata.namespace");
        assertThat(env.get(IngestContract.ENV_INGEST_URL).getValue())
                .isEqualTo("https://ebpf-profiler-ingest." + OPERATOR_NS + ".svc:8443");
        assertThat(env.get(IngestContract.ENV_NODE_WIDE_NAMESPACES).getValue()).isEqualTo("ops");
        assertThat(env.get(IngestContract.ENV_MAX_FREQUENCY_HZ).getValue()).isEqualTo("999");

        // Host mounts read-only; the projected token (for the ingest endpoint only) and its CA.
        assertThat(container.getVolumeMounts())
                .filteredOn(m -> m.getMountPath().startsWith("/sys"))
                .extracting(m -> m.getMountPath())
                .containsExactlyInAnyOrder("/sys/fs/cgroup", "/sys/kernel/btf", "/sys/kernel/tracing");
        assertThat(container.getVolumeMounts())
                .filteredOn(m -> !m.getMountPath().equals("/tmp"))
                .allSatisfy(m -> assertThat(m.getReadOnly()).isTrue());
        Volume ingest =
                pod.getVolumes().stream().filter(v -> v.getProjected() != null).collect(singleOne());
        assertThat(container.getVolumeMounts()).anySatisfy(m -> {
            assertThat(m.getName()).isEqualTo(ingest.getName());
            assertThat(m.getMountPath()).isEqualTo(IngestContract.TOKEN_MOUNT_PATH);
        });
        var sources = ingest.getProjected().getSources();
        assertThat(sources).hasSize(2);
        var token = sources.get(0).getServiceAccountToken();
        assertThat(token.getAudience()).isEqualTo(IngestContract.TOKEN_AUDIENCE);
        assertThat(token.getPath()).isEqualTo(IngestContract.TOKEN_FILE);
        assertThat(token.getExpirationSeconds()).isEqualTo(3600L);
        var ca = sources.get(1).getSecret();
        assertThat(ca.getName()).isEqualTo("ebpf-profiler-ingest-tls");
        assertThat(ca.getItems())
                .singleElement()
                .satisfies(i ->
                        assertThat(i.getKey() + "->" + i.getPath()).isEqualTo("ca.crt->" + IngestContract.CA_FILE));
    }

    @Test
    void sysResourceOnlyWhenTheSettingsAskForIt() {
        cluster.pod("old-kernels", "web", Map.of("app", "web"), "node-1");
        ProfilingJob job = cluster.job("old-kernels", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        reconcile(reconciler(TestConfig.defaults().withSysResource()), job);
        assertThat(Agents.daemonSets(client)
                        .getFirst()
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .getFirst()
                        .getSecurityContext()
                        .getCapabilities()
                        .getAdd())
                .containsExactlyInAnyOrder("BPF", "PERFMON", "SYS_PTRACE", "SYSLOG", "SYS_RESOURCE");
    }

    @Test
    void nothingOfTheAgentsIsCreatedInTheJobNamespace() {
        String ns = "tenant";
        cluster.pod(ns, "web", Map.of("app", "web"), "node-1");
        ProfilingJob job = cluster.job(ns, "a", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        ProfilingJobReconciler reconciler = reconciler(TestConfig.defaults());
        reconcile(reconciler, job);
        reconcile(reconciler, job);

        assertThat(cluster.get(ns, "a").getStatus().targetNodes).containsExactly("node-1");
        assertNothingOfTheAgentsIn(client, ns);
        assertThat(Agents.daemonSets(client)).hasSize(1);
    }

    /** Whatever kind the old per-job agents used: none of it in a job's namespace (Events on the job aside). */
    static void assertNothingOfTheAgentsIn(KubernetesClient client, String ns) {
        assertThat(client.pods().inNamespace(ns).list().getItems())
                .as("pods in %s: the workloads only", ns)
                .noneMatch(p -> p.getMetadata().getLabels() != null
                        && AgentContract.MANAGED_BY.equals(
                                p.getMetadata().getLabels().get(AgentContract.LABEL_MANAGED_BY)));
        assertThat(client.configMaps().inNamespace(ns).list().getItems())
                .as("ConfigMaps in %s", ns)
                .noneMatch(cm -> cm.getMetadata().getLabels() != null
                        && !AgentContract.COMPONENT_RESULT.equals(
                                cm.getMetadata().getLabels().get(AgentContract.LABEL_COMPONENT)));
        assertThat(client.serviceAccounts().inNamespace(ns).list().getItems())
                .as("ServiceAccounts")
                .isEmpty();
        assertThat(client.secrets().inNamespace(ns).list().getItems())
                .as("Secrets")
                .isEmpty();
        assertThat(client.rbac().roles().inNamespace(ns).list().getItems())
                .as("Roles")
                .isEmpty();
        assertThat(client.rbac().roleBindings().inNamespace(ns).list().getItems())
                .as("RoleBindings")
                .isEmpty();
        assertThat(client.apps().daemonSets().inNamespace(ns).list().getItems())
                .as("DaemonSets")
                .isEmpty();
        assertThat(client.apps().deployments().inNamespace(ns).list().getItems())
                .as("Deployments")
                .isEmpty();
        assertThat(client.batch().v1().jobs().inNamespace(ns).list().getItems())
                .as("Jobs")
                .isEmpty();
    }

    @Test
    void theLabelFollowsTheSelectedPodsAndStaysWhileAnyJobNeedsTheNode() {
        Pod a1 = cluster.pod("team-a", "a1", Map.of("app", "a"), "node-1");
        cluster.pod("team-b", "b1", Map.of("app", "b"), "node-1");
        Pod b2 = cluster.pod("team-b", "b2", Map.of("app", "b"), "node-2");
        ProfilingJob a = cluster.job("team-a", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "a")));
        ProfilingJob b = cluster.job("team-b", "b", Cluster.spec(Mode.GENERAL, Map.of("app", "b")));
        ProfilingJobReconciler reconciler = reconciler(TestConfig.defaults());
        reconcile(reconciler, a);
        reconcile(reconciler, b);
        assertThat(Agents.labelledNodes(client)).containsExactly("node-1", "node-2");

        // a's pod moves to node-3: node-1 keeps the label for b.
        cluster.move(a1, "a1-moved", "node-3");
        reconcile(reconciler, a);
        assertThat(Agents.labelledNodes(client)).containsExactly("node-1", "node-2", "node-3");

        // b's pod on node-2 moves to node-3, which a needs too: node-2 loses the label.
        cluster.move(b2, "b2-moved", "node-3");
        reconcile(reconciler, b);
        assertThat(Agents.labelledNodes(client)).containsExactly("node-1", "node-3");

        // a is deleted: node-3 stays for b.
        delete(reconciler, a);
        assertThat(Agents.labelledNodes(client)).containsExactly("node-1", "node-3");

        // b is deleted: no job needs a node.
        delete(reconciler, b);
        assertThat(Agents.labelledNodes(client)).isEmpty();
    }

    @Test
    void aNewOperatorKeepsTheLabelsOfJobsItHasNotReconciledYet() {
        cluster.pod("team-a", "a1", Map.of("app", "a"), "node-1");
        cluster.pod("team-b", "b1", Map.of("app", "b"), "node-2");
        ProfilingJob a = cluster.job("team-a", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "a")));
        ProfilingJob b = cluster.job("team-b", "b", Cluster.spec(Mode.GENERAL, Map.of("app", "b")));
        ProfilingJobReconciler first = reconciler(TestConfig.defaults());
        reconcile(first, a);
        reconcile(first, b);

        // The new operator reconciles a first: b's node-2 stays labelled (b's stored targets say so).
        reconcile(reconciler(TestConfig.defaults()), a);
        assertThat(Agents.labelledNodes(client)).containsExactly("node-1", "node-2");
    }

    /**
     * A DaemonSet create refused with 403 (as RBAC or an admission webhook would). The mock server in
     * CRUD mode enforces neither RBAC nor Pod Security: the 403 is injected with an expectation that
     * answers the DaemonSet POST once; after it, the CRUD server answers as usual ("the fault is removed").
     */
    @Test
    void aRefusedDaemonSetIsInTheStatusAndRecoversWithoutASpecChange() {
        server.expect()
                .post()
                .withPath("/apis/apps/v1/namespaces/" + OPERATOR_NS + "/daemonsets")
                .andReturn(
                        403,
                        new StatusBuilder()
                                .withStatus("Failure")
                                .withReason("Forbidden")
                                .withCode(403)
                                .withMessage("daemonsets.apps is forbidden: User \"system:serviceaccount:"
                                        + OPERATOR_NS + ":ebpf-profiler-operator\" cannot create resource"
                                        + " \"daemonsets\"\nin API group \"apps\"")
                                .build())
                .once();
        cluster.pod("refused", "web", Map.of("app", "web"), "node-1");
        ProfilingJob job = cluster.job("refused", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        ProfilingJobReconciler reconciler = reconciler(TestConfig.defaults());

        UpdateControl<ProfilingJob> control = reconcile(reconciler, job);
        Condition failed = agentsReady("refused", "a");
        assertThat(failed.getStatus()).isEqualTo("False");
        assertThat(failed.getReason()).isEqualTo(ProfilingJobReconciler.AGENT_DAEMON_SET_FAILED);
        assertThat(failed.getMessage())
                .startsWith("DaemonSet " + OPERATOR_NS + "/ebpf-profiler-agent could not be written: 403 Forbidden: ")
                .contains("cannot create resource \"daemonsets\" in API group \"apps\"")
                .doesNotContain("\n");
        assertThat(control.getScheduleDelay()).as("retried with back-off").hasValue(5_000L);
        assertThat(Agents.daemonSets(client)).isEmpty();

        clock.advance(Duration.ofSeconds(5));
        reconcile(reconciler, job); // the fault is gone: the DaemonSet is created
        assertThat(Agents.daemonSets(client)).hasSize(1);
        assertThat(agentsReady("refused", "a").getReason()).isEqualTo(AgentHealth.STARTING);

        client.resource(FakeDaemonSetController.runningPod(OPERATOR_NS, "ebpf-profiler-agent", "node-1"))
                .create();
        reconcile(reconciler, job);
        assertThat(agentsReady("refused", "a").getStatus()).isEqualTo("True");
        ProfilingJob after = cluster.get("refused", "a");
        assertThat(after.getMetadata().getGeneration())
                .as("no spec change")
                .isEqualTo(job.getMetadata().getGeneration());
        assertThat(Agents.events(client, "refused", "a"))
                .filteredOn(e -> e.startsWith("Warning"))
                .singleElement()
                .satisfies(e -> assertThat(e).startsWith("Warning AgentDaemonSetFailed: DaemonSet "));
    }

    static final String CRASH_LAST_WORDS =
            "KernelSymbolsHiddenException: /proc/kallsyms shows only zero addresses (kptr_restrict=2)";

    static String crashMessage(String node) {
        return "1 of 1 target node has no running agent; " + node + ": CrashLoopBackOff (exit 1: " + CRASH_LAST_WORDS
                + "), 5 restarts";
    }

    static ContainerStatus crashLooping() {
        return new ContainerStatusBuilder()
                .withName("node-agent")
                .withRestartCount(5)
                .withReady(false)
                .withNewState()
                .withNewWaiting()
                .withReason("CrashLoopBackOff")
                .withMessage("back-off 2m40s restarting failed container=node-agent")
                .endWaiting()
                .endState()
                .withNewLastState()
                .withNewTerminated()
                .withExitCode(1)
                .withReason("Error")
                .withMessage(CRASH_LAST_WORDS + "\n")
                .endTerminated()
                .endLastState()
                .build();
    }

    @Test
    void aCrashLoopingAgentIsInTheConditionWithOneWarningAndRecovers() {
        cluster.pod("crash", "web", Map.of("app", "web"), "node-1");
        ProfilingJob job = cluster.job("crash", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        Pod agent = client.resource(FakeDaemonSetController.runningPod(OPERATOR_NS, "ebpf-profiler-agent", "node-1"))
                .create();
        agent.getStatus().setContainerStatuses(List.of(crashLooping()));
        client.resource(agent).updateStatus();
        ProfilingJobReconciler reconciler = reconciler(TestConfig.defaults());

        reconcile(reconciler, job);
        reconcile(reconciler, job);

        Condition condition = agentsReady("crash", "a");
        assertThat(condition.getStatus()).isEqualTo("False");
        assertThat(condition.getReason()).isEqualTo(AgentHealth.CRASH_LOOPING);
        assertThat(condition.getMessage()).isEqualTo(crashMessage("node-1"));
        assertThat(Agents.events(client, "crash", "a"))
                .filteredOn(e -> e.startsWith("Warning"))
                .containsExactly("Warning AgentCrashLooping: " + crashMessage("node-1"));

        agent = client.resource(agent).get();
        agent.getStatus()
                .setContainerStatuses(List.of(new ContainerStatusBuilder()
                        .withName("node-agent")
                        .withRestartCount(6)
                        .withNewState()
                        .withNewRunning()
                        .endRunning()
                        .endState()
                        .build()));
        client.resource(agent).updateStatus();
        reconcile(reconciler, job);
        assertThat(agentsReady("crash", "a").getStatus()).isEqualTo("True");
        assertThat(Agents.events(client, "crash", "a"))
                .contains("Normal AgentsRunning: an agent runs on each of the 1 target node(s)");
    }

    @Test
    void aTargetNodeWithoutAnAgentPastTheGraceIsAgentNotRunning() {
        cluster.pod("missing", "web-1", Map.of("app", "web"), "node-1");
        cluster.pod("missing", "web-2", Map.of("app", "web"), "node-2");
        ProfilingJob job = cluster.job("missing", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        client.resource(FakeDaemonSetController.runningPod(OPERATOR_NS, "ebpf-profiler-agent", "node-1"))
                .create();
        ProfilingJobReconciler reconciler = reconciler(TestConfig.defaults());

        UpdateControl<ProfilingJob> control = reconcile(reconciler, job);
        assertThat(agentsReady("missing", "a").getReason()).isEqualTo(AgentHealth.STARTING);
        assertThat(control.getScheduleDelay())
                .as("looked at again when node-2's grace runs out")
                .hasValueSatisfying(ms -> assertThat(ms).isBetween(60_000L, 61_000L));
        assertThat(Agents.events(client, "missing", "a")).noneMatch(e -> e.startsWith("Warning"));

        clock.advance(Duration.ofSeconds(61));
        reconcile(reconciler, job);
        Condition condition = agentsReady("missing", "a");
        assertThat(condition.getStatus()).isEqualTo("False");
        assertThat(condition.getReason()).isEqualTo(AgentHealth.NOT_RUNNING);
        assertThat(condition.getMessage()).isEqualTo("1 of 2 target nodes has no running agent; node-2: no agent pod");

        // The DaemonSet controller says why: a Pod Security refusal (its FailedCreate Event).
        client.v1()
                .events()
                .inNamespace(OPERATOR_NS)
                .resource(new EventBuilder()
                        .withNewMetadata()
                        .withName("ebpf-profiler-agent.1")
                        .withNamespace(OPERATOR_NS)
                        .endMetadata()
                        .withNewInvolvedObject()
                        .withKind("DaemonSet")
                        .withName("ebpf-profiler-agent")
                        .withNamespace(OPERATOR_NS)
                        .endInvolvedObject()
                        .withType("Warning")
                        .withReason("FailedCreate")
                        .withMessage("Error creating: pods \"ebpf-profiler-agent-x7k2p\" is forbidden: violates"
                                + " PodSecurity \"baseline:latest\": host namespaces (hostPID=true)")
                        .withLastTimestamp(clock.instant().toString())
                        .build())
                .create();
        reconcile(reconciler, job);
        condition = agentsReady("missing", "a");
        assertThat(condition.getReason()).isEqualTo(AgentHealth.REFUSED);
        assertThat(condition.getMessage())
                .isEqualTo("1 of 2 target nodes has no running agent; node-2: FailedCreate: Error creating: pods"
                        + " \"ebpf-profiler-agent-x7k2p\" is forbidden: violates PodSecurity \"baseline:latest\":"
                        + " host namespaces (hostPID=true)");
        assertThat(Agents.events(client, "missing", "a"))
                .filteredOn(e -> e.startsWith("Warning"))
                .extracting(e -> e.substring(0, e.indexOf(':')))
                .containsExactly("Warning AgentNotRunning", "Warning AgentRefused");
    }

    /**
     * An error the reconcile does not handle itself (here: what updateErrorStatus gets from the
     * framework) lands in Degraded with one Warning, and the next reconcile that works clears it.
     */
    @Test
    void anUnhandledErrorIsInTheStatusUntilAReconcileSucceeds() {
        cluster.pod("errors", "web", Map.of("app", "web"), "node-1");
        ProfilingJob job = cluster.job("errors", "a", Cluster.spec(Mode.GENERAL, Map.of("app", "web")));
        ProfilingJobReconciler reconciler = reconciler(TestConfig.defaults());
        var error = new io.fabric8.kubernetes.client.KubernetesClientException(new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage("pods is forbidden: User \"system:serviceaccount:profiling-system:ebpf-profiler-operator\""
                        + " cannot list resource \"pods\" in namespace \"errors\"")
                .build());

        reconciler.updateErrorStatus(cluster.get("errors", "a"), null, error);
        reconciler.updateErrorStatus(cluster.get("errors", "a"), null, error);
        Condition degraded = Conditions.find(
                        cluster.get("errors", "a").getStatus().conditions, ProfilingJobStatus.DEGRADED)
                .orElseThrow();
        assertThat(degraded.getStatus()).isEqualTo("True");
        assertThat(degraded.getReason()).isEqualTo(ProfilingJobReconciler.RECONCILE_FAILED);
        assertThat(degraded.getMessage()).startsWith("403 Forbidden: pods is forbidden: ");
        assertThat(Agents.events(client, "errors", "a"))
                .filteredOn(e -> e.startsWith("Warning"))
                .hasSize(1);

        reconcile(reconciler, job);
        assertThat(Conditions.find(cluster.get("errors", "a").getStatus().conditions, ProfilingJobStatus.DEGRADED)
                        .orElseThrow()
                        .getReason())
                .isNotEqualTo(ProfilingJobReconciler.RECONCILE_FAILED);
    }

    private ProfilingJobReconciler reconciler(TestConfig config) {
        return new ProfilingJobReconciler(client, config, clock);
    }

    private UpdateControl<ProfilingJob> reconcile(ProfilingJobReconciler reconciler, ProfilingJob job) {
        ProfilingJob current =
                cluster.get(job.getMetadata().getNamespace(), job.getMetadata().getName());
        return reconciler.reconcile(current);
    }

    /** Deleted as the API server does once the operator's cleanup released the finalizer. */
    private void delete(ProfilingJobReconciler reconciler, ProfilingJob job) {
        ProfilingJob current =
                cluster.get(job.getMetadata().getNamespace(), job.getMetadata().getName());
        client.resource(current).delete();
        reconciler.cleanup(current, null);
    }

    private Condition agentsReady(String ns, String job) {
        return Conditions.find(cluster.get(ns, job).getStatus().conditions, ProfilingJobStatus.AGENTS_READY)
                .orElseThrow();
    }

    private static <T> java.util.stream.Collector<T, ?, T> singleOne() {
        return Collectors.collectingAndThen(Collectors.toList(), list -> {
            assertThat(list).hasSize(1);
            return list.getFirst();
        });
    }

    /** A clock the test moves by hand. */
    static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
