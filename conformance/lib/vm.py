"""Drive a QEMU guest from the host: boot this kernel or the reference Linux on the same Alpine
root image (plus an optional payload disk), then run shell commands over the serial console,
each with a timeout. Every conformance runner, the differential runner and the benchmarks go
through here, so both kernels always see the same machine.

The guest runs Alpine's busybox sh as init (`init=/bin/sh`) on the serial console. A command is
sent as one line; its end is a marker line the shell prints with the command's status. When a
marker does not arrive in time the VM is considered wedged: it is killed and the caller may
`restart()` it and go on.
"""

import os
import re
import secrets
import select
import shlex
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
# RK_KERNEL= picks another build of this kernel (a helper's own target dir, a saved copy).
OUR_KERNEL = Path(os.environ.get("RK_KERNEL", ROOT / "target/x86_64-unknown-none/release/kernel"))
ALPINE_EXT2 = BUILD / "alpine-ext2.img"

# The one machine both kernels run on (docs/scorecard.md and docs/bench.md record it).
QEMU = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "max", "-smp", "1",
        "-display", "none", "-vga", "none", "-nic", "none", "-no-reboot",
        "-serial", "stdio", "-monitor", "none"]
DEFAULT_MEM = "512M"


class Wedged(Exception):
    """The guest stopped answering (or died) before a command finished. `output` holds what the
    command printed before that (empty if unknown)."""

    def __init__(self, message, output=b""):
        super().__init__(message)
        self.output = output


def _script_output(*argv):
    out = subprocess.run([str(ROOT / argv[0]), *argv[1:]], check=True, stdout=subprocess.PIPE, text=True)
    return out.stdout.strip().splitlines()


def linux_kernel():
    """The reference Linux bzImage and the initramfs that loads its disk drivers."""
    kernel = _script_output("rootfs/fetch-reference", "--all")[-1]
    initrd = _script_output("rootfs/linux-disk-initrd")[-1]
    return Path(kernel), Path(initrd)


def qemu_version():
    out = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE, text=True).stdout
    return out.splitlines()[0].strip()


def host_cpu():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def build_payload(src_dir, image, extra_mib=64):
    """An ext2 image holding `src_dir` (the second disk both kernels mount read-only)."""
    src_dir, image = Path(src_dir), Path(image)
    used = sum(p.stat().st_size for p in src_dir.rglob("*") if p.is_file() and not p.is_symlink())
    mib = used // (1 << 20) * 11 // 10 + extra_mib
    image.unlink(missing_ok=True)
    subprocess.run(["mke2fs", "-q", "-t", "ext2", "-b", "4096", "-N", "65536", "-d", str(src_dir), "-F",
                    str(image), f"{mib}M"], check=True, env={**os.environ, "PATH": os.environ["PATH"] + ":/usr/sbin:/sbin"})
    return image


