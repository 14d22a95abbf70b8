//! Rendering of the three generated files. Each function is pure: the same inputs
//! always give byte-identical output, which is what `--check` relies on.

use crate::status::{Status, StatusMap};
use crate::tbl::{Table, TblEntry};
use crate::{Counts, GENERATED_NOTICE, LINUX_VERSION, STATUS_PATH, TBL_PATH};

/// Appends one formatted line. Writing to a `String` cannot fail, so this avoids
/// `fmt::Write` and the `Result` it would force us to ignore.
macro_rules! line {
    ($out:expr) => { $out.push('\n') };
    ($out:expr, $($arg:tt)*) => {{ $out.push_str(&format!($($arg)*)); $out.push('\n'); }};
}

/// The UPPERCASE constant name for a syscall (`rt_sigaction` -> `RT_SIGACTION`).
pub fn const_name(name: &str) -> String {
    name.to_ascii_uppercase()
}

/// The kernel's handler function for a syscall.
pub fn handler_name(name: &str) -> String {
    format!("sys_{name}")
}

/// Inclusive ranges of numbers below the table's end that no native entry uses.
pub fn holes(table: &Table) -> Vec<(usize, usize)> {
    let mut holes = Vec::new();
    let mut start = None;
    for (nr, slot) in table.native_slots().iter().enumerate() {
        match (slot, start) {
            (None, None) => start = Some(nr),
            (Some(_), Some(s)) => {
                holes.push((s, nr - 1));
                start = None;
            }
            _ => {}
        }
    }
    // The last slot always holds an entry, so no hole can be left open.
    holes
}

fn range_text((first, last): (usize, usize)) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}–{last}")
    }
}

/// `crate::syscalls` of linux-abi.
pub fn abi_rs(table: &Table, statuses: &StatusMap) -> String {
    let mut out = String::new();
    line!(out, "//! {GENERATED_NOTICE}.");
    line!(out, "//!");
    line!(
        out,
        "//! Linux {LINUX_VERSION}'s x86_64 system calls (the `common` and `64` entries of"
    );
    line!(
        out,
        "//! `arch/x86/entry/syscalls/syscall_64.tbl`) and how far this kernel implements"
    );
    line!(
        out,
        "//! each. Edit `{STATUS_PATH}` and run `scripts/gen-syscalls`."
    );
    line!(out);
    line!(
        out,
        "/// One past the highest x86_64 syscall number: the length of the dispatch table."
    );
    line!(
        out,
        "pub const NR_SYSCALLS: usize = {};",
        table.nr_syscalls()
    );
    line!(out);
    line!(
        out,
        "/// Syscall numbers, named after the Linux table (`nr::READ` is `read`)."
    );
    line!(out, "pub mod nr {{");
    for e in &table.native {
        line!(
            out,
            "    pub const {}: usize = {};",
            const_name(&e.name),
            e.nr
        );
    }
    line!(out, "}}");
    line!(out);
    line!(out, "/// How far this kernel implements a syscall.");
    line!(out, "#[derive(Clone, Copy, Debug, PartialEq, Eq)]");
    line!(out, "pub enum Status {{");
    line!(out, "    /// Linux semantics.");
    line!(out, "    Implemented,");
    line!(
        out,
        "    /// Only the part the note describes works; requests outside it fail with"
    );
    line!(out, "    /// `EINVAL`.");
    line!(out, "    Partial(&'static str),");
    line!(out, "    /// Fails with `ENOSYS`.");
    line!(out, "    Missing,");
    line!(out, "}}");
    line!(out);
    line!(out, "/// One row of [`SYSCALLS`].");
    line!(out, "#[derive(Clone, Copy, Debug)]");
    line!(out, "pub struct SyscallInfo {{");
    line!(out, "    pub nr: u16,");
    line!(out, "    pub name: &'static str,");
    line!(out, "    pub status: Status,");
    line!(out, "}}");
    line!(out);
    let hole_list: Vec<String> = holes(table).into_iter().map(range_text).collect();
    if hole_list.is_empty() {
        line!(out, "/// Indexed by syscall number.");
    } else {
        line!(
            out,
            "/// Indexed by syscall number; `None` where Linux assigns no syscall ({}).",
            hole_list.join(", ")
        );
    }
    line!(out, "#[rustfmt::skip]");
    line!(
        out,
        "pub static SYSCALLS: [Option<SyscallInfo>; NR_SYSCALLS] = ["
    );
    for (nr, slot) in table.native_slots().iter().enumerate() {
        match slot {
            Some(e) => {
                let status = match statuses.get(&e.name) {
                    Status::Implemented => "Status::Implemented".to_owned(),
                    // `{:?}` of a str is a valid Rust string literal, escapes included.
                    Status::Partial(note) => format!("Status::Partial({note:?})"),
                    Status::Missing => "Status::Missing".to_owned(),
                };
                line!(
                    out,
                    "    Some(SyscallInfo {{ nr: {}, name: {:?}, status: {status} }}),",
                    e.nr,
                    e.name
                );
            }
            None => line!(out, "    None, // {nr}"),
        }
    }
    line!(out, "];");
    line!(out);
    line!(
        out,
        "/// The row for syscall `nr`, or `None` if Linux assigns nothing to it."
    );
    line!(
        out,
        "pub fn info(nr: usize) -> Option<&'static SyscallInfo> {{"
    );
    line!(out, "    SYSCALLS.get(nr)?.as_ref()");
    line!(out, "}}");
    if let Some(first) = table.native.first() {
        line!(out);
        line!(out, "#[cfg(test)]");
        line!(out, "mod tests {{");
        line!(out, "    use super::*;");
        line!(out);
        line!(out, "    #[test]");
        line!(out, "    fn rows_sit_at_their_own_number() {{");
        line!(
            out,
            "        for (i, row) in SYSCALLS.iter().enumerate() {{"
        );
        line!(out, "            if let Some(row) = row {{");
        line!(
            out,
            "                assert_eq!(usize::from(row.nr), i, \"{{}}\", row.name);"
        );
        line!(out, "            }}");
        line!(out, "        }}");
        line!(out, "    }}");
        line!(out);
        line!(out, "    #[test]");
        line!(out, "    fn info_looks_up_by_number() {{");
        line!(
            out,
            "        let row = info(nr::{}).expect(\"first entry\");",
            const_name(&first.name)
        );
        line!(out, "        assert_eq!(row.name, {:?});", first.name);
        line!(out, "        assert!(info(NR_SYSCALLS).is_none());");
        line!(out, "        assert!(info(usize::MAX).is_none());");
        if let Some(&(hole, _)) = holes(table).first() {
            line!(out, "        assert!(info({hole}).is_none());");
        }
        line!(out, "    }}");
        line!(out, "}}");
    }
    out
}

