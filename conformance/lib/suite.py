"""Run a list of tests in one guest, one after another, resumably.

Each test is (name, shell command). Results go to a JSON-lines file, one object per test:
    {"test": name, "result": outcome, "status": exit status or null, "seconds": wall time,
     "tail": last lines of its output}
A test already in the file is skipped, so an interrupted run continues where it stopped. A test
that does not finish within the timeout is recorded as "timeout", the VM is restarted, and the
run goes on with the next test.
"""

import json
import sys
import time
from pathlib import Path

from vm import Vm, Wedged

TAIL_LINES = 12


def load_results(path):
    results = {}
    path = Path(path)
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                results[r["test"]] = r
    return results


def write_results(path, results, order):
    """Rewrites `path` with the results in `order` (test-list order) and any others after."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [n for n in order if n in results] + sorted(set(results) - set(order))
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(results[n], sort_keys=True) + "\n" for n in names))
    tmp.replace(path)


def boot(vm, prepare, attempts=3):
    """(Re)starts the guest and runs `prepare`; a guest that fails to boot `attempts` times in a
    row ends the run, since no result after that would mean anything."""
    for _ in range(attempts):
        try:
            vm.start()
            for p in prepare:
                vm.run_checked(p)
            return
        except (Wedged, RuntimeError) as e:
            vm.kill()
            error = e
    raise RuntimeError(f"{vm.kernel}: the guest does not boot: {error}")


def default_tail(output):
    return "\n".join(output.decode(errors="replace").splitlines()[-TAIL_LINES:])


def run_suite(kernel, tests, results_path, classify, payload=None, timeout=120, mem=None,
              prepare=(), log_path=None, fresh=False, tail=default_tail, vm_options=None):
    """Runs `tests` [(name, command)] on `kernel` ("ours"/"linux") and appends to `results_path`.

    `classify(status, output_bytes)` maps a finished test to its outcome string. `prepare` are
    shell commands run after every (re)boot. `tail(output_bytes)` is the text kept in the record
    (by default the last lines). `vm_options` are further Vm() keyword arguments (scratch_disks).
    Returns the results dict (name → record)."""
    results = {} if fresh else load_results(results_path)
    todo = [(n, c) for n, c in tests if n not in results]
    order = [n for n, _ in tests]
    if not todo:
        return results
    log = open(log_path, "ab") if log_path else None
    kwargs = {"payload": payload, "log": log, **(vm_options or {})}
    if mem:
        kwargs["mem"] = mem
    vm = Vm(kernel, **kwargs)
    started = time.monotonic()
    Path(results_path).parent.mkdir(parents=True, exist_ok=True)
    with open(results_path, "a") as out:
        for i, (name, cmd) in enumerate(todo):
            if vm.proc is None:
                boot(vm, prepare)
            t0 = time.monotonic()
            try:
                status, output = vm.run(cmd, timeout=timeout)
                outcome = classify(status, output)
                text = tail(output)
            except Wedged as e:
                status, outcome = None, "timeout"
                text = str(e) + ("\n" + tail(e.output) if getattr(e, "output", b"") else "")
                vm.kill()
            record = {"test": name, "result": outcome, "status": status,
                      "seconds": round(time.monotonic() - t0, 2), "tail": text}
            results[name] = record
            out.write(json.dumps(record, sort_keys=True) + "\n")
            out.flush()
            print(f"[{kernel} {i + 1}/{len(todo)} {time.monotonic() - started:.0f}s] {name}: {outcome}",
                  file=sys.stderr, flush=True)
    vm.kill()
    if log:
        log.close()
    write_results(results_path, results, order)
    return results
