package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.operator.informers.Slim;
import dev.ebpf.profiling.operator.informers.SlimItemStore;
import dev.ebpf.profiling.operator.status.JobEvents;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The cluster-wide budget for result ConfigMaps in etcd ({@code operator.resultBudget}, 256 MiB by
 * default). Below it each job keeps its {@code retention} slices; past it, the oldest slices of
 * the largest job (by bytes) are deleted first, until the total fits again, and that job gets a
 * Warning Event. A job's newest slice is never deleted (its status names it).
 *
 * <p>The sizes come from the ConfigMaps' {@link AgentContract#ANNOTATION_RESULT_BYTES}
 * annotation: a label-selected informer on the operator's result ConfigMaps keeps slim copies
 * (metadata only, {@link Slim#configMap}), so no ConfigMap is listed with its data to count it,
 * and ConfigMaps of jobs the operator does not reconcile (finished jobs) or wrote before a restart
 * count too. The operator's own writes and deletes are noted at once, ahead of the informer.
 */
public final class ResultBudget {

    /** Reason of the Warning Event on a job whose slices the budget deleted. */
    public static final String REASON = "ResultBudgetExceeded";
    /** A job is warned at most this often; the Event says how many slices went since. */
    static final Duration WARN_EVERY = Duration.ofMinutes(10);

    private static final Logger LOG = Logger.getLogger(ResultBudget.class);

    /** One result ConfigMap as the budget sees it. */
    public record Entry(String namespace, String name, String jobName, String jobUid, String slice, long bytes) {
        String key() {
            return namespace + "/" + name;
        }
    }

    private record Warned(Instant at, int slicesSince, long bytesSince) {}

    private final KubernetesClient client;
    private final long budgetBytes;
    private final Clock clock;
    private final JobEvents events;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final Map<String, Warned> warned = new HashMap<>();
    private SharedIndexInformer<ConfigMap> informer;

    public ResultBudget(KubernetesClient client, long budgetBytes, Clock clock) {
        this.client = client;
        this.budgetBytes = budgetBytes;
        this.clock = clock;
        this.events = new JobEvents(client);
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** The bytes of every result ConfigMap the budget knows. */
    public long totalBytes() {
        return entries.values().stream().mapToLong(Entry::bytes).sum();
    }

    /** Starts the slim informer (once); until it has listed, only the operator's own writes count. */
    public synchronized void start() {
        if (informer != null) {
            return;
        }
        Map<String, String> labels = Map.of(
                AgentContract.LABEL_MANAGED_BY,
                AgentContract.MANAGED_BY,
                AgentContract.LABEL_COMPONENT,
                AgentContract.COMPONENT_RESULT);
        informer = client.configMaps().inAnyNamespace().withLabels(labels).runnableInformer(0);
        informer.itemStore(new SlimItemStore<>(Slim::configMap));
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ConfigMap cm) {
                noteWritten(cm);
            }

            @Override
            public void onUpdate(ConfigMap old, ConfigMap cm) {
                noteWritten(cm);
            }

            @Override
            public void onDelete(ConfigMap cm, boolean unknownFinalState) {
                noteDeleted(cm.getMetadata().getNamespace(), cm.getMetadata().getName());
            }
        });
        informer.start();
    }

    /** What the informer caches (the tests check that no data is kept). */
    synchronized List<ConfigMap> cached() {
        return informer == null ? List.of() : informer.getStore().list();
    }

    public synchronized void stop() {
        if (informer != null) {
            informer.stop();
            informer = null;
        }
    }

    /** A job-level result ConfigMap was written (by this operator, or seen by the informer). */
    public void noteWritten(ConfigMap cm) {
        entry(cm).ifPresent(e -> entries.put(e.key(), e));
    }

    public void noteDeleted(String namespace, String name) {
        entries.remove(namespace + "/" + name);
    }

    /**
     * Deletes the oldest slices of the largest jobs until the total fits the budget; returns what
     * it deleted. A ConfigMap already gone counts as deleted; any other failure stops this round
     * (the next slice's round retries).
     */
    public synchronized List<Entry> enforce() {
        List<Entry> deleted = new ArrayList<>();
        long total = totalBytes();
        while (total > budgetBytes) {
            Optional<Entry> victim = oldestOfLargestJob();
            if (victim.isEmpty()) {
                break; // every job is down to its newest slice
            }
            Entry gone = victim.get();
            try {
                client.configMaps()
                        .inNamespace(gone.namespace())
                        .withName(gone.name())
                        .delete();
            } catch (RuntimeException e) {
                LOG.warnf("result budget: could not delete %s: %s", gone.key(), e.getMessage());
                break;
            }
            noteDeleted(gone.namespace(), gone.name());
            deleted.add(gone);
            total -= gone.bytes();
        }
        warn(deleted);
        return deleted;
    }

    /** The oldest slice of the job with the most bytes among those with more than one slice. */
    private Optional<Entry> oldestOfLargestJob() {
        Map<String, List<Entry>> byJob = new HashMap<>();
        entries.values()
                .forEach(e -> byJob.computeIfAbsent(e.jobUid(), j -> new ArrayList<>())
                        .add(e));
        return byJob.values().stream()
                .filter(slices -> slices.size() > 1)
                .max(Comparator.comparingLong((List<Entry> slices) ->
                                slices.stream().mapToLong(Entry::bytes).sum())
                        .thenComparing(slices -> slices.getFirst().jobUid()))
                .flatMap(slices -> slices.stream().min(Comparator.comparing(Entry::slice)));
    }

    /** One Warning per job, at most every {@link #WARN_EVERY}; the count of slices deleted since the last one. */
    private void warn(List<Entry> deleted) {
        Map<String, List<Entry>> byJob = new TreeMap<>();
        deleted.forEach(
                e -> byJob.computeIfAbsent(e.jobUid(), j -> new ArrayList<>()).add(e));
        Instant now = clock.instant();
        byJob.forEach((uid, gone) -> {
            Warned last = warned.get(uid);
            int slices = gone.size() + (last == null ? 0 : last.slicesSince());
            long bytes = gone.stream().mapToLong(Entry::bytes).sum() + (last == null ? 0 : last.bytesSince());
            if (last != null && now.isBefore(last.at().plus(WARN_EVERY))) {
                warned.put(uid, new Warned(last.at(), slices, bytes));
                return;
            }
            Entry any = gone.getFirst();
            String message = "deleted the oldest " + slices + " result slice(s) of this job (" + mib(bytes)
                    + "): the result ConfigMaps of all jobs exceeded the operator's budget of " + mib(budgetBytes)
                    + " (Helm value resultBudget); the largest jobs lose their oldest slices first";
            try {
                events.record(job(any), JobEvents.WARNING, REASON, message);
                warned.put(uid, new Warned(now, 0, 0));
            } catch (RuntimeException e) {
                LOG.warnf("result budget: could not record the Event on %s/%s: %s", any.namespace(), any.jobName(), e);
            }
        });
        warned.keySet().retainAll(entries.values().stream().map(Entry::jobUid).toList());
    }

    private static ProfilingJob job(Entry entry) {
        ProfilingJob job = new ProfilingJob();
        job.getMetadata().setNamespace(entry.namespace());
        job.getMetadata().setName(entry.jobName());
        job.getMetadata().setUid(entry.jobUid());
        return job;
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    /** The budget's view of a job-level result ConfigMap; empty for anything else. */
    static Optional<Entry> entry(ConfigMap cm) {
        var meta = cm.getMetadata();
        if (!ResultConfigMaps.isJobLevel(cm) || meta.getLabels() == null) {
            return Optional.empty();
        }
        String slice = meta.getLabels().get(AgentContract.LABEL_SLICE);
        Optional<OwnerReference> owner = Optional.ofNullable(meta.getOwnerReferences()).stream()
                .flatMap(List::stream)
                .filter(o -> "ProfilingJob".equals(o.getKind()))
                .findFirst();
        if (slice == null || owner.isEmpty()) {
            return Optional.empty();
        }
        long bytes;
        try {
            String annotated = meta.getAnnotations() == null
                    ? null
                    : meta.getAnnotations().get(AgentContract.ANNOTATION_RESULT_BYTES);
            bytes = annotated != null ? Long.parseLong(annotated) : ResultConfigMaps.dataBytes(cm);
        } catch (NumberFormatException e) {
            bytes = ResultConfigMaps.dataBytes(cm);
        }
        return Optional.of(new Entry(
                meta.getNamespace(),
                meta.getName(),
                owner.get().getName(),
                owner.get().getUid(),
                slice,
                bytes));
    }
}
