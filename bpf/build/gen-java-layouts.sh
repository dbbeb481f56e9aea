#!/usr/bin/env bash
# Generates the Java side of the kernel/user contract's memory layouts, so that no offset or size is
# written by hand:
#   BpfStructs: one java.lang.foreign StructLayout per "struct NAME {" of the shared header, with the
#     offsets, sizes and padding the BPF compiler gave it. Every struct of the header is covered, with
#     no list to keep: a scratch object declares one global of each, and its BTF says the layout.
#   BpfGlobals: per compiled program object (X.bpf.o -> class X), the offset of each global variable
#     in its data section (.rodata, .bss, .data) and each data section's size, from the object's
#     symbol table (what libbpf uses to lay out the section it maps).
# Arguments: header, BPF source dir, include dir (vmlinux.h), dir of compiled *.bpf.o, output dir.
set -euo pipefail
header="$1"; src_dir="$2"; include_dir="$3"; obj_dir="$4"; out_dir="$5"
for tool in clang bpftool llvm-objdump; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install clang llvm bpftool" >&2; exit 1; }
done
mkdir -p "$out_dir"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# --- BpfStructs -------------------------------------------------------------------------------
structs=$(sed -n 's/^struct \([A-Za-z_][A-Za-z0-9_]*\) {.*/\1/p' "$header")
{
  echo '#include "vmlinux.h"'
  echo '#include "profiler.h"'
  for s in $structs; do echo "struct $s contract_layout_of_$s;"; done
} > "$scratch/layouts.bpf.c"
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$include_dir" -I"$src_dir" \
  -c "$scratch/layouts.bpf.c" -o "$scratch/layouts.bpf.o"
bpftool btf dump file "$scratch/layouts.bpf.o" format raw > "$scratch/btf.txt"

awk -v header="$(basename "$header")" -v structs="$structs" '
  function upper(name) { return toupper(name) }
  function field(line, key,   m) {
    if (match(line, key "=[^ ,]+")) return substr(line, RSTART + length(key) + 1, RLENGTH - length(key) - 1)
    return ""
  }
  # Java layout expression of BTF type id (qualifiers and typedefs resolved).
  function layout(id,   k) {
    k = kind[id]
    if (k == "TYPEDEF" || k == "CONST" || k == "VOLATILE" || k == "RESTRICT") return layout(ref[id])
    if (k == "INT" || k == "ENUM") {
      if (size[id] == 1) return "ValueLayout.JAVA_BYTE"
      if (size[id] == 2) return "ValueLayout.JAVA_SHORT"
      if (size[id] == 4) return "ValueLayout.JAVA_INT"
      if (size[id] == 8) return "ValueLayout.JAVA_LONG"
    }
    if (k == "ARRAY") return "MemoryLayout.sequenceLayout(" elems[id] ", " layout(ref[id]) ")"
    if ((k == "STRUCT" || k == "UNION") && (name[id] in wanted)) return upper(name[id])
    return "MemoryLayout.sequenceLayout(" bytes(id) ", ValueLayout.JAVA_BYTE)"
  }
  function bytes(id,   k) {
    k = kind[id]
    if (k == "TYPEDEF" || k == "CONST" || k == "VOLATILE" || k == "RESTRICT") return bytes(ref[id])
    if (k == "ARRAY") return elems[id] * bytes(ref[id])
    return size[id]
  }
  BEGIN { n = split(structs, order, "\n"); for (i = 1; i <= n; i++) wanted[order[i]] = 1 }
  /^\[[0-9]+\] / {
    id = substr($1, 2, length($1) - 2); kind[id] = $2
    name[id] = $3; gsub("\x27", "", name[id])
    size[id] = field($0, "size"); ref[id] = field($0, "type_id"); elems[id] = field($0, "nr_elems")
    members[id] = 0; current = id
    next
  }
  /^\t\x27/ {
    if ($0 ~ /bitfield_size=[1-9]/) { print "bit fields cannot be mirrored: " $0 > "/dev/stderr"; exit 1 }
    m = ++members[current]
    member_name[current, m] = $1; gsub("\x27", "", member_name[current, m])
    member_type[current, m] = field($0, "type_id"); member_offset[current, m] = field($0, "bits_offset") / 8
  }
  END {
    print "package dev.ebpf.profiling.bpf;"
    print ""
    print "import java.lang.foreign.MemoryLayout;"
    print "import java.lang.foreign.StructLayout;"
    print "import java.lang.foreign.ValueLayout;"
    print ""
    print "/**"
    print " * Generated at build time from the BTF of every struct of " header " (bpf/build/gen-java-layouts.sh):"
    print " * do not edit. Field names are the C names; padding is explicit, so offsets and sizes are the kernel'"'"'s."
    print " */"
    print "public final class BpfStructs {"
    print "    private BpfStructs() {}"
    for (i = 1; i <= n; i++) {
      s = order[i]; id = ""
      for (t in kind) if (kind[t] == "STRUCT" && name[t] == s) id = t
      if (id == "") { print "struct " s " of " header " is missing from the BTF" > "/dev/stderr"; exit 1 }
      print ""
      print "    /** struct " s ": " size[id] " bytes. */"
      printf "    public static final StructLayout %s = MemoryLayout.structLayout(", upper(s)
      end = 0; sep = ""
      for (m = 1; m <= members[id]; m++) {
        off = member_offset[id, m]
        if (off > end) { printf "%s\n            MemoryLayout.paddingLayout(%d)", sep, off - end; sep = "," }
        printf "%s\n            %s.withName(\"%s\")", sep, layout(member_type[id, m]), member_name[id, m]; sep = ","
        end = off + bytes(member_type[id, m])
      }
      if (size[id] > end) printf "%s\n            MemoryLayout.paddingLayout(%d)", sep, size[id] - end
      print ").withName(\"" s "\");"
    }
    print "}"
  }
