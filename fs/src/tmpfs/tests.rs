use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::testutil::{Entries, install_clock};
use crate::vfs::same_inode;

fn root_with(options: TmpfsOptions) -> Arc<dyn Inode> {
    install_clock();
    new(options)
}

fn attr(mode: u32) -> NewInode {
    NewInode {
        mode,
        uid: 0,
        gid: 0,
        rdev: 0,
    }
}

fn file(dir: &Arc<dyn Inode>, name: &str) -> Arc<dyn Inode> {
    dir.create(name.as_bytes(), &attr(S_IFREG | 0o644)).unwrap()
}

#[test]
fn sparse_files_cost_only_written_pages() {
    let root = root_with(TmpfsOptions::default());
    let f = file(&root, "f");
    assert_eq!(f.write_at(1 << 20, b"end"), Ok(3));
    let m = f.metadata();
    assert_eq!((m.size, m.blocks, m.blksize), ((1 << 20) + 3, 8, 4096));
    let mut buf = vec![1u8; 5000];
    assert_eq!(f.read_at(4000, &mut buf), Ok(5000));
    assert!(buf.iter().all(|&b| b == 0), "holes read as zeros");
    assert_eq!(f.read_at((1 << 20) + 1, &mut buf), Ok(2));
    assert_eq!(&buf[..2], b"nd");
    assert_eq!(f.read_at(1 << 30, &mut buf), Ok(0));
    assert_eq!(f.write_at(u64::MAX, b"x"), Err(Errno::EFBIG));
    assert_eq!(
        f.write_at(MAX_FILE_SIZE - 1, b"xy"),
        Ok(1),
        "writes stop at the largest offset"
    );
    assert_eq!(
        f.setattr(&SetAttr {
            size: Some(u64::MAX),
            ..Default::default()
        }),
        Err(Errno::EFBIG)
    );
    f.setattr(&SetAttr {
        size: Some((1 << 20) + 3),
        ..Default::default()
    })
    .unwrap();
    // A write across a page boundary touches two pages.
    f.write_at(4095, b"ab").unwrap();
    assert_eq!(f.metadata().blocks, 24);
}

