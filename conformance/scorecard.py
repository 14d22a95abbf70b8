#!/usr/bin/env python3
"""Generate docs/scorecard.md from the committed conformance results, and the headline numbers in
README.md's Conformance section (between its scorecard markers).

    conformance/scorecard.py [--print]

Suites: LTP syscalls (conformance/ltp/results/{linux,ours}.jsonl) and, when its results exist, the
Open POSIX Test Suite (conformance/posix/results/{linux,ours}.jsonl). Both are JSON lines with
{"test", "result", ...}. Nothing here runs a test: it only counts what the runners recorded.
"""

import argparse
import fnmatch
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "lib"))
sys.path.insert(0, str(HERE / "ltp"))

import ltp  # noqa: E402
import expectations  # noqa: E402
import vm  # noqa: E402

SCORECARD = ROOT / "docs/scorecard.md"
README = ROOT / "README.md"
BEGIN, END = "<!-- scorecard:begin -->", "<!-- scorecard:end -->"


def posix_family(name):
    """interfaces/sigaction/1-1 → sigaction; other trees (behavior/..., definitions/...) by their
    second component."""
    parts = name.strip("/").split("/")
    if "interfaces" in parts and parts.index("interfaces") + 1 < len(parts):
        return parts[parts.index("interfaces") + 1]
    return parts[1] if len(parts) > 2 else parts[0]


SUITES = [
    {"name": "LTP syscalls", "dir": HERE / "ltp/results", "family": ltp.family,
     "outcomes": ["pass", "fail", "broken", "skip", "timeout", "missing"],
     "expected": ltp.EXPECTED_FAILURES},
    {"name": "Open POSIX", "dir": HERE / "posix/results", "family": posix_family,
     "outcomes": ["pass", "fail", "unresolved", "unsupported", "untested", "timeout", "not-built"],
     "expected": HERE / "posix/expected-failures"},
]


load = ltp.load_results


def outcome_columns(suite, *results):
    seen = {r["result"] for res in results for r in res.values()}
    return suite["outcomes"] + sorted(seen - set(suite["outcomes"]))


def suite_summary(suite):
    linux, ours = load(suite["dir"] / "linux.jsonl"), load(suite["dir"] / "ours.jsonl")
    if not linux and not ours:
        return None
    both = [n for n in linux if n in ours]
    linux_pass = [n for n in both if linux[n]["result"] == "pass"]
    kept = [n for n in linux_pass if ours[n]["result"] == "pass"]
    # Entries may be shell-style patterns (the POSIX file uses them, e.g. interfaces/mq_*/*).
    patterns = list(expectations.load(suite["expected"])) if suite["expected"].exists() else []
    listed = {n for n in both if any(fnmatch.fnmatchcase(n, p) for p in patterns)}
    return {"suite": suite, "linux": linux, "ours": ours, "both": both, "linux_pass": linux_pass,
            "kept": kept, "listed": listed,
            "regressions": [n for n in linux_pass if n not in kept and n not in listed]}


def pct(a, b):
    return f"{100 * a / b:.0f}%" if b else "–"


def headline(s):
    name, ours, linux = s["suite"]["name"], s["ours"], s["linux"]
    op = sum(r["result"] == "pass" for r in ours.values())
    lp = sum(r["result"] == "pass" for r in linux.values())
    if not ours or not linux:
        which, res, p = ("Linux", linux, lp) if linux else ("this kernel", ours, op)
        return f"**{name}**: {which} passes {p} of {len(res)} tests; the other kernel has no results yet."
    return (f"**{name}**: this kernel passes {op} of {len(ours)} tests, Linux {lp} of {len(linux)}; "
            f"of the {len(s['linux_pass'])} tests Linux passes, this kernel passes {len(s['kept'])} "
            f"({pct(len(s['kept']), len(s['linux_pass']))}).")


def counts_table(s):
    cols = outcome_columns(s["suite"], s["linux"], s["ours"])
    rows = ["| kernel | tests | " + " | ".join(cols) + " |", "|---|---:|" + "---:|" * len(cols)]
    for label, res in (("this kernel", s["ours"]), ("Linux", s["linux"])):
        c = Counter(r["result"] for r in res.values())
        rows.append(f"| {label} | {len(res)} | " + " | ".join(str(c.get(o, 0)) for o in cols) + " |")
    return rows