' "$scratch/btf.txt" > "$out_dir/BpfStructs.java"

# --- BpfGlobals -------------------------------------------------------------------------------
{
  echo "package dev.ebpf.profiling.bpf;"
  echo
  echo "/**"
  echo " * Generated at build time from the symbol tables of the compiled programs (bpf/build/gen-java-layouts.sh):"
  echo " * do not edit. One class per object (X.bpf.o: class X), holding each global variable's offset in its"
  echo " * data section, as libbpf maps it (\".rodata\", \".bss\"...), and each data section's size."
  echo " */"
  echo "public final class BpfGlobals {"
  echo "    private BpfGlobals() {}"
  for obj in "$obj_dir"/*.bpf.o; do
    base="$(basename "$obj" .bpf.o)"
    class="$(echo "$base" | awk -F'[_-]' '{ for (i = 1; i <= NF; i++) printf "%s%s", toupper(substr($i, 1, 1)), substr($i, 2) }')"
    echo
    echo "    /** $(basename "$obj"). */"
    echo "    public static final class $class {"
    echo "        private $class() {}"
    llvm-objdump -h "$obj" | awk '$2 ~ /^\.(rodata|bss|data)$/ { print $2, $3 }' |
      while read -r section size; do
        printf '\n        /** Size of %s in bytes. */\n' "$section"
        printf '        public static final long %s_SIZE = %d;\n' "$(echo "${section#.}" | tr a-z A-Z)" "$((16#$size))"
      done
    llvm-objdump -t "$obj" | awk '$3 == "O" && $4 ~ /^\.(rodata|bss|data)$/ { print $1, $4, $5, $6 }' |
      while read -r offset section size variable; do
        printf '\n        /** Offset of %s in %s (%d bytes). */\n' "$variable" "$section" "$((16#$size))"
        printf '        public static final long %s = %d;\n' "$(echo "$variable" | tr a-z A-Z)" "$((16#$offset))"
      done
    echo "    }"
  done
  echo "}"
} > "$out_dir/BpfGlobals.java"
