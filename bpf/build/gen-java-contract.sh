#!/usr/bin/env bash
# Turns each "#define NAME <integer>" of the shared header into a Java constant, so that the
# kernel side and the agent read every shared number from one place.
set -euo pipefail
header="$1"; out="$2"
mkdir -p "$(dirname "$out")"
{
  echo "package dev.ebpf.profiling.bpf;"
  echo
  echo "/** Generated from $(basename "$header") at build time: do not edit. */"
  echo "public final class BpfContract {"
  echo "    private BpfContract() {}"
  awk '/^#define[ \t]+[A-Z_][A-Z0-9_]*[ \t]+-?[0-9]+[ \t]*(\/\*.*)?$/ {
         printf "    public static final int %s = %s;\n", $2, $3 }' "$header"
  echo "}"
} > "$out"
