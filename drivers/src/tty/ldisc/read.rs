//! The reader's side: what is readable, how long a read waits, and copying out.

use linux_abi::uapi::termios::*;

use super::LineDiscipline;

/// How a blocking read(2) waits, from ICANON, VMIN and VTIME (the `n_tty_read` loop).
///
/// In every non-canonical case the caller loops: copy what `read` gives, stop once the total
/// reaches `min` (or the user buffer is full), otherwise sleep until `can_read` or the timer.
/// O_NONBLOCK with nothing readable is EAGAIN in all cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadWait {
    /// ICANON: sleep until `can_read`; one `read` returns at most one line; 0 means end of file.
    Line,
    /// VMIN > 0, VTIME = 0: sleep until `min` bytes have been read in total.
    Count { min: usize },
    /// VMIN > 0, VTIME > 0: sleep without limit for the first byte; afterwards return when
    /// `min` bytes have been read or `deciseconds` pass without more input (the timer restarts
    /// after each chunk).
    InterByte { min: usize, deciseconds: u8 },
    /// VMIN = 0, VTIME > 0: wait at most `deciseconds` for any input; may return 0.
    Timeout { deciseconds: u8 },
    /// VMIN = 0, VTIME = 0: return what is there, possibly 0, without sleeping.
    Poll,
}

impl LineDiscipline {
    /// A read would return something now: a complete line (or EOF) in canonical mode, at
    /// least one byte otherwise.
    pub fn can_read(&self) -> bool {
        if self.icanon() {
            self.canon_head != self.buf.tail
        } else {
            self.buf.len() > 0
        }
    }

    /// poll(2)'s POLLIN: like `can_read`, except that in non-canonical mode with VTIME = 0
    /// it waits for VMIN bytes.
    pub fn poll_readable(&self) -> bool {
        if self.icanon() {
            return self.can_read();
        }
        let min = usize::from(self.cc(VMIN));
        let wanted = if self.cc(VTIME) == 0 && min > 0 {
            min
        } else {
            1
        };
        self.buf.len() >= wanted
    }

    /// How a blocking read must wait; see [`ReadWait`].
    pub fn read_wait(&self) -> ReadWait {
        if self.icanon() {
            return ReadWait::Line;
        }
        let min = usize::from(self.cc(VMIN));
        match (min, self.cc(VTIME)) {
            (0, 0) => ReadWait::Poll,
            (0, deciseconds) => ReadWait::Timeout { deciseconds },
            (min, 0) => ReadWait::Count { min },
            (min, deciseconds) => ReadWait::InterByte { min, deciseconds },
        }
    }

    /// Copy readable input into `dest`; returns the byte count. A canonical read returns at
    /// most one line, without the VEOF character; 0 then means end of file if `can_read` was
    /// true before the call, and "nothing there" otherwise.
    pub fn read(&mut self, dest: &mut [u8]) -> usize {
        if dest.is_empty() {
            return 0;
        }
        if self.icanon() {
            self.read_line(dest)
        } else {
            self.read_raw(dest)
        }
    }

    fn copy_out(&self, dest: &mut [u8], count: usize) {
        let tail = self.buf.tail;
        for (k, d) in dest.iter_mut().take(count).enumerate() {
            *d = self.buf.at(tail.wrapping_add(k));
        }
    }

    /// `canon_copy_from_read_buf`, with tty_read's follow-up `canon_skip_eof`.
    fn read_line(&mut self, dest: &mut [u8]) -> usize {
        let tail = self.buf.tail;
        let n = dest.len().min(self.canon_head.wrapping_sub(tail));
        let line_end = (0..n).find(|&k| self.buf.is_line_end(tail.wrapping_add(k)));
        let (copied, consumed) = match line_end {
            Some(k) => {
                let pos = tail.wrapping_add(k);
                self.buf.clear_line_end(pos);
                let eof = self.buf.at(pos) == POSIX_VDISABLE;
                (if eof { k } else { k + 1 }, k + 1)
            }
            None => (n, n),
        };
        self.copy_out(dest, copied);
        self.buf.tail = tail.wrapping_add(consumed);
        if line_end.is_none() {
            // The buffer filled exactly up to an EOF mark: drop it now, or the next read
            // would return a spurious end of file.
            let next = self.buf.tail;
            if next != self.canon_head
                && self.buf.is_line_end(next)
                && self.buf.at(next) == POSIX_VDISABLE
            {
                self.buf.clear_line_end(next);
                self.buf.tail = next.wrapping_add(1);
            }
        }
        copied
    }

    fn read_raw(&mut self, dest: &mut [u8]) -> usize {
        let n = dest.len().min(self.buf.len());
        self.copy_out(dest, n);
        self.buf.tail = self.buf.tail.wrapping_add(n);
        n
    }

    /// FIONREAD/TIOCINQ: bytes a reader could get now (complete lines, less EOF marks, in
    /// canonical mode).
    pub fn input_available(&self) -> usize {
        if !self.icanon() {
            return self.buf.len();
        }
        let mut pos = self.buf.tail;
        let mut count = 0;
        while pos != self.canon_head {
            if !(self.buf.is_line_end(pos) && self.buf.at(pos) == POSIX_VDISABLE) {
                count += 1;
            }
            pos = pos.wrapping_add(1);
        }
        count
    }
}
