//! Damaged images and failing devices give errors, never panics.

use std::fs::{self as stdfs, File};
use std::os::unix::fs::{FileExt, symlink};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::vec::Vec;

use alloc::sync::Arc;

use super::tree::fixture;
use super::*;
use crate::blockdev::MemDisk;

/// `(physical block, entries)` of each leaf of a depth-1 extent tree, from `debugfs ex`.
fn extent_leaves(image: &Path, path: &str) -> Vec<(u64, u64)> {
    let out = debugfs(image, false, &[format!("ex {path}")]);
    out.lines()
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            // " 0/ 1   1/  2     0 -  2591  1589   2592" : level 0 of 1, an index entry.
            (w.first() == Some(&"0/") && w.get(1) == Some(&"1")).then(|| w[7].parse().unwrap())
        })
        .map(|leaf| {
            let mut header = [0u8; 4];
            let bs = dumpe2fs(image)["Block size"].parse::<u64>().unwrap();
            File::open(image)
                .unwrap()
                .read_exact_at(&mut header, leaf * bs)
                .unwrap();
            (leaf, u16::from_le_bytes([header[2], header[3]]) as u64)
        })
        .collect()
}

fn patch(image: &Path, offset: u64, f: impl FnOnce(u8) -> u8) {
    let file = File::options().read(true).write(true).open(image).unwrap();
    let mut b = [0u8; 1];
    file.read_exact_at(&mut b, offset).unwrap();
    file.write_all_at(&[f(b[0])], offset).unwrap();
}

#[test]
fn not_an_ext4_device() {
    let zero = Arc::new(MemDisk::new(512, 16384));
    assert_eq!(mount_dev(zero, 1 << 20).err(), Some(Errno::EINVAL));
    let noise = Arc::new(MemDisk::from_bytes(512, pattern(7, 8 << 20)).unwrap());
    assert_eq!(mount_dev(noise, 1 << 20).err(), Some(Errno::EINVAL));
    // A superblock claiming more blocks than the device holds.
    let fx = fixture("1024", "48M");
    let image = stdfs::read(&fx.image).unwrap();
    let half = Arc::new(MemDisk::from_bytes(512, image[..image.len() / 2].to_vec()).unwrap());
    assert_eq!(mount_dev(half, 1 << 20).err(), Some(Errno::EINVAL));
    // A device with sectors no power of two cannot be read by 4 KiB chunks.
    let odd = Arc::new(MemDisk::from_bytes(3000, vec![0; 3000 * 16]).unwrap());
    assert_eq!(mount_dev(odd, 1 << 20).err(), Some(Errno::EINVAL));
}

#[test]
fn journal_needing_recovery_is_refused() {
    let fx = fixture("4096", "64M");
    debugfs(&fx.image, true, &["feature needs_recovery".into()]);
    let disk = Arc::new(FileDisk::open(&fx.image, 512).unwrap());
    assert_eq!(mount_dev(disk, 1 << 20).err(), Some(Errno::EROFS));
}

#[test]
fn bad_extent_header_is_eio_and_the_rest_stays_readable() {
    let fx = fixture("1024", "48M");
    let leaves = extent_leaves(&fx.image, "/islands.bin");
    assert_eq!(
        leaves.len(),
        2,
        "islands.bin should need two extent leaves on 1 KiB blocks"
    );
    patch(&fx.image, leaves[0].0 * 1024, |b| b ^ 0xff);
    let root = mount_image(&fx.image);
    let f = walk(&root, "islands.bin").unwrap();
    let mut buf = vec![0u8; 4096];
    assert_eq!(f.read_at(0, &mut buf), Err(Errno::EIO));
    assert_eq!(f.read_at(3 << 20, &mut buf), Err(Errno::EIO));
    assert_eq!(f.metadata().size, 127 * 32768 + 4096);
    let big = walk(&root, "big.bin").unwrap();
    assert_eq!(read_all(&big, 65536).unwrap().len(), 3 << 20);
}

/// The second leaf fails its checksum only (its structure is sound): reads before it work,
/// reads from it on are `EIO` — and a read far into the file must not let the crate skip over
/// the bad leaf (its `seek_to` would swallow the error and the next read panic).
#[test]
fn bad_checksum_in_a_later_leaf() {
    let fx = fixture("1024", "48M");
    let want = stdfs::read(fx.tree.join("islands.bin")).unwrap();
    let leaves = extent_leaves(&fx.image, "/islands.bin");
    let (leaf, entries) = leaves[1];
    // Low byte of the last entry's `ee_start_lo`: the block moves by one, still in range.
    patch(&fx.image, leaf * 1024 + 12 * entries + 8, |b| b ^ 1);
    let root = mount_image(&fx.image);
    let f = walk(&root, "islands.bin").unwrap();
    let mut buf = vec![0u8; 4096];
    assert_eq!(
        f.read_at(want.len() as u64 - 4096, &mut buf),
        Err(Errno::EIO)
    );
    assert_eq!(f.read_at(100 * 32768, &mut buf), Err(Errno::EIO));
    assert_eq!(f.read_at(0, &mut buf), Ok(4096));
    assert!(buf[..] == want[..4096]);
    assert_eq!(f.read_at(40 * 32768, &mut buf), Ok(4096));
    assert!(buf[..] == want[40 * 32768..40 * 32768 + 4096]);
    assert_eq!(
        f.read_at(want.len() as u64 - 4096, &mut buf),
        Err(Errno::EIO)
    );
}

/// Fails reads touching `[from, to)` while armed.
struct FlakyDisk {
    inner: FileDisk,
    armed: AtomicBool,
    from: AtomicU64,
    to: AtomicU64,
}

