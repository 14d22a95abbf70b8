//! rootfs/gen_cpio.py writes the newc archives every boot starts from; check
//! its output byte layout here, where a mistake is cheaper to find than in a
//! kernel that cannot find /bin/sh.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use qemu_tests::repo_root;

struct Entry {
    name: String,
    ino: u32,
    mode: u32,
    nlink: u32,
    mtime: u32,
    rdev: (u32, u32),
    data: Vec<u8>,
}

fn hex_field(header: &[u8], index: usize) -> u32 {
    let text = std::str::from_utf8(&header[6 + 8 * index..6 + 8 * (index + 1)]).unwrap();
    u32::from_str_radix(text, 16).unwrap()
}

fn align4(n: usize) -> usize {
    n.div_ceil(4) * 4
}

/// Parses a whole newc archive, checking magic and 4-byte alignment.
fn parse(archive: &[u8]) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut pos = 0;
    loop {
        let header = &archive[pos..pos + 110];
        assert_eq!(&header[..6], b"070701", "bad magic at offset {pos}");
        let filesize = hex_field(header, 6) as usize;
        let namesize = hex_field(header, 11) as usize;
        let name_start = pos + 110;
        let name = &archive[name_start..name_start + namesize];
        assert_eq!(name.last(), Some(&0), "name not NUL-terminated");
        let data_start = align4(name_start + namesize);
        assert!(
            archive[name_start + namesize..data_start]
                .iter()
                .all(|&b| b == 0)
        );
        let entry = Entry {
            name: String::from_utf8(name[..namesize - 1].to_vec()).unwrap(),
            ino: hex_field(header, 0),
            mode: hex_field(header, 1),
            nlink: hex_field(header, 4),
            mtime: hex_field(header, 5),
            rdev: (hex_field(header, 9), hex_field(header, 10)),
            data: archive[data_start..data_start + filesize].to_vec(),
        };
        pos = align4(data_start + filesize);
        let last = entry.name == "TRAILER!!!";
        entries.push(entry);
        if last {
            break;
        }
    }
    assert_eq!(archive.len() % 512, 0, "archive not padded to 512 bytes");
    assert!(
        archive[pos..].iter().all(|&b| b == 0),
        "garbage after the trailer"
    );
    entries
}

fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn gen_cpio(dir: &Path, list: &str, extra: &[&str]) -> std::process::Output {
    fs::write(dir.join("list"), list).unwrap();
    Command::new("python3")
        .arg(repo_root().join("rootfs/gen_cpio.py"))
        .args(extra)
        .arg("-C")
        .arg(dir)
        .arg("-o")
        .arg(dir.join("out.cpio"))
        .arg(dir.join("list"))
        .output()
        .expect("python3 runs")
}

#[test]
fn writes_every_entry_type() {
    let dir = scratch("writes_every_entry_type");
    fs::write(dir.join("hello.txt"), b"hello\n").unwrap();
    let list = "\
# comment
dir /bin 0755 0 0
file /bin/hello hello.txt 0755 0 0
slink /bin/sh busybox 0777 0 0
nod /dev/console 0600 0 0 c 5 1
dir /tmp 1777 0 0
";
    let out = gen_cpio(&dir, list, &["--mtime", "1234"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries = parse(&fs::read(dir.join("out.cpio")).unwrap());

    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "bin",
            "bin/hello",
            "bin/sh",
            "dev/console",
            "tmp",
            "TRAILER!!!"
        ]
    );
    let [bin, hello, sh, console, tmp, trailer] = &entries[..] else {
        unreachable!()
    };

    assert_eq!((bin.mode, bin.nlink), (0o040755, 2));
    assert_eq!(
        (hello.mode, hello.data.as_slice()),
        (0o100755, &b"hello\n"[..])
    );
    // Linux's initramfs unpacker expects the NUL counted in a symlink's size.
    assert_eq!((sh.mode, sh.data.as_slice()), (0o120777, &b"busybox\0"[..]));
    assert_eq!((console.mode, console.rdev), (0o020600, (5, 1)));
    assert_eq!(tmp.mode, 0o041777);
    assert!(entries[..5].iter().all(|e| e.mtime == 1234));
    // Inode numbers are distinct, starting where gen_init_cpio starts.
    let inos: Vec<u32> = entries[..5].iter().map(|e| e.ino).collect();
    assert_eq!(inos, [721, 722, 723, 724, 725]);
    assert_eq!((trailer.ino, trailer.mode, trailer.mtime), (0, 0, 0));
}

#[test]
fn output_is_reproducible_and_gzip_has_no_timestamp() {
    let dir = scratch("output_is_reproducible");
    fs::write(dir.join("f"), b"x").unwrap();
    let list = "dir /a 0755 0 0\nfile /a/f f 0644 0 0\n";
    let mut archives = Vec::new();
    for _ in 0..2 {
        let out = gen_cpio(&dir, list, &["--gzip"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        archives.push(fs::read(dir.join("out.cpio")).unwrap());
    }
    assert_eq!(archives[0], archives[1]);
    let gz = &archives[0];
    assert_eq!(&gz[..2], &[0x1f, 0x8b], "not gzip");
    assert_eq!(&gz[4..8], &[0, 0, 0, 0], "gzip header carries an mtime");
    assert_eq!(gz[3] & 0x08, 0, "gzip header carries a file name");
}

#[test]
fn rejects_bad_lists() {
    let dir = scratch("rejects_bad_lists");
    let bad = [
        ("dir /a 0755 0 0\ndir /a 0755 0 0\n", "duplicate"),
        ("dir /../etc 0755 0 0\n", "bad archive path"),
        ("dir /a 0755 0\n", "takes 4 fields"),
        ("nod /dev/x 0600 0 0 x 1 1\n", "device type"),
        ("file /a missing-file 0644 0 0\n", "cannot read"),
        ("dir /a 0x755 0 0\n", "bad mode"),
        ("fifo /a 0644 0 0\n", "unknown entry type"),
    ];
    for (list, why) in bad {
        let out = gen_cpio(&dir, list, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted {list:?}");
        assert!(
            stderr.contains(why),
            "{list:?}: expected {why:?} in {stderr:?}"
        );
        assert!(
            !dir.join("out.cpio").exists(),
            "{list:?} left an archive behind"
        );
    }
}
