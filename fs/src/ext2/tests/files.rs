//! Regular files: writes, appends, direct to triple indirect blocks, holes, truncation,
//! `i_blocks`, limits, and the superblock's life cycle.

use super::*;
use crate::ext2::layout::{VALID_FS, sb};

/// Sectors a file of `data` blocks held from logical block 0 needs, indirect blocks included.
fn dense_sectors(data: u64, bs: u64) -> u64 {
    let p = bs / 4;
    let mut meta = 0;
    let mut left = data.saturating_sub(12);
    if left > 0 {
        meta += 1;
        left = left.saturating_sub(p);
    }
    if left > 0 {
        let n = left.min(p * p);
        meta += 1 + n.div_ceil(p);
        left -= n;
    }
    if left > 0 {
        meta += 1 + left.div_ceil(p * p) + left.div_ceil(p);
    }
    (data + meta) * (bs / 512)
}

fn write_in_chunks(f: &Arc<dyn Inode>, data: &[u8], chunk: usize) {
    let mut off = 0;
    while off < data.len() {
        let end = (off + chunk).min(data.len());
        assert_eq!(f.write_at(off as u64, &&data[off..end]).unwrap(), end - off);
        off = end;
    }
}

fn file_workload(bs: u64) {
    let bs_arg = format!("{bs}");
    let img = Image::mkfs(&["-b", &bs_arg], "32M");
    let p = bs / 4;
    let big = pattern(8 << 20, bs);
    let tind_start = (12 + p + p * p) * bs;
    {
        let (fs, root) = img.mount();
        let small = file(&root, "small", b"hello");
        assert_eq!(small.append(b", world").unwrap(), (7, 12));
        small.write_at(0, b"J").unwrap();
        assert_eq!(read_all(&small), b"Jello, world");
        assert_eq!(small.metadata().blocks, bs / 512);
        assert_eq!(small.metadata().blksize as u64, bs);

        let empty = file(&root, "empty", b"");
        assert_eq!((empty.metadata().size, empty.metadata().blocks), (0, 0));

        // Sequential 8 MiB in odd-sized chunks: direct, single and double indirect.
        let f = file(&root, "big", b"");
        write_in_chunks(&f, &big, 65536 + 13);
        assert_eq!(f.metadata().size, big.len() as u64);
        assert_eq!(
            f.metadata().blocks,
            dense_sectors(big.len() as u64 / bs, bs)
        );
        assert!(read_all(&f) == big);

        // One byte in the triple-indirect range: a data block and three indirect blocks.
        let sparse = file(&root, "sparse", b"");
        sparse.write_at(tind_start + 5, b"T").unwrap();
        let m = sparse.metadata();
        assert_eq!((m.size, m.blocks), (tind_start + 6, 4 * bs / 512));
        let mut buf = vec![1u8; 4096];
        assert_eq!(sparse.read_at(0, &mut buf), Ok(4096));
        assert!(buf.iter().all(|&b| b == 0), "holes read as zeros");
        assert_eq!(sparse.read_at(tind_start, &mut buf), Ok(6));
        assert_eq!(&buf[..6], b"\0\0\0\0\0T");
        // A neighbour in the same indirect blocks costs only its data block.
        sparse.write_at(tind_start + bs, b"U").unwrap();
        assert_eq!(sparse.metadata().blocks, 5 * bs / 512);

        // Files past 4 GiB need i_size_high.
        let huge = file(&root, "huge", b"");
        huge.write_at((5u64 << 30) + 1, b"far").unwrap();
        assert_eq!(huge.metadata().size, (5 << 30) + 4);
        fs.sync().unwrap();
        // Synced, the image is consistent even while mounted.
        img.assert_clean();
        fs.unmount().unwrap();
    }
    img.assert_clean();
    {
        let (fs, root) = img.mount();
        let f = get(&root, "big").unwrap();
        assert!(read_all(&f) == big, "data survives a remount");
        assert_eq!(read_all(&get(&root, "small").unwrap()), b"Jello, world");
        let huge = get(&root, "huge").unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(huge.read_at(5 << 30, &mut buf), Ok(4));
        assert_eq!(&buf[..4], b"\0far");

        // Shrink through the levels; the cut block's tail is cleared.
        for size in [6 << 20, 100_000, 5 * bs + 7, 0] {
            f.setattr(&SetAttr {
                size: Some(size),
                ..Default::default()
            })
            .unwrap();
            let m = f.metadata();
            assert_eq!(m.size, size);
            assert_eq!(
                m.blocks,
                dense_sectors(size.div_ceil(bs), bs),
                "size {size}"
            );
            assert!(read_all(&f) == big[..size as usize]);
        }
        f.write_at(0, &&big[..3000]).unwrap();
        f.setattr(&SetAttr {
            size: Some(1000),
            ..Default::default()
        })
        .unwrap();
        f.setattr(&SetAttr {
            size: Some(200_000),
            ..Default::default()
        })
        .unwrap();
        let grown = read_all(&f);
        assert_eq!(grown[..1000], big[..1000]);
        assert!(
            grown[1000..].iter().all(|&b| b == 0),
            "no stale bytes after regrowing"
        );
        assert_eq!(f.metadata().blocks, bs / 512, "growing leaves a hole");

        // Cutting the sparse file below the triple-indirect range frees that whole tree.
        let sparse = get(&root, "sparse").unwrap();
        sparse
            .setattr(&SetAttr {
                size: Some(tind_start),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(sparse.metadata().blocks, 0);

        // The limits.
        let max = crate::ext2::superblock::max_size(bs.trailing_zeros());
        assert_eq!(f.write_at(max, b"x"), Err(Errno::EFBIG));
        assert_eq!(
            f.write_at(max - 1, b"xy"),
            Ok(1),
            "writes stop at the maximum size"
        );
        assert_eq!(
            f.setattr(&SetAttr {
                size: Some(max + 1),
                ..Default::default()
            }),
            Err(Errno::EFBIG)
        );
        f.setattr(&SetAttr {
            size: Some(0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.metadata().blocks, 0);
        let dir = mkdir(&root, "d");
        assert_eq!(dir.read_at(0, &mut buf), Err(Errno::EISDIR));
        assert_eq!(dir.write_at(0, b"x"), Err(Errno::EISDIR));
        fs.unmount().unwrap();
    }
    img.assert_clean();
}

#[test]
fn file_workload_1k_blocks() {
    file_workload(1024);
}

#[test]
fn file_workload_4k_blocks() {
    file_workload(4096);
}

#[test]
fn other_block_sizes() {
    for bs in ["2048", "65536"] {
        let img = Image::mkfs(&["-b", bs], "64M");
        {
            let (fs, root) = img.mount();
            let data = pattern(300_000, 7);
            let d = mkdir(&root, "dir");
            for i in 0..50 {
                file(&d, &format!("file-{i}"), &data[..i * 997]);
            }
            let f = file(&root, "f", &data);
            f.write_at(40 << 20, b"end").unwrap();
            fs.unmount().unwrap();
        }
        img.assert_clean();
        let (_fs, root) = img.mount_ro();
        let d = get(&root, "dir").unwrap();
        assert_eq!(names(&d).len(), 50);
        assert_eq!(read_all(&get(&d, "file-49").unwrap()).len(), 49 * 997);
    }
}

#[test]
fn superblock_state_follows_linux() {
    let img = Image::mkfs(&["-b", "1024"], "4M");
    assert_eq!(img.sb_u16(sb::MNT_COUNT), 0);
    assert_eq!(img.sb_u16(sb::STATE) & VALID_FS, VALID_FS);
    let (fs, root) = img.mount();
    // Mounted read-write: counted, and not valid on disk until a clean unmount.
    assert_eq!(img.sb_u16(sb::MNT_COUNT), 1);
    assert_eq!(img.sb_u16(sb::STATE) & VALID_FS, 0);
    let (before, mkfs_wtime) = (img.sb_u32(sb::FREE_BLOCKS_COUNT), img.sb_u32(sb::WTIME));
    // 49 data blocks and the single indirect block.
    file(&root, "f", &pattern(50_000, 1));
    fs.sync().unwrap();
    assert_eq!(
        img.sb_u32(sb::FREE_BLOCKS_COUNT),
        before - 50,
        "counts written by sync"
    );
    assert_ne!(
        img.sb_u32(sb::WTIME),
        mkfs_wtime,
        "write time stamped by sync"
    );
    drop(root);
    fs.unmount().unwrap();
    assert_eq!(img.sb_u16(sb::STATE) & VALID_FS, VALID_FS);
    assert_eq!(
        fs.root().unwrap().create(b"x", &attr(S_IFREG)).err(),
        Some(Errno::EROFS)
    );
    img.assert_clean();
    // A read-only mount leaves the superblock alone.
    let (_fs, _root) = img.mount_ro();
    assert_eq!(img.sb_u16(sb::MNT_COUNT), 1);
    assert_eq!(img.sb_u16(sb::STATE) & VALID_FS, VALID_FS);
}

#[test]
fn remount_between_read_only_and_read_write() {
    let img = Image::mkfs(&["-b", "1024"], "4M");
    let (fs, root) = img.mount_ro();
    assert_eq!(
        root.create(b"f", &attr(S_IFREG | 0o644)).err(),
        Some(Errno::EROFS)
    );
    fs.remount(false).unwrap();
    assert_eq!(img.sb_u16(sb::STATE) & VALID_FS, 0);
    file(&root, "f", b"data");
    fs.remount(true).unwrap();
    assert_eq!(
        img.sb_u16(sb::STATE) & VALID_FS,
        VALID_FS,
        "clean again when read-only"
    );
    img.assert_clean();
    assert_eq!(
        get(&root, "f").unwrap().write_at(0, b"x"),
        Err(Errno::EROFS)
    );
}

#[test]
fn dropping_the_last_reference_unmounts_cleanly() {
    let img = Image::mkfs(&["-b", "4096"], "8M");
    {
        let (fs, root) = img.mount();
        file(&root, "f", &pattern(10_000, 3));
        drop(fs);
    }
    assert_eq!(img.sb_u16(sb::STATE) & VALID_FS, VALID_FS);
    img.assert_clean();
}

#[test]
fn concurrent_writers_and_readers() {
    let img = Image::mkfs(&["-b", "1024"], "32M");
    {
        let (fs, root) = img.mount();
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let root = root.clone();
                std::thread::spawn(move || {
                    let d = mkdir(&root, &format!("t{t}"));
                    for i in 0..20u64 {
                        let data = pattern(1000 + i as usize * 3000, t * 100 + i);
                        let f = file(&d, &format!("f{i}"), &data);
                        assert!(read_all(&f) == data);
                        if i % 3 == 0 {
                            d.unlink(format!("f{i}").as_bytes()).unwrap();
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(names(&get(&root, "t2").unwrap()).len(), 13);
        fs.unmount().unwrap();
    }
    img.assert_clean();
}

#[test]
fn sequential_reads_use_few_device_transfers() {
    use crate::blockdev::{BlockDevice, MemDisk};
    use core::sync::atomic::AtomicUsize;
    struct Counting {
        inner: MemDisk,
        reads: AtomicUsize,
    }
    impl BlockDevice for Counting {
        fn block_size(&self) -> usize {
            512
        }
        fn num_blocks(&self) -> u64 {
            self.inner.num_blocks()
        }
        fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> SysResult<()> {
            self.reads.fetch_add(1, Ordering::Relaxed);
            self.inner.read_blocks(lba, buf)
        }
        fn write_blocks(&self, lba: u64, buf: &[u8]) -> SysResult<()> {
            self.inner.write_blocks(lba, buf)
        }
        fn flush(&self) -> SysResult<()> {
            Ok(())
        }
    }
    let img = Image::mkfs(&["-b", "4096"], "16M");
    let data = pattern(2 << 20, 8);
    {
        let (fs, root) = img.mount();
        file(&root, "f", &data);
        drop(root);
        fs.unmount().unwrap();
    }
    let disk = Arc::new(Counting {
        inner: MemDisk::from_bytes(512, std::fs::read(&img.path).unwrap()).unwrap(),
        reads: AtomicUsize::new(0),
    });
    let fs = mount_with(disk.clone(), &MountOptions::default()).unwrap();
    let f = get(&fs.root().unwrap(), "f").unwrap();
    let before = disk.reads.load(Ordering::Relaxed);
    assert!(read_all(&f) == data);
    let reads = disk.reads.load(Ordering::Relaxed) - before;
    // 512 data blocks and 1 indirect block, in runs of 32.
    assert!(reads <= 512 / 32 + 4, "{reads} device reads");
}
