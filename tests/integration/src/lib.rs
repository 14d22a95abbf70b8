//! QEMU integration tests: boot the kernel through `scripts/run` and check
//! what real programs print and return, from Alpine's own disk (the default,
//! as in `scripts/run`) or from the busybox initramfs.
//!
//! The tests build nothing but the Alpine disk images (and, for the
//! reference Linux, build/linux-disk.initrd), which `rootfs/` makes from the
//! cached wheel in seconds (a no-op when they are up to date): they boot
//! exactly the kernel and initramfs on disk
//! (`scripts/test` builds them first) and fail with a pointer to the build
//! command when one is missing. `KERNEL=` and `INITRD=` pass through to
//! `scripts/run`, so `KERNEL=$(rootfs/fetch-reference) cargo test -p qemu-tests`
//! runs the same suite against Linux.
//!
//! [`Guest::run`] boots to completion; [`Guest::spawn`] returns a
//! [`Console`] to type on and read from while the guest runs. [`HostBusybox`]
//! runs the initramfs's own busybox on the host, for outputs to compare with
//! Linux's. [`disk`] reads and checks disk images on the host.

use std::env;
use std::fmt;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

mod console;
pub mod disk;
mod host;

pub use console::Console;
pub use host::{HostBusybox, initramfs_file};

/// Seconds a guest may run before `scripts/run` kills QEMU (status 124).
pub const DEFAULT_TIMEOUT_SECS: u32 = 120;

/// `scripts/run`'s status when it timed out.
pub const TIMEOUT_STATUS: i32 = 124;

pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .expect("tests/integration lies two levels below the repository root")
        .to_path_buf()
}

/// The kernel `scripts/run` will boot: `KERNEL`, or our release build.
pub fn kernel_path() -> PathBuf {
    let root = repo_root();
    match env::var_os("KERNEL") {
        Some(k) => PathBuf::from(k),
        None => {
            let target = env::var_os("CARGO_TARGET_DIR")
                .map(|d| root.join(d))
                .unwrap_or_else(|| root.join("target"));
            target.join("x86_64-unknown-none/release/kernel")
        }
    }
}

/// The initramfs `scripts/run` boots with `RUN_ROOT=initramfs`.
pub fn initramfs_path() -> PathBuf {
    env::var_os("INITRD")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("build/initramfs.cpio.gz"))
}

/// Whether the kernel under test is a Linux bzImage (the reference kernel
/// from `rootfs/fetch-reference`) rather than ours: the boot protocol's
/// "HdrS" magic at offset 0x202. For the few checks whose claim is about
/// this kernel's own design, not about Linux's behaviour.
pub fn reference_linux() -> bool {
    let mut header = [0u8; 0x206];
    fs::File::open(kernel_path())
        .and_then(|mut f| f.read_exact(&mut header))
        .is_ok_and(|()| &header[0x202..] == b"HdrS")
}

fn need_kernel() -> Result<PathBuf, String> {
    let kernel = kernel_path();
    if kernel.is_file() {
        Ok(kernel)
    } else {
        Err(format!(
            "kernel image {} not found; build it with \
             `cargo build -p kernel --target x86_64-unknown-none --release` \
             (scripts/test does this before running these tests)",
            kernel.display()
        ))
    }
}

pub(crate) fn need_initramfs() -> Result<PathBuf, String> {
    let initrd = initramfs_path();
    if initrd.is_file() {
        Ok(initrd)
    } else {
        Err(format!(
            "initramfs {} not found; build it with rootfs/build-initramfs \
             (scripts/test does this before running these tests)",
            initrd.display()
        ))
    }
}

/// Runs a builder script of `rootfs/`.
fn run_builder(script: &str) -> Result<(), String> {
    let out = Command::new(repo_root().join(script))
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{script} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Makes sure the Alpine disk images (and, for the reference Linux, the
/// initramfs it boots them with) are built and current; once per test
/// binary. The builders are no-ops when nothing changed and lock against
/// each other, so test binaries running side by side are fine.
pub fn disk_images() -> Result<(), String> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            run_builder("rootfs/alpine-images")?;
            if reference_linux() {
                run_builder("rootfs/linux-disk-initrd")?;
            }
            Ok(())
        })
        .clone()
}

