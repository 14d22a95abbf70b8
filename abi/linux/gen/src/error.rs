//! The one error type: a problem in an input file, located by line.

use core::fmt;

/// A defect in `syscall_64.tbl` or `status.txt`, with the 1-based line it is on,
/// so the message points the editor straight at the line to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The input file's name as the user knows it (`status.txt`).
    pub file: &'static str,
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(file: &'static str, line: usize, message: impl Into<String>) -> Self {
        Self {
            file,
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}
