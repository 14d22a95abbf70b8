#!/usr/bin/env python3
"""Benchmarks: the same workloads on this kernel and on the reference Linux, side by side.

    scripts/bench [--runs N] [--kernel ours|linux|both] [--only NAME[,NAME...]] [--output PATH]

Both kernels boot the same Alpine 3.23 ext2 root on the same QEMU machine (conformance/lib/vm.py).
The in-guest workloads are modes of one static C program, tests/bench/bench.c, which times itself
with CLOCK_MONOTONIC and prints `RESULT <name> <value> <unit>`; it reaches the guest on a small
read-only ext2 payload disk (build/bench/payload.img, rebuilt when the source changes). Boot time is
measured on the host: from just before QEMU starts to the shell's first prompt on the serial
console. The memory row is the smallest `-m` (of MEM_SIZES) at which the kernel boots to a working
busybox shell.

Each kernel boots once for all in-guest workloads; each workload runs once untimed (warm caches,
paged-in binaries) and then N times. The table gives min and median per kernel and the ratio of
the medians as this/Linux *in time*: for rates (MiB/s, faults/s) it is Linux's rate over ours, so
below 1 always means this kernel is faster. A workload that fails or wedges the guest is reported
as failed (the VM is restarted) and the rest go on. Nothing here asserts a timing.

A full run (both kernels, every workload) writes docs/bench.md; a partial one only prints, unless
--output says where to write. Raw figures go to build/bench/results.json, serial logs to
build/bench/<kernel>.log.
"""

import argparse
import datetime
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "conformance/lib"))

import vm  # noqa: E402

SRC = ROOT / "tests/bench/bench.c"
OUT = ROOT / "build/bench"
DOC = ROOT / "docs/bench.md"
BIN = "/payload/bench"
MEM_SIZES = ["16M", "24M", "32M", "48M", "64M", "96M", "128M"]


class Workload:
    """`cmd` runs in the guest and prints one RESULT line named `result` (or None: host-measured).
    `rate` marks higher-is-better units."""

    def __init__(self, name, what, unit, cmd=None, result=None, rate=False, timeout=300):
        self.name, self.what, self.unit, self.cmd = name, what, unit, cmd
        self.result = result or name
        self.rate, self.timeout = rate, timeout


WORKLOADS = [
    Workload("boot", "boot to a shell prompt (host clock, QEMU start to first prompt on serial)", "s"),
    Workload("getppid", "getppid() latency (1,000,000 calls)", "ns", f"{BIN} getppid 1000000"),
    Workload("fork_exit", "fork + _exit + waitpid (1,000 rounds)", "us", f"{BIN} fork_exit 1000"),
    Workload("fork_exec", "fork + exec of a static binary + waitpid (500 rounds)", "us",
             f"{BIN} fork_exec 500"),
    Workload("pipe_pingpong", "pipe ping-pong round trip between two processes (20,000 trips)", "us",
             f"{BIN} pipe_pingpong 20000"),
    Workload("pipe_throughput", "128 MiB through a pipe, 64 KiB writes", "MiB/s",
             f"{BIN} pipe_throughput 128", rate=True),
    Workload("page_faults", "anonymous page faults (first write to each page of 64 MiB)", "faults/s",
             f"{BIN} page_faults 64", rate=True),
    Workload("tmpfs_write", "tmpfs: write a 64 MiB file (/tmp, 64 KiB writes)", "MiB/s",
             f"{BIN} tmpfs_rw /tmp 64", rate=True),
    # Same run as tmpfs_write (the program prints both); see run_guest_workloads.
    Workload("tmpfs_read", "tmpfs: read it back", "MiB/s", f"{BIN} tmpfs_rw /tmp 64", rate=True),
    Workload("create_delete", "ext2 root: create (100 bytes each) then delete 1,000 files in /root", "ms",
             f"{BIN} create_delete /root 1000"),
    Workload("find", "`find / -xdev` on the Alpine root (output to /dev/null)", "ms",
             f"BENCH_NAME=find {BIN} spawn 1 /usr/bin/find / -xdev"),
    Workload("spawn_true", "spawn 200 x /bin/true (fork + exec busybox + wait)", "ms",
             f"BENCH_NAME=spawn_true {BIN} spawn 200 /bin/true"),
    Workload("memory", "smallest -m booting to a working busybox shell (of 16/24/32/48/64/96/128M)", "MiB"),
]
BY_NAME = {w.name: w for w in WORKLOADS}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# --- payload ------------------------------------------------------------------------------------

