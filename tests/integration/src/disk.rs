//! Disk images on the host: private copies of the Alpine images for guests
//! that write (booted with [`Guest::disk`](crate::Guest::disk)), and
//! e2fsprogs to look inside an image without mounting it or being root.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;

use crate::{disk_images, repo_root};

/// build/alpine-ext2.img, built first if needed (see [`disk_images`]).
pub fn alpine_ext2() -> PathBuf {
    built("build/alpine-ext2.img")
}

/// build/alpine-ext4.img, Alpine's stock image, built first if needed.
pub fn alpine_ext4() -> PathBuf {
    built("build/alpine-ext4.img")
}

fn built(path: &str) -> PathBuf {
    if let Err(why) = disk_images() {
        panic!("{why}");
    }
    repo_root().join(path)
}

/// A sparse copy of a disk image, deleted on drop unless the test is
/// failing, so that the image a failure left behind can be examined.
pub struct DiskCopy {
    path: PathBuf,
}

impl DiskCopy {
    /// Copies `image` to `dir/name`, replacing what a previous run left.
    pub fn new(image: &Path, dir: &Path, name: &str) -> DiskCopy {
        let path = dir.join(name);
        let _ = fs::remove_file(&path);
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        let out = run(Command::new("cp")
            .arg("--sparse=always")
            .arg(image)
            .arg(&path));
        assert!(
            out.status.success(),
            "cp {} {}: {}",
            image.display(),
            path.display(),
            text(&out.stderr)
        );
        DiskCopy { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DiskCopy {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("disk image kept for examination: {}", self.path.display());
        } else {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A path for a temporary host file, unique in this process.
fn scratch_file(what: &str) -> PathBuf {
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    env::temp_dir().join(format!(
        "qemu-tests-{}-{}-{what}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ))
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An e2fsprogs tool: they live in sbin, which an ordinary user's PATH may
/// lack (the child's PATH is the one searched).
fn e2fsprogs(tool: &str) -> Command {
    let path = env::var("PATH").unwrap_or_default();
    let mut cmd = Command::new(tool);
    cmd.env("PATH", format!("{path}:/usr/sbin:/sbin"));
    cmd
}

/// Runs debugfs `commands` in one session on `image` (read-write if
/// `write`) and returns what they printed. debugfs exits 0 even when a
/// command fails, so any message on stderr but its banner is an error.
pub fn debugfs(image: &Path, commands: &[String], write: bool) -> Result<String, String> {
    static SERIAL: AtomicU32 = AtomicU32::new(0);
    let script = env::temp_dir().join(format!(
        "qemu-tests-debugfs-{}-{}.cmds",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    fs::write(&script, commands.join("\n") + "\n")
        .map_err(|e| format!("cannot write {}: {e}", script.display()))?;
    let mut cmd = e2fsprogs("debugfs");
    if write {
        cmd.arg("-w");
    }
    let out = run(cmd.arg("-f").arg(&script).arg(image));
    let _ = fs::remove_file(&script);
    let stderr = text(&out.stderr);
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("debugfs "))
        .collect();
    if out.status.success() && errors.is_empty() {
        Ok(text(&out.stdout))
    } else {
        Err(format!(
            "debugfs {commands:?} on {}: status {:?}\n{stderr}",
            image.display(),
            out.status.code()
        ))
    }
}

/// The contents of `path` in `image`, following symlinks as cat(1) does;
/// panics if debugfs cannot read it.
pub fn cat(image: &Path, path: &str) -> Vec<u8> {
    let mut path = path.to_owned();
    // Linux's limit on symlinks followed in one lookup.
    for _ in 0..40 {
        // `stat` first: `cat` of a missing file prints its error and exits 0.
        let stat = debugfs(image, &[format!("stat \"{path}\"")], false)
            .unwrap_or_else(|why| panic!("{why}"));
        if !stat.contains("Type: symlink") {
            return raw_cat(image, &path);
        }
        let target = match stat
            .lines()
            .find_map(|l| l.strip_prefix("Fast link dest: "))
        {
            Some(quoted) => quoted.trim_matches('"').to_owned(),
            None => text(&raw_cat(image, &path)),
        };
        path = resolve(&path, &target);
    }
    panic!(
        "{}: too many levels of symbolic links at {path}",
        image.display()
    );
}

/// The path symlink `link` (absolute) points at with `target`.
fn resolve(link: &str, target: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if !target.starts_with('/') {
        parts.extend(link.split('/').filter(|p| !p.is_empty()));
        parts.pop();
    }
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// What debugfs `cat` prints for `path` (a symlink's own data, if any).
fn raw_cat(image: &Path, path: &str) -> Vec<u8> {
    let out = run(e2fsprogs("debugfs")
        .arg("-R")
        .arg(format!("cat \"{path}\""))
        .arg(image));
    assert!(
        out.status.success(),
        "debugfs cat {path} on {}: {}",
        image.display(),
        text(&out.stderr)
    );
    out.stdout
}

/// Writes `contents` to the new file `path` (its directory must exist) in
/// `image`, owned by root with permissions `mode`.
pub fn write_file(image: &Path, path: &str, contents: &[u8], mode: u32) {
    let (dir, name) = path
        .rsplit_once('/')
        .unwrap_or_else(|| panic!("{path:?} is not an absolute path"));
    let host = scratch_file(name);
    fs::write(&host, contents).unwrap_or_else(|e| panic!("write {}: {e}", host.display()));
    let dir = if dir.is_empty() { "/" } else { dir };
    let result = debugfs(
        image,
        &[
            format!("cd \"{dir}\""),
            format!("write \"{}\" \"{name}\"", host.display()),
            format!("sif \"{name}\" mode 0{:o}", 0o100000 | (mode & 0o7777)),
            format!("sif \"{name}\" uid 0"),
            format!("sif \"{name}\" gid 0"),
        ],
        true,
    );
    let _ = fs::remove_file(&host);
    if let Err(why) = result {
        panic!("{why}");
    }
}

/// `e2fsck -fn image`: the full report when it finds nothing to fix.
pub fn e2fsck(image: &Path) -> Result<String, String> {
    let out = run(e2fsprogs("e2fsck").arg("-fn").arg(image));
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    if out.status.success() {
        Ok(report)
    } else {
        Err(format!(
            "e2fsck -fn {} exited with {:?}:\n{report}",
            image.display(),
            out.status.code()
        ))
    }
}

/// Superblock numbers debugfs's `stats` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stats {
    pub block_size: u64,
    pub block_count: u64,
    pub free_blocks: u64,
    pub reserved_blocks: u64,
}

pub fn stats(image: &Path) -> Stats {
    let report = debugfs(image, &["stats".to_owned()], false).unwrap_or_else(|why| panic!("{why}"));
    let field = |name: &str| -> u64 {
        report
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name:?} in debugfs stats of {}", image.display()))
    };
    Stats {
        block_size: field("Block size"),
        block_count: field("Block count"),
        free_blocks: field("Free blocks"),
        reserved_blocks: field("Reserved block count"),
    }
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn symlink_targets_resolve_like_a_path_walk() {
        assert_eq!(
            resolve("/etc/os-release", "../usr/lib/os-release"),
            "/usr/lib/os-release"
        );
        assert_eq!(resolve("/bin/sh", "busybox"), "/bin/busybox");
        assert_eq!(resolve("/a/b", "/c/./d/"), "/c/d");
        assert_eq!(resolve("/a", "../../x"), "/x");
    }
}