def family_table(s):
    fam = s["suite"]["family"]
    groups = defaultdict(list)
    for n in sorted(set(s["linux"]) | set(s["ours"])):
        groups[fam(n)].append(n)
    rows = ["| family | tests | Linux pass | this kernel pass | of Linux's passes | this kernel not passing |",
            "|---|---:|---:|---:|---:|---|"]
    for f in sorted(groups, key=lambda f: (-len(groups[f]), f)):
        names = groups[f]
        lp = [n for n in names if s["linux"].get(n, {}).get("result") == "pass"]
        op = [n for n in names if s["ours"].get(n, {}).get("result") == "pass"]
        kept = [n for n in lp if n in op]
        c = Counter(s["ours"][n]["result"] for n in names if n in s["ours"] and s["ours"][n]["result"] != "pass")
        not_run = sum(1 for n in names if n not in s["ours"])
        if not_run:
            c["not run"] = not_run
        rest = ", ".join(f"{v} {k}" for k, v in sorted(c.items()))
        rows.append(f"| {f} | {len(names)} | {len(lp)} | {len(op)} | {len(kept)}/{len(lp)} | {rest} |")
    return rows


def render(summaries):
    lines = ["# Conformance scorecard", "",
             "Generated by `conformance/scorecard.py` from the committed results "
             "(`scripts/conformance` reruns the suites and regenerates this file); do not edit by hand.", "",
             f"Both kernels run in the same virtual machine: `{vm.qemu_version()}`, "
             f"`{' '.join(vm.QEMU[1:7])}`, {vm.DEFAULT_MEM} of memory, the Alpine 3.23 root disk "
             "(`build/alpine-ext2.img`, snapshot) and the test payload on a second virtio disk. "
             "Linux is the reference 6.18 kernel from `rootfs/fetch-reference`.", ""]
    lines += [headline(s) for s in summaries] + [""]
    for s in summaries:
        suite = s["suite"]
        lines += [f"## {suite['name']}", ""] + counts_table(s) + [""]
        lines.append(f"Of the {len(s['linux_pass'])} tests that pass on Linux, this kernel passes "
                     f"{len(s['kept'])}; {len(s['listed'] & set(s['linux_pass']))} are listed as expected "
                     f"failures with a reason (`{suite['expected'].relative_to(ROOT)}`), "
                     f"{len(s['regressions'])} are neither passing nor listed.")
        if suite["name"].startswith("LTP"):
            lines += ["", "Outcomes: pass (exit 0), fail (TFAIL), broken (TBROK or killed by a signal), "
                      "skip (TCONF: not applicable or feature absent), timeout (the guest stopped "
                      "answering and was restarted), missing (the test did not build against musl). "
                      f"Per-test limits: LTP_TIMEOUT_MUL={ltp.TIMEOUT_MUL}, "
                      f"LTP_RUNTIME_MUL={ltp.RUNTIME_MUL}, {ltp.HOST_TIMEOUT} s on the host."]
        lines += ["", f"### {suite['name']} by family", ""] + family_table(s) + [""]
    return "\n".join(lines)


def update_readme(summaries):
    text = README.read_text()
    if BEGIN not in text or END not in text:
        return False
    block = "\n".join([BEGIN] + [f"- {headline(s)}" for s in summaries] + [END])
    new = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    if new != text:
        README.write_text(new)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--print", action="store_true", help="also print the headline numbers")
    args = ap.parse_args()
    summaries = [s for s in map(suite_summary, SUITES) if s]
    SCORECARD.write_text(render(summaries))
    update_readme(summaries)
    if args.print:
        for s in summaries:
            cols = outcome_columns(s["suite"], s["linux"], s["ours"])
            for label, res in (("this kernel", s["ours"]), ("Linux", s["linux"])):
                c = Counter(r["result"] for r in res.values())
                print(f"{s['suite']['name']:<13} {label:<12} {len(res):>5} tests: "
                      + ", ".join(f"{c.get(o, 0)} {o}" for o in cols))
        for s in summaries:
            print(headline(s).replace("**", ""))
    print(f"wrote {SCORECARD.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