def build_payload():
    """Compiles tests/bench/bench.c (static, musl) into an ext2 image, unless it is up to date."""
    OUT.mkdir(parents=True, exist_ok=True)
    image, stamp = OUT / "payload.img", OUT / "payload.inputs"
    digest = hashlib.sha256(SRC.read_bytes()).hexdigest()
    if image.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return image
    tree = OUT / "payload"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir()
    cc = shutil.which("musl-gcc") or sys.exit("bench: musl-gcc not found; run scripts/setup")
    subprocess.run([cc, "-static", "-O2", "-Wall", "-o", str(tree / "bench"), str(SRC)], check=True)
    vm.build_payload(tree, image, extra_mib=24)
    stamp.write_text(digest + "\n")
    return image


# --- measuring ----------------------------------------------------------------------------------

def parse_results(out):
    """{name: (value, unit)} from the RESULT lines; FAIL lines raise."""
    found = {}
    for line in out.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "RESULT":
            found[parts[1]] = (float(parts[2]), parts[3])
        elif line.startswith("FAIL "):
            raise RuntimeError(line.strip())
    return found


def tail(data, n=1500):
    return data[-n:].decode(errors="replace")


class Runner:
    def __init__(self, kernel, runs, payload):
        self.kernel, self.runs, self.payload = kernel, runs, payload
        self.samples = {}   # name -> [value, ...]
        self.failures = {}  # name -> message
        self.host_seconds = {}  # name -> [host wall time of each timed command]
        self.logfile = open(OUT / f"{kernel}.log", "wb")

    def note(self, chunk_label):
        self.logfile.write(f"\n===== bench: {chunk_label} =====\n".encode())
        self.logfile.flush()

    def fail(self, name, msg):
        log(f"{self.kernel}: {name} FAILED: {msg}")
        self.failures[name] = msg

    def boot(self):
        for i in range(self.runs):
            self.note(f"boot run {i + 1}")
            guest = vm.Vm(self.kernel, log=self.logfile)
            try:
                secs = guest.boot_to_prompt()
            except vm.Wedged as e:
                self.fail("boot", f"{e}: {tail(guest.buf)!r}")
                return
            finally:
                guest.kill()
            self.samples.setdefault("boot", []).append(secs)
            log(f"{self.kernel}: boot {secs:.3f} s")

    def memory(self):
        """Smallest size that boots to a shell which runs a command. Sizes are tried in order;
        a failure at one size does not stop the next."""
        for size in MEM_SIZES:
            self.note(f"memory -m {size}")
            guest = vm.Vm(self.kernel, mem=size, log=self.logfile, boot_timeout=60 if self.kernel == "ours" else 90)
            try:
                guest.start()
                status, out = guest.run("echo sh''ok; ls / >/dev/null && echo ls''ok", timeout=60)
                ok = status == 0 and b"shok" in out and b"lsok" in out
            except vm.Wedged as e:
                ok = False
                log(f"{self.kernel}: -m {size}: {e}")
            finally:
                guest.kill()
            log(f"{self.kernel}: -m {size}: {'shell works' if ok else 'no working shell'}")
            if ok:
                self.samples["memory"] = [float(size.rstrip("M"))]
                return
        self.fail("memory", f"no working shell at any of {', '.join(MEM_SIZES)}")

    def guest_workloads(self, names):
        """Boots once and runs every in-guest workload in `names`: one untimed round, then
        `runs` timed ones. tmpfs_write and tmpfs_read come from the same command."""
        cmds = []  # (command, [workload names it yields])
        for name in names:
            w = BY_NAME[name]
            for cmd, yields in cmds:
                if cmd == w.cmd:
                    yields.append(name)
                    break
            else:
                cmds.append((w.cmd, [name]))
        guest = None
        for cmd, yields in cmds:
            timeout = max(BY_NAME[n].timeout for n in yields)
            for i in range(self.runs + 1):
                label = " ".join(yields) + (" warm-up" if i == 0 else f" run {i}")
                try:
                    if guest is None:
                        self.note("boot for in-guest workloads")
                        guest = vm.Vm(self.kernel, payload=self.payload, log=self.logfile).start()
                    self.note(label)
                    t0 = time.monotonic()
                    status, out = guest.run(cmd, timeout=timeout)
                    host = time.monotonic() - t0
                    got = parse_results(out)
                    if status != 0:
                        raise RuntimeError(f"exit status {status}: {tail(out)!r}")
                    missing = [n for n in yields if BY_NAME[n].result not in got]
                    if missing:
                        raise RuntimeError(f"no RESULT for {missing}: {tail(out)!r}")
                except (vm.Wedged, RuntimeError) as e:
                    if isinstance(e, vm.Wedged):
                        e = f"{e}: {tail(getattr(e, 'output', b'') or b'')!r}"
                        if guest:
                            guest.kill()
                        guest = None  # booted again for the next command
                    for n in yields:
                        self.fail(n, f"{label}: {e}")
                    break
                if i == 0:
                    continue
                for n in yields:
                    value, unit = got[BY_NAME[n].result]
                    if unit != BY_NAME[n].unit:
                        log(f"{self.kernel}: {n}: unit {unit}, expected {BY_NAME[n].unit}")
                    self.samples.setdefault(n, []).append(value)
                    self.host_seconds.setdefault(n, []).append(host)
                log(f"{self.kernel}: {label}: " + ", ".join(f"{got[BY_NAME[n].result][0]:.4g} {BY_NAME[n].unit}"
                                                           for n in yields))
        if guest:
            guest.power_off()

    def run(self, names):
        inguest = [n for n in names if BY_NAME[n].cmd]
        if "boot" in names:
            self.boot()
        if inguest:
            self.guest_workloads(inguest)
        if "memory" in names:
            self.memory()
        self.logfile.close()
        return {"samples": self.samples, "failures": self.failures, "host_seconds": self.host_seconds}


