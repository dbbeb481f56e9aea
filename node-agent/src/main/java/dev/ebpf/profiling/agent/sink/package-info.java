/**
 * The object-store sink ({@code spec.output.objectStore}, issue 5): each node's slice goes to
 * {@code {prefix}/{namespace}/{job}/{sliceStart}/{node}.json}, {@code .folded.gz} and
 * {@code .pprof}, through a bounded local spool that keeps slices in order while the store is
 * unreachable, refuses the credentials or lacks the bucket.
 *
 * <p>Wiring: build an {@link dev.ebpf.profiling.agent.sink.ObjectStoreConfig} from the spec and
 * the referenced Secret, a {@link dev.ebpf.profiling.agent.sink.SliceSpool} on a node-local
 * directory with {@link dev.ebpf.profiling.agent.sink.SpoolBounds}, and an
 * {@link dev.ebpf.profiling.agent.sink.ObjectStoreSink} with a single-thread executor as uploader.
 * Call {@code submit} at the end of each slice and {@code requestDrain} every few seconds;
 * {@link dev.ebpf.profiling.agent.sink.SinkStatus} carries the condition reason, the one-line
 * message, the pending count (the "uploads pending" metric), what the bound dropped, and the
 * {@code s3://} URIs of the newest slice for the status to link to.
 */
package dev.ebpf.profiling.agent.sink;
