//! Parser for Linux's `arch/x86/entry/syscalls/syscall_64.tbl`.
//!
//! Each non-comment line is `<number> <abi> <name> [<entry point> [<compat entry point>
//! [noreturn]]]`, fields separated by any whitespace (Linux's own scripts split on
//! whitespace, and the real file mixes tabs and spaces, e.g. the `mseal` line).

use std::collections::BTreeMap;

use crate::error::ParseError;

/// File name used in error messages.
pub const TBL_FILE: &str = "syscall_64.tbl";

/// Which ABI a line belongs to. In this file `common` means "x86_64 and x32",
/// `64` means "x86_64 only" and `x32` means "x32 only".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    Common,
    Sixty4,
    X32,
}

impl Abi {
    fn parse(word: &str) -> Option<Self> {
        match word {
            "common" => Some(Self::Common),
            "64" => Some(Self::Sixty4),
            "x32" => Some(Self::X32),
            _ => None,
        }
    }

    /// Whether a native x86_64 process can reach this entry.
    pub fn is_native(self) -> bool {
        matches!(self, Self::Common | Self::Sixty4)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Common => "common",
            Self::Sixty4 => "64",
            Self::X32 => "x32",
        }
    }
}

/// One line of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TblEntry {
    pub nr: u16,
    pub abi: Abi,
    pub name: String,
    /// `None` for numbers Linux reserves without an implementation (`uselib`,
    /// `tuxcall`, ...): the kernel wires those to `sys_ni_syscall`.
    pub entry: Option<String>,
    /// The 5th column; `-` in the file means "none".
    pub compat_entry: Option<String>,
    pub noreturn: bool,
}

/// The parsed table, split by ABI and sorted by number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// `common` and `64` entries: what an x86_64 process sees.
    pub native: Vec<TblEntry>,
    /// `x32` entries (512–547 in Linux): numbers only an x32 process uses.
    pub x32: Vec<TblEntry>,
}

impl Table {
    /// One past the highest native number: the length of the dispatch table.
    pub fn nr_syscalls(&self) -> usize {
        self.native.last().map_or(0, |e| usize::from(e.nr) + 1)
    }

    /// The native entry named `name`, if any.
    pub fn native_by_name(&self, name: &str) -> Option<&TblEntry> {
        self.native.iter().find(|e| e.name == name)
    }

    /// The native entries laid out by number; `None` marks numbers the table skips.
    pub fn native_slots(&self) -> Vec<Option<&TblEntry>> {
        let mut slots = vec![None; self.nr_syscalls()];
        for e in &self.native {
            if let Some(slot) = slots.get_mut(usize::from(e.nr)) {
                *slot = Some(e);
            }
        }
        slots
    }
}

/// Syscall names become Rust identifiers (`nr::READ`, `sys_read`), so restrict them to
/// what is valid there: lowercase ASCII, digits and `_`, not starting with a digit and
/// not just underscores.
pub(crate) fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_lowercase() || first == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.chars().any(|c| c != '_')
}

fn is_valid_symbol(sym: &str) -> bool {
    !sym.is_empty() && sym.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses the whole file. Blank lines and `#` comment lines are skipped; anything
/// else must be a well-formed entry, and numbers and (per ABI) names must be unique.
pub fn parse_tbl(text: &str) -> Result<Table, ParseError> {
    let mut native = Vec::new();
    let mut x32 = Vec::new();
    // number -> line, and (is_native, name) -> line, for duplicate diagnostics.
    let mut seen_nr: BTreeMap<u16, usize> = BTreeMap::new();
    let mut seen_name: BTreeMap<(bool, String), usize> = BTreeMap::new();

    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let entry = parse_line(line, line_no)?;

        if let Some(first) = seen_nr.insert(entry.nr, line_no) {
            return Err(ParseError::new(
                TBL_FILE,
                line_no,
                format!(
                    "duplicate syscall number {} (first on line {first})",
                    entry.nr
                ),
            ));
        }
        let key = (entry.abi.is_native(), entry.name.clone());
        if let Some(first) = seen_name.insert(key, line_no) {
            return Err(ParseError::new(
                TBL_FILE,
                line_no,
                format!(
                    "duplicate {} syscall name `{}` (first on line {first})",
                    entry.abi.as_str(),
                    entry.name
                ),
            ));
        }

        if entry.abi.is_native() {
            native.push(entry);
        } else {
            x32.push(entry);
        }
    }

    native.sort_by_key(|e| e.nr);
    x32.sort_by_key(|e| e.nr);
    Ok(Table { native, x32 })
}

