#!/usr/bin/env bash
# Compiles every src/main/bpf/*.bpf.c into a CO-RE object under OUT_DIR (the module's classpath).
set -euo pipefail
src_dir="$1"; include_dir="$2"; out_dir="$3"
command -v clang >/dev/null || { echo "clang is missing: apt-get install clang libbpf-dev" >&2; exit 1; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "libbpf headers are missing: apt-get install libbpf-dev" >&2; exit 1; }
mkdir -p "$out_dir"
for src in "$src_dir"/*.bpf.c; do
  obj="$out_dir/$(basename "${src%.c}").o"
  # -g keeps BTF, which CO-RE relocations and the loader need.
  clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
    -I"$include_dir" -I"$src_dir" -c "$src" -o "$obj"
  # Drop DWARF (not BTF) so the jar stays small.
  llvm-strip -g "$obj" 2>/dev/null || true
done
