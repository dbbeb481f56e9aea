#!/usr/bin/env bash
# Checks the formatting of the BPF C sources against bpf/.clang-format (Java is checked by
# Spotless inside the Maven build). With --fix, formats them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  echo "check-format: clang-format is missing (apt-get install clang-format, or ./scripts/install-deps.sh)" >&2
  exit 1
fi
sources=(bpf/src/main/bpf/*.c bpf/src/main/bpf/*.h)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i --style=file "${sources[@]}"
else
  clang-format --dry-run --Werror --style=file "${sources[@]}"
fi