fn parse_line(line: &str, line_no: usize) -> Result<TblEntry, ParseError> {
    let err = |msg: String| ParseError::new(TBL_FILE, line_no, msg);
    let fields: Vec<&str> = line.split_whitespace().collect();
    let [nr, abi, name, rest @ ..] = fields.as_slice() else {
        return Err(err(format!(
            "expected `<number> <abi> <name> [<entry point>]`, got `{line}`"
        )));
    };
    if rest.len() > 3 {
        return Err(err(format!("too many fields in `{line}`")));
    }

    let nr: u16 = nr.parse().map_err(|_| {
        err(format!(
            "syscall number `{nr}` is not a number in 0..=65535"
        ))
    })?;
    let abi = Abi::parse(abi)
        .ok_or_else(|| err(format!("unknown ABI `{abi}` (expected common, 64 or x32)")))?;
    if !is_valid_name(name) {
        return Err(err(format!("invalid syscall name `{name}`")));
    }

    let symbol = |field: Option<&&str>, what: &str| -> Result<Option<String>, ParseError> {
        match field {
            None | Some(&"-") => Ok(None),
            Some(s) if is_valid_symbol(s) => Ok(Some((*s).to_owned())),
            Some(s) => Err(err(format!("invalid {what} `{s}`"))),
        }
    };
    let entry = match rest.first() {
        Some(&"-") => return Err(err("the entry point cannot be `-`".to_owned())),
        other => symbol(other, "entry point")?,
    };
    let compat_entry = symbol(rest.get(1), "compat entry point")?;
    let noreturn = match rest.get(2) {
        None => false,
        Some(&"noreturn") => true,
        Some(s) => return Err(err(format!("unknown flag `{s}` (expected noreturn)"))),
    };

    Ok(TblEntry {
        nr,
        abi,
        name: (*name).to_owned(),
        entry,
        compat_entry,
        noreturn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note
#
# The format is:
# <number> <abi> <name> <entry point> [<compat entry point> [noreturn]]

0\tcommon\tread\t\t\tsys_read
1\t64\trt_sigreturn\t\tsys_rt_sigreturn
  # an indented comment
2\t64\tuselib
4 \tcommon  mseal\t\t\tsys_mseal
3\tcommon\texit\t\t\tsys_exit\t\t\t-\t\t\tnoreturn

512\tx32\trt_sigaction\t\tcompat_sys_rt_sigaction
513\tx32\treadv\t\t\tsys_readv
";

    #[test]
    fn parses_entries_comments_blank_lines_and_x32() {
        let t = parse_tbl(SAMPLE).unwrap();
        let names: Vec<_> = t.native.iter().map(|e| (e.nr, e.name.as_str())).collect();
        assert_eq!(
            names,
            [
                (0, "read"),
                (1, "rt_sigreturn"),
                (2, "uselib"),
                (3, "exit"),
                (4, "mseal")
            ]
        );
        assert_eq!(t.native[1].abi, Abi::Sixty4);
        assert_eq!(t.x32.len(), 2);
        assert_eq!(t.x32[0].nr, 512);
        assert_eq!(t.x32[0].abi, Abi::X32);
        assert_eq!(t.x32[0].entry.as_deref(), Some("compat_sys_rt_sigaction"));
        assert_eq!(
            t.nr_syscalls(),
            5,
            "x32 numbers must not size the native table"
        );
    }

    #[test]
    fn entry_points_compat_and_noreturn() {
        let t = parse_tbl(SAMPLE).unwrap();
        let read = t.native_by_name("read").unwrap();
        assert_eq!(read.entry.as_deref(), Some("sys_read"));
        assert!(!read.noreturn);
        let uselib = t.native_by_name("uselib").unwrap();
        assert_eq!(uselib.entry, None);
        let exit = t.native_by_name("exit").unwrap();
        assert_eq!(exit.entry.as_deref(), Some("sys_exit"));
        assert_eq!(exit.compat_entry, None, "`-` means no compat entry point");
        assert!(exit.noreturn);
        // Mixed spaces and tabs, as on Linux's real `mseal` line.
        assert_eq!(
            t.native_by_name("mseal").unwrap().entry.as_deref(),
            Some("sys_mseal")
        );
    }

    #[test]
    fn holes_are_empty_slots() {
        let t = parse_tbl("0 common read sys_read\n5 common write sys_write\n").unwrap();
        assert_eq!(t.nr_syscalls(), 6);
        let slots = t.native_slots();
        assert_eq!(slots.len(), 6);
        assert!(slots[0].is_some() && slots[5].is_some());
        assert!(slots[1..5].iter().all(Option::is_none));
    }

    #[test]
    fn empty_table_has_no_slots() {
        let t = parse_tbl("# nothing\n\n").unwrap();
        assert_eq!(t.nr_syscalls(), 0);
        assert!(t.native_slots().is_empty());
    }

    fn err_of(text: &str) -> ParseError {
        parse_tbl(text).unwrap_err()
    }

    #[test]
    fn rejects_malformed_lines_naming_the_line() {
        let e = err_of("0 common read sys_read\n1 common\n");
        assert_eq!((e.file, e.line), (TBL_FILE, 2));
        assert!(e.message.contains("expected"), "{e}");

        let e = err_of("x common read sys_read\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("not a number"), "{e}");

        assert!(
            err_of("70000 common read sys_read\n")
                .message
                .contains("not a number")
        );
        assert!(
            err_of("0 i386 read sys_read\n")
                .message
                .contains("unknown ABI `i386`")
        );
        assert!(
            err_of("0 common Read sys_read\n")
                .message
                .contains("invalid syscall name")
        );
        assert!(
            err_of("0 common 9p sys_read\n")
                .message
                .contains("invalid syscall name")
        );
        assert!(
            err_of("0 common __ sys_read\n")
                .message
                .contains("invalid syscall name")
        );
        assert!(
            err_of("0 common read sys-read\n")
                .message
                .contains("invalid entry point")
        );
        assert!(
            err_of("0 common read -\n")
                .message
                .contains("cannot be `-`")
        );
        assert!(
            err_of("0 common read sys_read - always\n")
                .message
                .contains("unknown flag")
        );
        assert!(
            err_of("0 common read a b noreturn extra\n")
                .message
                .contains("too many fields")
        );
    }

    #[test]
    fn rejects_duplicates() {
        let e = err_of("0 common read sys_read\n\n0 common write sys_write\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("duplicate syscall number 0 (first on line 1)"),
            "{e}"
        );

        let e = err_of("0 common read sys_read\n1 64 read sys_read\n");
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("duplicate 64 syscall name `read`"),
            "{e}"
        );
    }

    #[test]
    fn x32_may_reuse_a_native_name() {
        let t = parse_tbl("19 64 readv sys_readv\n515 x32 readv sys_readv\n").unwrap();
        assert_eq!(t.native.len(), 1);
        assert_eq!(t.x32.len(), 1);
    }

    #[test]
    fn sorts_by_number() {
        let t = parse_tbl("2 common b sys_b\n0 common a sys_a\n").unwrap();
        assert_eq!(t.native[0].name, "a");
        assert_eq!(t.native[1].name, "b");
    }
}
