#!/usr/bin/env bash
# Benchmark: net-rx profiler cost at ~100,000 UDP packets/s on loopback, beside the agent without it (as root, after `mvn install`).
# Arguments (optional): seconds per phase, packets per second.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
mvn -B -q -pl node-agent test-compile
cp="node-agent/target/test-classes:node-agent/target/node-agent.jar"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.ebpf.profiling.agent.bench.NetRxBenchmark "$@"