impl BlockDevice for FlakyDisk {
    fn block_size(&self) -> usize {
        self.inner.block_size()
    }
    fn num_blocks(&self) -> u64 {
        self.inner.num_blocks()
    }
    fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> SysResult<()> {
        let start = lba * 512;
        let end = start + buf.len() as u64;
        if self.armed.load(Ordering::SeqCst)
            && start < self.to.load(Ordering::SeqCst)
            && end > self.from.load(Ordering::SeqCst)
        {
            return Err(Errno::EIO);
        }
        self.inner.read_blocks(lba, buf)
    }
    fn write_blocks(&self, _lba: u64, _buf: &[u8]) -> SysResult<()> {
        Err(Errno::EROFS)
    }
    fn flush(&self) -> SysResult<()> {
        Ok(())
    }
}

#[test]
fn failing_device_reads_are_eio() {
    let fx = fixture("1024", "48M");
    let want = stdfs::read(fx.tree.join("islands.bin")).unwrap();
    let leaves = extent_leaves(&fx.image, "/islands.bin");
    let disk = Arc::new(FlakyDisk {
        inner: FileDisk::open(&fx.image, 512).unwrap(),
        armed: AtomicBool::new(false),
        from: AtomicU64::new(leaves[1].0 * 1024),
        to: AtomicU64::new(leaves[1].0 * 1024 + 1024),
    });
    // The smallest cache, so the leaf is read from the device again later.
    let root = mount_dev(disk.clone(), 0).unwrap();
    let f = walk(&root, "islands.bin").unwrap();
    assert!(read_all(&f, 65536).unwrap() == want);
    disk.armed.store(true, Ordering::SeqCst);
    // Push the islands' windows and blocks out of the caches.
    let big = walk(&root, "big.bin").unwrap();
    assert_eq!(read_all(&big, 65536).unwrap().len(), 3 << 20);
    // Everything was read once, so the crate may resume past the leaf: its walk there fails
    // inside `seek_to`, which drops the error.
    let mut buf = vec![0u8; 4096];
    assert_eq!(
        f.read_at(want.len() as u64 - 4096, &mut buf),
        Err(Errno::EIO)
    );
    // A failing data block.
    let data = debugfs(&fx.image, false, &["bmap /hello.txt 0".into()]);
    let block: u64 = data
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .next()
        .unwrap();
    disk.from.store(block * 1024, Ordering::SeqCst);
    disk.to.store(block * 1024 + 1024, Ordering::SeqCst);
    let hello = walk(&root, "hello.txt").unwrap();
    assert_eq!(hello.read_at(0, &mut buf), Err(Errno::EIO));
    disk.armed.store(false, Ordering::SeqCst);
    assert_eq!(read_all(&hello, 100).unwrap(), b"hello, ext4\n");
    assert!(read_all(&f, 65536).unwrap() == want);
}

/// A small image whose metadata random byte changes hit often.
fn small_image(dir: &TempDir) -> Vec<u8> {
    let tree = dir.0.join("tree");
    stdfs::create_dir_all(tree.join("d/e")).unwrap();
    for i in 0..300 {
        stdfs::write(
            tree.join(format!("d/f{i}")),
            pattern(i, (i * 37) as usize % 3000),
        )
        .unwrap();
    }
    stdfs::write(tree.join("d/e/big"), pattern(5, 200_000)).unwrap();
    let f = File::create(tree.join("frag")).unwrap();
    for i in 0..100u64 {
        f.write_all_at(&pattern(i, 1024), i * 4096).unwrap();
    }
    symlink("d/e/big", tree.join("fast")).unwrap();
    symlink("d/".repeat(40), tree.join("slow")).unwrap();
    let image = dir.0.join("image");
    mkfs(&tree, &image, &["-b", "1024", "-N", "512"], "4M");
    stdfs::read(&image).unwrap()
}

#[test]
fn random_damage_never_panics() {
    let dir = TempDir::new();
    let image = small_image(&dir);
    // Everything before the first data blocks: superblock, descriptors, bitmaps, inode
    // tables, then the directories and extent leaves that follow them.
    let span = 1 << 20;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut mounted = 0;
    for _ in 0..80 {
        let mut damaged = image.clone();
        for _ in 0..(next() % 40 + 1) {
            let at = (next() % span) as usize;
            damaged[at] = next() as u8;
        }
        let disk = Arc::new(MemDisk::from_bytes(512, damaged).unwrap());
        let Ok(root) = mount_dev(disk, 1 << 20) else {
            continue;
        };
        mounted += 1;
        let mut errors = Vec::new();
        read_everything(&root, 0, &mut errors);
    }
    assert!(
        mounted > 20,
        "only {mounted} damaged images mounted: the damage is too coarse"
    );
}

/// ext4-view reads unwritten (fallocated) extents as if written, which would show whatever the
/// blocks held before; such files answer `EIO` instead.
#[test]
fn unwritten_extents_are_not_read_as_data() {
    let fx = fixture("4096", "64M");
    debugfs(
        &fx.image,
        true,
        &[
            "write /dev/null /fallocated".into(),
            "fallocate /fallocated 0 9".into(),
            "sif /fallocated size 40960".into(),
        ],
    );
    let out = debugfs(&fx.image, false, &["ex /fallocated".into()]);
    assert!(out.contains("Uninit"), "{out}");
    let root = mount_image(&fx.image);
    let f = walk(&root, "fallocated").unwrap();
    assert_eq!(f.metadata().size, 40960);
    assert_eq!(f.read_at(0, &mut [0u8; 100]), Err(Errno::EIO));
}
