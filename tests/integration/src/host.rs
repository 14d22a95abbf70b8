//! The guest's busybox, run on the host: a test that compares what a script
//! prints in the guest with what Linux prints runs the script here with the
//! very binary (and script file) the guest boots with, taken out of the
//! initramfs `scripts/run` will use.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::need_initramfs;

/// A directory holding `bin/busybox` with a symlink per applet, and other
/// files copied out of the initramfs; removed on drop.
pub struct HostBusybox {
    root: PathBuf,
}

impl HostBusybox {
    /// Extracts `/bin/busybox` and the guest files `extra` (absolute paths)
    /// from the initramfs into a fresh directory under `parent`. Panics with
    /// the reason if the initramfs is missing or lacks one of them.
    pub fn extract(parent: &Path, extra: &[&str]) -> HostBusybox {
        static SERIAL: AtomicU32 = AtomicU32::new(0);
        let initrd = need_initramfs().unwrap_or_else(|why| panic!("{why}"));
        let root = parent.join(format!(
            "host-busybox-{}-{}",
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&root);
        // From here on, Drop cleans up whatever panics.
        let host = HostBusybox { root };
        let archive = gunzip(&initrd);
        let entries =
            parse_newc(&archive).unwrap_or_else(|why| panic!("{}: {why}", initrd.display()));
        let mut wanted = vec!["/bin/busybox"];
        wanted.extend_from_slice(extra);
        for path in wanted {
            let name = path.trim_start_matches('/');
            let entry = entries
                .iter()
                .find(|e| e.name == name)
                .unwrap_or_else(|| panic!("{} has no {path}", initrd.display()));
            let dest = host.path(path);
            fs::create_dir_all(dest.parent().expect("a guest path has a directory"))
                .and_then(|()| fs::write(&dest, entry.data))
                .and_then(|()| {
                    fs::set_permissions(&dest, fs::Permissions::from_mode(entry.mode & 0o7777))
                })
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
        }
        host.link_applets();
        host
    }

    /// Where the guest file `guest_path` was extracted to.
    pub fn path(&self, guest_path: &str) -> PathBuf {
        self.root
            .join("fs")
            .join(guest_path.trim_start_matches('/'))
    }

    /// A new, empty directory for a script to work in.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let dir = self.root.join("scratch").join(name);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        dir
    }

    /// Runs `busybox sh -c script` in the environment Linux gives init
    /// (`HOME=/`, `TERM=linux`, nothing else), plus a `PATH` of this
    /// busybox's applets. stdout and stderr are captured separately.
    pub fn sh(&self, script: &str) -> Output {
        let busybox = self.path("/bin/busybox");
        Command::new(&busybox)
            .args(["sh", "-c", script])
            .env_clear()
            .env("HOME", "/")
            .env("TERM", "linux")
            .env("PATH", self.path("/bin"))
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", busybox.display()))
    }

    /// `/bin/APPLET -> busybox` for every applet, as the initramfs has them.
    fn link_applets(&self) {
        let busybox = self.path("/bin/busybox");
        let out = Command::new(&busybox)
            .arg("--list")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", busybox.display()));
        assert!(out.status.success(), "busybox --list failed");
        for applet in String::from_utf8_lossy(&out.stdout).lines() {
            if applet != "busybox" && !applet.is_empty() && !applet.contains('/') {
                let link = self.path("/bin").join(applet);
                symlink("busybox", &link)
                    .unwrap_or_else(|e| panic!("symlink {}: {e}", link.display()));
            }
        }
    }
}

