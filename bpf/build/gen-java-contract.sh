#!/usr/bin/env bash
# Turns each "#define NAME <integer>" of the shared header into a Java constant, so that the
# kernel side and the agent read every shared number from one place.
set -euo pipefail
header="$1"; out="$2"
# Every "#define NAME value" must be an integer constant on one line: anything else (an expression,
# a value wrapped onto the next line by clang-format) would silently be missing from Java.
unreadable="$(awk '/^#define[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]+[^ \t]/ &&
                   !/^#define[ \t]+[A-Z_][A-Z0-9_]*[ \t]+-?[0-9]+[ \t]*(\/\*.*)?$/ { print FILENAME ":" FNR ": " $0 }' "$header")"
if [ -n "$unreadable" ]; then
  echo "gen-java-contract.sh: not an integer constant on one line (shorten its comment or split it):" >&2
  echo "$unreadable" >&2
  exit 1
fi
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
