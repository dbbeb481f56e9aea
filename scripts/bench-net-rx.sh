#!/usr/bin/env bash
# Benchmark (issue 11): the net-rx profiler's cost at 100,000 UDP packets/s on loopback (a paced
# SCHED_FIFO sender and receiver, bench/udp_load.c), beside the same agent command without it,
# in one run. As root, with clang and bpftool. Builds the jar in this tree (no `mvn install`).
# Arguments (optional): seconds per measured window, packets per second, rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
mvn -B -ntp -o -q -pl node-agent -am package -DskipTests -Dspotless.check.skip=true
cp="node-agent/target/test-classes:node-agent/target/node-agent.jar"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" \
    dev.ebpf.profiling.agent.bench.NetRxBenchmark "$@"
