#!/usr/bin/env bash
# Benchmark (issue 11): the net-rx profiler's cost at ~100,000 UDP packets/s on loopback (iperf3),
# beside the agent without it, in one run. As root, with iperf3 installed.
# Arguments (optional): seconds per phase, packets per second.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
mvn -B -ntp -o -pl node-agent -am test \
    -Dtest=NetRxBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dspotless.check.skip=true -Dnetrx.benchmark=true \
    -Dnetrx.seconds="${1:-20}" -Dnetrx.pps="${2:-100000}"
