//! Helpers shared by the unit tests.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use std::path::{Path as HostPath, PathBuf};
use std::process::{Command, Stdio};
use core::sync::atomic::{AtomicI64, Ordering};

use crate::clock;
use crate::tmpfs::{self, TmpfsOptions};
use crate::vfs::*;

static TICKS: AtomicI64 = AtomicI64::new(1_000_000);

/// A clock that moves one second per reading, so every timestamp differs.
fn ticking() -> Timespec {
    Timespec::new(TICKS.fetch_add(1, Ordering::Relaxed), 0)
}

pub fn install_clock() {
    clock::set_clock(ticking);
}

/// A fresh tmpfs mounted as a namespace root (mode 0755).
pub fn new_root() -> Path {
    install_clock();
    mount_root(
        tmpfs::new(TmpfsOptions {
            mode: 0o755,
            ..Default::default()
        }),
        0,
    )
}

pub fn root_creds() -> Credentials {
    Credentials::root()
}

/// Collects directory entries.
#[derive(Default)]
pub struct Entries {
    pub items: Vec<(Vec<u8>, u64, u64, u8)>,
    pub limit: Option<usize>,
}

impl DirSink for Entries {
    fn push(&mut self, ino: u64, next: u64, dtype: u8, name: &[u8]) -> bool {
        if self.limit.is_some_and(|l| self.items.len() >= l) {
            return false;
        }
        self.items.push((name.to_vec(), ino, next, dtype));
        true
    }
}

impl Entries {
    pub fn names(&self) -> Vec<&[u8]> {
        self.items.iter().map(|(n, ..)| &n[..]).collect()
    }
}

/// All entries of a directory file, read in batches of `batch`.
pub fn list(file: &OpenFile, batch: usize) -> Vec<Vec<u8>> {
    let mut all = Vec::new();
    loop {
        let mut e = Entries {
            limit: Some(batch),
            ..Default::default()
        };
        file.getdents(&mut e).unwrap();
        if e.items.is_empty() {
            return all;
        }
        all.extend(e.items.into_iter().map(|(n, ..)| n));
    }
}

/// Sorted entry names of the directory at `path`, without "." and "..".
pub fn ls(cx: &Caller, path: &[u8]) -> Vec<Vec<u8>> {
    let f = open(cx, cx.root, path, O_RDONLY | O_DIRECTORY, 0).unwrap();
    let mut names: Vec<_> = list(&f, 1000)
        .into_iter()
        .filter(|n| n != b"." && n != b"..")
        .collect();
    names.sort();
    names
}

pub fn read_all(file: &OpenFile) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = file.read(&mut buf).unwrap();
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Write a whole file at `path` (created 0644).
pub fn put(cx: &Caller, path: &[u8], data: &[u8]) -> Arc<OpenFile> {
    let f = open(cx, cx.root, path, O_RDWR | O_CREAT | O_TRUNC, 0o644).unwrap();
    assert_eq!(f.write(&data).unwrap(), data.len());
    f
}

/// The contents of the file at `path`.
pub fn get(cx: &Caller, path: &[u8]) -> Vec<u8> {
    read_all(&open(cx, cx.root, path, O_RDONLY, 0).unwrap())
}

pub fn stat(cx: &Caller, path: &[u8]) -> SysResult<Metadata> {
    lookup(cx, cx.root, path, false).map(|p| p.metadata())
}

/// A host tool (e2fsprogs and the like), from `PATH` or the sbin directories.
pub fn tool(name: &str) -> PathBuf {
    let dirs = std::env::var("PATH").unwrap_or_default();
    let found = dirs
        .split(':')
        .chain(["/sbin", "/usr/sbin", "/usr/local/sbin"])
        .map(|d| HostPath::new(d).join(name))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| panic!("`{name}` not found: the filesystem tests need e2fsprogs (apt-get install -y e2fsprogs)"))
}

/// Runs a host command with no input; its exit code and stdout followed by stderr.
pub fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}
