//! The persistence scenario of the acceptance test on the host: many files of mixed sizes,
//! some sparse; renames, links and symlinks; half deleted; sync; a "power cut" (the image as
//! the disk holds it after the sync); everything checked after mounting again; then the disk
//! filled to `ENOSPC` and emptied.

use super::*;

/// A content fingerprint (FNV-1a, 64 bits): enough to tell files apart in a test.
fn digest(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

struct Expect {
    path: String,
    size: u64,
    digest: u64,
    blocks: u64,
}

#[test]
fn files_survive_sync_and_power_cut() {
    let img = Image::mkfs(&["-b", "4096"], "96M");
    let mut rng = Rng(2024);
    let mut expect: Vec<Expect> = Vec::new();
    {
        let (fs, root) = img.mount();
        let dirs = [mkdir(&root, "a"), mkdir(&root, "b"), mkdir(&root, "c")];
        for i in 0..200 {
            let d = &dirs[i % 3];
            let name = format!("file{i}");
            let f = d.create(name.as_bytes(), &attr(S_IFREG | 0o644)).unwrap();
            let size = match (i % 40, i % 10) {
                (1, _) => 8 << 20,
                (_, 0) => 0,
                (_, 2..=4) => rng.below(200_000),
                _ => rng.below(5000),
            } as usize;
            let data = pattern(size, i as u64);
            if i % 7 == 3 {
                // Sparse: islands of data far apart.
                for k in 0..3u64 {
                    f.write_at(k * (3 << 20), &&data[..size.min(1000)]).unwrap();
                }
            } else if size > 0 {
                f.write_at(0, &data).unwrap();
            }
        }
        // mv, ln, ln -s, rm half.
        for i in (0..200).step_by(5) {
            let (from, to) = (&dirs[i % 3], &dirs[(i + 1) % 3]);
            from.rename(
                format!("file{i}").as_bytes(),
                to,
                format!("moved{i}").as_bytes(),
                0,
            )
            .unwrap();
        }
        let target = dirs[1].lookup(b"file1").unwrap();
        root.link(b"hard", &target).unwrap();
        root.symlink(b"soft", b"b/file1", &attr(S_IFLNK | 0o777))
            .unwrap();
        for i in (0..200).filter(|i| i % 2 == 1 && i % 5 != 0 && *i != 1) {
            dirs[i % 3].unlink(format!("file{i}").as_bytes()).unwrap();
        }
        for (path, inode) in walk_files(&root, "") {
            let data = read_all(&inode);
            let m = inode.metadata();
            expect.push(Expect {
                path,
                size: m.size,
                digest: digest(&data),
                blocks: m.blocks,
            });
        }
        assert!(expect.len() > 100);
        fs.sync().unwrap();
        // Power cut: keep what the disk holds now, then let the mount go.
        let snapshot = std::fs::read(&img.path).unwrap();
        drop((dirs, target, root));
        drop(fs);
        std::fs::write(&img.path, snapshot).unwrap();
    }
    img.assert_clean();
    let check = |root: &Arc<dyn Inode>| {
        let mut found = walk_files(root, "");
        found.retain(|(path, _)| path != "/filler");
        assert_eq!(found.len(), expect.len());
        for (e, (path, inode)) in expect.iter().zip(&found) {
            assert_eq!(&e.path, path);
            let m = inode.metadata();
            assert_eq!((m.size, m.blocks), (e.size, e.blocks), "{path}");
            assert_eq!(digest(&read_all(inode)), e.digest, "{path}");
        }
        assert_eq!(get(root, "soft").unwrap().readlink().unwrap(), b"b/file1");
        assert_eq!(get(root, "hard").unwrap().metadata().nlink, 2);
    };
    {
        let (fs, root) = img.mount();
        check(&root);
        // Fill the disk, then empty it again.
        let filler = file(&root, "filler", b"");
        let chunk = pattern(1 << 20, 77);
        let mut off = 0u64;
        loop {
            match filler.write_at(off, &chunk) {
                Ok(n) => off += n as u64,
                Err(e) => {
                    assert_eq!(e, Errno::ENOSPC);
                    break;
                }
            }
        }
        assert_eq!(root.fs().statfs().blocks_free, 0);
        check(&root);
        root.unlink(b"filler").unwrap();
        drop(filler);
        fs.sync().unwrap();
        img.assert_clean();
        drop(root);
        fs.unmount().unwrap();
    }
    img.assert_clean();
    let (_fs, root) = img.mount_ro();
    check(&root);
}

/// Regular files and symlinks below `dir`, sorted by path.
fn walk_files(dir: &Arc<dyn Inode>, prefix: &str) -> Vec<(String, Arc<dyn Inode>)> {
    let mut out = Vec::new();
    for name in names(dir) {
        let child = dir.lookup(name.as_bytes()).unwrap();
        let path = format!("{prefix}/{name}");
        match child.metadata().mode & S_IFMT {
            S_IFDIR => out.extend(walk_files(&child, &path)),
            S_IFREG => out.push((path, child)),
            _ => {}
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
