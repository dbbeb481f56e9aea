#!/usr/bin/env python3
"""Benchmark (issue 12): the agent CLI's CPU beside perf, as a user runs them.

In one run, on the same workload (stock `xz -9 -T1`, optionally a python3.11 loop, in a pod-shaped
cgroup), for a short and a long profile, taking turns:

  agent dwarf   node-agent/bin/node-agent profile --duration Ds --cgroup CG --unwind=dwarf --format json
  agent fp      the same with --unwind=fp
  perf dwarf    perf record -F 99 --call-graph dwarf -p PID -- sleep D, then perf report --stdio
  perf -g       perf record -F 99 -g -p PID -- sleep D, then perf report --stdio

CPU is user + system of the whole process tree (wait4's rusage). The agent, a separate process as a
user runs it (the real launcher: its JVM flags and class-data archive), is also watched from
outside every 0.1 s (/proc/PID/stat, its threads, its BPF program fds) to split its CPU into:
start-up (launch until its on-CPU program is loaded: JVM, BPF load and verifier), the first
seconds of sampling (table builds, first symbol reads), the steady state per second, and the end
(the cut, analysis and JSON). perf's fixed and per-second costs come from the two durations.

Neither figure holds the kernel's work in the profiled task: the agent's BPF programs and perf's
sampling (with dwarf: an 8 KiB stack copy per sample) run in the interrupted task's context. The
agent's share is given from bpf_stats (run time of its programs, counted while this script holds
a BPF_ENABLE_STATS fd); perf's has no such counter.

With --slices N, it compares instead the two as they would run slice after slice, the way the node
agent runs in a cluster: one agent `profile --duration N*S --slice S` against N rounds of
`perf record -g` for S seconds + `perf report`, and against one `perf record -g
--switch-output=Ss` (a file per slice) + a `perf report` of each file; the agent's cost per slice
is taken from its steady state (slices 2 to N, each one's analysis running beside the next one's
sampling).

Run as root from the repository root after `mvn -pl node-agent -am package -DskipTests`:
  scripts/bench-agent-cost.py [--short 15] [--long 120] [--workload xz|python] [--rounds 1]
  scripts/bench-agent-cost.py --slices 5 --slice 30 [--workload xz|python]
"""

import argparse
import ctypes
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HZ = 99
TICKS = os.sysconf("SC_CLK_TCK")
WARM_SECONDS = 5  # sampling seconds counted as "first seconds" (tables, first symbols) before the steady state
LAUNCHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "node-agent", "bin", "node-agent")
PYTHON_LOOP = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nwhile True:\n    fib(25)\n"


def enable_bpf_stats():
    """BPF_ENABLE_STATS (run time): counted while the returned fd stays open, whatever the sysctl says."""
    libc = ctypes.CDLL(None, use_errno=True)
    attr = (ctypes.c_uint32 * 32)()  # union bpf_attr, enable_stats.type = BPF_STATS_RUN_TIME (0)
    fd = libc.syscall(321, 32, ctypes.byref(attr), ctypes.sizeof(attr))  # __NR_bpf (x86-64), BPF_ENABLE_STATS
    if fd < 0:
        sys.exit("bench-agent-cost: BPF_ENABLE_STATS failed: errno %d" % ctypes.get_errno())
    return fd


def cgroup2_root():
    with open("/proc/self/mountinfo") as mounts:
        for line in mounts:
            fields = line.split()
            if fields[fields.index("-") + 1] == "cgroup2":
                return fields[4]
    sys.exit("bench-agent-cost: no cgroup v2 mount")


