//! An image of a tree built here, compared path by path with the tree and with `debugfs`.

use std::collections::BTreeSet;
use std::fs::{self as stdfs, File, FileTimes};
use std::os::unix::fs::{FileExt, MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::string::String;
use std::time::{Duration, SystemTime};
use std::vec::Vec;

use alloc::sync::Arc;

use super::*;
use crate::testutil::Entries;
use crate::vfs::inode::same_inode;
use crate::vfs::types::*;

fn is_root() -> bool {
    run(Command::new("id").arg("-u")).1.trim() == "0"
}

/// Slow symlink target: longer than the 60 bytes `i_block` holds.
const SLOW_TARGET: &str =
    "nested/a/b/c/this-target-is-long-enough-to-need-a-data-block-of-its-own.txt";
const BIG_DIR_ENTRIES: usize = 2000;

fn build_tree(t: &Path) {
    let w = |p: &str, data: &[u8]| stdfs::write(t.join(p), data).unwrap();
    w("hello.txt", b"hello, ext4\n");
    w("empty", b"");
    stdfs::create_dir_all(t.join("nested/a/b/c")).unwrap();
    w("nested/a/b/c/deep.txt", b"deep\n");
    w("big.bin", &pattern(1, 3 << 20));
    // Sparse: 10 MiB with data at 1 MiB and at the very end.
    let f = File::create(t.join("sparse.bin")).unwrap();
    f.set_len(10 << 20).unwrap();
    f.write_all_at(&pattern(2, 8192), 1 << 20).unwrap();
    f.write_all_at(&pattern(3, 4096), (10 << 20) - 4096)
        .unwrap();
    // 128 islands of 4 KiB, one every 32 KiB: far more extents than the inode holds.
    let f = File::create(t.join("islands.bin")).unwrap();
    for i in 0..128u64 {
        f.write_all_at(&pattern(100 + i, 4096), i * 32768).unwrap();
    }
    stdfs::create_dir(t.join("bigdir")).unwrap();
    for i in 0..BIG_DIR_ENTRIES {
        w(
            &format!("bigdir/entry-{i:05}"),
            if i % 100 == 0 { b"x" } else { b"" },
        );
    }
    stdfs::create_dir(t.join("bigdir/sub")).unwrap();
    symlink("hello.txt", t.join("fast")).unwrap();
    symlink(SLOW_TARGET, t.join("slow")).unwrap();
    symlink("does/not/exist", t.join("dangling")).unwrap();
    symlink("nested", t.join("nested_link")).unwrap();
    w("hl1", b"linked\n");
    stdfs::hard_link(t.join("hl1"), t.join("nested/hl2")).unwrap();
    stdfs::hard_link(t.join("hl1"), t.join("bigdir/hl3")).unwrap();
    run_ok(Command::new("mkfifo").arg(t.join("fifo")));
    drop(std::os::unix::net::UnixListener::bind(t.join("socket")).unwrap());
    w("suid", b"#!/bin/sh\n");
    let mode = |p: &str, m: u32| {
        stdfs::set_permissions(t.join(p), stdfs::Permissions::from_mode(m)).unwrap()
    };
    mode("suid", 0o4755);
    stdfs::create_dir(t.join("sgid_dir")).unwrap();
    mode("sgid_dir", 0o2775);
    stdfs::create_dir(t.join("sticky")).unwrap();
    mode("sticky", 0o1777);
    w("noperm", b"secret");
    mode("noperm", 0o000);
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(1_234_567_890);
    File::options()
        .write(true)
        .open(t.join("hello.txt"))
        .unwrap()
        .set_times(FileTimes::new().set_modified(when).set_accessed(when))
        .unwrap();
    if is_root() {
        run_ok(
            Command::new("mknod")
                .arg(t.join("null"))
                .args(["c", "1", "3"]),
        );
        run_ok(
            Command::new("mknod")
                .arg(t.join("sda"))
                .args(["b", "8", "0"]),
        );
        // Needs the new 32-bit encoding (major > 255, minor > 255).
        run_ok(
            Command::new("mknod")
                .arg(t.join("bigdev"))
                .args(["c", "259", "70000"]),
        );
        w("owned", b"someone else's\n");
        std::os::unix::fs::chown(t.join("owned"), Some(1234), Some(5678)).unwrap();
        stdfs::create_dir(t.join("owned_dir")).unwrap();
        std::os::unix::fs::chown(t.join("owned_dir"), Some(4321), Some(8765)).unwrap();
    } else {
        std::println!("ext4 tests: not root, so no device nodes or foreign owners in the tree");
    }
}

/// A tree and its image.
pub(super) struct Fixture {
    _dir: TempDir,
    pub tree: PathBuf,
    pub image: PathBuf,
}

pub(super) fn fixture(block_size: &str, size: &str) -> Fixture {
    let dir = TempDir::new();
    let tree = dir.0.join("tree");
    stdfs::create_dir(&tree).unwrap();
    build_tree(&tree);
    let image = dir.0.join("image");
    mkfs(&tree, &image, &["-b", block_size, "-O", "dir_index"], size);
    Fixture {
        _dir: dir,
        tree,
        image,
    }
}

/// Every path under `dir`, relative, parents before children.
fn paths(dir: &Path, rel: &str, out: &mut Vec<String>) {
    let mut names: Vec<String> = stdfs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        let r = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        out.push(r.clone());
        let p = dir.join(&name);
        if stdfs::symlink_metadata(&p).unwrap().is_dir() {
            paths(&p, &r, out);
        }
    }
}