/// The kernel's dispatch table. Its shape is fixed by the kernel's `syscall` module,
/// which supplies `Handler` and the `handlers` functions.
pub fn kernel_table_rs(table: &Table, statuses: &StatusMap) -> String {
    let mut out = String::new();
    line!(out, "//! {GENERATED_NOTICE}.");
    line!(out, "use super::Handler;");
    line!(out, "use super::handlers::*;");
    // Unskipped, rustfmt would align the trailing comments and `cargo fmt` would make
    // the file stale.
    line!(out, "#[rustfmt::skip]");
    line!(
        out,
        "pub static TABLE: [Option<Handler>; linux_abi::syscalls::NR_SYSCALLS] = ["
    );
    for (nr, slot) in table.native_slots().iter().enumerate() {
        match slot {
            Some(e) if statuses.get(&e.name).has_handler() => {
                line!(
                    out,
                    "    Some({}), // {nr} {}",
                    handler_name(&e.name),
                    e.name
                );
            }
            Some(e) => line!(out, "    None, // {nr} {}", e.name),
            None => line!(out, "    None, // {nr} (unassigned)"),
        }
    }
    line!(out, "];");
    out
}

/// Escapes text for a Markdown table cell.
fn md_cell(text: &str) -> String {
    text.replace('\\', "\\\\").replace('|', "\\|")
}

/// Whether Linux itself gives this entry no implementation.
fn linux_has_no_implementation(e: &TblEntry) -> bool {
    matches!(e.entry.as_deref(), None | Some("sys_ni_syscall"))
}

