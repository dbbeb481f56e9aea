package dev.ebpf.profiling.agent.cgroup;

/** A pod's Kubernetes QoS class, as the kubelet encodes it in the pod's cgroup parent. */
public enum QosClass {
    /** Pod cgroup directly under kubepods. */
    GUARANTEED,
    /** Pod cgroup under kubepods/burstable (kubepods-burstable.slice). */
    BURSTABLE,
    /** Pod cgroup under kubepods/besteffort (kubepods-besteffort.slice). */
    BEST_EFFORT
}
