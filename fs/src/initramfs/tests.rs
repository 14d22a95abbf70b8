use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::cpio::tests::{Spec, Writer};
use crate::gzip::tests::gzip;
use crate::testutil::*;
use crate::vfs::*;

fn unpacked(archive: &[u8]) -> (Path, Result<UnpackStats, UnpackError>) {
    let root = new_root();
    let r = unpack(archive, &root);
    (root, r)
}

fn sample() -> Writer {
    let mut w = Writer::new();
    w.entry(Spec {
        mtime: 1000,
        ..Spec::new(b".", 0o040700, b"")
    })
    .dir("bin", 0o755)
    .entry(Spec {
        uid: 5,
        gid: 6,
        mtime: 77,
        ..Spec::new(b"./bin/sh", 0o104755, b"#!/bin/busybox")
    })
    .symlink("bin/ls", "sh")
    .entry(Spec {
        rdev: (5, 1),
        ..Spec::new(b"dev/console", 0o020600, b"")
    })
    .entry(Spec::new(b"run/fifo", 0o010644, b""))
    .entry(Spec {
        mtime: 4242,
        ..Spec::new(b"etc", 0o040755, b"")
    })
    .file("etc/hostname", 0o644, b"box\n")
    .trailer();
    w
}

#[test]
fn unpacks_everything_with_attributes() {
    let (root, r) = unpacked(&sample().out);
    assert_eq!(
        r,
        Ok(UnpackStats {
            entries: 8,
            skipped: 0
        })
    );
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    assert_eq!(
        root.metadata().mode,
        S_IFDIR | 0o700,
        "the \".\" entry sets the root's mode"
    );
    let sh = stat(&cx, b"/bin/sh").unwrap();
    assert_eq!(
        (sh.mode, sh.uid, sh.gid, sh.mtime.sec, sh.size),
        (S_IFREG | 0o4755, 5, 6, 77, 14)
    );
    assert_eq!(get(&cx, b"/bin/sh"), b"#!/bin/busybox");
    assert_eq!(readlink(&cx, &root, b"/bin/ls").unwrap(), b"sh");
    let con = stat(&cx, b"/dev/console").unwrap();
    assert_eq!((con.mode, con.rdev), (S_IFCHR | 0o600, makedev(5, 1)));
    assert_eq!(
        stat(&cx, b"/dev").unwrap().mode,
        S_IFDIR | 0o755,
        "missing parents are created"
    );
    assert_eq!(stat(&cx, b"/run/fifo").unwrap().mode, S_IFIFO | 0o644);
    // Directory mtimes hold although entries were added after the directory.
    assert_eq!(stat(&cx, b"/etc").unwrap().mtime.sec, 4242);
    assert_eq!(root.metadata().mtime.sec, 1000);
    assert_eq!(get(&cx, b"/etc/hostname"), b"box\n");
}

#[test]
fn hard_links_share_the_inode() {
    let mut w = Writer::new();
    for (name, data) in [("a", &b""[..]), ("sub/b", b""), ("c", b"payload")] {
        w.entry(Spec {
            nlink: 3,
            ino: Some(7),
            ..Spec::new(name.as_bytes(), 0o100644, data)
        });
    }
    w.trailer();
    // After the trailer the same inode number is a different file.
    w.entry(Spec {
        nlink: 2,
        ino: Some(7),
        ..Spec::new(b"d", 0o100600, b"other")
    });
    let (root, r) = unpacked(&w.out);
    assert_eq!(r.map(|s| s.skipped), Ok(0));
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    let a = stat(&cx, b"/a").unwrap();
    assert_eq!(a.nlink, 3);
    assert_eq!(stat(&cx, b"/sub/b").unwrap().ino, a.ino);
    assert_eq!(stat(&cx, b"/c").unwrap().ino, a.ino);
    assert_eq!(get(&cx, b"/a"), b"payload");
    assert_ne!(stat(&cx, b"/d").unwrap().ino, a.ino);
    assert_eq!(get(&cx, b"/d"), b"other");
}

