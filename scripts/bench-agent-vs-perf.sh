#!/usr/bin/env bash
# Benchmark (issue 2): the agent's own CPU time and peak RSS while profiling a busy machine at 99 Hz
# for 30 s, side by side with `perf record -F 99 -a -g` + `perf report` producing the same top list.
# Run as root after `mvn install`. Prints a table; record the figures in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo ""; }

# A busy machine: one spinning loop per CPU.
for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & done
sleep 1

# --- the agent ---
/usr/bin/time -f "%e %U %S %M" -o "$work/agent.time" \
  node-agent/bin/node-agent profile --duration "${seconds}s" --format json --output "$work/agent.json" &
timer=$!
sleep 0.5
agent=$(pgrep -P "$timer" -f node-agent.jar | head -1)
# Steady-state cost while sampling: CPU ticks from 5 s after launch (JVM up, programs attached)
# to `seconds` after launch, before the slice is cut (sampling starts about 1 s after launch).
sleep 4.5
first=$(cpu_ticks "$agent"); first_at=$(date +%s.%N)
sleep "$((seconds - 5))"
last=$(cpu_ticks "$agent"); last_at=$(date +%s.%N)
wait "$timer"
read -r a_wall a_user a_sys a_rss < "$work/agent.time"

# --- perf record + perf report ---
/usr/bin/time -f "%e %U %S %M" -o "$work/record.time" \
  perf record -q -F 99 -a -g -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
/usr/bin/time -f "%e %U %S %M" -o "$work/report.time" \
  perf report -i "$work/perf.data" --sort comm --stdio -g none --no-children > "$work/perf.report" 2>/dev/null
read -r r_wall r_user r_sys r_rss < "$work/record.time"
read -r p_wall p_user p_sys p_rss < "$work/report.time"

awk -v s="$seconds" -v au="$a_user" -v as="$a_sys" -v ar="$a_rss" \
    -v f="$first" -v l="$last" -v fa="$first_at" -v la="$last_at" -v hz="$ticks" \
    -v ru="$r_user" -v rs="$r_sys" -v rr="$r_rss" -v pu="$p_user" -v ps="$p_sys" -v pr="$p_rss" 'BEGIN {
  agent = au + as; perf = ru + rs + pu + ps
  steady = (l - f) / hz / (la - fa) * 100
  printf "window: %d s at 99 Hz on a busy %s-CPU machine\n", s, ENVIRON["CPUS"]
  printf "%-34s %10s %14s\n", "", "CPU s", "peak RSS MiB"
  printf "%-34s %10.2f %14.1f\n", "agent (whole run, JVM start incl.)", agent, ar / 1024
  printf "%-34s %10.2f %14.1f\n", "perf record + perf report", perf, (rr > pr ? rr : pr) / 1024
  printf "  perf record %.2f s, perf report %.2f s\n", ru + rs, pu + ps
  printf "agent / perf CPU ratio: %.2f\n", agent / perf
  printf "agent steady-state while sampling: %.2f%% of one CPU\n", steady
}' CPUS="$(nproc)"
echo "agent's top 3:"; head -1 "$work/agent.json" | grep -o '"name":"[^"]*","cgroup[^}]*"cpuPercent":[0-9.]*' | head -3 | sed 's/"cgroup.*"cpuPercent"/ cpuPercent/'
echo "perf's top 3:"; grep -v '^#' "$work/perf.report" | grep -E '^ +[0-9]' | head -3
