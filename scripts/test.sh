#!/usr/bin/env bash
# The whole test suite (what .ci/run runs). Extra arguments go to Maven.
#   --fast  only the tests tagged neither "bpf" (they load eBPF programs, need root) nor "slow"
#           (end-to-end): api and node-agent in about a minute, the operator's Quarkus tests
#           about three more on a quiet 2-CPU machine (Maven profile "fast").
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
args=()
for arg in "$@"; do
  if [ "$arg" = "--fast" ]; then args+=(-Pfast); else args+=("$arg"); fi
done
./scripts/check-format.sh
exec mvn -B -ntp install "${args[@]}"
