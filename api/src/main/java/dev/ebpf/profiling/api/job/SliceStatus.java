package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;

/** One merged slice: its window (ISO-8601 instants) and what each node used. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SliceStatus {
    /** The slice's label on its result ConfigMaps (its aligned start, such as 20261126T120500Z). */
    public String id;

    public String start;
    public String end;

    /**
     * Where the applications' CPU% came from: {@code sched_switch} when every node counted the
     * kernel's running time, {@code samples} when none could, {@code mixed} otherwise.
     */
    public String cpuSource;

    public List<NodeSliceStatus> nodes = new ArrayList<>();
}
