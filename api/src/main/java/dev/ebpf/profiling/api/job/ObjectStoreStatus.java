package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code status.objectStore}: each node's uploads and links to the newest slice each node has in
 * the store. Not set for now: the agents no longer write result ConfigMaps, whose annotations
 * carried their upload state; the object store's uploads come back with their own report.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectStoreStatus {

    @JsonPropertyDescription("Where the objects go: s3://bucket/prefix.")
    public String location;

    @JsonPropertyDescription("Slices waiting in the nodes' local spools for the store, summed over the nodes.")
    public Long pendingSlices;

    @JsonPropertyDescription(
            "Slices the nodes' spool bounds dropped before they could be uploaded, summed over the nodes.")
    public Long droppedSlices;

    @JsonPropertyDescription("Nodes whose uploads are reported here.")
    public Integer nodeCount;

    @JsonPropertyDescription("Nodes whose last upload failed.")
    public Integer failingNodeCount;

    @Size(max = ProfilingJobStatus.NODES_NAMED)
    @JsonPropertyDescription("At most 10 nodes (failing ones first): the upload state and the newest slice's objects"
            + " in the store; nodeCount and failingNodeCount count them all.")
    public List<NodeUploadStatus> nodes = new ArrayList<>();

    /** One node's uploads. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NodeUploadStatus {
        public String node;

        @JsonPropertyDescription("Uploaded, or why not: ObjectStoreUnreachable, ObjectStoreCredentialsRejected,"
                + " ObjectStoreBucketNotFound, ObjectStoreAccessDenied, ObjectStoreUploadFailed.")
        public String state;

        @JsonPropertyDescription("One line explaining state; absent when Uploaded.")
        public String message;

        public Long pendingSlices;
        public Long droppedSlices;

        @JsonPropertyDescription("Why the spool dropped its last slice; absent when it dropped none.")
        public String droppedReason;

        @JsonPropertyDescription("The newest slice of this node in the store (its label, such as 20261126T120500Z).")
        public String slice;

        @JsonPropertyDescription("That slice's objects: s3:// URIs of the profile JSON, folded stacks and pprof file.")
        public List<String> objects = new ArrayList<>();
    }
}