#[test]
fn truncation_clears_stale_bytes() {
    let root = root_with(TmpfsOptions::default());
    let f = file(&root, "f");
    f.write_at(0, &[b'x'; 10000]).unwrap();
    f.setattr(&SetAttr {
        size: Some(5),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(f.metadata().blocks, 8, "pages past the end are freed");
    f.setattr(&SetAttr {
        size: Some(10000),
        ..Default::default()
    })
    .unwrap();
    let mut buf = vec![0u8; 10000];
    assert_eq!(f.read_at(0, &mut buf), Ok(10000));
    assert_eq!(&buf[..5], b"xxxxx");
    assert!(buf[5..].iter().all(|&b| b == 0));
    f.setattr(&SetAttr {
        size: Some(0),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(f.metadata().blocks, 0);
    assert_eq!(
        root.setattr(&SetAttr {
            size: Some(0),
            ..Default::default()
        }),
        Err(Errno::EISDIR)
    );
}

#[test]
fn directory_sizes_links_and_numbers() {
    let root = root_with(TmpfsOptions::default());
    let m = root.metadata();
    assert_eq!((m.mode, m.nlink, m.size), (S_IFDIR | 0o1777, 2, 40));
    let d = root.create(b"d", &attr(S_IFDIR | 0o755)).unwrap();
    let f = file(&root, "f");
    let s = root
        .symlink(b"s", &[b'x'; 200], &attr(S_IFLNK | 0o777))
        .unwrap();
    let m = root.metadata();
    assert_eq!((m.nlink, m.size), (3, 100));
    let inos = [
        root.metadata().ino,
        d.metadata().ino,
        f.metadata().ino,
        s.metadata().ino,
    ];
    let mut sorted = inos.to_vec();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 4, "inode numbers are unique");
    assert!(
        [d.metadata(), f.metadata(), s.metadata()]
            .iter()
            .all(|x| x.dev == m.dev)
    );
    assert_ne!(
        root_with(TmpfsOptions::default()).metadata().dev,
        m.dev,
        "each instance has its own device"
    );
    assert_eq!((s.metadata().size, s.metadata().blocks), (200, 8));
    assert_eq!(root.create(b"f", &attr(S_IFREG)).err(), Some(Errno::EEXIST));
    assert_eq!(f.lookup(b"x").err(), Some(Errno::ENOTDIR));
    assert_eq!(root.lookup(b"zz").err(), Some(Errno::ENOENT));
    assert_eq!(
        f.readdir(0, &mut Entries::default()).err(),
        Some(Errno::ENOTDIR)
    );
    root.rmdir(b"d").unwrap();
    assert_eq!((root.metadata().nlink, d.metadata().nlink), (2, 0));
    assert_eq!(
        d.create(b"x", &attr(S_IFREG)).err(),
        Some(Errno::ENOENT),
        "dead directory"
    );
}

#[test]
fn readdir_reports_types_and_parent() {
    let root = root_with(TmpfsOptions::default());
    let d = root.create(b"d", &attr(S_IFDIR | 0o755)).unwrap();
    d.create(b"c", &attr(S_IFCHR | 0o600)).unwrap();
    d.symlink(b"l", b"x", &attr(S_IFLNK | 0o777)).unwrap();
    let mut e = Entries::default();
    d.readdir(0, &mut e).unwrap();
    let got: Vec<_> = e
        .items
        .iter()
        .map(|(n, ino, next, t)| (&n[..], *ino, *next, *t))
        .collect();
    let (dino, rino) = (d.metadata().ino, root.metadata().ino);
    let lino = d.lookup(b"l").unwrap().metadata().ino;
    assert_eq!(got[0], (&b"."[..], dino, 1, 4));
    assert_eq!(got[1], (&b".."[..], rino, 2, 4));
    assert_eq!((got[2].0, got[2].3), (&b"c"[..], 2));
    assert_eq!(got[3], (&b"l"[..], lino, got[2].2 + 1, 10));
    let mut from = Entries::default();
    d.readdir(got[2].2, &mut from).unwrap();
    assert_eq!(from.names(), [&b"l"[..]]);
    // A renamed-away directory reports its new parent as "..".
    let e2 = root.create(b"e", &attr(S_IFDIR | 0o755)).unwrap();
    root.rename(b"d", &e2, b"d", 0).unwrap();
    let mut e = Entries::default();
    d.readdir(1, &mut e).unwrap();
    assert_eq!(e.items[0].1, e2.metadata().ino);
    assert_eq!((root.metadata().nlink, e2.metadata().nlink), (3, 3));
}

#[test]
fn exchange_keeps_link_counts_right() {
    let root = root_with(TmpfsOptions::default());
    let a = root.create(b"a", &attr(S_IFDIR | 0o755)).unwrap();
    let b = root.create(b"b", &attr(S_IFDIR | 0o755)).unwrap();
    let sub = a.create(b"sub", &attr(S_IFDIR | 0o755)).unwrap();
    let f = file(&b, "f");
    a.rename(b"sub", &b, b"f", RENAME_EXCHANGE).unwrap();
    assert_eq!((a.metadata().nlink, b.metadata().nlink), (2, 3));
    assert!(same_inode(&a.lookup(b"sub").unwrap(), &f));
    assert!(same_inode(&b.lookup(b"f").unwrap(), &sub));
    assert_eq!(
        a.rename(b"sub", &b, b"f", RENAME_WHITEOUT).err(),
        Some(Errno::EINVAL)
    );
    let other = root_with(TmpfsOptions::default());
    assert_eq!(a.rename(b"sub", &other, b"x", 0).err(), Some(Errno::EXDEV));
    assert_eq!(other.link(b"x", &f).err(), Some(Errno::EXDEV));
}

#[test]
fn space_limits() {
    let root = root_with(TmpfsOptions {
        max_pages: Some(3),
        max_inodes: Some(3),
        ..Default::default()
    });
    let f = file(&root, "f");
    assert_eq!(f.write_at(0, &[1u8; 4096 * 2 + 100]), Ok(4096 * 2 + 100));
    assert_eq!(f.write_at(4096 * 3, &[2u8; 10]).err(), Some(Errno::ENOSPC));
    assert_eq!(
        f.write_at(4096 * 2 + 100, &[3u8; 5000]),
        Ok(4096 - 100),
        "short write at the limit"
    );
    let st = f.fs().statfs();
    assert_eq!((st.fs_type, st.blocks, st.blocks_free), (TMPFS_MAGIC, 3, 0));
    file(&root, "g");
    assert_eq!(
        root.create(b"h", &attr(S_IFREG)).err(),
        Some(Errno::ENOSPC),
        "inode limit"
    );
    // Unlinking an open file frees nothing until the last reference goes.
    root.unlink(b"f").unwrap();
    assert_eq!(f.fs().statfs().blocks_free, 0);
    let mut buf = [0u8; 4];
    assert_eq!(f.read_at(0, &mut buf), Ok(4));
    assert_eq!(f.metadata().nlink, 0);
    let fs = f.fs();
    drop(f);
    assert_eq!((fs.statfs().blocks_free, fs.statfs().files_free), (3, 1));
    file(&root, "h");
}

#[test]
fn setattr_and_atime() {
    let root = root_with(TmpfsOptions::default());
    let f = file(&root, "f");
    f.setattr(&SetAttr {
        mode: Some(0o4755 | S_IFDIR),
        uid: Some(7),
        gid: Some(8),
        ..Default::default()
    })
    .unwrap();
    let m = f.metadata();
    assert_eq!(
        (m.mode, m.uid, m.gid),
        (S_IFREG | 0o4755, 7, 8),
        "the type never changes"
    );
    f.setattr(&SetAttr {
        atime: Some(Timespec::new(5, 0)),
        mtime: Some(Timespec::new(9, 0)),
        ..Default::default()
    })
    .unwrap();
    f.touch_atime();
    assert!(
        f.metadata().atime.sec > 9,
        "relatime: atime older than mtime is updated"
    );
    let a = f.metadata().atime;
    f.touch_atime();
    assert_eq!(f.metadata().atime, a);
}
