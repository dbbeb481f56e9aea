package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code status.objectStore}: the uploads of the newest slice, as counts plus at most
 * {@link #MAX_NAMES} names, and links to the operator's merged objects. Bounded whatever the node
 * count; per-node detail is in the operator's metrics.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectStoreStatus {

    /** Names (nodes, objects) the status lists at most; the counts say how many there are. */
    public static final int MAX_NAMES = 10;

    @JsonPropertyDescription("The store's name (spec.output.objectStore.name).")
    public String store;

    @JsonPropertyDescription("Where the job's objects go: s3://bucket/prefix/.")
    public String location;

    @JsonPropertyDescription("The newest slice any upload was reported for (its label, such as 20261126T120500Z).")
    public String slice;

    @JsonPropertyDescription("The operator's merged objects of the newest merged slice: s3:// URIs.")
    public List<String> mergedObjects = new ArrayList<>();

    @JsonPropertyDescription("Why the operator's last merged upload failed; absent when it worked.")
    public String mergedFailure;

    @JsonPropertyDescription("Nodes whose upload of that slice worked.")
    public Long nodesUploaded;

    @JsonPropertyDescription("Nodes whose upload of that slice failed.")
    public Long nodesFailed;

    @JsonPropertyDescription("Some nodes whose upload failed (at most 10), with the reason.")
    public List<String> failedNodes = new ArrayList<>();

    @JsonPropertyDescription("Some of that slice's node objects (at most 10 s3:// URIs; keys spread by node).")
    public List<String> nodeObjects = new ArrayList<>();

    @JsonPropertyDescription("Node uploads that failed since the operator started, over all slices.")
    public Long failedUploads;
}