fn names(e: &Entries) -> BTreeSet<Vec<u8>> {
    e.items.iter().map(|(n, ..)| n.clone()).collect()
}

/// `stat`, data, link targets and directory listings of every path match the source tree.
fn compare_with_tree(fx: &Fixture, root: &Arc<dyn Inode>) {
    let mut all = Vec::new();
    paths(&fx.tree, "", &mut all);
    let bs = dumpe2fs(&fx.image)["Block size"].parse::<u32>().unwrap();
    for rel in &all {
        let src = fx.tree.join(rel);
        let sm = stdfs::symlink_metadata(&src).unwrap();
        let inode = walk(root, rel).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        let m = inode.metadata();
        assert_eq!(m.mode, sm.mode(), "{rel}: mode");
        assert_eq!((m.uid, m.gid), (sm.uid(), sm.gid()), "{rel}: owner");
        assert_eq!(m.nlink as u64, sm.nlink(), "{rel}: nlink");
        assert_eq!(m.mtime.sec, sm.mtime(), "{rel}: mtime");
        assert_eq!(m.blksize, bs);
        assert_eq!(m.dev, root.metadata().dev);
        match inode.file_type() {
            FileType::Regular => {
                assert_eq!(m.size, sm.len(), "{rel}: size");
                let data = read_all(&inode, 10007).unwrap();
                assert!(data == stdfs::read(&src).unwrap(), "{rel}: content");
            }
            FileType::Symlink => {
                let target = stdfs::read_link(&src).unwrap().into_os_string().into_vec();
                assert_eq!(m.size, target.len() as u64);
                assert_eq!(inode.readlink().unwrap(), target, "{rel}");
                assert_eq!(inode.read_at(0, &mut [0u8; 4]), Err(Errno::EINVAL));
            }
            FileType::Directory => {
                let mut want: BTreeSet<Vec<u8>> = stdfs::read_dir(&src)
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_vec())
                    .collect();
                want.insert(b".".to_vec());
                want.insert(b"..".to_vec());
                let listed = list(&inode).unwrap();
                assert_eq!(names(&listed), want, "{rel}: entries");
                assert_eq!(listed.items.len(), want.len(), "{rel}: duplicates");
                let mut buf = [0u8; 1];
                assert_eq!(inode.read_at(0, &mut buf), Err(Errno::EISDIR));
            }
            FileType::CharDevice | FileType::BlockDevice => {
                assert_eq!(m.rdev, sm.rdev(), "{rel}: rdev");
            }
            FileType::Fifo | FileType::Socket => assert_eq!(m.size, 0),
        }
    }
    // Inode numbers, block counts and exact timestamps as debugfs reads them (every path but
    // most of the big directory, to keep the run short).
    let checked: Vec<&String> = all
        .iter()
        .filter(|p| !p.starts_with("bigdir/entry-") || p.ends_with('7'))
        .collect();
    let stats = debugfs_stats(
        &fx.image,
        &checked.iter().map(|p| format!("/{p}")).collect::<Vec<_>>(),
    );
    let decode = |(base, extra): (u32, u32)| {
        Timespec::new(
            base as i32 as i64 + (((extra & 3) as i64) << 32),
            extra >> 2,
        )
    };
    for (rel, s) in checked.iter().zip(&stats) {
        let m = walk(root, rel).unwrap().metadata();
        assert_eq!(m.ino, s.ino, "{rel}: ino");
        assert_eq!(m.blocks, s.blockcount, "{rel}: blocks");
        assert_eq!(m.nlink, s.links, "{rel}: links");
        assert_eq!(m.atime, decode(s.times["atime"]), "{rel}: atime");
        assert_eq!(m.ctime, decode(s.times["ctime"]), "{rel}: ctime");
        assert_eq!(m.mtime, decode(s.times["mtime"]), "{rel}: mtime");
        assert_eq!(m.btime, Some(decode(s.times["crtime"])), "{rel}: crtime");
    }
}

