#!/usr/bin/env bash
# The whole test suite (what .ci/run runs). Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./scripts/check-format.sh
exec mvn -B -ntp install "$@"
