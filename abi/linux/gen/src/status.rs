//! Parser for `status.txt`: which syscalls this kernel implements.
//!
//! ```text
//! # comment
//! read implemented
//! mmap partial "anonymous mappings only"   # trailing comment
//! ```
//!
//! A syscall not listed is missing. Names must exist among the table's native
//! (`common`/`64`) entries and may appear once.

use std::collections::BTreeMap;

use crate::error::ParseError;
use crate::tbl::Table;

/// File name used in error messages.
pub const STATUS_FILE: &str = "status.txt";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Implemented,
    /// Callable, but only the part described by the note works.
    Partial(String),
    Missing,
}

impl Status {
    pub fn word(&self) -> &'static str {
        match self {
            Self::Implemented => "implemented",
            Self::Partial(_) => "partial",
            Self::Missing => "missing",
        }
    }

    /// Whether the kernel has a handler for it.
    pub fn has_handler(&self) -> bool {
        !matches!(self, Self::Missing)
    }
}

/// The listed syscalls, by name. Look-ups of unlisted names yield [`Status::Missing`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusMap(BTreeMap<String, Status>);

impl StatusMap {
    pub fn get(&self, name: &str) -> Status {
        self.0.get(name).cloned().unwrap_or(Status::Missing)
    }
}

/// Parses `status.txt`, checking every name against `table`.
pub fn parse_status(text: &str, table: &Table) -> Result<StatusMap, ParseError> {
    let mut map = BTreeMap::new();
    let mut first_line: BTreeMap<String, usize> = BTreeMap::new();

    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |msg: String| ParseError::new(STATUS_FILE, line_no, msg);

        let (name, rest) = split_word(line);
        let (word, rest) = split_word(rest);
        if table.native_by_name(name).is_none() {
            return Err(err(format!(
                "unknown syscall `{name}`: not a common/64 entry of syscall_64.tbl"
            )));
        }
        let (status, rest) = match word {
            "implemented" => (Status::Implemented, rest),
            "partial" => {
                let (note, rest) = parse_note(rest).map_err(err)?;
                (Status::Partial(note), rest)
            }
            "" => return Err(err(format!("missing status word after `{name}`"))),
            other => {
                return Err(err(format!(
                    "bad status word `{other}` for `{name}` (expected `implemented` or \
                     `partial \"<what is missing>\"`; unlisted syscalls are missing)"
                )));
            }
        };
        if !(rest.is_empty() || rest.starts_with('#')) {
            return Err(err(format!("unexpected text after the status: `{rest}`")));
        }
        if let Some(first) = first_line.insert(name.to_owned(), line_no) {
            return Err(err(format!(
                "duplicate entry for `{name}` (first on line {first})"
            )));
        }
        map.insert(name.to_owned(), status);
    }
    Ok(StatusMap(map))
}

/// Splits off the first whitespace-delimited word; both parts come back trimmed.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, ""),
    }
}

/// Reads `"<note>"` from the start of `s`; returns the note and what follows it.
fn parse_note(s: &str) -> Result<(String, &str), String> {
    let Some(body) = s.strip_prefix('"') else {
        return Err("`partial` needs a quoted note: partial \"<what is missing>\"".to_owned());
    };
    let Some(end) = body.find('"') else {
        return Err("unterminated note: missing closing `\"`".to_owned());
    };
    let note = body[..end].trim();
    if note.is_empty() {
        return Err("empty note: say what is missing".to_owned());
    }
    if note.chars().any(char::is_control) {
        return Err("the note contains a control character".to_owned());
    }
    Ok((note.to_owned(), body[end + 1..].trim()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tbl::parse_tbl;

    fn table() -> Table {
        parse_tbl(
            "0 common read sys_read\n1 common write sys_write\n2 common mmap sys_mmap\n\
             512 x32 rt_sigaction compat_sys_rt_sigaction\n",
        )
        .unwrap()
    }

    #[test]
    fn parses_statuses_comments_and_defaults_to_missing() {
        let text =
            "# header\n\nread implemented\n  mmap   partial  \"anon only; no files\"  # why\n";
        let map = parse_status(text, &table()).unwrap();
        assert_eq!(map.get("read"), Status::Implemented);
        assert_eq!(
            map.get("mmap"),
            Status::Partial("anon only; no files".to_owned())
        );
        assert_eq!(map.get("write"), Status::Missing);
        assert_eq!(map.get("no_such_call"), Status::Missing);
    }

    #[test]
    fn trailing_comment_after_implemented() {
        let map = parse_status("read implemented # since day one\n", &table()).unwrap();
        assert_eq!(map.get("read"), Status::Implemented);
    }

    fn err_of(text: &str) -> ParseError {
        parse_status(text, &table()).unwrap_err()
    }

    #[test]
    fn rejects_unknown_name_with_its_line() {
        let e = err_of("read implemented\n\nreadd implemented\n");
        assert_eq!((e.file, e.line), (STATUS_FILE, 3));
        assert!(e.message.contains("unknown syscall `readd`"), "{e}");
    }

    #[test]
    fn rejects_x32_only_name() {
        let e = err_of("rt_sigaction implemented\n");
        assert!(e.message.contains("unknown syscall `rt_sigaction`"), "{e}");
    }

    #[test]
    fn rejects_duplicates() {
        let e = err_of("read implemented\nwrite implemented\nread partial \"x\"\n");
        assert_eq!(e.line, 3);
        assert!(
            e.message
                .contains("duplicate entry for `read` (first on line 1)"),
            "{e}"
        );
    }

    #[test]
    fn rejects_bad_status_words() {
        let e = err_of("read implemnted\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("bad status word `implemnted`"), "{e}");
        assert!(
            err_of("read missing\n")
                .message
                .contains("bad status word `missing`")
        );
        assert!(
            err_of("read Implemented\n")
                .message
                .contains("bad status word")
        );
        assert!(err_of("read\n").message.contains("missing status word"));
    }

    #[test]
    fn rejects_malformed_notes_and_trailing_text() {
        assert!(
            err_of("mmap partial\n")
                .message
                .contains("needs a quoted note")
        );
        assert!(
            err_of("mmap partial anon\n")
                .message
                .contains("needs a quoted note")
        );
        assert!(
            err_of("mmap partial \"anon\n")
                .message
                .contains("unterminated")
        );
        assert!(
            err_of("mmap partial \"  \"\n")
                .message
                .contains("empty note")
        );
        assert!(
            err_of("mmap partial \"a\tb\"\n")
                .message
                .contains("control character")
        );
        assert!(
            err_of("mmap partial \"a\" b\n")
                .message
                .contains("unexpected text")
        );
        assert!(
            err_of("read implemented now\n")
                .message
                .contains("unexpected text")
        );
    }
}
