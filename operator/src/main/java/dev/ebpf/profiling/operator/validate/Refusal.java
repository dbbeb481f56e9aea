package dev.ebpf.profiling.operator.validate;

/**
 * Why a job gets no agents: a CamelCase condition reason and a one-line message for the user.
 */
public record Refusal(String reason, String message) {}
