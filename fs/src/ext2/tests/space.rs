//! Running out of blocks and inodes: short writes, `ENOSPC`, nothing corrupted, and all the
//! space back after deleting.

use super::*;

fn free(root: &Arc<dyn Inode>) -> (u64, u64) {
    let s = root.fs().statfs();
    (s.blocks_free, s.files_free)
}

#[test]
fn filling_the_disk_and_deleting() {
    for bs in ["1024", "4096"] {
        let img = Image::mkfs(&["-b", bs], "4M");
        {
            let (fs, root) = img.mount();
            let start = free(&root);
            let chunk = pattern(100_000, 9);
            let f = file(&root, "fill", b"");
            let mut written = 0u64;
            loop {
                match f.write_at(written, &chunk) {
                    Ok(n) => {
                        written += n as u64;
                        if n < chunk.len() {
                            break;
                        }
                    }
                    Err(e) => panic!("unexpected {e:?} after {written} bytes"),
                }
            }
            assert_eq!(f.write_at(written, b"x"), Err(Errno::ENOSPC));
            assert_eq!(free(&root).0, 0);
            assert_eq!(f.metadata().size, written);
            // A new file gets an inode but no block; a directory needs a block.
            let g = file(&root, "g", b"");
            assert_eq!(g.write_at(0, b"x"), Err(Errno::ENOSPC));
            assert_eq!(g.metadata().blocks, 0);
            assert_eq!(
                root.create(b"dir", &attr(S_IFDIR | 0o755)).err(),
                Some(Errno::ENOSPC)
            );
            assert_eq!(
                root.symlink(b"slow", &[b's'; 100], &attr(S_IFLNK)).err(),
                Some(Errno::ENOSPC)
            );
            root.symlink(b"fast", b"short", &attr(S_IFLNK)).unwrap();
            fs.sync().unwrap();
            img.assert_clean();
            // The data that made it is intact.
            let mut head = vec![0u8; 100_000];
            f.read_at(0, &mut head).unwrap();
            assert!(head == chunk);
            root.unlink(b"fill").unwrap();
            root.unlink(b"g").unwrap();
            root.unlink(b"fast").unwrap();
            drop((f, g));
            assert_eq!(free(&root), start, "every block and inode is back");
            fs.unmount().unwrap();
        }
        img.assert_clean();
    }
}

#[test]
fn running_out_of_inodes() {
    let img = Image::mkfs(&["-b", "1024", "-N", "64"], "4M");
    {
        let (fs, root) = img.mount();
        let d = mkdir(&root, "d");
        let mut n = 0;
        loop {
            match d.create(format!("f{n}").as_bytes(), &attr(S_IFREG | 0o644)) {
                Ok(_) => n += 1,
                Err(e) => {
                    assert_eq!(e, Errno::ENOSPC);
                    break;
                }
            }
        }
        assert_eq!(free(&root).1, 0);
        assert_eq!(
            root.create(b"x", &attr(S_IFDIR | 0o755)).err(),
            Some(Errno::ENOSPC)
        );
        assert_eq!(names(&d).len(), n);
        fs.sync().unwrap();
        img.assert_clean();
        for i in 0..n {
            d.unlink(format!("f{i}").as_bytes()).unwrap();
        }
        fs.unmount().unwrap();
    }
    img.assert_clean();
}

#[test]
fn reserved_blocks_are_for_privileged_callers() {
    let img = Image::mkfs(&["-b", "1024", "-m", "10"], "4M");
    let opts = MountOptions {
        may_use_reserved: Some(|_, _| false),
        ..Default::default()
    };
    {
        let fs = mount_with(img.disk(), &opts).unwrap();
        let root = fs.root().unwrap();
        let reserved = 4096 / 10;
        let f = file(&root, "f", b"");
        let chunk = vec![7u8; 64 << 10];
        let mut off = 0;
        while let Ok(n) = f.write_at(off, &chunk) {
            off += n as u64;
        }
        let s = root.fs().statfs();
        // The last allocation that passed the check may have taken a few indirect blocks.
        assert!((reserved - 3..=reserved).contains(&s.blocks_free), "{s:?}");
        assert_eq!(s.blocks_avail, 0);
        drop((f, root));
        fs.unmount().unwrap();
    }
    img.assert_clean();
}
