//! The n_tty read buffer: a power-of-two ring addressed by free-running positions (they only
//! ever grow, wrapping at usize::MAX, and are masked on access), with one "a line ends here"
//! flag per slot as Linux keeps in `read_flags`.

use alloc::boxed::Box;

/// Capacity of the input buffer (`N_TTY_BUF_SIZE`).
pub const N_TTY_BUF_SIZE: usize = 4096;
const MASK: usize = N_TTY_BUF_SIZE - 1;
const FLAG_WORDS: usize = N_TTY_BUF_SIZE / 64;

pub(super) struct ReadBuf {
    data: Box<[u8; N_TTY_BUF_SIZE]>,
    line_end: Box<[u64; FLAG_WORDS]>,
    /// Position the next received byte is stored at.
    pub head: usize,
    /// Position of the next byte a reader gets.
    pub tail: usize,
}

impl ReadBuf {
    pub fn new() -> Self {
        Self {
            data: Box::new([0; N_TTY_BUF_SIZE]),
            line_end: Box::new([0; FLAG_WORDS]),
            head: 0,
            tail: 0,
        }
    }

    /// Bytes stored and not yet read.
    pub fn len(&self) -> usize {
        self.head.wrapping_sub(self.tail)
    }

    /// Append a byte; refuses (returns false) rather than overwrite unread data.
    pub fn push(&mut self, c: u8) -> bool {
        if self.len() >= N_TTY_BUF_SIZE {
            return false;
        }
        self.data[self.head & MASK] = c;
        self.head = self.head.wrapping_add(1);
        true
    }

    pub fn at(&self, pos: usize) -> u8 {
        self.data[pos & MASK]
    }

    fn flag_slot(pos: usize) -> (usize, u64) {
        let i = pos & MASK;
        (i / 64, 1 << (i % 64))
    }

    pub fn is_line_end(&self, pos: usize) -> bool {
        let (word, bit) = Self::flag_slot(pos);
        self.line_end[word] & bit != 0
    }

    pub fn set_line_end(&mut self, pos: usize) {
        let (word, bit) = Self::flag_slot(pos);
        self.line_end[word] |= bit;
    }

    pub fn clear_line_end(&mut self, pos: usize) {
        let (word, bit) = Self::flag_slot(pos);
        self.line_end[word] &= !bit;
    }

    pub fn clear_line_ends(&mut self) {
        self.line_end.fill(0);
    }

    /// Drop everything (`reset_buffer_flags`).
    pub fn reset(&mut self) {
        self.head = 0;
        self.tail = 0;
        self.clear_line_ends();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_refuses_when_full() {
        let mut r = ReadBuf::new();
        r.head = usize::MAX - 1;
        r.tail = usize::MAX - 1;
        for i in 0..N_TTY_BUF_SIZE {
            assert!(r.push(i as u8));
        }
        assert!(!r.push(0));
        assert_eq!(r.len(), N_TTY_BUF_SIZE);
        assert_eq!(r.at(r.tail), 0);
        assert_eq!(r.at(r.tail.wrapping_add(5)), 5);
        r.set_line_end(r.head.wrapping_sub(1));
        assert!(r.is_line_end(r.tail.wrapping_add(N_TTY_BUF_SIZE - 1)));
        r.clear_line_end(r.tail.wrapping_sub(1));
        assert!(!r.is_line_end(r.head.wrapping_sub(1)));
    }
}
