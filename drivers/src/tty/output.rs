//! OPOST output processing (`do_output_char` in drivers/tty/n_tty.c) and the column
//! bookkeeping that echo's tab erasure relies on.

use linux_abi::uapi::termios::{IUTF8, OCRNL, OLCUC, ONLCR, ONLRET, ONOCR, TABDLY, Termios, XTABS};

use super::ctype;

/// Cursor position as far as the line discipline can tell from what it has sent.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Columns {
    pub column: u32,
    /// Column where the current canonical input line started, for erasing tabs.
    pub canon_column: u32,
}

impl Columns {
    /// Send `c` with OPOST processing (the caller has checked that OPOST is set).
    /// Delays (NLDLY, CRDLY, ...) are ignored, as in Linux.
    pub fn put(&mut self, t: &Termios, mut c: u8, out: &mut impl FnMut(u8)) {
        let oflag = |f: u32| t.c_oflag & f != 0;
        match c {
            b'\n' => {
                if oflag(ONLRET) {
                    self.column = 0;
                }
                if oflag(ONLCR) {
                    self.column = 0;
                    self.canon_column = 0;
                    out(b'\r');
                    out(b'\n');
                    return;
                }
                self.canon_column = self.column;
            }
            b'\r' => {
                if oflag(ONOCR) && self.column == 0 {
                    return;
                }
                if oflag(OCRNL) {
                    c = b'\n';
                    if oflag(ONLRET) {
                        self.column = 0;
                        self.canon_column = 0;
                    }
                } else {
                    self.column = 0;
                    self.canon_column = 0;
                }
            }
            b'\t' => {
                let spaces = 8 - (self.column & 7);
                self.column = self.column.wrapping_add(spaces);
                if t.c_oflag & TABDLY == XTABS {
                    for _ in 0..spaces {
                        out(b' ');
                    }
                    return;
                }
            }
            0x08 => self.column = self.column.saturating_sub(1),
            _ if !ctype::is_cntrl(c) => {
                if oflag(OLCUC) {
                    c = ctype::to_upper(c);
                }
                let continuation = t.c_iflag & IUTF8 != 0 && c & 0xC0 == 0x80;
                if !continuation {
                    self.column = self.column.wrapping_add(1);
                }
            }
            _ => {}
        }
        out(c);
    }
}