class PodCgroup:
    """/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid>.slice/cri-containerd-<id>.scope."""

    def __init__(self):
        self.root = cgroup2_root()
        uid = str(uuid.uuid4()).replace("-", "_")
        parts = ["kubepods.slice", "kubepods-besteffort.slice", "kubepods-besteffort-pod%s.slice" % uid,
                 "cri-containerd-%s.scope" % (uuid.uuid4().hex + uuid.uuid4().hex)]
        self.created = []
        path = self.root
        for part in parts:
            path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path)
                self.created.append(path)
        self.path = path
        self.relative = "/" + "/".join(parts)

    def start(self, command):
        procs = os.path.join(self.path, "cgroup.procs")

        def enter():
            with open(procs, "w") as f:
                f.write(str(os.getpid()))

        return subprocess.Popen(command, preexec_fn=enter, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def remove(self):
        for path in reversed(self.created):
            try:
                os.rmdir(path)
            except OSError:
                pass  # a shared parent someone else uses now


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def thread_ticks(pid, threads):
    """Updates {tid: (name, CPU ticks)} with the process's threads now (a thread's last figure stays when it ends)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                text = f.read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        threads[tid] = (re.sub(r"[0-9]+$", "", name).strip(), int(fields[11]) + int(fields[12]))


def by_name(threads):
    """CPU ticks per thread name ("C1 CompilerThre0" and its siblings count as one)."""
    names = {}
    for name, ticks in threads.values():
        names[name] = names.get(name, 0) + ticks
    return names


def bpf_programs(pid):
    """Per program type of the process's BPF program fds: [run_time_ns, run_cnt, programs]."""
    programs = {}
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            if os.readlink(os.path.join(fds, fd)) != "anon_inode:bpf-prog":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
        except OSError:
            continue
        kind = {"7": "perf_event", "5": "tracepoint", "17": "raw_tracepoint"}.get(
            info.get("prog_type", "").strip(), "type " + info.get("prog_type", "?").strip())
        entry = programs.setdefault(kind, [0, 0, 0])
        entry[0] += int(info.get("run_time_ns", "0"))
        entry[1] += int(info.get("run_cnt", "0"))
        entry[2] += 1
    return programs


class Watcher(threading.Thread):
    """Polls the agent: (seconds since launch, CPU ticks) and when its on-CPU program appeared."""

    def __init__(self, pid, started):
        super().__init__(daemon=True)
        self.pid, self.started = pid, started
        self.samples = []
        self.attached_at = None
        self.threads = {}
        self.programs = {}

    def run(self):
        while True:
            try:
                now = time.monotonic() - self.started
                self.samples.append((now, cpu_ticks(self.pid)))
                programs = bpf_programs(self.pid)
                if self.attached_at is None and "perf_event" in programs:
                    self.attached_at = now
                if programs:
                    self.programs = programs
                thread_ticks(self.pid, self.threads)
            except (OSError, ValueError, IndexError):
                return  # exited
            time.sleep(0.1)

    def cpu_at(self, at):
        """CPU seconds at a time since launch, interpolated between two polls."""
        previous = (0.0, 0)
        for sample in self.samples:
            if sample[0] >= at:
                span = sample[0] - previous[0]
                share = 0 if span <= 0 else (at - previous[0]) / span
                return (previous[1] + share * (sample[1] - previous[1])) / TICKS
            previous = sample
        return previous[1] / TICKS


def run_timed(command, stdout=subprocess.DEVNULL, watch=False):
    """Runs a command; its tree's user + system CPU s, wall s, peak RSS KiB, and the watcher."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    watcher = Watcher(process.pid, started) if watch else None
    if watcher:
        watcher.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace")
    if process.returncode != 0:
        sys.exit("bench-agent-cost: %s exited %d: %s" % (command[0], process.returncode, stderr.strip()[-500:]))
    if watcher:
        watcher.join(1)
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss, watcher


def agent(unwind, seconds, cgroup, work):
    output = os.path.join(work, "agent.json")
    cpu, wall, rss, watcher = run_timed(
        [LAUNCHER, "profile", "--duration", "%ds" % seconds, "--frequency", str(HZ), "--cgroup", cgroup,
         "--unwind=" + unwind, "--format", "json", "--output", output], watch=True)
    with open(output) as f:
        samples = sum(json.loads(line)["totalSamples"] for line in f if line.strip())
    result = {"cpu": cpu, "wall": wall, "rss": rss, "samples": samples, "threads": by_name(watcher.threads),
              "programs": watcher.programs}
    at = watcher.attached_at
    if at is not None:
        start_cpu = watcher.cpu_at(at)
        warm_cpu = watcher.cpu_at(at + WARM_SECONDS)
        cut_cpu = watcher.cpu_at(at + seconds)
        result.update(startup=start_cpu, warm=warm_cpu - start_cpu,
                      steady=(cut_cpu - warm_cpu) / (seconds - WARM_SECONDS), end=cpu - cut_cpu, attached=at)
    return result


def agent_slices(unwind, slices, slice_seconds, cgroup, work):
    """One agent profiling `slices` slices; its CPU in all, and per slice in its steady state."""
    output = os.path.join(work, "agent-slices.json")
    cpu, wall, rss, watcher = run_timed(
        [LAUNCHER, "profile", "--duration", "%ds" % (slices * slice_seconds), "--slice", "%ds" % slice_seconds,
         "--frequency", str(HZ), "--cgroup", cgroup, "--unwind=" + unwind, "--format", "json", "--output", output],
        watch=True)
    with open(output) as f:
        documents = [json.loads(line) for line in f if line.strip()]
    if len(documents) != slices:
        sys.exit("bench-agent-cost: the agent wrote %d slices, not %d" % (len(documents), slices))
    at = watcher.attached_at
    if at is None:
        sys.exit("bench-agent-cost: the agent's on-CPU program was never seen")
    # From the end of the first slice to the last cut: slices 2..N sampled, analyses 1..N-1 done.
    steady = (watcher.cpu_at(at + slices * slice_seconds) - watcher.cpu_at(at + slice_seconds)) / (slices - 1)
    return {"cpu": cpu, "wall": wall, "rss": rss, "per_slice": steady, "first": watcher.cpu_at(at + slice_seconds),
            "samples": sum(d["totalSamples"] for d in documents), "threads": by_name(watcher.threads)}


def perf_slices(slices, slice_seconds, pid, work):
    """`perf record -g` + `perf report`, once per slice."""
    rounds = [perf(["-g"], slice_seconds, pid, work) for _ in range(slices)]
    total = sum(r["cpu"] for r in rounds)
    return {"cpu": total, "per_slice": total / slices, "rss": max(r["rss"] for r in rounds),
            "samples": sum(r["samples"] for r in rounds), "each": [round(r["cpu"], 2) for r in rounds]}


def perf_switch_output(slices, slice_seconds, pid, work):
    """One `perf record -g --switch-output=Ss` (a file per slice), then `perf report` of each file."""
    folder = tempfile.mkdtemp(prefix="perf-slices.", dir=work)
    data = os.path.join(folder, "perf.data")
    record_cpu, _, record_rss, _ = run_timed(
        ["perf", "record", "-q", "-F", str(HZ), "-g", "--switch-output=%ds" % slice_seconds, "-p", str(pid),
         "-o", data, "--", "sleep", str(slices * slice_seconds)])
    files = sorted(os.path.join(folder, name) for name in os.listdir(folder) if name.startswith("perf.data."))
    reports = []
    for path in files:
        with open(os.path.join(work, "perf.txt"), "w") as report:
            reports.append(run_timed(["perf", "report", "--stdio", "-i", path], stdout=report)[0])
    total = record_cpu + sum(reports)
    # perf may start one more, nearly empty file as it stops: the cost is still per slice asked for.
    return {"cpu": total, "per_slice": total / slices, "rss": record_rss, "samples": 0,
            "each": [round(r, 2) for r in reports], "record": record_cpu, "files": len(files)}


def compare_slices(slices, slice_seconds, ctx):
    results = {
        "agent dwarf": agent_slices("dwarf", slices, slice_seconds, ctx["cgroup"], ctx["work"]),
        "agent fp": agent_slices("fp", slices, slice_seconds, ctx["cgroup"], ctx["work"]),
        "perf -g + report": perf_slices(slices, slice_seconds, ctx["pid"], ctx["work"]),
        "perf -g switch-output": perf_switch_output(slices, slice_seconds, ctx["pid"], ctx["work"]),
    }
    print("\n== %d slices of %d s at %d Hz, slice after slice ==" % (slices, slice_seconds, HZ))
    print("%-22s %7s %12s %10s %8s %8s %s" % ("", "CPU s", "s per slice", "/ perf -g", "samples", "RSS MiB", "detail"))
    perf_per_slice = results["perf -g + report"]["per_slice"]
    for name, r in results.items():
        if "files" in r:
            detail = "record %.2f s, %d files, report of each (s): %s" % (r["record"], r["files"], r["each"])
        elif "each" in r:
            detail = "CPU per round (s): %s" % r["each"]
        else:
            top = sorted(r["threads"].items(), key=lambda kv: -kv[1])[:5]
            detail = "start-up and first slice %.2f s; by thread: %s" % (
                r["first"], ", ".join("%s %.2f" % (t, v / TICKS) for t, v in top))
        print("%-22s %7.2f %12.3f %10.2f %8d %8.1f %s" % (
            name, r["cpu"], r["per_slice"], r["per_slice"] / perf_per_slice, r["samples"], r["rss"] / 1024, detail))


def perf(call_graph, seconds, pid, work):
    data = os.path.join(work, "perf.data")
    record_cpu, record_wall, record_rss, _ = run_timed(
        ["perf", "record", "-q", "-F", str(HZ)] + call_graph + ["-p", str(pid), "-o", data, "--", "sleep", str(seconds)])
    with open(os.path.join(work, "perf.txt"), "w") as report:
        report_cpu, report_wall, report_rss, _ = run_timed(["perf", "report", "--stdio", "-i", data], stdout=report)
    # Counted after the timing: one line per sample.
    listed = subprocess.run(["perf", "script", "-F", "pid", "-i", data], capture_output=True, text=True)
    samples = sum(1 for line in listed.stdout.splitlines() if line.strip())
    return {"cpu": record_cpu + report_cpu, "record": record_cpu, "report": report_cpu, "wall": record_wall + report_wall,
            "rss": max(record_rss, report_rss), "samples": samples, "bytes": os.path.getsize(data)}


VARIANTS = [
    ("agent dwarf", lambda s, ctx: agent("dwarf", s, ctx["cgroup"], ctx["work"])),
    ("agent fp", lambda s, ctx: agent("fp", s, ctx["cgroup"], ctx["work"])),
    ("perf dwarf + report", lambda s, ctx: perf(["--call-graph", "dwarf"], s, ctx["pid"], ctx["work"])),
    ("perf -g + report", lambda s, ctx: perf(["-g"], s, ctx["pid"], ctx["work"])),
]


def print_duration(seconds, results):
    print("\n== %d s profile at %d Hz ==" % (seconds, HZ))
    print("%-20s %7s %7s %8s %9s %10s %7s %8s %8s %s" % (
        "", "CPU s", "wall s", "samples", "start-up", "first %ds" % WARM_SECONDS, "ms/s", "end s", "RSS MiB",
        "kernel-side BPF (agent) / record+report (perf)"))
    for name, r in results.items():
        if "record" in r:
            detail = "record %.2f + report %.2f s, %d KiB of data" % (r["record"], r["report"], r["bytes"] / 1024)
            print("%-20s %7.2f %7.1f %8d %9s %10s %7s %8s %8.1f %s" % (
                name, r["cpu"], r["wall"], r["samples"], "-", "-", "-", "-", r["rss"] / 1024, detail))
            continue
        programs = r["programs"]
        on_cpu = programs.get("perf_event", [0, 0, 0])
        others = sum(v[0] for k, v in programs.items() if k != "perf_event")
        detail = "on-CPU %.3f s (%d runs, %.1f us each), other programs %.3f s" % (
            on_cpu[0] / 1e9, on_cpu[1], on_cpu[0] / 1e3 / max(1, on_cpu[1]), others / 1e9)
        print("%-20s %7.2f %7.1f %8d %9.2f %10.2f %7.1f %8.2f %8.1f %s" % (
            name, r["cpu"], r["wall"], r["samples"], r.get("startup", float("nan")), r.get("warm", float("nan")),
            1000 * r.get("steady", float("nan")), r.get("end", float("nan")), r["rss"] / 1024, detail))
    for name, r in results.items():
        if "threads" in r:
            top = sorted(r["threads"].items(), key=lambda kv: -kv[1])[:7]
            print("  %s, CPU by thread (s): %s" % (name, ", ".join("%s %.2f" % (t, v / TICKS) for t, v in top)))


def print_fit(short, long, by_duration):
    print("\n== fixed and per-second cost, from the %d s and %d s runs ==" % (short, long))
    print("%-20s %9s %9s %s" % ("", "fixed s", "ms/s", "break-even with perf -g + report"))
    fits = {}
    for name in by_duration[short]:
        a, b = by_duration[short][name]["cpu"], by_duration[long][name]["cpu"]
        rate = (b - a) / (long - short)
        fits[name] = (a - rate * short, rate)
    perf_fixed, perf_rate = fits["perf -g + report"]
    for name, (fixed, rate) in fits.items():
        if name.startswith("perf"):
            even = ""
        elif rate < perf_rate:
            even = "agent cheaper beyond %.0f s" % max(0.0, (fixed - perf_fixed) / (perf_rate - rate))
        else:
            even = "never (agent's per-second cost is not below perf's)"
        print("%-20s %9.2f %9.1f %s" % (name, fixed, 1000 * rate, even))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=15)
    parser.add_argument("--long", type=int, default=120)
    parser.add_argument("--workload", choices=["xz", "python"], default="xz")
    parser.add_argument("--rounds", type=int, default=1, help="repeat each duration; the medians are printed")
    parser.add_argument("--slices", type=int, default=0, help="compare slice after slice instead (at least 2)")
    parser.add_argument("--slice", type=int, default=30, help="seconds per slice with --slices")
    args = parser.parse_args()
    if args.slices == 1 or args.slices < 0:
        sys.exit("bench-agent-cost: --slices needs at least 2 slices (the first one holds the start-up)")
    if os.geteuid() != 0:
        sys.exit("bench-agent-cost: run as root")
    stats_fd = enable_bpf_stats()
    pod = PodCgroup()
    command = (["xz", "-9", "-T1", "-c", "/dev/urandom"] if args.workload == "xz"
               else ["/usr/bin/python3.11", "-c", PYTHON_LOOP])
    workload = pod.start(command)
    work = tempfile.mkdtemp(prefix="bench-agent-cost.")
    try:
        time.sleep(1)
        ctx = {"cgroup": pod.relative, "pid": workload.pid, "work": work}
        print("%s, load average %s, %d CPUs, workload %s (pid %d) in %s" % (
            time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), open("/proc/loadavg").read().split()[:3],
            os.cpu_count(), " ".join(command[:3]), workload.pid, pod.relative))
        # A first, untimed agent run, so that the launcher's class-data archive exists (as for any second run).
        agent("fp", 2, pod.relative, work)
        if args.slices:
            compare_slices(args.slices, args.slice, ctx)
            print("\nload average at the end: %s" % open("/proc/loadavg").read().split()[:3])
            return
        by_duration = {}
        for seconds in (args.short, args.long):
            rounds = []
            for _ in range(args.rounds):
                rounds.append({name: run(seconds, ctx) for name, run in VARIANTS})
            # The round whose total CPU is the median stands for the duration (one round: itself).
            by_duration[seconds] = {name: sorted((r[name] for r in rounds), key=lambda r: r["cpu"])[len(rounds) // 2]
                                    for name, _ in VARIANTS}
            print_duration(seconds, by_duration[seconds])
        print_fit(args.short, args.long, by_duration)
        print("\nload average at the end: %s" % open("/proc/loadavg").read().split()[:3])
    finally:
        workload.kill()
        workload.wait()
        pod.remove()
        os.close(stats_fd)
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