/// What a guest boots from: `scripts/run`'s `RUN_ROOT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    /// Whatever `scripts/run` boots by default (Alpine's ext2 disk), with
    /// `RUN_ROOT` and `RUN_DISK` removed from its environment.
    Default,
    /// `RUN_ROOT=ext2`: build/alpine-ext2.img, `root=/dev/vda rw`.
    Ext2,
    /// `RUN_ROOT=ext4`: Alpine's stock ext4 image, `root=/dev/vda ro rootfstype=ext4`.
    Ext4,
    /// `RUN_ROOT=initramfs`: the busybox initramfs with the test programs in /test.
    Initramfs,
}

/// One boot to configure: the root, extra kernel command-line words and a
/// timeout.
#[derive(Clone, Debug)]
pub struct Guest {
    root: Root,
    disk: Option<PathBuf>,
    append: Vec<String>,
    timeout_secs: u32,
}

impl Default for Guest {
    fn default() -> Self {
        Self::new()
    }
}

impl Guest {
    /// `scripts/run`'s default boot: Alpine from build/alpine-ext2.img,
    /// whose writes QEMU discards at exit.
    pub fn new() -> Self {
        Self::with_root(Root::Default)
    }

    /// The busybox initramfs (`RUN_ROOT=initramfs`).
    pub fn initramfs() -> Self {
        Self::with_root(Root::Initramfs)
    }

    pub fn with_root(root: Root) -> Self {
        Guest {
            root,
            disk: None,
            append: Vec::new(),
            timeout_secs: DEFAULT_TIMEOUT_SECS,
        }
    }

    /// Boots this raw disk image read-write and keeps what the guest writes
    /// (`RUN_DISK`); the root must be a disk one.
    pub fn disk(mut self, image: &Path) -> Self {
        assert_ne!(self.root, Root::Initramfs, "a disk image needs a disk root");
        self.disk = Some(image.to_path_buf());
        self
    }

    /// Adds a kernel command-line word; `NAME=value` reaches init's environment.
    pub fn append(mut self, word: &str) -> Self {
        self.append.push(word.to_owned());
        self
    }

    pub fn timeout_secs(mut self, secs: u32) -> Self {
        self.timeout_secs = secs;
        self
    }

    /// What this boot is, for reports: the `RUN_*` settings that choose it.
    fn boot_description(&self) -> String {
        let mut words = vec![match self.root {
            Root::Default => "RUN_ROOT unset".to_owned(),
            Root::Ext2 => "RUN_ROOT=ext2".to_owned(),
            Root::Ext4 => "RUN_ROOT=ext4".to_owned(),
            Root::Initramfs => "RUN_ROOT=initramfs".to_owned(),
        }];
        if let Some(disk) = &self.disk {
            words.push(format!("RUN_DISK={}", disk.display()));
        }
        if reference_linux() {
            words.push(format!("KERNEL={}", kernel_path().display()));
        }
        words.join(" ")
    }