/// The contents of the file `guest_path` (absolute) in the initramfs
/// `scripts/run` boots: how the test programs of tests/programs, built
/// there by rootfs/build-initramfs, reach the tests that copy them onto a
/// disk. Panics with the reason if the initramfs or the file is missing.
pub fn initramfs_file(guest_path: &str) -> Vec<u8> {
    let initrd = need_initramfs().unwrap_or_else(|why| panic!("{why}"));
    let archive = gunzip(&initrd);
    let entries = parse_newc(&archive).unwrap_or_else(|why| panic!("{}: {why}", initrd.display()));
    let name = guest_path.trim_start_matches('/');
    entries
        .iter()
        .find(|e| e.name == name)
        .map(|e| e.data.to_vec())
        .unwrap_or_else(|| {
            panic!(
                "{} has no {guest_path}; rebuild it with rootfs/build-initramfs",
                initrd.display()
            )
        })
}

impl Drop for HostBusybox {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

fn gunzip(path: &Path) -> Vec<u8> {
    let out = Command::new("gzip")
        .arg("-dc")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run gzip: {e}"));
    assert!(
        out.status.success(),
        "gzip -dc {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// One member of a newc ("070701") cpio archive.
struct Entry<'a> {
    name: &'a str,
    mode: u32,
    data: &'a [u8],
}

const NEWC_HEADER: usize = 110;

fn align4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// The members of a newc archive up to its trailer.
fn parse_newc(archive: &[u8]) -> Result<Vec<Entry<'_>>, String> {
    let mut entries = Vec::new();
    let mut pos = 0;
    loop {
        let header = archive
            .get(pos..pos + NEWC_HEADER)
            .ok_or(format!("truncated header at offset {pos}"))?;
        if &header[..6] != b"070701" {
            return Err(format!("bad magic at offset {pos}"));
        }
        let field = |i: usize| -> Result<usize, String> {
            let hex = std::str::from_utf8(&header[6 + 8 * i..14 + 8 * i])
                .map_err(|_| format!("non-ASCII header field at offset {pos}"))?;
            usize::from_str_radix(hex, 16).map_err(|_| format!("bad header field at offset {pos}"))
        };
        let mode = field(1)?;
        let size = field(6)?;
        let namesize = field(11)?;
        let name_start = pos + NEWC_HEADER;
        let name = archive
            .get(name_start..name_start + namesize)
            .and_then(|n| n.strip_suffix(&[0]))
            .and_then(|n| std::str::from_utf8(n).ok())
            .ok_or(format!("bad name at offset {pos}"))?;
        let data_start = align4(name_start + namesize);
        let data = archive
            .get(data_start..data_start + size)
            .ok_or(format!("{name}: truncated data"))?;
        if name == "TRAILER!!!" {
            return Ok(entries);
        }
        entries.push(Entry {
            name,
            mode: u32::try_from(mode).map_err(|_| format!("{name}: bad mode"))?,
            data,
        });
        pos = align4(data_start + size);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
        let mut m = format!(
            "070701{:08x}{mode:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
            1,
            0,
            0,
            1,
            0,
            data.len(),
            0,
            0,
            0,
            0,
            name.len() + 1,
            0
        )
        .into_bytes();
        m.extend_from_slice(name.as_bytes());
        m.push(0);
        m.resize(align4(m.len()), 0);
        m.extend_from_slice(data);
        m.resize(align4(m.len()), 0);
        m
    }

    #[test]
    fn newc_members_and_trailer() {
        let mut archive = member("bin", 0o40755, b"");
        archive.extend(member("bin/busybox", 0o100755, b"ELF!!"));
        archive.extend(member("TRAILER!!!", 0, b""));
        archive.extend([0; 64]);
        let entries = parse_newc(&archive).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].name, "bin/busybox");
        assert_eq!(entries[1].mode, 0o100755);
        assert_eq!(entries[1].data, b"ELF!!");
    }

    #[test]
    fn newc_damage_is_an_error() {
        let mut archive = member("a", 0o100644, b"data");
        assert!(parse_newc(&archive).is_err(), "no trailer");
        archive[0] = b'1';
        assert!(parse_newc(&archive).is_err(), "bad magic");
        let mut archive = member("a", 0o100644, b"data");
        archive.truncate(archive.len() - 4);
        assert!(parse_newc(&archive).is_err(), "short data");
        assert!(parse_newc(b"070701").is_err(), "short header");
    }
}
