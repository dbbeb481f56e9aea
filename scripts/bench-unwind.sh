#!/usr/bin/env bash
# Benchmark (issue 12): DWARF unwinding beside frame pointers in one run (UnwindBenchmark): table
# build times, the sampler's BPF time per sample before/after the user-mode check, unwind-table
# memory, and the agent's CPU beside perf record --call-graph dwarf / -g. As root, with perf.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
mvn -B -ntp -o -pl node-agent -am test \
    -Dtest=UnwindBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dspotless.check.skip=true -Dunwind.benchmark=true
