//! Issue 4's acceptance checks: Alpine 3.23 booted from its own disk runs
//! its own dynamically linked tools; files written to the ext2 root survive
//! a power-off, a reboot and a full disk; the stock ext4 image boots
//! read-only; MAP_SHARED stores reach read() and, through msync, the disk.
//!
//! Boots that only read use `scripts/run`'s default, the pristine
//! build/alpine-ext2.img under QEMU's snapshot=on. Boots whose disk must be
//! looked at afterwards use a private copy ([`DiskCopy`], `RUN_DISK`),
//! examined on the host with debugfs and `e2fsck -fn`. Test programs from
//! tests/programs (static musl builds, taken out of the initramfs where
//! rootfs/build-initramfs puts them) are written onto such a copy with
//! debugfs before it boots.
//!
//! Every check passes against the reference Linux 6.18 as well
//! (`KERNEL=$(rootfs/fetch-reference) cargo test -p qemu-tests --test
//! alpine_disk`; scripts/run boots the disk there through
//! build/linux-disk.initrd), except the one whose claim is about this
//! kernel's design rather than Linux's behaviour: Linux's ext4 driver can
//! write, so there `mount -o remount,rw /` on the stock ext4 image succeeds,
//! and that check is skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use qemu_tests::disk::{self, DiskCopy};
use qemu_tests::{
    Guest, Root, Run, check_report, describe_difference, initramfs_file, output_before_exit,
    reference_linux, repo_root,
};

/// Host-side scratch space (cargo's per-target temporary directory).
fn tmp() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8 text")
}

/// A printk line, `[    0.027897] ...`: the kernel's, not the guest's.
fn is_printk(line: &str) -> bool {
    let Some((stamp, _)) = line.strip_prefix('[').and_then(|r| r.split_once("] ")) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    stamp
        .trim_start()
        .split_once('.')
        .is_some_and(|(secs, frac)| digits(secs) && digits(frac))
}

/// What the guest printed: the console up to init's exit (or all of it,
/// after a power-off), without the kernel's own lines.
fn guest_lines(run: &Run) -> Vec<&str> {
    let out = output_before_exit(&run.serial).unwrap_or(&run.serial);
    out.lines().filter(|l| !is_printk(l)).collect()
}

/// The lines after the marker line `@@NAME` and before the next `@@` line.
fn section<'a>(lines: &[&'a str], name: &str, run: &Run) -> Vec<&'a str> {
    let marker = format!("@@{name}");
    let start = lines
        .iter()
        .position(|l| *l == marker)
        .unwrap_or_else(|| panic!("no {marker:?} line\n{run}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.starts_with("@@"))
        .copied()
        .collect()
}

/// The value on the line `@@NAME VALUE`.
fn marked<'a>(lines: &[&'a str], name: &str, run: &Run) -> &'a str {
    let prefix = format!("@@{name} ");
    lines
        .iter()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line\n{run}"))
}

/// Boots the default disk and runs `script` with `sh -c`.
fn alpine(script: &str) -> Run {
    Guest::new().timeout_secs(300).run(&["sh", "-c", script])
}

fn assert_ok(run: &Run) {
    assert_eq!(run.status, Some(0), "{run}");
}

// ---- 1. scripts/run -- cat /etc/os-release --------------------------------------

#[test]
fn default_boot_prints_alpines_os_release() {
    let want = text(disk::cat(&disk::alpine_ext2(), "/etc/os-release"));
    assert!(want.contains("ID=alpine"), "{want}");
    // Through scripts/run's own default, which is what this check is about.
    let run = Guest::new().run(&["cat", "/etc/os-release"]);
    let got: String = guest_lines(&run).iter().map(|l| format!("{l}\n")).collect();
    if let Some(diff) = describe_difference(&want, &got) {
        panic!("the guest's /etc/os-release is not the image's:\n{diff}\n{run}");
    }
    assert_ok(&run);
}

// ---- 2. Alpine's own tools on the ext2 image -------------------------------------

#[test]
fn apk_reports_its_version() {
    let run = Guest::new().run(&["apk", "--version"]);
    let lines = guest_lines(&run);
    assert_eq!(lines, ["apk-tools 3.0.8-r0, compiled for x86_64."], "{run}");
    assert_ok(&run);
}

