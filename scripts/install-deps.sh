#!/usr/bin/env bash
# Installs what the build and the tests need (run as root on Debian 12), and checks for Java 25.
set -euo pipefail

java_home="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
if ! "$java_home/bin/java" -version 2>&1 | grep -q 'version "25'; then
  echo "Java 25 is missing at $java_home: install a JDK 25 (e.g. Temurin 25) and set JAVA_HOME" >&2
  exit 1
fi

# clang/llvm/libbpf-dev: build the CO-RE objects; libbpf1: loaded by the agent; bpftool, linux-perf:
# benchmarks and debugging; gcc/binutils: test programs and their symbols; util-linux: taskset;
# time: benchmarks; clang-format: the BPF sources' format check; g++, make, openssl, xz-utils:
# the stock programs the agent is tested on (C++ demangling, builds, unnamed libcrypto code, exits);
# python3 (Debian's, no frame pointers) and linux-perf: the DWARF unwinder's tests against perf; chromium: the flame graph browser test;
# iperf3: loopback network load for the net-rx softirq test and benchmark.
packages=(clang llvm libbpf-dev libbpf1 bpftool linux-perf gcc binutils util-linux time maven chromium clang-format g++ make openssl xz-utils python3 iperf3)
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
