#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need (run as root on Debian 12).
set -euo pipefail
packages=(clang llvm libbpf-dev libbpf1 bpftool linux-perf gcc maven)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