#[test]
fn compressed_and_concatenated() {
    let mut first = Writer::new();
    first
        .dir("etc", 0o755)
        .file("etc/a", 0o644, b"plain")
        .trailer();
    let mut second = Writer::new();
    second
        .file("etc/b", 0o644, &[b'z'; 10000])
        .file("etc/a", 0o600, b"replaced")
        .trailer();
    let mut third = Writer::new();
    third.file("etc/c", 0o644, b"after").trailer();
    let mut archive = first.out.clone();
    archive.extend_from_slice(&[0; 512]);
    archive.extend_from_slice(&gzip(&second.out, Some(b"x.cpio"), None, None, true));
    archive.extend_from_slice(&[0; 3]);
    while !archive.len().is_multiple_of(4) {
        archive.push(0);
    }
    archive.extend_from_slice(&third.out);
    let (root, r) = unpacked(&archive);
    assert_eq!(r.map(|s| s.entries), Ok(5));
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    assert_eq!(get(&cx, b"/etc/a"), b"replaced");
    assert_eq!(stat(&cx, b"/etc/a").unwrap().mode, S_IFREG | 0o600);
    assert_eq!(get(&cx, b"/etc/b"), vec![b'z'; 10000]);
    assert_eq!(get(&cx, b"/etc/c"), b"after");
}

#[test]
fn overwrite_rules() {
    let mut w = Writer::new();
    w.file("f", 0o644, b"one")
        .dir("d", 0o755)
        .dir("full", 0o755)
        .file("full/x", 0o644, b"")
        .file("s", 0o644, b"");
    let (root, r) = unpacked(&w.out);
    r.unwrap();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    let f = lookup(&cx, &root, b"/f", true).unwrap();
    link(&cx, &f, &root, b"/f-link").unwrap();
    let mut w = Writer::new();
    w.file("f", 0o600, b"two")
        .symlink("d", "target")
        .file("full", 0o644, b"cannot replace a non-empty directory")
        .dir("s", 0o700)
        .dir("d2", 0o755)
        .dir("d2", 0o711);
    assert_eq!(
        unpack(&w.out, &root),
        Ok(UnpackStats {
            entries: 5,
            skipped: 1
        })
    );
    assert_eq!(
        get(&cx, b"/f-link"),
        b"two",
        "a regular file is rewritten in place"
    );
    assert_eq!(readlink(&cx, &root, b"/d").unwrap(), b"target");
    assert!(stat(&cx, b"/full").unwrap().is_dir());
    assert!(stat(&cx, b"/s").unwrap().is_dir());
    assert_eq!(
        stat(&cx, b"/d2").unwrap().mode,
        S_IFDIR | 0o711,
        "mkdir of an existing dir updates its mode"
    );
}

#[test]
fn crc_format() {
    let mut w = Writer::new();
    w.crc = true;
    w.file("good", 0o644, b"checked").trailer();
    let (_, r) = unpacked(&w.out);
    assert_eq!(r.map(|s| s.entries), Ok(1));
    let mut bad = w.out.clone();
    let at = bad.windows(7).position(|x| x == b"checked").unwrap();
    bad[at] = b'C';
    let (root, r) = unpacked(&bad);
    assert_eq!(r.map_err(|e| e.reason), Err(Reason::BadChecksum));
    let creds = root_creds();
    assert_eq!(
        get(&Caller::new(&root, &creds), b"/good"),
        b"Checked",
        "the data stays, as on Linux"
    );
}

