//! The stock Alpine 3.23 ext4 root image of issue 4, when this machine has it: `build/alpine-
//! ext4.img` (made by `rootfs/alpine-images`), else the qcow2 `rootfs/fetch-reference --all`
//! caches, converted with `qemu-img`. Skipped, saying why, when neither is there; nothing is
//! downloaded.

use std::path::PathBuf;
use std::process::Command;
use std::string::String;
use std::vec::Vec;

use super::*;
use crate::vfs::types::*;

fn cache_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("RKERNEL_CACHE_DIR") {
        return Some(d.into());
    }
    let base = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|_| std::env::var("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .ok()?;
    Some(base.join("rkernel"))
}

/// A raw copy of the image, or why there is none.
fn alpine_image(scratch: &TempDir) -> Result<PathBuf, String> {
    let built = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../build/alpine-ext4.img");
    if built.is_file() {
        return Ok(built);
    }
    let qcow2 = cache_dir()
        .map(|d| d.join("reference/alpine-3.23-amd64.qcow2"))
        .filter(|p| p.is_file())
        .ok_or("neither build/alpine-ext4.img nor a cached alpine-3.23-amd64.qcow2 (run rootfs/fetch-reference --all)")?;
    let raw = scratch.0.join("alpine.raw");
    let (code, out) = run(Command::new("qemu-img")
        .args(["convert", "-O", "raw"])
        .arg(&qcow2)
        .arg(&raw));
    if code != 0 {
        return Err(format!("qemu-img convert failed: {out}"));
    }
    Ok(raw)
}

#[test]
fn alpine_stock_image() {
    let scratch = TempDir::new();
    let image = match alpine_image(&scratch) {
        Ok(p) => p,
        Err(why) => {
            std::println!("skipping the Alpine ext4 image test: {why}");
            return;
        }
    };
    let root = mount_image(&image);
    // /etc/os-release links to ../usr/lib/os-release.
    let link = walk(&root, "etc/os-release").unwrap();
    let mut path = b"etc/".to_vec();
    path.extend(link.readlink().unwrap());
    let os = read_all(
        &walk(&root, &String::from_utf8(path).unwrap()).unwrap(),
        4096,
    )
    .unwrap();
    let os = String::from_utf8(os).unwrap();
    assert!(
        os.contains("ID=alpine") && os.contains("VERSION_ID=3.23"),
        "{os}"
    );

    let stats = debugfs_stats(
        &image,
        &[
            "/bin/busybox".into(),
            "/usr/bin".into(),
            "/usr/bin/sudo".into(),
        ],
    );
    let busybox = walk(&root, "bin/busybox").unwrap();
    let data = read_all(&busybox, 65536).unwrap();
    assert_eq!(data.len() as u64, busybox.metadata().size);
    assert!(data.starts_with(b"\x7fELF"));
    assert_eq!(busybox.metadata().ino, stats[0].ino);
    assert_eq!(busybox.metadata().blocks, stats[0].blockcount);
    let sudo = walk(&root, "usr/bin/sudo").unwrap().metadata();
    assert_eq!(sudo.mode, S_IFREG | 0o4755);
    assert_eq!(sudo.ino, stats[2].ino);

    // /usr/bin as debugfs lists it: names and inode numbers.
    let usr_bin = walk(&root, "usr/bin").unwrap();
    assert_eq!(usr_bin.metadata().ino, stats[1].ino);
    let ours: Vec<(Vec<u8>, u64)> = {
        let mut v: Vec<_> = list(&usr_bin)
            .unwrap()
            .items
            .into_iter()
            .map(|(n, i, ..)| (n, i))
            .collect();
        v.sort();
        v
    };
    let out = debugfs(&image, false, &["ls -p /usr/bin".into()]);
    let mut theirs: Vec<(Vec<u8>, u64)> = out
        .lines()
        .filter_map(|l| {
            // "/ino/mode/uid/gid/name/size/"
            let f: Vec<&str> = l.split('/').collect();
            (f.len() >= 7).then(|| (f[5].as_bytes().to_vec(), f[1].parse().unwrap()))
        })
        .collect();
    theirs.sort();
    assert!(ours.len() > 100, "only {} entries in /usr/bin", ours.len());
    assert_eq!(ours, theirs);

    let home = walk(&root, "home/quicksand").unwrap().metadata();
    assert!(home.is_dir() && home.uid != 0);

    // Every file, directory and link of the image reads without error.
    let mut errors = Vec::new();
    read_everything(&root, 0, &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
}