use std::os::unix::ffi::OsStringExt;

#[test]
fn image_matches_tree_1k_blocks() {
    let fx = fixture("1024", "48M");
    let root = mount_image(&fx.image);
    compare_with_tree(&fx, &root);
}

#[test]
fn image_matches_tree_4k_blocks() {
    let fx = fixture("4096", "64M");
    let root = mount_image(&fx.image);
    compare_with_tree(&fx, &root);
    // The large directory got an htree index from `e2fsck -D`.
    let out = debugfs(&fx.image, false, &["htree /bigdir".into()]);
    assert!(out.contains("Root node dump"), "{out}");
}

#[test]
fn identity_hard_links_and_the_root() {
    let fx = fixture("1024", "48M");
    let root = mount_image(&fx.image);
    let a = walk(&root, "hl1").unwrap();
    let b = walk(&root, "nested/hl2").unwrap();
    let c = walk(&root, "bigdir/hl3").unwrap();
    assert!(same_inode(&a, &b) && same_inode(&a, &c));
    assert_eq!(a.metadata().nlink, 3);
    assert_eq!(read_all(&c, 3).unwrap(), b"linked\n");
    // Looking a name up again gives the same object; so does a path back to the root.
    assert!(same_inode(
        &walk(&root, "nested/a").unwrap(),
        &walk(&root, "nested/a").unwrap()
    ));
    let m = root.metadata();
    assert_eq!((m.ino, m.mode & S_IFMT), (2, S_IFDIR));
    let listed = list(&root).unwrap();
    let dotdot = listed.items.iter().find(|(n, ..)| n == b"..").unwrap();
    assert_eq!(dotdot.1, 2);
    assert_eq!(walk(&root, "missing").err(), Some(Errno::ENOENT));
    assert_eq!(walk(&root, "hello.txt/x").err(), Some(Errno::ENOTDIR));
    // readdir inode numbers and types are the ones lookup finds.
    for (name, ino, _, dtype) in listed
        .items
        .iter()
        .filter(|(n, ..)| n != b"." && n != b"..")
    {
        let child = root.lookup(name).unwrap();
        assert_eq!(
            child.metadata().ino,
            *ino,
            "{}",
            String::from_utf8_lossy(name)
        );
        assert_eq!(child.file_type().dirent_type(), *dtype);
    }
}

#[test]
fn readdir_cookies_resume_without_loss_or_repeat() {
    let fx = fixture("4096", "64M");
    let root = mount_image(&fx.image);
    let dir = walk(&root, "bigdir").unwrap();
    let full = list(&dir).unwrap();
    assert_eq!(full.items.len(), BIG_DIR_ENTRIES + 2 + 2);
    let mut pos = 0;
    let mut got = Vec::new();
    loop {
        let mut page = Entries {
            limit: Some(7),
            ..Default::default()
        };
        dir.readdir(pos, &mut page).unwrap();
        let Some(last) = page.items.last() else { break };
        pos = last.2;
        got.extend(page.items);
    }
    assert_eq!(got, full.items);
    // A cookie from the middle resumes right after its entry.
    let mid = &full.items[1000];
    let mut rest = Entries::default();
    dir.readdir(mid.2, &mut rest).unwrap();
    assert_eq!(rest.items[..], full.items[1001..]);
    assert_eq!(full.items[0].0, b".");
    assert_eq!(full.items[1].0, b"..");
    assert_eq!(full.items[1].1, 2);
}

