//! A text buffer with the `seq_file` primitives Linux builds its /proc files from, so the
//! generators can follow the C code call for call and get the same bytes.

use alloc::vec::Vec;
use core::fmt;

pub(crate) struct Seq {
    buf: Vec<u8>,
    /// `seq_setwidth`: where `pad` fills to.
    pad_until: usize,
}

impl Seq {
    pub fn new() -> Seq {
        Seq {
            buf: Vec::new(),
            pad_until: 0,
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn puts(&mut self, s: &[u8]) {
        self.buf.extend_from_slice(s);
    }

    pub fn putc(&mut self, c: u8) {
        self.buf.push(c);
    }

    /// `seq_put_decimal_ull`: the delimiter, then the number.
    pub fn dec(&mut self, delimiter: &str, v: u64) {
        self.dec_width(delimiter, v, 1);
    }

    /// `seq_put_decimal_ll`.
    pub fn dec_signed(&mut self, delimiter: &str, v: i64) {
        self.puts(delimiter.as_bytes());
        if v < 0 {
            self.putc(b'-');
        }
        self.number(v.unsigned_abs(), 10, 1, b' ');
    }

    /// `seq_put_decimal_ull_width`: the number right-aligned in `width` columns.
    pub fn dec_width(&mut self, delimiter: &str, v: u64, width: usize) {
        self.puts(delimiter.as_bytes());
        self.number(v, 10, width, b' ');
    }

    /// Decimal, zero-padded to `width` digits (`%02lu`).
    pub fn dec_zero_padded(&mut self, v: u64, width: usize) {
        self.number(v, 10, width, b'0');
    }

    /// `seq_put_hex_ll`: lowercase hex, zero-padded to `width` digits.
    pub fn hex(&mut self, delimiter: &str, v: u64, width: usize) {
        self.puts(delimiter.as_bytes());
        self.number(v, 16, width, b'0');
    }

    /// Octal, zero-padded to `width` digits.
    pub fn oct(&mut self, v: u64, width: usize) {
        self.number(v, 8, width, b'0');
    }

    fn number(&mut self, mut v: u64, base: u64, width: usize, fill: u8) {
        let mut digits = [0u8; 64];
        let mut n = 0;
        loop {
            digits[n] = b"0123456789abcdef"[(v % base) as usize];
            n += 1;
            v /= base;
            if v == 0 {
                break;
            }
        }
        for _ in n..width {
            self.putc(fill);
        }
        self.buf.extend(digits[..n].iter().rev());
    }

    /// `seq_setwidth`: `pad` will fill the line up to `width` bytes from here.
    pub fn set_width(&mut self, width: usize) {
        self.pad_until = self.buf.len() + width;
    }

    /// `seq_pad`: spaces up to the width set, then `c`.
    pub fn pad(&mut self, c: u8) {
        while self.buf.len() < self.pad_until {
            self.putc(b' ');
        }
        self.putc(c);
    }

    /// `seq_escape`: bytes in `esc` become `\ooo`.
    pub fn escape(&mut self, s: &[u8], esc: &[u8]) {
        for &c in s {
            if esc.contains(&c) {
                self.putc(b'\\');
                self.oct(u64::from(c), 3);
            } else {
                self.putc(c);
            }
        }
    }
}

impl fmt::Write for Seq {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.puts(s.as_bytes());
        Ok(())
    }
}

/// Characters `/proc/mounts` and `mountinfo` escape in names and paths.
pub(crate) const MOUNT_ESCAPES: &[u8] = b" \t\n\\";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_match_seq_file() {
        let mut s = Seq::new();
        s.dec("", 0);
        s.dec(" ", 42);
        s.dec_signed(" ", -1);
        s.dec_signed(" ", i64::MIN);
        s.dec_width(" x", 7, 8);
        s.dec_width(" ", 123456789, 3);
        s.hex(" ", 0, 8);
        s.hex("-", 0x7fff_dead_beef, 8);
        s.escape(b" a\\b\t", MOUNT_ESCAPES);
        assert_eq!(
            s.into_bytes(),
            b"0 42 -1 -9223372036854775808 x       7 123456789 00000000-7fffdeadbeef\\040a\\134b\\011"
        );
    }

    #[test]
    fn pad_fills_to_width_then_adds_char() {
        let mut s = Seq::new();
        s.puts(b"xx");
        s.set_width(5);
        s.puts(b"abc");
        s.pad(b'|');
        s.set_width(2);
        s.puts(b"long");
        s.pad(b'!');
        assert_eq!(s.into_bytes(), b"xxabc  |long!");
    }
}
