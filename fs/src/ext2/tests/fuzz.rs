//! Damaged images: random bytes of the metadata overwritten, then mounted, walked, read and
//! changed. Errors are fine; a panic or a hang is not.

use super::*;
use crate::blockdev::MemDisk;

/// Read everything reachable, within limits (a damaged tree may loop).
fn walk(dir: &Arc<dyn Inode>, depth: u32, budget: &mut u32) {
    let mut e = Entries {
        limit: Some(300),
        ..Default::default()
    };
    if dir.readdir(0, &mut e).is_err() {
        return;
    }
    for (name, ..) in e.items {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        if name == b"." || name == b".." {
            continue;
        }
        let Ok(child) = dir.lookup(&name) else {
            continue;
        };
        let m = child.metadata();
        match m.mode & S_IFMT {
            S_IFDIR if depth < 6 => walk(&child, depth + 1, budget),
            S_IFREG => {
                let mut buf = vec![0u8; 64 << 10];
                let _ = child.read_at(0, &mut buf);
                let _ = child.read_at(m.size.saturating_sub(100), &mut buf);
            }
            S_IFLNK => {
                let _ = child.readlink();
            }
            _ => {}
        }
    }
}

/// Change things, ignoring the errors a damaged filesystem gives.
fn scribble(root: &Arc<dyn Inode>) {
    let a = attr(S_IFREG | 0o644);
    if let Ok(f) = root.create(b"new-file", &a) {
        let _ = f.write_at(0, &pattern(30_000, 1));
        let _ = f.write_at(1 << 24, b"far");
        let _ = f.setattr(&SetAttr {
            size: Some(100),
            ..Default::default()
        });
    }
    let _ = root.create(b"new-dir", &attr(S_IFDIR | 0o755));
    let _ = root.symlink(b"new-link", &[b'l'; 90], &a);
    let mut e = Entries::default();
    if root.readdir(0, &mut e).is_ok() {
        for (name, ..) in e.items.iter().take(20) {
            if name == b"." || name == b".." {
                continue;
            }
            let _ = root.unlink(name);
            let _ = root.rmdir(name);
        }
    }
    if let Ok(d) = root.lookup(b"new-dir") {
        let _ = root.rename(b"new-file", &d, b"moved", 0);
    }
}

#[test]
fn damaged_metadata_never_panics() {
    let src = TempDir::new();
    let d = src.0.join("tree");
    std::fs::create_dir_all(d.join("a/b/c")).unwrap();
    for i in 0..40 {
        std::fs::write(d.join(format!("a/f{i}")), pattern(i * 700, i as u64)).unwrap();
    }
    std::fs::write(d.join("a/b/c/big"), pattern(200_000, 99)).unwrap();
    std::os::unix::fs::symlink("a/b/c/big", d.join("link")).unwrap();
    std::os::unix::fs::symlink("x".repeat(300), d.join("long-link")).unwrap();
    let tree = d.to_str().unwrap().to_string();
    for bs in ["1024", "4096"] {
        let img = Image::mkfs(&["-b", bs, "-N", "256", "-d", &tree], "2M");
        let base = std::fs::read(&img.path).unwrap();
        // The interesting part: superblock, descriptors, bitmaps, inode table, directories.
        let hot = base.len().min(160 << 10);
        let mut rng = Rng(0x5eed ^ bs.len() as u64);
        for round in 0..250 {
            let mut bytes = base.clone();
            let flips = 1 + rng.below(24);
            for _ in 0..flips {
                let at = match round % 5 {
                    0 => rng.below(bytes.len() as u64),
                    // The superblock and the group descriptors.
                    1 => 1024 + rng.below(3072),
                    _ => 1024 + rng.below(hot as u64 - 1024),
                } as usize;
                bytes[at] = match rng.below(4) {
                    0 => 0,
                    1 => 0xff,
                    _ => rng.next() as u8,
                };
            }
            for read_only in [true, false] {
                let disk = Arc::new(MemDisk::from_bytes(512, bytes.clone()).unwrap());
                let opts = MountOptions {
                    read_only,
                    ..Default::default()
                };
                let Ok(fs) = mount_with(disk, &opts) else {
                    continue;
                };
                if let Ok(root) = fs.root() {
                    walk(&root, 0, &mut 2000);
                    if !read_only {
                        scribble(&root);
                        walk(&root, 0, &mut 2000);
                    }
                }
                let _ = fs.sync();
                let _ = fs.unmount();
            }
        }
    }
}

#[test]
fn device_errors_are_reported() {
    /// A disk whose writes fail once armed.
    struct Flaky {
        inner: MemDisk,
        fail: std::sync::atomic::AtomicBool,
    }
    impl crate::blockdev::BlockDevice for Flaky {
        fn block_size(&self) -> usize {
            self.inner.block_size()
        }
        fn num_blocks(&self) -> u64 {
            self.inner.num_blocks()
        }
        fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> SysResult<()> {
            self.inner.read_blocks(lba, buf)
        }
        fn write_blocks(&self, lba: u64, buf: &[u8]) -> SysResult<()> {
            if self.fail.load(Ordering::Relaxed) {
                return Err(Errno::EIO);
            }
            self.inner.write_blocks(lba, buf)
        }
        fn flush(&self) -> SysResult<()> {
            Ok(())
        }
    }
    let img = Image::mkfs(&["-b", "1024"], "4M");
    let disk = Arc::new(Flaky {
        inner: MemDisk::from_bytes(512, std::fs::read(&img.path).unwrap()).unwrap(),
        fail: false.into(),
    });
    let fs = mount_with(disk.clone(), &MountOptions::default()).unwrap();
    let root = fs.root().unwrap();
    file(&root, "f", &pattern(10_000, 4));
    disk.fail.store(true, Ordering::Relaxed);
    assert_eq!(fs.sync(), Err(Errno::EIO));
    disk.fail.store(false, Ordering::Relaxed);
    fs.sync().unwrap();
    drop(root);
    fs.unmount().unwrap();
    let image = disk.inner.to_bytes();
    std::fs::write(&img.path, image).unwrap();
    img.assert_clean();
}
