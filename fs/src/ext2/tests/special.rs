//! Hard links, symlinks, device nodes, fifos, sockets, attributes and deferred deletion.

use super::*;
use crate::vfs::inode::same_inode;

#[test]
fn hard_links_and_deferred_delete() {
    let img = Image::mkfs(&["-b", "1024"], "8M");
    {
        let (fs, root) = img.mount();
        let statfs = || root.fs().statfs();
        let (blocks0, files0) = (statfs().blocks_free, statfs().files_free);
        let d = mkdir(&root, "d");
        let f = file(&d, "f", &pattern(20_000, 5));
        root.link(b"f-link", &f).unwrap();
        assert_eq!(f.metadata().nlink, 2);
        assert!(same_inode(&root.lookup(b"f-link").unwrap(), &f));
        assert_eq!(root.link(b"d-link", &d), Err(Errno::EPERM));
        assert_eq!(root.link(b"f-link", &f), Err(Errno::EEXIST));
        d.unlink(b"f").unwrap();
        assert_eq!(f.metadata().nlink, 1);
        root.unlink(b"f-link").unwrap();
        assert_eq!(f.metadata().nlink, 0);
        assert_eq!(root.link(b"again", &f), Err(Errno::ENOENT));
        // Still open: readable and writable, its space not yet free.
        f.write_at(20_000, b"more").unwrap();
        assert_eq!(read_all(&f).len(), 20_004);
        assert!(statfs().blocks_free < blocks0 - 20);
        drop(f);
        root.rmdir(b"d").unwrap();
        drop(d);
        assert_eq!(
            (statfs().blocks_free, statfs().files_free),
            (blocks0, files0)
        );
        fs.unmount().unwrap();
    }
    img.assert_clean();
}

#[test]
fn link_limit() {
    let img = Image::mkfs(&["-b", "1024"], "4M");
    {
        let (fs, root) = img.mount();
        file(&root, "f", b"");
        mkdir(&root, "d");
        fs.unmount().unwrap();
    }
    img.debugfs("sif f links_count 32000\nsif d links_count 32000\n");
    let (fs, root) = img.mount();
    let f = root.lookup(b"f").unwrap();
    assert_eq!(root.link(b"g", &f), Err(Errno::EMLINK));
    let d = root.lookup(b"d").unwrap();
    assert_eq!(
        d.create(b"sub", &attr(S_IFDIR | 0o755)).err(),
        Some(Errno::EMLINK)
    );
    mkdir(&root, "e");
    assert_eq!(root.rename(b"e", &d, b"e", 0), Err(Errno::EMLINK));
    file(&d, "plain", b"");
    fs.unmount().unwrap();
}

#[test]
fn symlinks_fast_and_slow() {
    let img = Image::mkfs(&["-b", "1024"], "4M");
    let targets: Vec<Vec<u8>> = [1usize, 59, 60, 61, 500, 1023]
        .iter()
        .map(|&n| (0..n).map(|i| b'a' + (i % 26) as u8).collect())
        .collect();
    {
        let (fs, root) = img.mount();
        let a = NewInode {
            uid: 7,
            gid: 8,
            ..attr(S_IFLNK | 0o777)
        };
        for (i, t) in targets.iter().enumerate() {
            let l = root.symlink(format!("l{i}").as_bytes(), t, &a).unwrap();
            let m = l.metadata();
            assert_eq!(
                (m.mode, m.size, m.uid, m.gid),
                (S_IFLNK | 0o777, t.len() as u64, 7, 8)
            );
            assert_eq!(
                m.blocks,
                if t.len() < 60 { 0 } else { 2 },
                "target of {}",
                t.len()
            );
            assert_eq!(l.readlink().unwrap(), *t);
            assert_eq!(l.read_at(0, &mut [0u8; 4]), Err(Errno::EINVAL));
        }
        let too_long = vec![b'x'; 1024];
        assert_eq!(
            root.symlink(b"big", &too_long, &a).err(),
            Some(Errno::ENAMETOOLONG)
        );
        assert_eq!(root.readlink(), Err(Errno::EINVAL));
        root.unlink(b"l4").unwrap();
        fs.unmount().unwrap();
    }
    img.assert_clean();
    let (_fs, root) = img.mount_ro();
    for (i, t) in targets.iter().enumerate().filter(|(i, _)| *i != 4) {
        assert_eq!(
            root.lookup(format!("l{i}").as_bytes())
                .unwrap()
                .readlink()
                .unwrap(),
            *t
        );
    }
}