    /// `scripts/run -- argv...` for this boot; panics, with the reason, if
    /// the images are missing.
    pub(crate) fn command(&self, argv: &[&str]) -> Command {
        let ready = need_kernel().and_then(|_| match self.root {
            Root::Initramfs => need_initramfs().map(drop),
            _ => disk_images(),
        });
        if let Err(why) = ready {
            panic!("{why}");
        }
        let mut cmd = Command::new(repo_root().join("scripts/run"));
        cmd.arg("--")
            .args(argv)
            .env("RUN_NO_BUILD", "1")
            .env("RUN_TIMEOUT", self.timeout_secs.to_string())
            .env("RUN_APPEND", self.append.join(" "));
        match self.root {
            Root::Default => cmd.env_remove("RUN_ROOT"),
            Root::Ext2 => cmd.env("RUN_ROOT", "ext2"),
            Root::Ext4 => cmd.env("RUN_ROOT", "ext4"),
            Root::Initramfs => cmd.env("RUN_ROOT", "initramfs"),
        };
        if self.root != Root::Initramfs {
            // An INITRD meant for the initramfs tests is not what a disk
            // boots with: scripts/run picks the disk's own (none for this
            // kernel, build/linux-disk.initrd for Linux).
            cmd.env_remove("INITRD");
        }
        match &self.disk {
            Some(disk) => cmd.env("RUN_DISK", disk),
            None => cmd.env_remove("RUN_DISK"),
        };
        cmd
    }

    /// Boots and runs `argv` as init's program (`scripts/run -- argv...`).
    /// Panics, with the reason, if the images are missing or QEMU cannot be
    /// started; everything the guest did is in the returned [`Run`].
    pub fn run(&self, argv: &[&str]) -> Run {
        let out = self
            .command(argv)
            // The guest must not grab the terminal `cargo test` runs in.
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot start scripts/run: {e}"));
        Run {
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            boot: self.boot_description(),
            append: self.append.clone(),
            // None: scripts/run itself was killed by a signal.
            status: out.status.code(),
            serial: String::from_utf8_lossy(&out.stdout).replace('\r', ""),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// What one boot produced. `Display` shows all of it, for assertion messages.
#[derive(Clone, Debug)]
pub struct Run {
    pub argv: Vec<String>,
    /// What was booted (`RUN_ROOT`, `RUN_DISK`, a reference `KERNEL`).
    pub boot: String,
    pub append: Vec<String>,
    /// The guest command's status as `scripts/run` reports it.
    pub status: Option<i32>,
    /// Serial console output, with the tty's carriage returns removed.
    pub serial: String,
    /// `scripts/run`'s own diagnostics.
    pub stderr: String,
}

impl Run {
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.serial.lines()
    }

    pub fn has_line(&self, line: &str) -> bool {
        self.lines().any(|l| l == line)
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "--- scripts/run -- {:?}", self.argv)?;
        writeln!(f, "--- {}", self.boot)?;
        if !self.append.is_empty() {
            writeln!(f, "--- RUN_APPEND={:?}", self.append.join(" "))?;
        }
        match self.status {
            Some(TIMEOUT_STATUS) => writeln!(f, "--- status {TIMEOUT_STATUS} (timed out)")?,
            Some(s) => writeln!(f, "--- status {s}")?,
            None => writeln!(f, "--- scripts/run was killed by a signal")?,
        }
        if !self.stderr.is_empty() {
            writeln!(f, "--- scripts/run stderr:\n{}", self.stderr.trim_end())?;
        }
        write!(
            f,
            "--- serial output:\n{}\n--- end of serial output",
            self.serial.trim_end()
        )
    }
}

/// Checks abi_check's report: every check line is `ok NAME`, and the summary
/// `abi_check: N checks, 0 failed` counts exactly those lines. Returns N.
pub fn check_abi_report(serial: &str) -> Result<usize, String> {
    check_report(serial, "abi_check")
}

/// Checks the report of a test program that prints `ok NAME` or
/// `FAIL NAME: detail` per check and then `PROGRAM: N checks, M failed`
/// (abi_check, proc_check): no FAIL line, and a summary that counts exactly
/// the `ok` lines, with none failed. Other lines (`skip ...`) are ignored.
/// Returns N.
pub fn check_report(serial: &str, program: &str) -> Result<usize, String> {
    let mut oks = 0;
    let mut failures = Vec::new();
    let mut summary = None;
    for line in serial.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("ok ") {
            oks += 1;
        } else if line.starts_with("FAIL ") {
            failures.push(line);
        } else if let Some(counts) = parse_summary(line, program) {
            summary = Some(counts);
        }
    }
    if !failures.is_empty() {
        return Err(format!("{program} failures:\n  {}", failures.join("\n  ")));
    }
    match summary {
        None => Err(format!("no '{program}: N checks, M failed' summary line")),
        Some((_, failed)) if failed != 0 => Err(format!("summary reports {failed} failed")),
        Some((checks, _)) if checks != oks => Err(format!(
            "summary counts {checks} checks but {oks} 'ok' lines were printed"
        )),
        Some((0, _)) => Err(format!("{program} ran no checks")),
        Some((checks, _)) => Ok(checks),
    }
}

