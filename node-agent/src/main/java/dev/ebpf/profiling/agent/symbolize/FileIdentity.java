package dev.ebpf.profiling.agent.symbolize;

/**
 * A mapped file as the kernel knows it: device and inode, as {@code /proc/PID/maps} prints them.
 * The same binary in a thousand processes (or containers sharing an image layer) has one
 * identity, so its symbols are read once.
 */
public record FileIdentity(String device, long inode) {}