#[test]
fn random_reads_of_large_and_sparse_files() {
    let fx = fixture("1024", "48M");
    let root = mount_image(&fx.image);
    for name in ["big.bin", "sparse.bin", "islands.bin"] {
        let want = stdfs::read(fx.tree.join(name)).unwrap();
        let inode = walk(&root, name).unwrap();
        let mut x = 12345u64;
        for i in 0..60 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            let off = (x >> 20) % (want.len() as u64 + 100);
            let len = [1usize, 511, 4096, 70000, 200_000][i % 5];
            let mut buf = vec![0u8; len];
            let n = inode.read_at(off, &mut buf).unwrap();
            let end = (off as usize + len).min(want.len());
            let expect = want.get(off as usize..end).unwrap_or(&[]);
            assert_eq!(n, expect.len(), "{name} at {off}");
            assert!(&buf[..n] == expect, "{name}: data at {off}+{len}");
        }
        // Backwards, window by window, from the end.
        let mut off = want.len() as u64;
        while off > 0 {
            let start = off.saturating_sub(150_000);
            let mut buf = vec![0u8; (off - start) as usize];
            assert_eq!(inode.read_at(start, &mut buf).unwrap(), buf.len());
            assert!(
                buf[..] == want[start as usize..off as usize],
                "{name} at {start}"
            );
            off = start;
        }
        assert_eq!(inode.read_at(u64::MAX / 2, &mut [0u8; 8]), Ok(0));
        assert_eq!(inode.read_at(0, &mut [0u8; 0]), Ok(0));
    }
    // The sparse file uses only its data blocks.
    let sparse = walk(&root, "sparse.bin").unwrap().metadata();
    assert!(sparse.blocks < 64, "{} sectors", sparse.blocks);
}

#[test]
fn nanoseconds_and_times_outside_32_bits() {
    let fx = fixture("4096", "64M");
    // 0x80000000 as i32 is 1901; extra epoch bits 1 add 2^32 s; nanoseconds in the high 30.
    let ns = 123_456_789u32;
    debugfs(
        &fx.image,
        true,
        &[
            format!("sif /hello.txt mtime_extra {:#x}", ns << 2),
            format!("sif /hello.txt atime_extra {:#x}", (ns << 2) | 1),
            "sif /hello.txt ctime 0x80000000".into(),
            "sif /hello.txt ctime_extra 0".into(),
            format!("sif /hello.txt crtime_extra {:#x}", 999_999_999u32 << 2),
        ],
    );
    let root = mount_image(&fx.image);
    let m = walk(&root, "hello.txt").unwrap().metadata();
    assert_eq!(m.mtime, Timespec::new(1_234_567_890, ns));
    assert_eq!(m.atime, Timespec::new(1_234_567_890 + (1 << 32), ns));
    assert_eq!(m.ctime.sec, -(1i64 << 31));
    assert_eq!(m.btime.unwrap().nsec, 999_999_999);
}

#[test]
fn statfs_and_read_only() {
    let fx = fixture("4096", "64M");
    let root = mount_image(&fx.image);
    let fs = root.fs();
    assert_eq!(fs.name(), "ext4");
    assert!(fs.is_readonly());
    let d = dumpe2fs(&fx.image);
    let num = |k: &str| d[k].parse::<u64>().unwrap();
    let st = fs.statfs();
    assert_eq!(st.fs_type, 0xEF53);
    assert_eq!(st.block_size, 4096);
    assert_eq!(st.blocks, num("Block count") - num("Overhead clusters"));
    assert_eq!(st.blocks_free, num("Free blocks"));
    let resv = (num("Block count") / 50).min(4096);
    assert_eq!(
        st.blocks_avail,
        num("Free blocks") - num("Reserved block count") - resv
    );
    assert_eq!(
        (st.files, st.files_free),
        (num("Inode count"), num("Free inodes"))
    );
    assert_eq!(st.name_max, 255);

    let attr = NewInode {
        mode: S_IFREG | 0o644,
        uid: 0,
        gid: 0,
        rdev: 0,
    };
    let file = walk(&root, "hello.txt").unwrap();
    assert_eq!(root.create(b"new", &attr).err(), Some(Errno::EROFS));
    assert_eq!(root.symlink(b"new", b"x", &attr).err(), Some(Errno::EROFS));
    assert_eq!(root.link(b"new", &file), Err(Errno::EROFS));
    assert_eq!(root.unlink(b"hello.txt"), Err(Errno::EROFS));
    assert_eq!(root.rmdir(b"nested"), Err(Errno::EROFS));
    assert_eq!(root.rename(b"hello.txt", &root, b"x", 0), Err(Errno::EROFS));
    assert_eq!(file.write_at(0, b"x"), Err(Errno::EROFS));
    assert_eq!(file.append(b"x"), Err(Errno::EROFS));
    assert_eq!(file.setattr(&SetAttr::default()), Err(Errno::EROFS));
    assert_eq!(read_all(&file, 4096).unwrap(), b"hello, ext4\n");
}

