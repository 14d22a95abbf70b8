//! Tests against images the host's `mke2fs -d` makes from a tree built here, checked against
//! that tree and against `debugfs`/`dumpe2fs`. e2fsprogs is required: a missing tool fails the
//! test with a message saying so.

mod alpine;
mod damage;
mod tree;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::string::String;
use std::sync::atomic::{AtomicU32, Ordering};
use std::vec::Vec;

use alloc::sync::Arc;

use super::{MountOptions, mount_with};
use crate::blockdev::{BlockDevice, FileDisk};
use crate::testutil::Entries;
use crate::vfs::inode::Inode;
use crate::{Errno, SysResult};

/// Deterministic bytes (an LCG), so content checks do not depend on a random source.
fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

use crate::testutil::{run, tool};

fn run_ok(cmd: &mut Command) -> String {
    let (code, out) = run(cmd);
    assert_eq!(code, 0, "{cmd:?} failed: {out}");
    out
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

/// A scratch directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ext4-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `mke2fs -q -F -t ext4 ARGS -d TREE IMAGE SIZE`, then `e2fsck -fyD` to index the large
/// directories (mke2fs fills them linearly); the image is left clean.
fn mkfs(tree: &Path, image: &Path, args: &[&str], size: &str) {
    run_ok(
        Command::new(tool("mke2fs"))
            .args(["-q", "-F", "-t", "ext4"])
            .args(args)
            .arg("-d")
            .arg(tree)
            .arg(image)
            .arg(size),
    );
    let (code, out) = run(Command::new(tool("e2fsck")).arg("-fyD").arg(image));
    assert!(code <= 1, "e2fsck -fyD: {out}");
    run_ok(Command::new(tool("e2fsck")).arg("-fn").arg(image));
}

/// Run `debugfs` commands (read-only, or with `-w`) on an image.
fn debugfs(image: &Path, write: bool, commands: &[String]) -> String {
    let dir = TempDir::new();
    let script = dir.0.join("cmds");
    std::fs::write(&script, commands.join("\n") + "\n").unwrap();
    let mut cmd = Command::new(tool("debugfs"));
    if write {
        cmd.arg("-w");
    }
    run_ok(cmd.arg("-f").arg(&script).arg(image))
}

/// What `debugfs stat` says about an inode.
#[derive(Debug, Default)]
struct DebugfsStat {
    ino: u64,
    blockcount: u64,
    links: u32,
    /// Raw `(base, extra)` of ctime, atime, mtime, crtime, as printed.
    times: BTreeMap<String, (u32, u32)>,
}

/// `debugfs stat PATH` for each path, in order.
fn debugfs_stats(image: &Path, paths: &[String]) -> Vec<DebugfsStat> {
    let cmds: Vec<String> = paths.iter().map(|p| format!("stat \"{p}\"")).collect();
    let out = debugfs(image, false, &cmds);
    let mut stats = Vec::new();
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let field = |name: &str| {
            words
                .iter()
                .position(|w| *w == name)
                .and_then(|i| words.get(i + 1))
                .and_then(|v| v.parse::<u64>().ok())
        };
        if line.starts_with("Inode:") {
            stats.push(DebugfsStat {
                ino: field("Inode:").unwrap(),
                ..Default::default()
            });
        }
        let Some(s) = stats.last_mut() else { continue };
        if let Some(b) = field("Blockcount:") {
            s.blockcount = b;
            s.links = field("Links:").unwrap() as u32;
        }
        if let Some(name) = ["ctime:", "atime:", "mtime:", "crtime:"]
            .iter()
            .find(|n| words.first() == Some(n))
            && let Some((base, extra)) = words.get(1).and_then(|v| v.split_once(':'))
        {
            let hex = |s: &str| u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
            s.times
                .insert(name.trim_end_matches(':').into(), (hex(base), hex(extra)));
        }
    }
    assert_eq!(stats.len(), paths.len(), "debugfs output: {out}");
    stats
}

/// `dumpe2fs -h` fields by name.
fn dumpe2fs(image: &Path) -> BTreeMap<String, String> {
    let out = run_ok(Command::new(tool("dumpe2fs")).arg("-h").arg(image));
    out.lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().into(), v.trim().into()))
        .collect()
}

fn mount_image(image: &Path) -> Arc<dyn Inode> {
    let disk = Arc::new(FileDisk::open(image, 512).unwrap());
    mount_with(disk, &MountOptions::default()).unwrap()
}

fn mount_dev(dev: Arc<dyn BlockDevice>, cache_bytes: usize) -> SysResult<Arc<dyn Inode>> {
    mount_with(
        dev,
        &MountOptions {
            dev: None,
            cache_bytes,
        },
    )
}

/// Walk `path` (relative, `/`-separated, no symlinks followed) from `root`; `..` is the
/// VFS's business, so it is done here.
fn walk(root: &Arc<dyn Inode>, path: &str) -> SysResult<Arc<dyn Inode>> {
    let mut stack = vec![root.clone()];
    for c in path.split('/').filter(|c| !c.is_empty() && *c != ".") {
        if c == ".." {
            if stack.len() > 1 {
                stack.pop();
            }
            continue;
        }
        let next = stack.last().unwrap().lookup(c.as_bytes())?;
        stack.push(next);
    }
    Ok(stack.pop().unwrap())
}

/// The whole file, read in `chunk`-byte calls.
fn read_all(inode: &Arc<dyn Inode>, chunk: usize) -> SysResult<Vec<u8>> {
    read_upto(inode, chunk, usize::MAX)
}

/// The file's first `max` bytes (or all of it), read in `chunk`-byte calls.
fn read_upto(inode: &Arc<dyn Inode>, chunk: usize, max: usize) -> SysResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    while out.len() < max {
        let n = inode.read_at(out.len() as u64, &mut buf)?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    Ok(out)
}

fn list(dir: &Arc<dyn Inode>) -> SysResult<Entries> {
    let mut e = Entries::default();
    dir.readdir(0, &mut e)?;
    Ok(e)
}

/// Visit every inode under `dir`, reading all data and link targets; errors are collected,
/// not fatal: damaged images must give errors, never panics or endless loops.
fn read_everything(dir: &Arc<dyn Inode>, depth: usize, errors: &mut Vec<Errno>) {
    let entries = match list(dir) {
        Ok(e) => e,
        Err(e) => return errors.push(e),
    };
    for (name, ..) in entries
        .items
        .iter()
        .filter(|(n, ..)| n != b"." && n != b"..")
    {
        let child = match dir.lookup(name) {
            Ok(c) => c,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let _ = child.metadata();
        let r = match child.file_type() {
            crate::vfs::types::FileType::Directory if depth < 16 => {
                read_everything(&child, depth + 1, errors);
                Ok(())
            }
            // A damaged size may claim terabytes of holes.
            crate::vfs::types::FileType::Regular => read_upto(&child, 65536, 4 << 20).map(drop),
            crate::vfs::types::FileType::Symlink => child.readlink().map(drop),
            _ => Ok(()),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
}