# --- reporting ----------------------------------------------------------------------------------

def fmt(v):
    if v is None:
        return "-"
    if v == int(v) and v < 1e6:
        return f"{int(v):,}"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}" if v >= 1 else f"{v:.3f}"


def summary(results, kernel, name):
    r = results.get(kernel)
    if r is None:
        return None, None, "not run"
    if name in r["failures"]:
        return None, None, "failed"
    s = r["samples"].get(name)
    if not s:
        return None, None, "not run"
    return min(s), statistics.median(s), None


def table_rows(results, names):
    rows = []
    for name in names:
        w = BY_NAME[name]
        o_min, o_med, o_err = summary(results, "ours", name)
        l_min, l_med, l_err = summary(results, "linux", name)
        best = "higher" if w.rate else "lower"
        if name == "memory":
            # One measurement each, no min/median.
            o_min = l_min = None
        if o_med and l_med:
            ratio = f"{(l_med / o_med if w.rate else o_med / l_med):.2f}"
        else:
            ratio = "-"
        # For rates the best figure is the max, not the min; report it in the "best" column.
        if w.rate:
            o_min = max(results["ours"]["samples"].get(name, [0])) if o_med else None
            l_min = max(results["linux"]["samples"].get(name, [0])) if l_med else None
        rows.append([name, w.unit, best,
                     o_err or fmt(o_min), o_err or fmt(o_med),
                     l_err or fmt(l_min), l_err or fmt(l_med), ratio])
    return rows


HEADER = ["workload", "unit", "better", "ours best", "ours median", "Linux best", "Linux median", "ratio"]


def text_table(rows):
    widths = [max(len(str(r[i])) for r in rows + [HEADER]) for i in range(len(HEADER))]
    lines = []
    for r in [HEADER] + rows:
        lines.append("  ".join(str(c).ljust(widths[i]) if i < 3 else str(c).rjust(widths[i])
                               for i, c in enumerate(r)))
        if r is HEADER:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


RATIO_NOTE = ("ratio = this kernel / Linux, as time (medians): below 1 means this kernel is faster. "
              "For rates (MiB/s, faults/s) it is Linux's rate over ours, so below 1 still means this "
              "kernel is faster. \"best\" is the minimum for times and the maximum for rates.")