/// Parses `PROGRAM: N checks, M failed` into (N, M).
fn parse_summary(line: &str, program: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix(program)?.strip_prefix(": ")?;
    let (checks, rest) = rest.split_once(" checks, ")?;
    let failed = rest.strip_suffix(" failed")?;
    Some((checks.parse().ok()?, failed.parse().ok()?))
}

/// What init printed before the kernel's last words (`Kernel panic - not
/// syncing: Attempted to kill init!`), which follow init's output on the same
/// line when that did not end in a newline; None without them. A printk
/// timestamp (`[    5.845943] `) in front of the panic is not init's, nor is
/// the `---[ end Kernel panic - ...` line a kernel may print after it.
pub fn output_before_exit(serial: &str) -> Option<&str> {
    const PANIC: &str = "Kernel panic - not syncing: Attempted to kill init!";
    let end = serial
        .rmatch_indices(PANIC)
        .map(|(i, _)| i)
        .find(|&i| !serial[..i].ends_with("---[ end "))?;
    let before = &serial[..end];
    Some(strip_printk_time(before).unwrap_or(before))
}

/// `text` without a trailing `[ seconds.micros] `, if it has one.
fn strip_printk_time(text: &str) -> Option<&str> {
    let rest = text.strip_suffix("] ")?;
    let open = rest.rfind('[')?;
    let stamp = rest[open + 1..].trim_start_matches(' ');
    let (secs, frac) = stamp.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(secs) && digits(frac)).then(|| &text[..open])
}