class Vm:
    """One guest. `kernel` is "ours" or "linux"."""

    def __init__(self, kernel, root_image=ALPINE_EXT2, payload=None, mem=DEFAULT_MEM, boot_timeout=None, log=None,
                 scratch_disks=()):
        if kernel not in ("ours", "linux"):
            raise ValueError(kernel)
        self.kernel = kernel
        self.root_image = Path(root_image)
        self.payload = Path(payload) if payload else None
        self.mem = mem
        self.boot_timeout = boot_timeout or (120 if kernel == "linux" else 60)
        self.log = log
        # Extra writable disks after the payload (/dev/vdc, ...), opened with snapshot=on: the
        # guest may write them, and every boot starts again from the image on the host.
        self.scratch_disks = [Path(d) for d in scratch_disks]
        self.proc = None
        self.buf = b""
        self.boot_seconds = None

    # --- lifecycle ----------------------------------------------------------------------------

    def command_line(self):
        append = ["console=ttyS0", "panic=-1", "quiet", "loglevel=1", "root=/dev/vda", "rw"]
        argv = list(QEMU) + ["-m", self.mem]
        if self.kernel == "linux":
            kernel, initrd = linux_kernel()
            append = append[:3] + ["modules=ext4,virtio_blk,ext2"] + append[3:] + ["rootfstype=ext2"]
            argv += ["-kernel", str(kernel), "-initrd", str(initrd)]
        else:
            argv += ["-kernel", str(OUR_KERNEL)]
        append.append("init=/bin/sh")
        argv += ["-append", " ".join(append)]
        argv += ["-drive", f"file={self.root_image},format=raw,if=virtio,snapshot=on"]
        if self.payload:
            argv += ["-drive", f"file={self.payload},format=raw,if=virtio,readonly=on"]
        for disk in self.scratch_disks:
            argv += ["-drive", f"file={disk},format=raw,if=virtio,snapshot=on"]
        return argv

    def start(self):
        """Boots and waits for the shell; sets up /proc, /sys, /dev, a tmpfs /tmp and the payload."""
        self.buf = b""
        started = time.monotonic()
        self.proc = subprocess.Popen(self.command_line(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        # The shell reads the console only once it runs; keep asking until it answers.
        nonce = secrets.token_hex(4)
        deadline = started + self.boot_timeout
        while True:
            self._send(f"echo R{nonce}''Y\n")
            try:
                self._read_until(re.compile(rb"R" + nonce.encode() + rb"Y"), min(deadline, time.monotonic() + 1))
                break
            except TimeoutError:
                if time.monotonic() >= deadline:
                    self.kill()
                    raise Wedged(f"{self.kernel}: no shell within {self.boot_timeout}s")
        self.boot_seconds = time.monotonic() - started
        # No echo, no prompt, no newline translation: output arrives byte for byte.
        self._send("stty -echo -onlcr; PS1=''; PS2=''\n")
        setup = [
                 "mountpoint -q /proc || mount -t proc proc /proc",
                 "mountpoint -q /sys || mount -t sysfs sysfs /sys",
                 "mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev",
                 "mkdir -p /dev/pts /dev/shm && mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
                 "mount -t tmpfs -o mode=1777 tmpfs /tmp",
                 "hostname localhost", "cd /"]
        if self.payload:
            setup.append("mkdir -p /payload && mount -t ext2 -o ro /dev/vdb /payload")
        for cmd in setup:
            status, out = self.run(cmd, timeout=60)
            if status != 0:
                raise Wedged(f"{self.kernel}: setup `{cmd}` failed ({status}): {out!r}")
        return self

    # busybox sh's first prompt on the console: "~ # " or "/ # " (the working directory, then "# ").
    PROMPT = re.compile(rb"(?:^|\n)[^\n]*[~/] # ")

    def boot_to_prompt(self):
        """Starts QEMU and returns the seconds (host clock) from just before QEMU starts until the
        shell's first prompt arrives on the serial console, without sending it anything. The VM
        stays up with the shell untouched (interactive: echo on, prompt set); `kill()` it after.
        Raises Wedged if no prompt arrives within the boot timeout."""
        self.buf = b""
        started = time.monotonic()
        self.proc = subprocess.Popen(self.command_line(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        try:
            self._read_until(self.PROMPT, started + self.boot_timeout)
        except TimeoutError:
            self.kill()
            raise Wedged(f"{self.kernel}: no prompt within {self.boot_timeout}s")
        return time.monotonic() - started

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()
        self.proc = None

    def restart(self):
        self.kill()
        return self.start()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()

    # --- commands -----------------------------------------------------------------------------

    def run(self, cmd, timeout=60, console_stdin=False):
        """Runs `cmd` (a shell command line; stdin is /dev/null unless `console_stdin`) and returns
        (status, output bytes). Raises Wedged (and kills the VM) if it does not finish within
        `timeout` seconds."""
        if self.proc is None:
            raise Wedged("VM not running")
        nonce = secrets.token_hex(6)
        # The marker is assembled by printf so the command line itself never contains it.
        redirect = "" if console_stdin else " </dev/null"
        line = f"( {cmd} ){redirect} 2>&1; printf '\\n@@%s %d@@\\n' {nonce} $?\n"
        self._send(line)
        pat = re.compile(rb"\n@@" + nonce.encode() + rb" (\d+)@@\n")
        try:
            out, m = self._read_until(pat, time.monotonic() + timeout)
        except TimeoutError:
            partial, self.buf = self.buf, b""
            self.kill()
            short = cmd if len(cmd) <= 80 else cmd[:77] + "..."
            raise Wedged(f"`{short}` did not finish within {timeout}s", partial)
        return int(m.group(1)), out

    def run_checked(self, cmd, timeout=60):
        status, out = self.run(cmd, timeout)
        if status != 0:
            raise RuntimeError(f"{self.kernel}: `{cmd}` exited {status}: {out.decode(errors='replace')}")
        return out

    def power_off(self, timeout=60):
        """A clean shutdown: sync, then poweroff -f (the busybox applet calls reboot(2))."""
        if self.proc is None:
            return
        self._send("sync; poweroff -f\n")
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()

    # --- serial plumbing ----------------------------------------------------------------------

    def _send(self, text):
        data = text.encode()
        if len(data) > 3800:
            raise ValueError("command line longer than the tty's line buffer")
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise Wedged("QEMU exited")

    def _read_until(self, pattern, deadline):
        """Reads serial output until `pattern` matches; returns (output before it, match)."""
        fd = self.proc.stdout.fileno()
        while True:
            m = pattern.search(self.buf)
            if m:
                out, self.buf = self.buf[:m.start()], self.buf[m.end():]
                return out, m
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise Wedged(f"QEMU exited (status {self.proc.wait()})", self.buf)
            if self.log:
                self.log.write(chunk)
            self.buf += chunk


def quote(s):
    return shlex.quote(s)
