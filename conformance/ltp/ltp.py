"""The LTP syscalls suite as this harness sees it: where the prebuilt suite lives, how it is unpacked
and put on a payload disk (cached under build/, rebuilt only when the tarball or this packing
changes), the test list, how one test is run in the guest and how its exit status is read.

The prebuilt suite comes from ../shared/ltp (see its README): static musl binaries under ltp/bin and
LTP's runtest list ltp/runtest-syscalls."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "conformance/lib"))

import suite  # noqa: E402  (conformance/lib, after the path tweak above)
import vm  # noqa: E402

TARBALL = Path(os.environ.get("LTP_TARBALL", ROOT.parent / "shared/ltp/ltp-syscalls-musl.tar.xz"))
CACHE = ROOT / "build/ltp"
RESULTS = HERE / "results"
EXPECTED_FAILURES = HERE / "expected-failures"
CI_SUBSET = HERE / "ci-subset"
# Bump when the payload layout below changes, so stale cached images are rebuilt.
PACKING = "2"

# Under TCG everything runs several times slower than on hardware: scale LTP's own per-test
# timeouts (30 s by default) so that slowness alone does not make a test time out, and shorten
# the long "run for N seconds" loops (fuzzy-sync race tests and the like), which only repeat the
# same work. Both kernels run with the same settings.
TIMEOUT_MUL = 4
RUNTIME_MUL = 0.25
# Host-side limit for one test (a test that takes longer is "timeout" and the VM is restarted).
# LTP's own limit (30 s * TIMEOUT_MUL + runtime) normally fires first; this catches a wedged guest.
HOST_TIMEOUT = 240

OUTCOMES = ["pass", "fail", "broken", "skip", "timeout", "missing"]


# Run after every boot, the same on both kernels. Nothing brings up the loopback interface under
# init=/bin/sh, and the socket tests connect to 127.0.0.1. Alpine's kernel has loop devices as a
# module (the ioctl_loop tests want them); the modprobe fails harmlessly where there is none.
PREPARE = ["ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null || true",
           "modprobe loop 2>/dev/null || true"]
# Tests that need a block device (.needs_device: they mkfs and mount it) get the scratch disk,
# /dev/vdc, a blank 1 GiB image the guest may write (snapshot=on: every boot starts blank), so
# neither kernel needs loop devices for them. LTP's .all_filesystems tests would repeat
# themselves once per filesystem with a mkfs (ext2/3/4, vfat, tmpfs here): under TCG that costs
# too much, so they run on ext2 only, the disk filesystem both kernels can write.
SCRATCH_DEV = "/dev/vdc"
SCRATCH_MIB = 1024
FS_TYPE = "ext2"


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def prepare(verbose=True):
    """Unpacks the tarball and builds the payload image (once per tarball); returns (unpacked ltp
    dir, payload image, blank scratch disk image). A CI machine starts with no cache and gets it
    here."""
    if not TARBALL.exists():
        raise SystemExit(f"LTP tarball not found: {TARBALL} (set LTP_TARBALL)")
    key = _sha256(TARBALL)[:16] + "-" + PACKING
    base = CACHE / key
    stamp = base / "ready"
    tree, image, scratch = base / "tree", base / "payload.img", base / "scratch.img"
    if stamp.exists():
        return tree / "ltp", image, scratch
    if verbose:
        print(f"ltp: unpacking {TARBALL.name} and building the payload disk in {base}", file=sys.stderr)
    # Older cache entries are for other tarballs: drop them, they are half a gigabyte each.
    if CACHE.exists():
        for old in CACHE.iterdir():
            if old.name != key and old.is_dir():
                shutil.rmtree(old)
    shutil.rmtree(base, ignore_errors=True)
    tree.mkdir(parents=True)
    subprocess.run(["tar", "-xJf", str(TARBALL), "-C", str(tree)], check=True)
    # Tests copy their helper programs ("resource files") from $LTPROOT/testcases/bin.
    (tree / "ltp/testcases").mkdir()
    (tree / "ltp/testcases/bin").symlink_to("../bin")
    vm.build_payload(tree, image)
    with open(scratch, "wb") as f:  # sparse: takes no space until QEMU's overlay is written
        f.truncate(SCRATCH_MIB << 20)
    stamp.write_text(json.dumps({"tarball": str(TARBALL), "packing": PACKING}) + "\n")
    return tree / "ltp", image, scratch


def load_tests(ltp_dir):
    """[(name, argv string)] from the runtest list, in its order."""
    tests = []
    for line in (Path(ltp_dir) / "runtest-syscalls").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, cmd = line.split(None, 1)
        tests.append((name, cmd.strip()))
    return tests


def binary(cmd):
    return cmd.split()[0]


def guest_command(name, cmd):
    """The shell line that runs one test in the guest: a fresh scratch directory on the tmpfs /tmp
    (also its TMPDIR), the suite's binaries first on PATH (tests exec their helpers by name), and
    the scratch directory removed afterwards whatever the test left in it."""
    scratch = f"/tmp/ltp.{name}"
    env = (f"TMPDIR={scratch}/tmp LTPROOT=/payload/ltp PATH=/payload/ltp/bin:$PATH "
           f"LTP_TIMEOUT_MUL={TIMEOUT_MUL} LTP_RUNTIME_MUL={RUNTIME_MUL} LTP_COLORIZE_OUTPUT=0 "
           f"LTP_DEV={SCRATCH_DEV} LTP_DEV_FS_TYPE={FS_TYPE} LTP_SINGLE_FS_TYPE={FS_TYPE}")
    # TMPDIR is world-writable like /tmp: old-API tests may drop to an unprivileged user first.
    return (f"rm -rf {scratch}; mkdir -p {scratch}/tmp && chmod 1777 {scratch}/tmp && cd {scratch} && "
            f"env {env} {cmd}; "
            f"st=$?; cd /; rm -rf {scratch}; exit $st")


# "Summary:" block printed by the tst_test library at exit.
SUMMARY = re.compile(rb"^(passed|failed|broken|skipped|warnings)\s+(\d+)\s*$", re.M)


def summary(output):
    return {k.decode(): int(v) for k, v in SUMMARY.findall(output)}


# Lines that say why a test did not pass; kept in the record ahead of the plain tail.
VERDICT = re.compile(r"\b(TFAIL|TBROK|TCONF|TWARN)\b")


def tail(output, verdicts=8, last=6, width=240):
    """The record's text: the first few TFAIL/TBROK/TCONF/TWARN lines (the reasons) and the last
    lines of the output (the summary), each cut to `width` characters."""
    lines = output.decode(errors="replace").replace("\r", "").splitlines()
    picked = [l for l in lines[:-last] if VERDICT.search(l)][:verdicts]
    return "\n".join(l[:width] for l in picked + lines[-last:])


def classify(status, output):
    """LTP's exit status: 0 all passed, 32 TCONF (skipped), else an OR of 1 TFAIL, 2 TBROK,
    4 TWARN. A shell status of 128+N means the test was killed by signal N before its library
    could report: broken. 127 is a helper the shell could not find (missing binary)."""
    if status == 0:
        # Old-API tests can exit 0 after printing only TCONF lines; the summary says so.
        s = summary(output)
        if s and s.get("passed", 0) == 0 and s.get("skipped", 0) > 0 and not s.get("failed") and not s.get("broken"):
            return "skip"
        return "pass"
    if status == 32:
        return "skip"
    if status == 127:
        return "missing"
    if status > 128 or status & 2:
        return "broken"
    if status & 1 or status & 4:
        return "fail"
    return "broken"


def family(name):
    """The syscall family of a test, from its name: fork01 → fork, futex_wait01 → futex,
    accept4_01 → accept4, mmap21_01 → mmap, pipeio_3 → pipe, clock_gettime03 → clock_gettime."""
    base = re.sub(r"(_?\d+)+$", "", name)  # trailing digits and _NN groups
    base = re.sub(r"_$", "", base)
    # The longest matching prefix wins: readlink before read, sendfile before send.
    matches = [(len(prefix), fam) for prefix, fam in FAMILY_PREFIXES if base.startswith(prefix)]
    return max(matches)[1] if matches else (base or name)


# Families that LTP spreads over several names (the many futex_* and *_16 variants).
FAMILY_PREFIXES = [
    ("futex", "futex"), ("pipeio", "pipe"), ("pipe2", "pipe2"), ("pipe", "pipe"),
    ("fanotify", "fanotify"), ("inotify", "inotify"), ("epoll", "epoll"),
    ("io_uring", "io_uring"), ("io_", "aio"), ("mq_", "mqueue"), ("msg", "sysv ipc"),
    ("sem", "sysv ipc"), ("shm", "sysv ipc"), ("ipc", "sysv ipc"), ("set_robust", "futex"),
    ("get_robust", "futex"), ("perf_event", "perf_event"), ("bpf", "bpf"), ("landlock", "landlock"),
    ("cgroup", "cgroup"), ("keyctl", "keys"), ("add_key", "keys"), ("request_key", "keys"),
    ("timerfd", "timerfd"), ("timer_", "posix timers"), ("clock_", "clock"), ("sched_", "sched"),
    ("signalfd", "signalfd"), ("rt_sig", "signals"), ("sig", "signals"), ("kill", "signals"),
    ("tgkill", "signals"), ("tkill", "signals"), ("pidfd", "pidfd"), ("mount", "mount"),
    ("umount", "mount"), ("fsmount", "mount"), ("fsopen", "mount"), ("fsconfig", "mount"),
    ("fspick", "mount"), ("move_mount", "mount"), ("open_tree", "mount"), ("mount_setattr", "mount"),
    ("statx", "stat"), ("fstatat", "stat"), ("lstat", "stat"), ("fstat", "stat"), ("stat", "stat"),
    ("statfs", "statfs"), ("fstatfs", "statfs"),
    ("getxattr", "xattr"), ("setxattr", "xattr"), ("listxattr", "xattr"), ("removexattr", "xattr"),
    ("lgetxattr", "xattr"), ("fgetxattr", "xattr"), ("fsetxattr", "xattr"), ("lremovexattr", "xattr"),
    ("flistxattr", "xattr"), ("llistxattr", "xattr"), ("fremovexattr", "xattr"),
    ("fork", "fork"), ("vfork", "fork"), ("clone", "clone"), ("exec", "execve"), ("wait", "wait"),
    ("setre", "credentials"), ("setres", "credentials"), ("getres", "credentials"), ("setfs", "credentials"),
    ("setuid", "credentials"), ("setgid", "credentials"), ("getuid", "credentials"),
    ("getgid", "credentials"), ("geteuid", "credentials"), ("getegid", "credentials"),
    ("setgroups", "credentials"), ("getgroups", "credentials"),
    ("mmap", "mmap"), ("munmap", "mmap"), ("mremap", "mmap"), ("mprotect", "mprotect"),
    ("madvise", "madvise"), ("mlock", "mlock"), ("munlock", "mlock"), ("mlockall", "mlock"),
    ("munlockall", "mlock"), ("msync", "msync"), ("mincore", "mincore"), ("brk", "brk"), ("sbrk", "brk"),
    ("open", "open"), ("creat", "open"), ("close", "close"), ("read", "read"), ("pread", "read"),
    ("write", "write"), ("pwrite", "write"), ("lseek", "lseek"), ("llseek", "lseek"),
    ("getdents", "getdents"), ("readdir", "getdents"), ("dup", "dup"), ("fcntl", "fcntl"),
    ("ioctl", "ioctl"), ("chmod", "chmod"), ("fchmod", "chmod"), ("chown", "chown"),
    ("fchown", "chown"), ("lchown", "chown"), ("link", "link"), ("symlink", "symlink"),
    ("readlink", "readlink"), ("unlink", "unlink"), ("rename", "rename"), ("mkdir", "mkdir"),
    ("rmdir", "rmdir"), ("mknod", "mknod"), ("utime", "utime"), ("futimesat", "utime"),
    ("truncate", "truncate"), ("ftruncate", "truncate"), ("fsync", "sync"), ("fdatasync", "sync"),
    ("sync", "sync"), ("syncfs", "sync"), ("chdir", "chdir"), ("fchdir", "chdir"), ("getcwd", "getcwd"),
    ("socket", "socket"), ("send", "socket"), ("recv", "socket"), ("getsockopt", "socket"),
    ("setsockopt", "socket"), ("bind", "socket"), ("connect", "socket"), ("listen", "socket"),
    ("accept", "socket"), ("getpeername", "socket"), ("getsockname", "socket"), ("socketpair", "socket"),
    ("poll", "poll"), ("ppoll", "poll"), ("select", "select"), ("pselect", "select"),
    ("getrlimit", "rlimit"), ("setrlimit", "rlimit"), ("prlimit", "rlimit"), ("getrusage", "getrusage"),
    ("gettimeofday", "time"), ("settimeofday", "time"), ("time", "time"), ("stime", "time"),
    ("nanosleep", "sleep"), ("alarm", "alarm"), ("getitimer", "itimer"), ("setitimer", "itimer"),
    ("getpid", "getpid"), ("getppid", "getpid"), ("gettid", "getpid"), ("getpgid", "pgid"),
    ("setpgid", "pgid"), ("getpgrp", "pgid"), ("setpgrp", "pgid"), ("getsid", "sid"), ("setsid", "sid"),
    ("getpriority", "priority"), ("setpriority", "priority"), ("nice", "priority"),
    ("splice", "splice"), ("vmsplice", "splice"), ("tee", "splice"), ("sendfile", "sendfile"),
    ("copy_file_range", "copy_file_range"), ("fallocate", "fallocate"), ("posix_fadvise", "fadvise"),
    ("readahead", "readahead"), ("quotactl", "quotactl"), ("prctl", "prctl"), ("ptrace", "ptrace"),
    ("uname", "uname"), ("sysinfo", "sysinfo"), ("umask", "umask"), ("access", "access"),
    ("faccessat", "access"), ("memfd", "memfd"), ("userfaultfd", "userfaultfd"), ("eventfd", "eventfd"),
    ("name_to_handle", "file handles"), ("open_by_handle", "file handles"), ("unshare", "namespaces"),
    ("setns", "namespaces"), ("capget", "capabilities"), ("capset", "capabilities"),
    ("mbind", "numa"), ("get_mempolicy", "numa"), ("set_mempolicy", "numa"), ("move_pages", "numa"),
    ("migrate_pages", "numa"), ("rt_tgsigqueueinfo", "signals"), ("sgetmask", "signals"),
    ("ssetmask", "signals"), ("setegid", "credentials"), ("ioprio", "ioprio"), ("lsm_", "lsm"),
    ("process_vm", "process_vm"), ("getdomainname", "uname"), ("setdomainname", "uname"),
    ("gethostname", "uname"), ("sethostname", "uname"), ("newuname", "uname"),
    ("init_module", "modules"), ("finit_module", "modules"), ("delete_module", "modules"),
]


load_results = suite.load_results
