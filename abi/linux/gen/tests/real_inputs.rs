//! The checked-in inputs: Linux 6.18's table and this kernel's status list.

use syscall_gen::{Counts, Status, generate, parse_status, parse_tbl, render};

const TBL: &str = include_str!("../../syscalls/syscall_64.tbl");
const STATUS: &str = include_str!("../../syscalls/status.txt");

#[test]
fn linux_6_18_table_shape() {
    let t = parse_tbl(TBL).unwrap();
    assert_eq!(t.nr_syscalls(), 470);
    let name = |nr: usize| t.native_slots()[nr].map(|e| e.name.clone());
    assert_eq!(name(0).as_deref(), Some("read"));
    assert_eq!(name(335).as_deref(), Some("uretprobe"));
    assert_eq!(name(336).as_deref(), Some("uprobe"), "added in 6.18");
    assert_eq!(name(424).as_deref(), Some("pidfd_send_signal"));
    assert_eq!(name(469).as_deref(), Some("file_setattr"));
    assert_eq!(render::holes(&t), [(337, 423)]);
    assert_eq!(t.native.len(), 337 + 46);

    let x32: Vec<u16> = t.x32.iter().map(|e| e.nr).collect();
    assert_eq!(x32, (512..=547).collect::<Vec<u16>>());

    let exit = t.native_by_name("exit").unwrap();
    assert!(exit.noreturn);
    assert_eq!(t.native_by_name("uselib").unwrap().entry, None);
    assert_eq!(
        t.native_by_name("uname").unwrap().entry.as_deref(),
        Some("sys_newuname")
    );
}

#[test]
fn status_list_parses_and_counts() {
    let t = parse_tbl(TBL).unwrap();
    let s = parse_status(STATUS, &t).unwrap();
    assert_eq!(s.get("read"), Status::Implemented);
    assert!(matches!(s.get("mmap"), Status::Partial(_)));
    // tuxcall is a stub in Linux too, so it stays missing here.
    assert_eq!(s.get("tuxcall"), Status::Missing);
    let c = Counts::of(&t, &s);
    assert_eq!(c.total(), t.native.len());
}

/// `cargo test` fails, like `--check`, when someone edits an input and forgets to
/// regenerate (or edits a generated file by hand).
#[test]
fn generated_files_are_up_to_date() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../..");
    for out in generate(TBL, STATUS).unwrap() {
        let on_disk = std::fs::read_to_string(root.join(out.path)).unwrap_or_default();
        assert!(
            on_disk == out.contents,
            "{} is stale: run scripts/gen-syscalls",
            out.path
        );
    }
}
