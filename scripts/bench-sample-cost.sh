#!/usr/bin/env bash
# Benchmark (issue 12): where the on-CPU program's time per sample goes (SampleCostBenchmark):
# variants of the program that stop after each phase, or only read user memory, side by side in
# one run, with bpf_stats. As root. -Dsample.cost.together=true runs the variants at once (the way
# docs/benchmarks.md's "fourth run" measured), -Dsample.cost.only=REGEX picks them by label.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
mvn -B -ntp -o -pl node-agent -am test \
    -Dtest=SampleCostBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dspotless.check.skip=true -Dsample.cost.benchmark=true "$@"
