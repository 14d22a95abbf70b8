//! Echo of typed input and OPOST processing of written output.

use alloc::collections::VecDeque;

use linux_abi::uapi::termios::*;

use super::LineDiscipline;
use crate::tty::ctype::is_cntrl;
use crate::tty::ring::N_TTY_BUF_SIZE;

/// Bound on echo bytes waiting for `flush_echoes`; the oldest are dropped beyond it, as
/// n_tty discards the tail of its echo buffer.
const ECHO_BUF_SIZE: usize = N_TTY_BUF_SIZE;

impl LineDiscipline {
    pub(super) fn beep(&mut self) {
        if self.lflag(ECHO) {
            self.push_echo(0x07);
        }
    }

    pub(super) fn push_echo(&mut self, b: u8) {
        push_bounded(&mut self.echo, b);
    }

    /// Echo a byte as is, with OPOST processing if enabled (`echo_char_raw`).
    pub(super) fn echo_raw(&mut self, c: u8) {
        if c == 0xFF {
            // n_tty escapes 0xFF in its echo buffer and then sends it unprocessed.
            self.push_echo(c);
            self.columns.column = self.columns.column.wrapping_add(1);
        } else if self.oflag(OPOST) {
            let Self {
                columns,
                termios,
                echo,
                ..
            } = self;
            columns.put(termios, c, &mut |b| push_bounded(echo, b));
        } else {
            self.push_echo(c);
        }
    }

    /// Echo a typed byte: with ECHOCTL, control characters other than tab show as "^X".
    pub(super) fn echo_char(&mut self, c: u8) {
        if self.lflag(ECHOCTL) && is_cntrl(c) && c != b'\t' {
            self.push_echo(b'^');
            self.push_echo(c ^ 0x40);
            self.columns.column = self.columns.column.wrapping_add(2);
        } else {
            self.echo_raw(c);
        }
    }

    /// True if echo output is waiting for `flush_echoes`.
    pub fn has_echo(&self) -> bool {
        !self.echo.is_empty()
    }

    /// Send pending echo output to `sink`, unless output is stopped (it then stays queued).
    pub fn flush_echoes(&mut self, sink: &mut dyn FnMut(u8)) {
        if self.output_stopped() {
            return;
        }
        while let Some(b) = self.echo.pop_front() {
            sink(b);
        }
    }

    /// write(2) data: pending echo first, then `bytes` with OPOST processing, to `sink`.
    /// This does not wait: while `output_stopped()` the caller should hold writers back.
    pub fn process_output(&mut self, bytes: &[u8], sink: &mut dyn FnMut(u8)) {
        while let Some(b) = self.echo.pop_front() {
            sink(b);
        }
        if !self.oflag(OPOST) {
            bytes.iter().for_each(|&b| sink(b));
            return;
        }
        for &b in bytes {
            self.columns.put(&self.termios, b, &mut |o| sink(o));
        }
    }
}

fn push_bounded(queue: &mut VecDeque<u8>, b: u8) {
    if queue.len() >= ECHO_BUF_SIZE {
        queue.pop_front();
    }
    queue.push_back(b);
}