#[test]
fn device_nodes_fifos_sockets() {
    let img = Image::mkfs(&["-b", "1024"], "4M");
    let nodes = [
        ("chr", S_IFCHR | 0o620, makedev(4, 64)),
        ("blk", S_IFBLK | 0o660, makedev(259, 300)),
        ("big", S_IFCHR | 0o600, makedev(0xfff, 0xfffff)),
        ("fifo", S_IFIFO | 0o644, 0),
        ("sock", S_IFSOCK | 0o755, 0),
    ];
    {
        let (fs, root) = img.mount();
        for (name, mode, rdev) in nodes {
            let n = root
                .create(name.as_bytes(), &NewInode { rdev, ..attr(mode) })
                .unwrap();
            let m = n.metadata();
            assert_eq!((m.mode, m.rdev, m.size, m.blocks), (mode, rdev, 0, 0));
        }
        let types: Vec<u8> = entries(&root).iter().skip(3).map(|e| e.2).collect();
        assert_eq!(types, [2, 6, 2, 1, 12], "d_type from the entries");
        fs.unmount().unwrap();
    }
    img.assert_clean();
    let out = img.debugfs("stat chr\nstat blk\n");
    assert!(out.contains("Device major/minor number: 04:64"), "{out}");
    assert!(out.contains("Device major/minor number: 259:300"), "{out}");
    let (_fs, root) = img.mount_ro();
    for (name, mode, rdev) in nodes {
        let m = root.lookup(name.as_bytes()).unwrap().metadata();
        assert_eq!((m.mode, m.rdev), (mode, rdev));
    }
}

#[test]
fn attributes_persist() {
    let img = Image::mkfs(&["-b", "4096"], "8M");
    let times = (Timespec::new(-1_000_000, 999), Timespec::new(1 << 40, 0));
    {
        let (fs, root) = img.mount();
        let f = root.create(b"f", &attr(S_IFREG | 0o644)).unwrap();
        let created = f.metadata();
        assert_eq!(
            (created.atime, created.ctime),
            (created.mtime, created.mtime)
        );
        assert_eq!(created.mtime.nsec, 0, "ext2 keeps whole seconds");
        f.write_at(0, b"x").unwrap();
        f.setattr(&SetAttr {
            mode: Some(0o4755),
            uid: Some(100_000),
            gid: Some(70_000),
            atime: Some(times.0),
            mtime: Some(times.1),
            ..Default::default()
        })
        .unwrap();
        let m = f.metadata();
        assert_eq!((m.mode, m.uid, m.gid), (S_IFREG | 0o4755, 100_000, 70_000));
        assert_eq!(m.atime, Timespec::new(-1_000_000, 0));
        assert_eq!(
            m.mtime,
            Timespec::new(i32::MAX as i64, 0),
            "clamped to 32 bits"
        );
        // A write stamps mtime and ctime; relatime moves atime forward once.
        f.write_at(1, b"y").unwrap();
        let w = f.metadata();
        assert!(w.mtime.sec > 0 && w.ctime == w.mtime);
        f.touch_atime();
        assert!(f.metadata().atime > w.atime);
        let d = mkdir(&root, "d");
        assert_eq!(
            d.setattr(&SetAttr {
                size: Some(0),
                ..Default::default()
            }),
            Err(Errno::EISDIR)
        );
        fs.unmount().unwrap();
    }
    img.assert_clean();
    let out = img.debugfs("stat f\n");
    assert!(
        out.contains("User: 100000") && out.contains("Group: 70000"),
        "{out}"
    );
    let (_fs, root) = img.mount_ro();
    let m = root.lookup(b"f").unwrap().metadata();
    assert_eq!(
        (m.mode, m.uid, m.gid, m.size),
        (S_IFREG | 0o4755, 100_000, 70_000, 2)
    );
}
