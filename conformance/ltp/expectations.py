"""Starnix-style expectations: every LTP test that passes on Linux (its committed results) must pass
on this kernel too, unless conformance/ltp/expected-failures lists it with a reason.

The file has one `<test> <reason>` line per test; `#` starts a comment (groups are headed by
comment lines). A test Linux passes that is skipped here (TCONF) counts as a failure, not a skip:
the feature is there on Linux, so its absence here is a gap."""

import re
from pathlib import Path

import ltp


def load(path=ltp.EXPECTED_FAILURES):
    """{test: reason} from the expectation file."""
    entries = {}
    path = Path(path)
    if not path.exists():
        return entries
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 1)
        if len(parts) < 2:
            raise SystemExit(f"{path}:{n}: `{line}` has no reason")
        entries[parts[0]] = parts[1].strip()
    return entries


def compare(ours, linux, expected):
    """Classifies every test of this run (`ours`, name → record) against Linux's results and the
    expectations. Returns a dict of lists:
      regressions     Linux passes, not listed, and here it did not pass
      newly_passing   listed as an expected failure, but it passed here (the entry can go)
      expected        listed and still not passing
      not_in_linux    run here but absent from Linux's results (cannot be judged)"""
    out = {"regressions": [], "newly_passing": [], "expected": [], "not_in_linux": []}
    for name, r in ours.items():
        lr = linux.get(name)
        if lr is None:
            out["not_in_linux"].append(name)
            continue
        if lr["result"] != "pass":
            continue
        if r["result"] == "pass":
            if name in expected:
                out["newly_passing"].append(name)
        elif name in expected:
            out["expected"].append(name)
        else:
            out["regressions"].append(name)
    return out


def stale_entries(expected, linux):
    """Listed tests that Linux does not pass: the entry is meaningless (nothing is expected)."""
    return sorted(n for n in expected if linux.get(n, {}).get("result") != "pass")


# --- deriving reasons from results (used to write the expectation file from a full run) -------

ERRNO = re.compile(r"\b(E[A-Z0-9]{2,})\b")
# New-API lines are `file.c:12: TFAIL: text`, old-API ones `name  3  TFAIL  :  file.c:12: text`.
VERDICT = re.compile(r"\b(TFAIL|TBROK|TCONF|TWARN)\b\s*:\s*(.*)$")
# Groups, in the order they appear in the file. Each record goes to the first that matches.
GROUPS = [
    ("wedged", "Guest wedged or died (kernel panic, hang, QEMU exit); the harness restarted the VM"),
    ("ltp-timeout", "Exceeded LTP's own per-test timeout (killed by the test library)"),
    ("enosys", "A system call (or one of its modes) returns ENOSYS: not implemented"),
    ("kconfig", "No kernel config for LTP's CONFIG_ checks (/boot/config-$(uname -r), /proc/config.gz)"),
    ("socket", "Socket family not supported (socket() fails with EAFNOSUPPORT)"),
    ("procfs", "A /proc or /sys file the test reads is missing"),
    ("tconf", "Skipped here (TCONF) although Linux runs it: feature or interface missing"),
    ("signal", "Test process killed by a signal (crash in the test or its library)"),
    ("einval", "A call rejects valid arguments or flags with EINVAL / EOPNOTSUPP"),
    ("errno", "A call fails with an unexpected error"),
    ("tbrok", "Setup or a helper call broke the test (TBROK)"),
    ("tfail", "Wrong result or wrong error code (TFAIL)"),
    ("other", "Other"),
]


def _verdicts(tail):
    lines = []
    for line in tail.splitlines():
        m = VERDICT.search(line.strip())
        if m:
            # Drop an old-API `file.c:NN:` prefix: the reason reads better without it.
            lines.append((m.group(1), re.sub(r"^\S+\.[ch]:\d+:\s*", "", m.group(2).strip())))
    return lines


