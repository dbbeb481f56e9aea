#!/usr/bin/env bash
# Benchmark (issue 9): one cluster-mode agent serving 1 job vs 3 jobs vs none, three agent JVMs
# side by side on one load of busy pods. As root. Arguments (optional): measured seconds, warm-up seconds.
# The report is printed and kept in node-agent/target/multi-job-benchmark.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
mvn -B -ntp -o -pl node-agent -am test \
    -Dtest=MultiJobAgentBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dspotless.check.skip=true -Dmultijob.benchmark=true \
    -Dmultijob.seconds="${1:-240}" -Dmultijob.warmup="${2:-75}"
cat node-agent/target/multi-job-benchmark.txt