/// The package names in the image's installed database (`P:` records).
fn installed_packages() -> BTreeSet<String> {
    text(disk::cat(&disk::alpine_ext2(), "/lib/apk/db/installed"))
        .lines()
        .filter_map(|l| l.strip_prefix("P:"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn apk_lists_the_59_installed_packages() {
    let db = installed_packages();
    assert_eq!(db.len(), 59, "{db:?}");
    // apk warns on stderr that it has no package index (no network); only
    // stdout goes through the pipe.
    let run = alpine(
        "set -o pipefail; apk info --no-network | wc -l; echo \"@@status $?\"; \
         echo @@names; apk info --no-network 2>/dev/null; echo @@end",
    );
    let lines = guest_lines(&run);
    assert!(lines.contains(&"59"), "expected a line '59'\n{run}");
    assert_eq!(
        marked(&lines, "status", &run),
        "0",
        "apk info failed\n{run}"
    );
    let listed: BTreeSet<String> = section(&lines, "names", &run)
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
    assert_eq!(
        listed, db,
        "apk info and /lib/apk/db/installed differ\n{run}"
    );
    assert_ok(&run);
}

#[test]
fn ls_lr_walks_the_whole_tree() {
    let run = alpine("ls -lR / >/dev/null; echo \"@@ls-status $?\"");
    let lines = guest_lines(&run);
    assert_eq!(marked(&lines, "ls-status", &run), "0", "{run}");
    // Errors go to stderr, which is the console.
    let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("ls: ")).collect();
    assert!(errors.is_empty(), "ls reported {errors:?}\n{run}");
    assert_ok(&run);
}

/// What rootfs/compare-trees says `find / -xdev | wc -l` prints on a system
/// booted from the image (devtmpfs on /dev hides the image's /dev entries).
fn find_count_from_compare_trees() -> usize {
    disk::alpine_ext2();
    let out = Command::new(repo_root().join("rootfs/compare-trees"))
        .output()
        .expect("run rootfs/compare-trees");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "rootfs/compare-trees failed:\n{report}"
    );
    report
        .lines()
        .find_map(|l| l.split_once("find / -xdev with devtmpfs on /dev: "))
        .and_then(|(_, n)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no find count in compare-trees' report:\n{report}"))
}

/// Every path of the ext2 image but those below /dev, as `find` prints them.
fn image_paths_outside_dev() -> BTreeSet<String> {
    let out = Command::new("python3")
        .arg(repo_root().join("rootfs/ext_tree.py"))
        .arg("list")
        .arg(disk::alpine_ext2())
        .env(
            "PATH",
            format!(
                "{}:/usr/sbin:/sbin",
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .expect("run rootfs/ext_tree.py");
    assert!(out.status.success(), "ext_tree.py list failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        // "PATH kind=... ": paths in this image have no spaces.
        .filter_map(|l| l.split_once(' ').map(|(p, _)| p.to_owned()))
        .filter(|p| !p.starts_with("/dev/"))
        .collect()
}

#[test]
fn find_xdev_counts_every_path_of_the_image() {
    let want = find_count_from_compare_trees();
    let run = alpine("find / -xdev | wc -l; echo @@paths; find / -xdev; echo @@end");
    let lines = guest_lines(&run);
    let count = lines
        .first()
        .and_then(|l| l.trim().parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no count on the first line\n{run}"));
    let found: BTreeSet<String> = section(&lines, "paths", &run)
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
    let image = image_paths_outside_dev();
    let missing: Vec<_> = image.difference(&found).take(20).collect();
    let extra: Vec<_> = found.difference(&image).take(20).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "find and the image disagree: missing {missing:?}, extra {extra:?}\n{run}"
    );
    assert_eq!(
        count, want,
        "find / -xdev | wc -l, against compare-trees\n{run}"
    );
    assert_ok(&run);
}

/// Whitespace-separated fields of a line.
fn fields(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn number(field: &str, what: &str, run: &Run) -> u64 {
    field
        .parse()
        .unwrap_or_else(|_| panic!("{what}: {field:?} is not a number\n{run}"))
}

#[test]
fn ps_lists_the_shell_and_itself() {
    // Not ps last: ash would exec it in place of the shell.
    let run = alpine("mount -t proc proc /proc && ps; echo @@end");
    let lines = guest_lines(&run);
    assert_eq!(
        lines.first(),
        Some(&"PID   USER     TIME  COMMAND"),
        "{run}"
    );
    let mut pids = BTreeSet::new();
    let mut rows = BTreeMap::new();
    for line in lines[1..].iter().take_while(|l| **l != "@@end") {
        // "    1 root      0:00 sh -c mount -t proc proc /proc && ps; echo @@end"
        let f = fields(line);
        assert!(f.len() >= 4, "short ps row {line:?}\n{run}");
        let pid = number(f[0], "PID", &run);
        let (min, sec) = f[2]
            .split_once(':')
            .unwrap_or_else(|| panic!("TIME {:?} is not M:SS\n{run}", f[2]));
        number(min, "TIME minutes", &run);
        assert!(
            sec.len() == 2 && number(sec, "TIME seconds", &run) < 60,
            "{run}"
        );
        assert!(pids.insert(pid), "PID {pid} twice\n{run}");
        rows.insert(pid, (f[1], f[3..].join(" ")));
    }
    assert_eq!(
        rows.get(&1),
        Some(&(
            "root",
            "sh -c mount -t proc proc /proc && ps; echo @@end".to_owned()
        )),
        "PID 1 is the shell scripts/run started\n{run}"
    );
    assert!(
        rows.iter()
            .any(|(&pid, (user, cmd))| pid > 1 && *user == "root" && cmd == "ps"),
        "no row for ps itself\n{run}"
    );
    assert_ok(&run);
}

#[test]
fn free_adds_up() {
    let run = alpine("mount -t proc proc /proc && free");
    let lines = guest_lines(&run);
    assert_eq!(
        lines.first(),
        Some(&"              total        used        free      shared  buff/cache   available"),
        "{run}"
    );
    let row = |name: &str| -> Vec<u64> {
        let line = lines
            .iter()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no {name} row\n{run}"));
        fields(line)[1..]
            .iter()
            .map(|f| number(f, name, &run))
            .collect()
    };
    let mem = row("Mem:");
    let [total, used, free, shared, cache, available] = mem[..] else {
        panic!("Mem: has {} numbers, not 6\n{run}", mem.len());
    };
    // The guest has 512 MiB (RUN_MEM); some is the kernel's.
    assert!(
        (256 << 10..=512 << 10).contains(&total),
        "total {total} KiB\n{run}"
    );
    // busybox computes used as total - free - buff/cache.
    assert_eq!(
        used + free + cache,
        total,
        "used + free + buff/cache\n{run}"
    );
    assert!(shared <= total && available <= total, "{run}");
    assert!(free > 0 && available > 0, "{run}");
    assert_eq!(row("Swap:"), [0, 0, 0], "no swap\n{run}");
    assert_ok(&run);
}

#[test]
fn df_matches_the_superblock() {
    let sb = disk::stats(&disk::alpine_ext2());
    let run = alpine("mount -t proc proc /proc && df /");
    let lines = guest_lines(&run);
    assert_eq!(lines.len(), 2, "a header and one row\n{run}");
    assert_eq!(
        lines[0], "Filesystem           1K-blocks      Used Available Use% Mounted on",
        "{run}"
    );
    let f = fields(lines[1]);
    let [dev, size, used, avail, percent, dir] = f[..] else {
        panic!("df row {:?}\n{run}", lines[1]);
    };
    assert_eq!((dev, dir), ("/dev/vda", "/"), "{run}");
    let (size, used, avail) = (
        number(size, "1K-blocks", &run),
        number(used, "Used", &run),
        number(avail, "Available", &run),
    );
    // statfs in blocks, shown in KiB: free = total - used; available
    // leaves out the blocks reserved for root.
    let k = sb.block_size / 1024;
    assert_eq!(
        size.saturating_sub(used),
        sb.free_blocks * k,
        "free blocks, against debugfs stats\n{run}"
    );
    assert_eq!(
        avail,
        (sb.free_blocks - sb.reserved_blocks) * k,
        "available\n{run}"
    );
    assert!(size <= sb.block_count * k, "{run}");
    // busybox rounds to the nearest percent.
    let want = (used * 100 + (used + avail) / 2) / (used + avail);
    assert_eq!(percent, format!("{want}%"), "{run}");
    assert_ok(&run);
}

#[test]
fn mount_shows_the_ext2_root() {
    let run = alpine("mount -t proc proc /proc && mount");
    let lines = guest_lines(&run);
    let mut mounts = BTreeMap::new();
    for line in &lines {
        // "/dev/vda on / type ext2 (rw,relatime)"
        let parsed = line.split_once(" on ").and_then(|(src, rest)| {
            let (dir, rest) = rest.split_once(" type ")?;
            let (kind, opts) = rest.split_once(" (")?;
            Some((src, dir, kind, opts.strip_suffix(')')?))
        });
        let (src, dir, kind, opts) =
            parsed.unwrap_or_else(|| panic!("malformed mount line {line:?}\n{run}"));
        let first = opts.split(',').next().unwrap_or("");
        mounts.insert(dir, (src, kind, first));
    }
    assert_eq!(mounts.get("/"), Some(&("/dev/vda", "ext2", "rw")), "{run}");
    assert_eq!(
        mounts.get("/dev"),
        Some(&("devtmpfs", "devtmpfs", "rw")),
        "{run}"
    );
    assert_eq!(mounts.get("/proc"), Some(&("proc", "proc", "rw")), "{run}");
    assert_ok(&run);
}

/// Seconds since midnight of `HH:MM:SS`.
fn clock_secs(clock: &str) -> Option<u64> {
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    match parts[..] {
        [h, m, s] if h < 24 && m < 60 && s < 60 && clock.len() == 8 => Some(h * 3600 + m * 60 + s),
        _ => None,
    }
}

/// Whether `s` is a load average as uptime prints it: `N.NN`.
fn is_load(s: &str) -> bool {
    s.split_once('.').is_some_and(|(i, f)| {
        !i.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && f.len() == 2
            && f.bytes().all(|b| b.is_ascii_digit())
    })
}

#[test]
fn uptime_is_well_formed_and_on_time() {
    let run = alpine("mount -t proc proc /proc && uptime");
    let host_now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 86400;
    let lines = guest_lines(&run);
    let [line] = lines[..] else {
        panic!("expected one line\n{run}");
    };
    // " 14:52:12 up 0 min,  0 users,  load average: 0.00, 0.00, 0.00"
    let bad = || -> ! { panic!("malformed uptime line {line:?}\n{run}") };
    let (clock, rest) = line
        .trim_start()
        .split_once(" up ")
        .unwrap_or_else(|| bad());
    let (up, rest) = rest.split_once(",  ").unwrap_or_else(|| bad());
    let (users, loads) = rest
        .split_once(",  load average: ")
        .unwrap_or_else(|| bad());
    // A guest up for seconds: minutes, not days or hours.
    let minutes = up.strip_suffix(" min").unwrap_or_else(|| bad());
    assert!(
        minutes.parse::<u32>().is_ok_and(|m| m < 10),
        "up {up:?}\n{run}"
    );
    let n = users.strip_suffix(" users").unwrap_or_else(|| bad());
    assert!(n.parse::<u32>().is_ok(), "{run}");
    let loads: Vec<&str> = loads.split(", ").collect();
    assert!(
        loads.len() == 3 && loads.iter().all(|l| is_load(l)),
        "load average {loads:?}\n{run}"
    );
    // The RTC gives the guest the host's time (UTC: no TZ in the guest).
    let guest = clock_secs(clock).unwrap_or_else(|| bad());
    let skew = guest
        .abs_diff(host_now)
        .min(86400 - guest.abs_diff(host_now));
    assert!(
        skew <= 300,
        "guest clock {clock} is {skew} s from the host's\n{run}"
    );
    assert_ok(&run);
}

#[test]
fn sudo_runs_a_command_as_quicksand() {
    let passwd = text(disk::cat(&disk::alpine_ext2(), "/etc/passwd"));
    let uid = passwd
        .lines()
        .find_map(|l| l.strip_prefix("quicksand:"))
        .and_then(|rest| rest.split(':').nth(1))
        .unwrap_or_else(|| panic!("no quicksand in /etc/passwd:\n{passwd}"))
        .to_owned();
    assert_ne!(uid, "0");
    // setuid-root sudo switches to the target user's credentials.
    let run = alpine("id -u; sudo -u quicksand id -u");
    assert_eq!(guest_lines(&run), ["0", uid.as_str()], "{run}");
    assert_ok(&run);
}

// ---- 3. persistence ----------------------------------------------------------------

const FILES: usize = 200;

/// What the write boot does to file `f{1000+i}` after creating it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Left alone.
    Keep,
    /// Renamed into a/.
    Moved,
    /// Renamed into a/ over an existing file of the same name.
    MovedOver,
    /// A second hard link made in a/.
    Linked,
    /// A symlink to it made in a/, absolute (`/persist/fN`).
    Symlinked,
    /// A symlink to it made in a/, relative (`../fN`).
    SymlinkedRelative,
    /// Hard-linked into b/, then the original name removed.
    Relinked,
    /// Removed.
    Deleted,
}

/// Half the names go (the odd ones); a quarter of those live on in b/.
fn fate(i: usize) -> Fate {
    match (i % 16, i % 8) {
        (10, _) => Fate::MovedOver,
        (_, 2) => Fate::Moved,
        (_, 4) => Fate::Linked,
        (6, _) => Fate::Symlinked,
        (14, _) => Fate::SymlinkedRelative,
        (_, 1) => Fate::Relinked,
        (_, 0) => Fate::Keep,
        _ => Fate::Deleted,
    }
}

fn name(i: usize) -> String {
    format!("f{}", 1000 + i)
}

/// The names of the files with one of `fates`, joined for a command line.
fn names_with(fates: &[Fate], prefix: &str) -> String {
    (0..FILES)
        .filter(|&i| fates.contains(&fate(i)))
        .map(|i| format!("{prefix}{}", name(i)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A shell function printing everything that must survive: checksums
/// (busybox sha256sum; symlinks are followed), then per entry its type,
/// size, st_blocks, link count, inode number and symlink target, then the
/// file system's free blocks.
const REPORT: &str = r#"report() {
    echo @@sums
    sha256sum f* a/f* b/f*
    echo @@stat
    stat -c '%n|%F|%s|%b|%h|%i|%N' . a b f* a/f* b/f*
    echo "@@free $(stat -f -c %f /)"
}"#;

/// The guest script of the write boot: create, checksum, shuffle, report.
fn write_script() -> String {
    use Fate::*;
    let victims: String = (0..FILES)
        .filter(|&i| fate(i) == MovedOver)
        .map(|i| format!("echo victim > a/{}\n", name(i)))
        .collect();
    format!(
        r#"set -e
{REPORT}
mkdir /persist /persist/a /persist/b
cd /persist
echo @@create
/root/persist_files /persist {FILES}
echo @@created
sha256sum f*
{victims}ln {relinked} b/
ln {linked} a/
ln -s {absolute} a/
ln -s {relative} a/
mv {moved} a/
rm {removed}
report
sync
echo @@synced
poweroff -f
"#,
        relinked = names_with(&[Relinked], ""),
        linked = names_with(&[Linked], ""),
        absolute = names_with(&[Symlinked], "/persist/"),
        relative = names_with(&[SymlinkedRelative], "../"),
        moved = names_with(&[Moved, MovedOver], ""),
        removed = names_with(&[Relinked, Deleted], ""),
    )
}

/// The script of the fill boot: report, fill the disk until ENOSPC, check
/// that a write fails, delete, report again.
fn fill_script() -> String {
    format!(
        r#"set -e
{REPORT}
cd /persist
report
echo @@fill
dd if=/dev/zero of=/fill bs=1M 2>&1 && echo "@@dd-status 0" || echo "@@dd-status $?"
echo "@@full $(stat -f -c %f /)"
echo more > /persist/probe && echo "@@probe-status 0" || echo "@@probe-status $?"
rm -f /fill /persist/probe
sync
report
sync
poweroff -f
"#
    )
}

fn verify_script() -> String {
    format!("set -e\n{REPORT}\ncd /persist\nreport\nsync\npoweroff -f\n")
}

/// One boot's report: the text of each section, and the free block count.
#[derive(Debug, PartialEq, Eq)]
struct Report {
    sums: Vec<String>,
    stat: Vec<String>,
    free: u64,
}

/// The `n`th report (from 0) the guest printed.
fn report(lines: &[&str], n: usize, run: &Run) -> Report {
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| **l == "@@sums")
        .map(|(i, _)| i)
        .collect();
    let start = *starts
        .get(n)
        .unwrap_or_else(|| panic!("report {n} is missing\n{run}"));
    let lines = &lines[start..];
    let owned = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
    Report {
        sums: owned(section(lines, "sums", run)),
        stat: owned(section(lines, "stat", run)),
        free: number(marked(lines, "free", run), "free blocks", run),
    }
}

/// `file NAME SIZE dense|sparse` lines of persist_files: name -> (size, sparse).
fn created_files(lines: &[&str], run: &Run) -> BTreeMap<String, (u64, bool)> {
    let files: BTreeMap<_, _> = section(lines, "create", run)
        .iter()
        .filter_map(|l| {
            let f = fields(l.strip_prefix("file ")?);
            let [name, size, layout] = f[..] else {
                return None;
            };
            Some((name.to_owned(), (size.parse().ok()?, layout == "sparse")))
        })
        .collect();
    assert_eq!(files.len(), FILES, "persist_files' list\n{run}");
    files
}

/// `sha256sum` lines: path -> checksum.
fn sums(lines: &[String], run: &Run) -> BTreeMap<String, String> {
    lines
        .iter()
        .map(|l| {
            let (sum, path) = l
                .split_once("  ")
                .filter(|(s, _)| s.len() == 64)
                .unwrap_or_else(|| panic!("malformed sha256sum line {l:?}\n{run}"));
            (path.to_owned(), sum.to_owned())
        })
        .collect()
}

/// One `stat -c '%n|%F|%s|%b|%h|%i|%N'` line.
#[derive(Debug)]
struct Entry {
    kind: String,
    size: u64,
    blocks: u64,
    links: u64,
    ino: u64,
    target: Option<String>,
}

fn stat_entries(lines: &[String], run: &Run) -> BTreeMap<String, Entry> {
    lines
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split('|').collect();
            let [name, kind, size, blocks, links, ino, quoted] = f[..] else {
                panic!("malformed stat line {l:?}\n{run}");
            };
            // %N: 'name', or 'name' -> 'target' for a symlink.
            let target = quoted
                .split_once(" -> ")
                .map(|(_, t)| t.trim_matches('\'').to_owned());
            let entry = Entry {
                kind: kind.to_owned(),
                size: number(size, "size", run),
                blocks: number(blocks, "blocks", run),
                links: number(links, "links", run),
                ino: number(ino, "inode", run),
                target,
            };
            (name.to_owned(), entry)
        })
        .collect()
}

/// Checks the write boot's report against what was created and done.
fn check_after_write(lines: &[&str], report: &Report, run: &Run) {
    let created = created_files(lines, run);
    let created_sums = sums(
        &section(lines, "created", run)
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>(),
        run,
    );
    assert_eq!(
        created_sums.len(),
        FILES,
        "checksums of the new files\n{run}"
    );
    let got_sums = sums(&report.sums, run);
    let entries = stat_entries(&report.stat, run);
    let mut want_sums = BTreeMap::new();
    for i in 0..FILES {
        let n = name(i);
        let sum = created_sums[&n].clone();
        let (size, sparse) = created[&n];
        // Where the file's data lives now, and its other names.
        let (home, second) = match fate(i) {
            Fate::Keep => (n.clone(), None),
            Fate::Moved | Fate::MovedOver => (format!("a/{n}"), None),
            Fate::Linked => (n.clone(), Some(format!("a/{n}"))),
            Fate::Symlinked | Fate::SymlinkedRelative => (n.clone(), None),
            Fate::Relinked => (format!("b/{n}"), None),
            Fate::Deleted => {
                for gone in [n.clone(), format!("a/{n}"), format!("b/{n}")] {
                    assert!(!entries.contains_key(&gone), "{gone} survived rm\n{run}");
                }
                continue;
            }
        };
        want_sums.insert(home.clone(), sum.clone());
        let e = entries
            .get(&home)
            .unwrap_or_else(|| panic!("{home} is missing\n{run}"));
        let kind = if size == 0 {
            "regular empty file"
        } else {
            "regular file"
        };
        assert_eq!(e.kind, kind, "{home}\n{run}");
        assert_eq!(e.size, size, "{home}: size\n{run}");
        // A sparse file has holes: fewer 512-byte blocks than its size
        // needs; a dense one at least as many.
        assert_eq!(
            e.blocks * 512 < size,
            sparse,
            "{home}: {} blocks for {size} bytes ({})\n{run}",
            e.blocks,
            if sparse { "sparse" } else { "dense" }
        );
        assert_eq!(
            e.links,
            if second.is_some() { 2 } else { 1 },
            "{home}: links\n{run}"
        );
        if let Some(other) = second {
            want_sums.insert(other.clone(), sum.clone());
            let o = entries
                .get(&other)
                .unwrap_or_else(|| panic!("{other} is missing\n{run}"));
            assert_eq!(o.ino, e.ino, "{other} and {home} are one inode\n{run}");
        }
        let target = match fate(i) {
            Fate::Symlinked => Some(format!("/persist/{n}")),
            Fate::SymlinkedRelative => Some(format!("../{n}")),
            _ => None,
        };
        if let Some(target) = target {
            let link = format!("a/{n}");
            let l = entries
                .get(&link)
                .unwrap_or_else(|| panic!("{link} is missing\n{run}"));
            assert_eq!(l.kind, "symbolic link", "{link}\n{run}");
            assert_eq!(l.target.as_deref(), Some(target.as_str()), "{link}\n{run}");
            // sha256sum follows the link to the file's data.
            want_sums.insert(link, sum);
        }
        let keeps_name = matches!(
            fate(i),
            Fate::Keep | Fate::Linked | Fate::Symlinked | Fate::SymlinkedRelative
        );
        assert_eq!(
            entries.contains_key(&n),
            keeps_name,
            "{n} after {:?}\n{run}",
            fate(i)
        );
    }
    if let Some(diff) = describe_difference(&format!("{want_sums:#?}"), &format!("{got_sums:#?}")) {
        panic!("checksums after mv, ln, ln -s and rm:\n{diff}\n{run}");
    }
}

/// A later boot's report must be the write boot's, to the byte.
fn assert_same_report(want: &Report, got: &Report, when: &str, run: &Run) {
    for (what, w, g) in [
        ("checksums", &want.sums, &got.sums),
        ("stat", &want.stat, &got.stat),
    ] {
        if let Some(diff) = describe_difference(&w.join("\n"), &g.join("\n")) {
            panic!("{what} {when} differ from the ones written:\n{diff}\n{run}");
        }
    }
    assert_eq!(got.free, want.free, "free blocks {when}\n{run}");
}

fn assert_powered_off(run: &Run, what: &str) {
    assert!(
        run.serial.contains("reboot: Power down"),
        "{what}: the guest did not power off\n{run}"
    );
    assert_ok(run);
}

fn assert_fsck_clean(image: &Path, after: &str) {
    if let Err(why) = disk::e2fsck(image) {
        panic!("after {after}: {why}");
    }
}

#[test]
fn files_survive_power_off_reboot_and_a_full_disk() {
    let image = DiskCopy::new(&disk::alpine_ext2(), tmp(), "persistence.img");
    let image = image.path();
    disk::write_file(
        image,
        "/root/persist_files",
        &initramfs_file("/test/persist_files"),
        0o755,
    );
    // The scripts are too long for the kernel command line.
    for (name, script) in [
        ("write", write_script()),
        ("fill", fill_script()),
        ("verify", verify_script()),
    ] {
        disk::write_file(
            image,
            &format!("/root/persist-{name}.sh"),
            script.as_bytes(),
            0o644,
        );
    }
    let guest = || Guest::with_root(Root::Ext2).disk(image).timeout_secs(900);

    // Boot 1: write, checksum, shuffle, sync, power off.
    let run = guest().run(&["sh", "/root/persist-write.sh"]);
    let lines = guest_lines(&run);
    assert!(
        lines.contains(&"@@synced"),
        "the write boot did not finish\n{run}"
    );
    assert_powered_off(&run, "the write boot");
    let written = report(&lines, 0, &run);
    check_after_write(&lines, &written, &run);
    assert_fsck_clean(image, "the write boot");

    // Boot 2: everything is still there; fill the disk, delete, power off.
    let run = guest().run(&["sh", "/root/persist-fill.sh"]);
    let lines = guest_lines(&run);
    assert_same_report(&written, &report(&lines, 0, &run), "after a reboot", &run);
    let fill = section(&lines, "fill", &run).join("\n");
    assert!(
        fill.contains("No space left on device"),
        "dd did not stop at ENOSPC\n{run}"
    );
    assert_ne!(
        marked(&lines, "dd-status", &run),
        "0",
        "dd did not fail\n{run}"
    );
    // Root may use the reserved blocks: dd took them all.
    assert_eq!(
        marked(&lines, "full", &run),
        "0",
        "free blocks when full\n{run}"
    );
    assert_ne!(
        marked(&lines, "probe-status", &run),
        "0",
        "a write to a full disk succeeded\n{run}"
    );
    assert_same_report(
        &written,
        &report(&lines, 1, &run),
        "after filling and deleting",
        &run,
    );
    assert_powered_off(&run, "the fill boot");
    assert_fsck_clean(image, "filling the disk and deleting");

    // Boot 3: and after another reboot.
    let run = guest().run(&["sh", "/root/persist-verify.sh"]);
    let lines = guest_lines(&run);
    assert_same_report(
        &written,
        &report(&lines, 0, &run),
        "after the second reboot",
        &run,
    );
    assert_powered_off(&run, "the last boot");
    assert_fsck_clean(image, "the last boot");
}

// ---- 4. the stock ext4 image, read-only ----------------------------------------------

#[test]
fn stock_ext4_image_boots_read_only_and_runs_apk() {
    let run = Guest::with_root(Root::Ext4).timeout_secs(300).run(&[
        "sh",
        "-c",
        "mount -t tmpfs tmpfs /tmp && apk --version && echo tmpfs-ok > /tmp/probe && cat /tmp/probe; \
         echo x > /probe; echo \"@@write-status $?\"; \
         mount -t proc proc /proc && echo @@mounts && cat /proc/mounts",
    ]);
    let lines = guest_lines(&run);
    assert!(
        lines.contains(&"apk-tools 3.0.8-r0, compiled for x86_64.") && lines.contains(&"tmpfs-ok"),
        "apk --version and a file on the tmpfs\n{run}"
    );
    assert!(
        lines.contains(&"sh: can't create /probe: Read-only file system"),
        "writing to / must fail with EROFS\n{run}"
    );
    assert_ne!(marked(&lines, "write-status", &run), "0", "{run}");
    let mounts: BTreeMap<&str, (&str, &str)> = section(&lines, "mounts", &run)
        .iter()
        .filter_map(|l| {
            let f = fields(l);
            let first = f.get(3)?.split(',').next()?;
            Some((*f.get(1)?, (*f.get(2)?, first)))
        })
        .collect();
    assert_eq!(mounts.get("/"), Some(&("ext4", "ro")), "{run}");
    assert_eq!(mounts.get("/tmp"), Some(&("tmpfs", "rw")), "{run}");
    assert_ok(&run);
}

#[test]
fn stock_ext4_image_cannot_be_remounted_read_write() {
    if reference_linux() {
        // Linux's ext4 driver writes: there the remount succeeds.
        eprintln!("skipped: this kernel's ext4 is read-only by design; Linux's is not");
        return;
    }
    let run = Guest::with_root(Root::Ext4).run(&[
        "sh",
        "-c",
        "mount -t proc proc /proc && mount -o remount,rw /; echo \"@@remount-status $?\"; \
         echo @@mounts; cat /proc/mounts",
    ]);
    let lines = guest_lines(&run);
    assert_ne!(
        marked(&lines, "remount-status", &run),
        "0",
        "the remount succeeded\n{run}"
    );
    assert!(
        lines.contains(&"mount: mounting /dev/vda on / failed: Read-only file system"),
        "mount must fail with EROFS\n{run}"
    );
    let root = section(&lines, "mounts", &run)
        .into_iter()
        .find(|l| fields(l).get(1) == Some(&"/"))
        .unwrap_or_else(|| panic!("no / in /proc/mounts\n{run}"));
    assert!(root.starts_with("/dev/vda / ext4 ro"), "{root:?}\n{run}");
    assert_ok(&run);
}

// ---- 5. MAP_SHARED through msync to the disk ----------------------------------------

/// shared_map.c's pattern_byte, for reading its output back on the host.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len)
        .map(|i| {
            let mut x = (i as u32).wrapping_mul(0x9E37_79B1).wrapping_add(seed);
            x ^= x >> 15;
            x = x.wrapping_mul(0x85EB_CA77);
            x ^= x >> 13;
            x as u8
        })
        .collect()
}

#[test]
fn shared_mapping_reaches_readers_and_the_disk() {
    // Three pages and a part, all allocated, made on the host: the guest
    // only rewrites data in place, so what reaches the disk is msync's doing.
    const SIZE: usize = 3 * 4096 + 1000;
    const SEED: &str = "7";
    let image = DiskCopy::new(&disk::alpine_ext2(), tmp(), "shared_map.img");
    let image = image.path();
    disk::write_file(
        image,
        "/root/shared_map",
        &initramfs_file("/test/shared_map"),
        0o755,
    );
    disk::write_file(image, "/root/shared.dat", &vec![b'.'; SIZE], 0o644);
    let guest = || Guest::with_root(Root::Ext2).disk(image).timeout_secs(300);

    let mut con = guest().spawn(&[
        "sh",
        "-c",
        &format!(
            "/root/shared_map write /root/shared.dat {SEED}; echo \"@@written-$?\"; exec sleep 1000"
        ),
    ]);
    con.expect("@@written-", Duration::from_secs(240));
    con.expect("\n", Duration::from_secs(30));
    // Pull the plug: no sync, no unmount, no power-off; only what msync
    // wrote is on the disk.
    let run = con.stop();
    if let Err(why) = check_report(&run.serial, "shared_map") {
        panic!("{why}\n{run}");
    }
    assert!(run.serial.contains("@@written-0\n"), "{run}");
    let on_disk = disk::cat(image, "/root/shared.dat");
    assert_eq!(on_disk.len(), SIZE, "the file's size on disk\n{run}");
    if let Some(at) = on_disk
        .iter()
        .zip(pattern(SIZE, 7))
        .position(|(a, b)| *a != b)
    {
        panic!(
            "byte {at} on disk is 0x{:02x}, not the mapped store's 0x{:02x}\n{run}",
            on_disk[at],
            pattern(SIZE, 7)[at]
        );
    }

    // After a reboot, another process reads the bytes with read().
    let run = guest().run(&["/root/shared_map", "check", "/root/shared.dat", SEED]);
    if let Err(why) = check_report(&run.serial, "shared_map") {
        panic!("{why}\n{run}");
    }
    assert_ok(&run);
}
