/**
 * The object-store uploads of a node (issue 10): each job's slice, for jobs whose
 * {@code spec.output.objectStore} names one of the admin's stores, goes to that store as pprof and
 * folded stacks ({@link dev.ebpf.profiling.agent.sink.NodeObjects}), a random delay after the slice's
 * end ({@link dev.ebpf.profiling.agent.sink.UploadJitter}), under keys spread by node
 * ({@link dev.ebpf.profiling.api.store.ObjectKeys}); the outcome goes to the operator as a
 * {@link dev.ebpf.profiling.api.ingest.NodeUploadReport}. The store definitions and credentials
 * come from the agent's own environment and mounts ({@link dev.ebpf.profiling.api.store.ObjectStoreContract}).
 */
package dev.ebpf.profiling.agent.sink;