def markdown(results, rows, args, meta):
    out = ["# Benchmarks", "",
           "Generated by `scripts/bench` (`scripts/bench.py`; the in-guest programs are "
           "`tests/bench/bench.c`). Both kernels boot the same Alpine 3.23 ext2 root disk "
           "(`init=/bin/sh`) on the same QEMU machine; the workloads time themselves inside the "
           "guest with `CLOCK_MONOTONIC`, except boot, which the host times from QEMU's start to "
           "the shell's first prompt on the serial console, and memory, the smallest `-m` (of "
           + ", ".join(MEM_SIZES) + ") at which the kernel boots to a busybox shell that runs a "
           "command.", "",
           "| " + " | ".join(HEADER) + " |",
           "| " + " | ".join(["---"] * 3 + ["---:"] * 5) + " |"]
    for r in rows:
        out.append("| " + " | ".join(str(c) for c in r) + " |")
    out += ["", RATIO_NOTE, "", "## Workloads", "", "| workload | what |", "| --- | --- |"]
    for name in args.names:
        out.append(f"| {name} | {BY_NAME[name].what} |")
    failures = {k: r["failures"] for k, r in results.items() if r["failures"]}
    if failures:
        out += ["", "## Failures", ""]
        for k, f in failures.items():
            for name, msg in f.items():
                msg = msg[:600].replace("`", "'").replace("\\n", " ")
                out.append(f"- {k} / {name}: `{msg}`")
    out += ["", "## Conditions", "",
            f"- date: {meta['date']}",
            f"- runs per workload: {args.runs} (after one untimed warm-up run of each in-guest workload; "
            "one boot per in-guest set, one boot per boot run)",
            f"- this kernel: tree at `{meta['commit']}` (the kernel image: `{vm.OUR_KERNEL}`)",
            f"- QEMU: {meta['qemu']}",
            f"- host CPU: {meta['cpu']} ({os.cpu_count()} CPUs)",
            f"- host load average (1 min) at start / end: {meta['load_start']:.2f} / {meta['load_end']:.2f}"]
    if meta.get("shared_note"):
        out.append(f"- {meta['shared_note']}")
    elif max(meta["load_start"], meta["load_end"]) > (os.cpu_count() or 1):
        out.append("- the host was busy with other work during the run (load average above its CPU "
                   "count), so the figures are noisier than on an idle machine")
    out += ["- memory: Linux boots this disk through an initramfs that loads its virtio-blk and ext2 "
            "modules (`build/linux-disk.initrd`, about 10 MiB compressed) and fails below the row's "
            "figure while unpacking it; this kernel needs no initramfs"]
    out += ["- guest memory: " + vm.DEFAULT_MEM + " (except the memory row)", "",
            "QEMU command lines (the payload disk is the benchmark programs, mounted read-only at "
            "`/payload`; the boot runs have no payload disk):", ""]
    for k, argv in meta["command_lines"].items():
        line = " ".join(argv).replace(str(ROOT) + "/", "").replace(str(Path.home()), "~")
        out += [f"{k}:", "", "```", line, "```", ""]
    out += ["Timings under TCG emulation are noisy and depend on the host; compare the ratio "
            "column rather than absolute figures. No test asserts any of these numbers.", ""]
    return "\n".join(out)


def git_describe():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# --- main ---------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per workload (default 5)")
    ap.add_argument("--kernel", choices=["ours", "linux", "both"], default="both")
    ap.add_argument("--only", help="comma-separated workloads: " + ", ".join(BY_NAME))
    ap.add_argument("--output", help="write the Markdown report here (default: docs/bench.md on a full run)")
    ap.add_argument("--shared-note", help="a line for the report's conditions, e.g. other VMs sharing the host")
    args = ap.parse_args()
    args.names = list(BY_NAME)
    if args.only:
        args.names = [n.strip() for n in args.only.split(",") if n.strip()]
        bad = [n for n in args.names if n not in BY_NAME]
        if bad:
            ap.error(f"unknown workload {bad}; known: {', '.join(BY_NAME)}")
        args.names = [n for n in BY_NAME if n in args.names]  # table order
    kernels = ["ours", "linux"] if args.kernel == "both" else [args.kernel]
    full = args.kernel == "both" and not args.only
    output = Path(args.output) if args.output else (DOC if full else None)

    payload = build_payload()
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "qemu": vm.qemu_version(), "cpu": vm.host_cpu(), "load_start": os.getloadavg()[0],
            "shared_note": args.shared_note, "command_lines": {}, "commit": git_describe()}
    log(f"kernel ours: {vm.OUR_KERNEL}")
    results = {}
    for k in kernels:
        meta["command_lines"][k] = vm.Vm(k, payload=payload).command_line()
        log(f"=== {k} ===")
        results[k] = Runner(k, args.runs, payload).run(args.names)
    meta["load_end"] = os.getloadavg()[0]
    for k in ("ours", "linux"):
        results.setdefault(k, {"samples": {}, "failures": {}, "host_seconds": {}})

    (OUT / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1, default=str))
    rows = table_rows(results, args.names)
    print()
    print(text_table(rows))
    print()
    print(RATIO_NOTE)
    if output:
        output.write_text(markdown(results, rows, args, meta))
        print(f"\nwrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    failed = sum(len(r["failures"]) for r in results.values())
    if failed:
        print(f"{failed} workload run(s) failed; serial logs in {OUT.relative_to(ROOT)}/<kernel>.log")
    return 0


if __name__ == "__main__":
    sys.exit(main())