def reason_for(record):
    """(group key, one-line reason) for a test that does not pass here, from its recorded tail."""
    result, tail = record["result"], record.get("tail", "")
    if result == "timeout":
        first = tail.splitlines()[0] if tail else ""
        why = "QEMU exited" if "QEMU exited" in first else f"no answer within {record.get('seconds', 0):.0f}s"
        last = [l for l in tail.splitlines()[1:] if l.strip()]
        hint = f"; last output: {last[-1].strip()[:120]}" if last else ""
        return "wedged", f"guest wedged ({why}){hint}"
    verdicts = _verdicts(tail)
    texts = " ".join(v for _, v in verdicts)
    if "Cannot parse kernel .config" in texts or "kconfig" in texts.lower():
        return "kconfig", "no kernel config to check the test's CONFIG_ requirements against"
    m = re.search(r"syscall\(-?\d+\) __NR_(\w+) not supported", texts)
    if m:
        return "enosys", f"ENOSYS: {m.group(1)}() not implemented"
    m = re.search(r"socket\((\d+), (\d+), (\d+)\) failed: EAFNOSUPPORT", texts)
    if m:
        fam = {"1": "AF_UNIX", "2": "AF_INET", "10": "AF_INET6", "16": "AF_NETLINK", "17": "AF_PACKET"}.get(m.group(1), "family " + m.group(1))
        return "socket", f"socket({fam}, type {m.group(2)}, {m.group(3)}) fails with EAFNOSUPPORT"
    m = re.search(r"(/(proc|sys)/[\w/.\-]+)[^:]*: ENOENT", texts)
    if m:
        return "procfs", f"{m.group(1)} missing (ENOENT)"
    if any("Test killed! (timeout?)" in v or "Test timeouted" in v for _, v in verdicts):
        return "ltp-timeout", "test timed out inside LTP (" + (verdicts[0][1][:120] if verdicts else "") + ")"
    status = record.get("status")
    if result == "broken" and status is not None and status > 128:
        return "signal", f"killed by signal {status - 128}"
    killed = [v for _, v in verdicts if "killed by SIG" in v]
    if killed:
        return "signal", killed[0][:160]
    bad = [(k, v) for k, v in verdicts if k in ("TFAIL", "TBROK")]
    if result == "skip" or not bad:
        conf = [v for k, v in verdicts if k == "TCONF"]
        if conf:
            return ("enosys" if "ENOSYS" in conf[0] else "tconf"), "TCONF: " + conf[0][:160]
    if not bad:
        bad = verdicts
    if not bad:
        return "other", f"{result} (exit status {status}) with no TFAIL/TBROK line"
    kind, text = bad[0]
    errnos = ERRNO.findall(text)
    if "ENOSYS" in errnos:
        return "enosys", f"{kind}: {text[:160]}"
    if errnos and errnos[-1] in ("EINVAL", "EOPNOTSUPP", "ENOTSUP") and kind == "TBROK":
        return "einval", f"{kind}: {text[:160]}"
    if errnos and kind == "TBROK":
        return "errno", f"{kind}: {text[:160]}"
    return ("tbrok" if kind == "TBROK" else "tfail"), f"{kind}: {text[:160]}"


def render(entries, header):
    """The expectation file text: `entries` is {test: (group key, reason)}."""
    out = [header.rstrip(), ""]
    for key, title in GROUPS:
        names = sorted(n for n, (g, _) in entries.items() if g == key)
        if not names:
            continue
        out.append(f"# --- {title} ({len(names)}) [{key}]")
        width = max(len(n) for n in names)
        out += [f"{n:<{width}}  {entries[n][1]}" for n in names]
        out.append("")
    return "\n".join(out)


def groups_of(path=ltp.EXPECTED_FAILURES):
    """{test: group key} from the `[key]` markers of the file's group headings."""
    groups, current = {}, "other"
    path = Path(path)
    if not path.exists():
        return groups
    for line in path.read_text().splitlines():
        m = re.match(r"#\s*---.*\[(\S+)\]\s*$", line)
        if m:
            current = m.group(1)
        elif line.strip() and not line.startswith("#"):
            groups[line.split()[0]] = current
    return groups