/// `docs/syscalls.md`.
pub fn doc_md(table: &Table, statuses: &StatusMap) -> String {
    let counts = Counts::of(table, statuses);
    let mut out = String::new();
    line!(out, "<!-- {GENERATED_NOTICE}. -->");
    line!(out);
    line!(out, "# Linux x86_64 system call compatibility");
    line!(out);
    line!(
        out,
        "This page is generated by `syscall-gen` (run `scripts/gen-syscalls`) from \
         `{TBL_PATH}`, a verbatim copy of Linux {LINUX_VERSION}'s \
         `arch/x86/entry/syscalls/syscall_64.tbl`, and from `{STATUS_PATH}`, the hand-written \
         list of what this kernel implements; edit those, not this page \
         (`cargo run -p syscall-gen -- --check` fails while it is stale). The same inputs \
         generate `linux_abi::syscalls` and the kernel's dispatch table. **implemented** \
         means the call behaves as on Linux. **partial** means the call exists but only what \
         its note describes works; unsupported flags, commands or arguments fail with \
         `-EINVAL`. **missing** means the call fails with `-ENOSYS`, as on a Linux kernel \
         configured without it; numbers Linux does not assign fail the same way."
    );
    line!(out);
    line!(out, "## Summary");
    line!(out);
    line!(out, "| status | syscalls |");
    line!(out, "|---|---:|");
    line!(out, "| implemented | {} |", counts.implemented);
    line!(out, "| partial | {} |", counts.partial);
    line!(out, "| missing | {} |", counts.missing);
    line!(
        out,
        "| **total** (Linux {LINUX_VERSION} x86_64) | {} |",
        counts.total()
    );
    line!(out);
    line!(out, "## Syscalls");
    line!(out);
    line!(out, "| nr | name | entry point | status | note |");
    line!(out, "|---:|---|---|---|---|");
    let slots = table.native_slots();
    let hole_list = holes(table);
    let mut nr = 0;
    while let Some(slot) = slots.get(nr) {
        match slot {
            Some(e) => {
                let entry = e
                    .entry
                    .as_deref()
                    .map_or("—".to_owned(), |s| format!("`{s}`"));
                let status = statuses.get(&e.name);
                let note = match &status {
                    Status::Partial(note) => md_cell(note),
                    Status::Missing if linux_has_no_implementation(e) => {
                        "not implemented by Linux either".to_owned()
                    }
                    _ => String::new(),
                };
                line!(
                    out,
                    "| {} | {} | {entry} | {} | {note} |",
                    e.nr,
                    e.name,
                    status.word()
                );
                nr += 1;
            }
            None => {
                // Collapse a run of unassigned numbers into one row.
                let last = hole_list.iter().find(|h| h.0 == nr).map_or(nr, |h| h.1);
                line!(
                    out,
                    "| {} | *(unassigned)* | — | missing | no syscall has this number |",
                    range_text((nr, last))
                );
                nr = last + 1;
            }
        }
    }
    if let (Some(first), Some(last)) = (table.x32.first(), table.x32.last()) {
        line!(out);
        line!(out, "## x32 range ({}–{})", first.nr, last.nr);
        line!(out);
        line!(
            out,
            "These numbers belong to the x32 ABI, whose syscalls are made with bit 30 \
             (`__X32_SYSCALL_BIT`) set: they are x32 only, not used by x86_64, and have no \
             entry in the tables above. An x86_64 process that passes one gets `-ENOSYS`, as \
             on Linux; this kernel does not support x32."
        );
        line!(out);
        line!(out, "| nr | name | x32 entry point |");
        line!(out, "|---:|---|---|");
        for e in &table.x32 {
            let entry = e
                .entry
                .as_deref()
                .map_or("—".to_owned(), |s| format!("`{s}`"));
            line!(out, "| {} | {} | {entry} |", e.nr, e.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{parse_status, parse_tbl};

    const TBL: &str = "\
0\tcommon\tread\t\t\tsys_read
1\tcommon\twrite\t\t\tsys_write
2\t64\tuselib
5\tcommon\texit\t\t\tsys_exit\t\t\t-\t\t\tnoreturn
6\tcommon\tmmap\t\t\tsys_mmap
512\tx32\trt_sigaction\t\tcompat_sys_rt_sigaction
";
    const STATUS: &str = "read implemented\nexit implemented\nmmap partial \"anon | a\\b\"\n";

    fn inputs() -> (Table, StatusMap) {
        let table = parse_tbl(TBL).unwrap();
        let statuses = parse_status(STATUS, &table).unwrap();
        (table, statuses)
    }

    #[test]
    fn hole_ranges() {
        let (table, _) = inputs();
        assert_eq!(holes(&table), [(3, 4)]);
        let t = parse_tbl("0 common a sys_a\n2 common b sys_b\n9 common c sys_c\n").unwrap();
        assert_eq!(holes(&t), [(1, 1), (3, 8)]);
    }

    #[test]
    fn abi_rs_lists_numbers_rows_and_holes() {
        let (table, statuses) = inputs();
        let rs = abi_rs(&table, &statuses);
        assert!(rs.starts_with(
            "//! GENERATED by syscall-gen from syscall_64.tbl and status.txt — do not edit.\n"
        ));
        assert!(rs.contains("pub const NR_SYSCALLS: usize = 7;\n"));
        assert!(rs.contains("    pub const READ: usize = 0;\n"));
        assert!(rs.contains("    pub const MMAP: usize = 6;\n"));
        assert!(
            !rs.contains("RT_SIGACTION"),
            "x32 entries stay out of the tables"
        );
        assert!(rs.contains(
            "    Some(SyscallInfo { nr: 0, name: \"read\", status: Status::Implemented }),\n"
        ));
        assert!(rs.contains(
            "    Some(SyscallInfo { nr: 1, name: \"write\", status: Status::Missing }),\n"
        ));
        assert!(rs.contains("    None, // 3\n    None, // 4\n"));
        assert!(rs.contains("`None` where Linux assigns no syscall (3–4)"));
        // The note is a correctly escaped Rust literal.
        assert!(
            rs.contains(r#"status: Status::Partial("anon | a\\b") }),"#),
            "{rs}"
        );
        // Exactly one row per number.
        let rows = rs
            .lines()
            .filter(|l| l.starts_with("    Some(SyscallInfo") || l.starts_with("    None, //"))
            .count();
        assert_eq!(rows, 7);
    }

    #[test]
    fn kernel_table_has_handlers_only_for_implemented_and_partial() {
        let (table, statuses) = inputs();
        let rs = kernel_table_rs(&table, &statuses);
        let expected = "\
//! GENERATED by syscall-gen from syscall_64.tbl and status.txt — do not edit.
use super::Handler;
use super::handlers::*;
#[rustfmt::skip]
pub static TABLE: [Option<Handler>; linux_abi::syscalls::NR_SYSCALLS] = [
    Some(sys_read), // 0 read
    None, // 1 write
    None, // 2 uselib
    None, // 3 (unassigned)
    None, // 4 (unassigned)
    Some(sys_exit), // 5 exit
    Some(sys_mmap), // 6 mmap
];
";
        assert_eq!(rs, expected);
    }

    #[test]
    fn doc_has_summary_rows_holes_and_x32() {
        let (table, statuses) = inputs();
        let md = doc_md(&table, &statuses);
        assert!(md.starts_with("<!-- GENERATED by syscall-gen"));
        assert!(md.contains("| implemented | 2 |\n| partial | 1 |\n| missing | 2 |\n"));
        assert!(md.contains("| **total** (Linux 6.18 x86_64) | 5 |"));
        assert!(md.contains("| 0 | read | `sys_read` | implemented |  |\n"));
        assert!(md.contains("| 2 | uselib | — | missing | not implemented by Linux either |\n"));
        assert!(md.contains("| 3–4 | *(unassigned)* |"));
        assert!(!md.contains("| 3 | "), "a hole is one row");
        // `|` in a note must not split the cell.
        assert!(
            md.contains(r"| 6 | mmap | `sys_mmap` | partial | anon \| a\\b |"),
            "{md}"
        );
        assert!(md.contains("## x32 range (512–512)"));
        assert!(md.contains("| 512 | rt_sigaction | `compat_sys_rt_sigaction` |"));
        assert!(md.contains("x32 only, not used by x86_64"));
        assert!(md.contains("`-ENOSYS`") && md.contains("`-EINVAL`"));
    }

    #[test]
    fn single_number_hole_renders_without_a_range() {
        let t = parse_tbl("0 common a sys_a\n2 common b sys_b\n").unwrap();
        let md = doc_md(&t, &StatusMap::default());
        assert!(md.contains("| 1 | *(unassigned)* |"));
    }
}
