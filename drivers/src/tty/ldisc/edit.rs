//! Canonical-mode line editing: erase, word erase, kill, literal-next, reprint and line ends.

use linux_abi::uapi::termios::*;

use super::LineDiscipline;
use crate::tty::ctype::{is_alnum, is_cntrl};
use crate::tty::ring::N_TTY_BUF_SIZE;

#[derive(Clone, Copy, PartialEq, Eq)]
enum EraseKind {
    Char,
    Word,
    Line,
}

impl LineDiscipline {
    /// Canonical-mode editing and line ends (`n_tty_receive_char_canon`). Returns false if
    /// `c` is an ordinary character after all.
    pub(super) fn receive_canon(&mut self, c: u8) -> bool {
        let iexten = self.lflag(IEXTEN);
        let echo = self.lflag(ECHO);
        if c == self.cc(VERASE) || c == self.cc(VKILL) || (c == self.cc(VWERASE) && iexten) {
            self.erase(c);
            return true;
        }
        if c == self.cc(VLNEXT) && iexten {
            self.lnext = true;
            if echo {
                self.finish_erasing();
                if self.lflag(ECHOCTL) {
                    // Show a "^" and step back onto it; the quoted character overwrites it.
                    self.echo_raw(b'^');
                    self.echo_raw(0x08);
                }
            }
            return true;
        }
        if c == self.cc(VREPRINT) && echo && iexten {
            self.finish_erasing();
            self.echo_char(c);
            self.echo_raw(b'\n');
            let mut pos = self.canon_head;
            while pos != self.buf.head {
                let b = self.buf.at(pos);
                self.echo_char(b);
                pos = pos.wrapping_add(1);
            }
            return true;
        }
        // A full buffer still takes a line end, so the line can always be finished: ordinary
        // bytes stop one short of capacity (pre-3.12 n_tty; newer kernels overwrite the
        // last byte instead).
        if c == b'\n' {
            if self.buf.len() >= N_TTY_BUF_SIZE {
                self.beep();
                return true;
            }
            if echo || self.lflag(ECHONL) {
                self.echo_raw(b'\n');
            }
            self.end_line(c);
            return true;
        }
        if c == self.cc(VEOF) {
            // Stored as a NUL marking the line end; readers never see it.
            if self.buf.len() < N_TTY_BUF_SIZE {
                self.end_line(POSIX_VDISABLE);
            }
            return true;
        }
        if c == self.cc(VEOL) || (c == self.cc(VEOL2) && iexten) {
            let parmrk = c == 0xFF && self.iflag(PARMRK);
            if self.buf.len() + usize::from(parmrk) >= N_TTY_BUF_SIZE {
                self.beep();
                return true;
            }
            if echo {
                if self.canon_head == self.buf.head {
                    self.columns.canon_column = self.columns.column;
                }
                self.echo_char(c);
            }
            if parmrk {
                self.buf.push(c);
            }
            self.end_line(c);
            return true;
        }
        false
    }

    fn end_line(&mut self, c: u8) {
        if self.buf.push(c) {
            self.buf.set_line_end(self.buf.head.wrapping_sub(1));
            self.canon_head = self.buf.head;
        }
    }

    /// VERASE, VWERASE and VKILL (`eraser`).
    fn erase(&mut self, c: u8) {
        if self.buf.head == self.canon_head {
            return;
        }
        let kind = if c == self.cc(VERASE) {
            EraseKind::Char
        } else if c == self.cc(VWERASE) {
            EraseKind::Word
        } else {
            EraseKind::Line
        };
        if kind == EraseKind::Line {
            if !self.lflag(ECHO) {
                self.buf.head = self.canon_head;
                return;
            }
            if !self.lflag(ECHOK) || !self.lflag(ECHOKE) || !self.lflag(ECHOE) {
                // Show the kill character (and a newline with ECHOK) instead of rubbing out.
                self.buf.head = self.canon_head;
                self.finish_erasing();
                self.echo_char(self.cc(VKILL));
                if self.lflag(ECHOK) {
                    self.echo_raw(b'\n');
                }
                return;
            }
        }

        let mut seen_alnums = 0usize;
        while self.buf.head != self.canon_head {
            // Step back over one character: with IUTF8 its continuation bytes go too.
            let mut start = self.buf.head;
            let mut first;
            loop {
                start = start.wrapping_sub(1);
                first = self.buf.at(start);
                if !(self.is_continuation(first) && start != self.canon_head) {
                    break;
                }
            }
            if self.is_continuation(first) {
                // Only continuation bytes back to the line start: leave them alone.
                break;
            }
            if kind == EraseKind::Word {
                // Skip trailing non-word characters, then erase the word (BSD ALTWERASE).
                if is_alnum(first) || first == b'_' {
                    seen_alnums += 1;
                } else if seen_alnums > 0 {
                    break;
                }
            }
            let len = self.buf.head.wrapping_sub(start);
            self.buf.head = start;
            if self.lflag(ECHO) {
                self.echo_erased(kind, first, start, len);
            }
            if kind == EraseKind::Char {
                break;
            }
        }
        if self.buf.head == self.canon_head && self.lflag(ECHO) {
            self.finish_erasing();
        }
    }

    /// Show the removal of the `len`-byte character at `start` whose first byte is `first`.
    fn echo_erased(&mut self, kind: EraseKind, first: u8, start: usize, len: usize) {
        if self.lflag(ECHOPRT) {
            // Hardcopy style: print what was erased between "\" and "/".
            if !self.erasing {
                self.echo_raw(b'\\');
                self.erasing = true;
            }
            self.echo_char(first);
            for k in 1..len {
                let b = self.buf.at(start.wrapping_add(k));
                self.echo_raw(b);
                self.columns.column = self.columns.column.saturating_sub(1);
            }
        } else if kind == EraseKind::Char && !self.lflag(ECHOE) {
            self.echo_char(self.cc(VERASE));
        } else if first == b'\t' {
            self.echo_erase_tab();
        } else {
            let echoctl = self.lflag(ECHOCTL);
            // A control character echoed as "^X" is two columns wide; without ECHOCTL it
            // was sent raw and took none.
            let rubouts = match (is_cntrl(first), echoctl) {
                (true, true) => 2,
                (true, false) => 0,
                (false, _) => 1,
            };
            for _ in 0..rubouts {
                self.echo_raw(0x08);
                self.echo_raw(b' ');
                self.echo_raw(0x08);
            }
        }
    }

    /// Back up over a tab just removed from the buffer (which now ends where it began): count
    /// the columns of what precedes it back to the previous tab or the line start.
    fn echo_erase_tab(&mut self) {
        let mut width = 0u32;
        let mut after_tab = false;
        let mut pos = self.buf.head;
        while pos != self.canon_head {
            pos = pos.wrapping_sub(1);
            let b = self.buf.at(pos);
            if b == b'\t' {
                after_tab = true;
                break;
            } else if is_cntrl(b) {
                if self.lflag(ECHOCTL) {
                    width += 2;
                }
            } else if !self.is_continuation(b) {
                width += 1;
            }
        }
        if !after_tab {
            width = width.wrapping_add(self.columns.canon_column);
        }
        for _ in 0..8 - (width & 7) {
            self.push_echo(0x08);
            self.columns.column = self.columns.column.saturating_sub(1);
        }
    }

    pub(super) fn finish_erasing(&mut self) {
        if self.erasing {
            self.echo_raw(b'/');
            self.erasing = false;
        }
    }
}