#[test]
fn overhead_computed_when_mkfs_did_not_store_it() {
    let fx = fixture("1024", "48M");
    let stored = dumpe2fs(&fx.image)["Overhead clusters"]
        .parse::<u64>()
        .unwrap();
    debugfs(&fx.image, true, &["ssv overhead_clusters 0".into()]);
    assert!(!dumpe2fs(&fx.image).contains_key("Overhead clusters"));
    let root = mount_image(&fx.image);
    let blocks = dumpe2fs(&fx.image)["Block count"].parse::<u64>().unwrap();
    // Linux's computation agrees with mke2fs's since 5.18 ("ext4: update the s_overhead_clusters
    // in the backup sb's" / reserved GDT blocks counted).
    assert_eq!(root.fs().statfs().blocks, blocks - stored);
}

#[test]
fn ext2_and_ext3_images_mount_too() {
    let dir = TempDir::new();
    let tree = dir.0.join("tree");
    stdfs::create_dir(&tree).unwrap();
    stdfs::create_dir(tree.join("d")).unwrap();
    stdfs::write(tree.join("d/f"), pattern(9, 300_000)).unwrap();
    symlink(SLOW_TARGET, tree.join("slow")).unwrap();
    for t in ["ext2", "ext3"] {
        let image = dir.0.join(t);
        run_ok(
            Command::new(tool("mke2fs"))
                .args(["-q", "-F", "-t", t, "-b", "1024", "-d"])
                .arg(&tree)
                .arg(&image)
                .arg("8M"),
        );
        let root = mount_image(&image);
        // Block-mapped: direct, single and double indirect blocks.
        let f = walk(&root, "d/f").unwrap();
        assert!(read_all(&f, 3000).unwrap() == pattern(9, 300_000), "{t}");
        let mut buf = vec![0u8; 5000];
        assert_eq!(f.read_at(290_000, &mut buf).unwrap(), 5000);
        assert!(buf[..] == pattern(9, 300_000)[290_000..295_000]);
        assert_eq!(
            walk(&root, "slow").unwrap().readlink().unwrap(),
            SLOW_TARGET.as_bytes()
        );
    }
}

/// A destination that faults from byte `ok` on.
struct FaultAt {
    len: usize,
    ok: usize,
    data: Vec<u8>,
}

impl crate::vfs::io::ReadDest for FaultAt {
    fn dest_len(&self) -> usize {
        self.len
    }

    fn copy_out(&mut self, at: usize, src: &[u8]) -> Result<(), crate::vfs::io::Fault> {
        let n = src.len().min(self.ok.saturating_sub(at));
        self.data[at..at + n].copy_from_slice(&src[..n]);
        if n == src.len() {
            Ok(())
        } else {
            Err(crate::vfs::io::Fault { done: n })
        }
    }
}

#[test]
fn faulting_destination_gives_short_reads() {
    let fx = fixture("4096", "64M");
    let want = stdfs::read(fx.tree.join("big.bin")).unwrap();
    let root = mount_image(&fx.image);
    let f = walk(&root, "big.bin").unwrap();
    // Through the crate, then again from the cached windows.
    for _ in 0..2 {
        let mut d = FaultAt {
            len: 300_000,
            ok: 200_001,
            data: vec![0; 300_000],
        };
        assert_eq!(f.read_at(5, &mut d), Ok(200_001));
        assert!(d.data[..200_001] == want[5..200_006]);
        let mut none = FaultAt {
            len: 10,
            ok: 0,
            data: vec![0; 10],
        };
        assert_eq!(f.read_at(1 << 20, &mut none), Err(Errno::EFAULT));
    }
}