#[test]
fn corrupt_archives_are_errors() {
    let archive = sample().out;
    let reason = |data: &[u8]| unpacked(data).1.map_err(|e| e.reason);
    assert_eq!(reason(b"hello"), Err(Reason::Junk));
    let mut old = archive.clone();
    old[..6].copy_from_slice(b"070707");
    assert_eq!(reason(&old), Err(Reason::Cpio(CpioError::OldFormat)));
    let mut bad = archive.clone();
    bad[..6].copy_from_slice(b"07070x");
    assert_eq!(reason(&bad), Err(Reason::Cpio(CpioError::BadMagic)));
    assert_eq!(
        reason(&archive[..50]),
        Err(Reason::Cpio(CpioError::Truncated))
    );
    let mut huge = archive.clone();
    huge[54..62].copy_from_slice(b"7FFFFFFF");
    assert_eq!(reason(&huge), Err(Reason::Cpio(CpioError::Truncated)));
    let mut leading = vec![0u8; 2];
    leading.extend_from_slice(&archive);
    assert_eq!(
        reason(&leading),
        Err(Reason::Junk),
        "an archive must start 4-aligned"
    );
    let mut unaligned = archive.clone();
    unaligned.extend_from_slice(&[0, 0]);
    unaligned.extend_from_slice(&archive);
    assert_eq!(reason(&unaligned), Err(Reason::BrokenPadding));
    let gz = gzip(&archive, None, None, None, false);
    assert_eq!(
        reason(&gz[..gz.len() - 10]),
        Err(Reason::Gzip(GzipError::Truncated))
    );
    let mut junk = archive.clone();
    junk.extend_from_slice(b"junk");
    assert_eq!(
        reason(&gzip(&junk, None, None, None, false)),
        Err(Reason::JunkInCompressed)
    );
    assert_eq!(
        reason(b"\xfd7zXZ\x00rest"),
        Err(Reason::UnsupportedCompression("xz"))
    );
    assert_eq!(
        unpack_limited(&gz, &new_root(), 100).map_err(|e| e.reason),
        Err(Reason::Gzip(GzipError::TooLarge))
    );
    let e = unpacked(&unaligned).1.unwrap_err();
    assert_eq!(
        alloc::format!("{e}"),
        alloc::format!("broken padding at offset {}", archive.len() + 2)
    );
}

#[test]
fn every_truncation_fails_cleanly_and_keeps_earlier_entries() {
    let archive = sample().out;
    // (end of the entry's data, end of its padding) for every entry.
    let ends: Vec<(usize, usize)> = {
        let mut ends = Vec::new();
        let mut pos = 0;
        while pos < archive.len() {
            let (entry, next) = crate::cpio::parse_entry(&archive, pos).unwrap();
            let data_end =
                entry.data.as_ptr() as usize - archive.as_ptr() as usize + entry.data.len();
            ends.push((data_end, next));
            pos = next;
        }
        ends
    };
    let gz = gzip(&archive, None, None, None, false);
    for len in 0..archive.len() {
        let (root, r) = unpacked(&archive[..len]);
        let complete = ends.iter().filter(|&&(e, _)| e <= len).count();
        if len == 0
            || ends
                .iter()
                .any(|&(data_end, next)| (data_end..=next).contains(&len))
        {
            assert!(r.is_ok(), "prefix {len}: {r:?}");
        } else {
            assert!(r.is_err(), "prefix {len} accepted");
        }
        if complete >= 2 {
            let creds = root_creds();
            assert!(
                stat(&Caller::new(&root, &creds), b"/bin").is_ok(),
                "prefix {len} lost earlier entries"
            );
        }
    }
    for len in 0..gz.len() {
        assert!(
            unpacked(&gz[..len]).1.is_err() || len == 0,
            "gzip prefix {len} accepted"
        );
    }
}

#[test]
fn names_stay_inside_the_target() {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    mkdir(&cx, &root, b"/sub", 0o755).unwrap();
    let sub = lookup(&cx, &root, b"/sub", true).unwrap();
    let mut w = Writer::new();
    w.file("/etc/abs", 0o644, b"1")
        .file("../../up", 0o644, b"2")
        .symlink("link", "/etc")
        .file("link/via", 0o644, b"3");
    let long = vec![b'n'; 300];
    w.entry(Spec::new(&long, 0o100644, b"too long"));
    assert_eq!(
        unpack(&w.out, &sub),
        Ok(UnpackStats {
            entries: 4,
            skipped: 1
        })
    );
    assert_eq!(get(&cx, b"/sub/etc/abs"), b"1");
    assert_eq!(get(&cx, b"/sub/up"), b"2");
    assert_eq!(get(&cx, b"/sub/etc/via"), b"3");
    assert_eq!(stat(&cx, b"/etc").err(), Some(Errno::ENOENT));
}
