//! Tests against images made by the host's `mke2fs`/`debugfs` and checked by its `e2fsck`.
//! e2fsprogs is required: a missing tool fails the test with a message saying so.

mod dirs;
mod files;
mod fuzz;
mod host;
mod persist;
mod space;
mod special;
mod vfs;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::string::String;
use std::sync::atomic::{AtomicU32, Ordering};
use std::vec::Vec;
use std::{format, vec};

use alloc::sync::Arc;

use super::{Ext2Fs, MountOptions, mount_with};
use crate::blockdev::FileDisk;
use crate::testutil::{Entries, install_clock};
use crate::vfs::inode::Inode;
use crate::vfs::types::*;
use crate::{Errno, SysResult};

use crate::testutil::{run, tool};

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

/// A scratch directory, removed when dropped.
pub(super) struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let n = NEXT_DIR.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ext2-test-{}-{n}", std::process::id()));
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

/// A filesystem image file.
pub(super) struct Image {
    _dir: TempDir,
    pub path: PathBuf,
}

impl Image {
    /// `mke2fs -q -F [-t ext2] ARGS image SIZE` (ext2 unless ARGS say otherwise).
    pub fn mkfs(args: &[&str], size: &str) -> Image {
        install_clock();
        let dir = TempDir::new();
        let path = dir.0.join("fs.img");
        let mut cmd = Command::new(tool("mke2fs"));
        cmd.args(["-q", "-F"]);
        if !args.iter().any(|a| *a == "-t" || *a == "-r") {
            cmd.args(["-t", "ext2"]);
        }
        cmd.args(args).arg(&path).arg(size);
        let (code, out) = run(&mut cmd);
        assert_eq!(code, 0, "mke2fs {args:?} failed: {out}");
        Image { _dir: dir, path }
    }

    pub fn disk(&self) -> Arc<FileDisk> {
        Arc::new(FileDisk::open(&self.path, 512).unwrap())
    }

    pub fn try_mount(&self, read_only: bool) -> SysResult<Arc<Ext2Fs>> {
        let opts = MountOptions {
            read_only,
            ..Default::default()
        };
        mount_with(self.disk(), &opts)
    }

    /// Mount read-write; returns the filesystem and its root.
    pub fn mount(&self) -> (Arc<Ext2Fs>, Arc<dyn Inode>) {
        let fs = self.try_mount(false).expect("mount");
        let root = fs.root().unwrap();
        (fs, root)
    }

    pub fn mount_ro(&self) -> (Arc<Ext2Fs>, Arc<dyn Inode>) {
        let fs = self.try_mount(true).expect("mount read-only");
        let root = fs.root().unwrap();
        (fs, root)
    }

    /// `e2fsck -fn`: exit code and report.
    pub fn fsck(&self) -> (i32, String) {
        run(Command::new(tool("e2fsck")).arg("-fn").arg(&self.path))
    }

    pub fn assert_clean(&self) {
        let (code, out) = self.fsck();
        assert_eq!(code, 0, "e2fsck -fn reports problems:\n{out}");
    }

    /// Run debugfs requests (one per line) with the image open for writing.
    pub fn debugfs(&self, requests: &str) -> String {
        let dir = TempDir::new();
        let script = dir.0.join("cmds");
        std::fs::write(&script, requests).unwrap();
        let (code, out) = run(Command::new(tool("debugfs"))
            .arg("-w")
            .arg("-f")
            .arg(&script)
            .arg(&self.path));
        assert_eq!(code, 0, "debugfs failed: {out}");
        out
    }

    /// A superblock field straight from the image.
    pub fn sb_u16(&self, off: usize) -> u16 {
        let bytes = std::fs::read(&self.path).unwrap();
        u16::from_le_bytes([bytes[1024 + off], bytes[1025 + off]])
    }

    pub fn sb_u32(&self, off: usize) -> u32 {
        let bytes = std::fs::read(&self.path).unwrap();
        u32::from_le_bytes(bytes[1024 + off..1028 + off].try_into().unwrap())
    }
}

pub(super) fn attr(mode: u32) -> NewInode {
    NewInode {
        mode,
        uid: 0,
        gid: 0,
        rdev: 0,
    }
}

pub(super) fn file(dir: &Arc<dyn Inode>, name: &str, data: &[u8]) -> Arc<dyn Inode> {
    let f = dir.create(name.as_bytes(), &attr(S_IFREG | 0o644)).unwrap();
    if !data.is_empty() {
        assert_eq!(f.write_at(0, &data).unwrap(), data.len());
    }
    f
}

pub(super) fn mkdir(dir: &Arc<dyn Inode>, name: &str) -> Arc<dyn Inode> {
    dir.create(name.as_bytes(), &attr(S_IFDIR | 0o755)).unwrap()
}

pub(super) fn get(dir: &Arc<dyn Inode>, path: &str) -> SysResult<Arc<dyn Inode>> {
    let mut cur = dir.clone();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        cur = cur.lookup(part.as_bytes())?;
    }
    Ok(cur)
}

pub(super) fn read_all(inode: &Arc<dyn Inode>) -> Vec<u8> {
    let size = inode.metadata().size as usize;
    let mut buf = vec![0u8; size];
    let mut done = 0;
    while done < size {
        let n = inode.read_at(done as u64, &mut &mut buf[done..]).unwrap();
        assert!(n > 0, "short file");
        done += n;
    }
    buf
}

/// Entries of a directory as (name, ino, d_type), "." and ".." included, in disk order.
pub(super) fn entries(dir: &Arc<dyn Inode>) -> Vec<(Vec<u8>, u64, u8)> {
    let mut e = Entries::default();
    dir.readdir(0, &mut e).unwrap();
    e.items
        .into_iter()
        .map(|(n, ino, _, t)| (n, ino, t))
        .collect()
}

/// Sorted names without "." and "..".
pub(super) fn names(dir: &Arc<dyn Inode>) -> Vec<String> {
    let mut v: Vec<String> = entries(dir)
        .into_iter()
        .map(|(n, ..)| String::from_utf8(n).unwrap())
        .filter(|n| n != "." && n != "..")
        .collect();
    v.sort();
    v
}

/// Deterministic bytes for file contents.
pub(super) fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    (0..len).map(|_| rng.next() as u8).collect()
}

/// xorshift64*, for reproducible randomness.
pub(super) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub(super) fn err<T>(r: SysResult<T>) -> Errno {
    match r {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn missing_tools_fail_with_a_clear_message() {
    let result = std::panic::catch_unwind(|| tool("no-such-e2fsprogs-tool"));
    let msg = result.unwrap_err();
    let text = msg.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("e2fsprogs"), "{text}");
}
