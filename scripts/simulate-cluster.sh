#!/usr/bin/env bash
# Cluster simulator (issue 10): the real operator (the Quarkus application, in-process, as its
# tests run it) on the API server in KUBECONFIG when set, else on the Fabric8 mock API server (CRUD mode), N Nodes with a running selected pod per
# node and job, and N simulated agents (virtual threads of the same JVM) that POST each job's node
# slice through the real ingest HTTP endpoint at every slice's end. Tokens: with KUBECONFIG, when the
# API server serves the TokenRequest API, each agent pod gets a bound token (audience
# profiling.ebpf.dev/ingest, as the kubelet projects it) and the operator reviews it with a real
# TokenReview; the kubeconfig's user then needs create on serviceaccounts/token (profiling-system)
# and on tokenreviews. Else (and on the mock server) fake tokens and the tests' fake reviewer; the
# JSON line's "tokens" says which, and why (docs/scale.md, "Tokens"). API requests are counted at the
# mock server (its request log), the simulator's own left out; with KUBECONFIG, from the API server's
# apiserver_request_total before and after ("requestCounts":"unavailable" when it cannot be read).
#
# Usage: scripts/simulate-cluster.sh --nodes N[,N2,...] [--jobs J] [--slices S] [--slice-seconds D]
# Several sizes run one after the other in one operator, each on nodes and namespaces of its own.
# Ends with one JSON line per size: nodes, jobs, slices, apiWritesPerSlicePerJob, apiRequestsPerSlice,
# resultObjectsPerSlicePerJob, statusBytesMax, operatorHeapMiBMax, sliceMergedSecondsP95, tokens.
# The largest status seen, as kubectl describe shows it: operator/target/cluster-simulation-status.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
nodes="" jobs=3 slices=3 slice_seconds=20
while [ $# -gt 0 ]; do
    case "$1" in
        --nodes) nodes="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --slices) slices="$2"; shift 2 ;;
        --slice-seconds) slice_seconds="$2"; shift 2 ;;
        *) echo "simulate-cluster.sh: unknown argument $1 (use --nodes N[,N2] [--jobs J] [--slices S] [--slice-seconds D])" >&2; exit 2 ;;
    esac
done
if ! [[ "$nodes" =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ && "$jobs" =~ ^[1-9][0-9]*$ && "$slices" =~ ^[1-9][0-9]*$ && "$slice_seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "simulate-cluster.sh: --nodes takes positive integers separated by commas; --jobs, --slices and --slice-seconds a positive integer" >&2
    exit 2
fi
# With KUBECONFIG: the operator and the simulator use that API server (the ProfilingJob CRD must be
# installed there); requests are counted from its apiserver_request_total metric when readable.
test_class=ClusterSimulation kubeconfig=""
if [ -n "${KUBECONFIG:-}" ]; then
    kubeconfig="${KUBECONFIG%%:*}"
    if [ ! -r "$kubeconfig" ]; then
        echo "simulate-cluster.sh: KUBECONFIG names $kubeconfig, which cannot be read" >&2
        exit 2
    fi
    kubeconfig="$(cd "$(dirname "$kubeconfig")" && pwd)/$(basename "$kubeconfig")"
    test_class=ClusterSimulationOnKubeconfigTest
fi
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export PATH="$JAVA_HOME/bin:$PATH"
mkdir -p operator/target
mvn -B -ntp -o -pl operator -am test \
    -Dtest="$test_class" -Dsimulate.kubeconfig="$kubeconfig" -Dsurefire.failIfNoSpecifiedTests=false -Dspotless.check.skip=true \
    -Dsimulate.nodes="$nodes" -Dsimulate.jobs="$jobs" -Dsimulate.slices="$slices" \
    -Dsimulate.sliceSeconds="$slice_seconds" -Dquarkus.test.hang-detection-timeout=120M \
    '-Dquarkus.log.category."dev.ebpf.profiling.operator.ingest.SliceStore".level=DEBUG' \
    >operator/target/cluster-simulation.log 2>&1 || {
    tail -50 operator/target/cluster-simulation.log >&2
    exit 1
}
# The simulator's lines, and the operator's own timing of each slice's close (merge, result ConfigMap).
grep -E '^\[simulate|closed slice' operator/target/cluster-simulation.log >&2 || true
cat operator/target/cluster-simulation.json