/// Where `got` first departs from `want`, line by line, with a few lines of
/// context, for assertion messages; None when they are equal.
pub fn describe_difference(want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let want_lines: Vec<&str> = want.split_inclusive('\n').collect();
    let got_lines: Vec<&str> = got.split_inclusive('\n').collect();
    let first = want_lines
        .iter()
        .zip(&got_lines)
        .position(|(w, g)| w != g)
        .unwrap_or(want_lines.len().min(got_lines.len()));
    let context = first.saturating_sub(3);
    let mut out = format!("outputs differ from line {}:\n", first + 1);
    for line in &want_lines[context..first] {
        out += &format!("    {line:?}\n");
    }
    for line in want_lines.iter().skip(first).take(5) {
        out += &format!("  - {line:?}\n");
    }
    for line in got_lines.iter().skip(first).take(5) {
        out += &format!("  + {line:?}\n");
    }
    if want_lines.len() != got_lines.len() {
        out += &format!(
            "({} lines expected, {} got)\n",
            want_lines.len(),
            got_lines.len()
        );
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_root_holds_the_run_script() {
        assert!(repo_root().join("scripts/run").is_file());
    }

    #[test]
    fn abi_report_all_ok() {
        let log = "ok argv\r\nok auxv-pagesz\nabi_check: 2 checks, 0 failed\nabi_check: writing\n";
        assert_eq!(check_abi_report(log), Ok(2));
    }

    #[test]
    fn abi_report_fail_line_is_reported() {
        let log = "ok argv\nFAIL brk-grow: brk(0x1000) = 0x0\nabi_check: 2 checks, 1 failed\n";
        let err = check_abi_report(log).unwrap_err();
        assert!(err.contains("FAIL brk-grow: brk(0x1000) = 0x0"), "{err}");
    }

    #[test]
    fn abi_report_needs_summary() {
        assert!(check_abi_report("ok argv\n").is_err());
    }

    #[test]
    fn abi_report_count_must_match() {
        // A check line lost on the console must not go unnoticed.
        let log = "ok argv\nabi_check: 2 checks, 0 failed\n";
        assert!(check_abi_report(log).is_err());
    }

    #[test]
    fn abi_report_failed_count_without_fail_line() {
        let log = "ok argv\nabi_check: 1 checks, 1 failed\n";
        assert!(check_abi_report(log).is_err());
    }

    #[test]
    fn abi_summary_parsing() {
        let parse = |line| parse_summary(line, "abi_check");
        assert_eq!(parse("abi_check: 71 checks, 0 failed"), Some((71, 0)));
        assert_eq!(parse("abi_check: 71 checks, 3 failed"), Some((71, 3)));
        assert_eq!(parse("abi_check: x checks, 0 failed"), None);
        assert_eq!(parse("abi_check: writing to a read-only page"), None);
        assert_eq!(parse("xabi_check: 1 checks, 0 failed"), None);
        assert_eq!(parse("abi_checkx: 1 checks, 0 failed"), None);
    }

    #[test]
    fn report_of_another_program() {
        let log = "ok fork\nskip heap: no Slab: line\nproc_check: 1 checks, 0 failed\n";
        assert_eq!(check_report(log, "proc_check"), Ok(1));
        // Another program's summary does not count.
        assert!(check_report(log, "abi_check").is_err());
    }

    #[test]
    fn output_before_linux_panic() {
        let serial = "200000 199999 [    5.845943] Kernel panic - not syncing: \
                      Attempted to kill init! exitcode=0x00000000\n[    5.847] CPU: 0\n";
        assert_eq!(output_before_exit(serial), Some("200000 199999 "));
    }

    #[test]
    fn output_before_panic_with_end_marker() {
        let serial = "out Kernel panic - not syncing: Attempted to kill init! exitcode=0x0\n\
                      ---[ end Kernel panic - not syncing: Attempted to kill init! exitcode=0x0 ]---\n";
        assert_eq!(output_before_exit(serial), Some("out "));
    }

    #[test]
    fn output_before_untimed_panic() {
        let serial = "a\n[x] b\nKernel panic - not syncing: Attempted to kill init! exitcode=0x0\n";
        assert_eq!(output_before_exit(serial), Some("a\n[x] b\n"));
        // Brackets that are not a timestamp stay.
        let serial = "[1.x] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0";
        assert_eq!(output_before_exit(serial), Some("[1.x] "));
        assert_eq!(output_before_exit("no panic here\n"), None);
    }

    #[test]
    fn difference_points_at_the_first_changed_line() {
        assert_eq!(describe_difference("a\nb\n", "a\nb\n"), None);
        let d = describe_difference("a\nb\nc\n", "a\nB\nc\n").unwrap();
        assert!(d.starts_with("outputs differ from line 2:"), "{d}");
        assert!(d.contains("- \"b\\n\"") && d.contains("+ \"B\\n\""), "{d}");
        let d = describe_difference("a\n", "a\nextra\n").unwrap();
        assert!(d.contains("line 2") && d.contains("+ \"extra\\n\""), "{d}");
        // A missing final newline is a difference too.
        assert!(describe_difference("a\n", "a").is_some());
    }

    #[test]
    fn display_includes_everything() {
        let run = Run {
            argv: vec!["true".into()],
            boot: "RUN_ROOT=ext4".into(),
            append: vec!["ABI_TEST=1".into()],
            status: Some(TIMEOUT_STATUS),
            serial: "line one\nline two\n".into(),
            stderr: "run: timed out after 5s\n".into(),
        };
        let text = run.to_string();
        for part in [
            "\"true\"",
            "RUN_ROOT=ext4",
            "ABI_TEST=1",
            "timed out",
            "line one\nline two",
            "run: timed out",
        ] {
            assert!(text.contains(part), "{part:?} missing from:\n{text}");
        }
    }
}
