//! The N_TTY line discipline (drivers/tty/n_tty.c) as pure state: bytes in from the device,
//! bytes out to readers, echo and processed output to a caller-supplied sink.
//!
//! Nothing here blocks or signals. The caller (the kernel's tty device) holds this behind a
//! lock, feeds `receive` from the UART, wakes readers when `can_read` turns true, sends the
//! signals `receive` reports to the foreground process group, implements VMIN/VTIME waiting
//! as `read_wait` describes, and writes `flush_echoes`/`process_output` bytes to the UART.

mod echo;
mod edit;
mod read;

use alloc::collections::VecDeque;

use linux_abi::uapi::termios::*;
use linux_abi::{Errno, SysResult};

use super::ctype::to_lower;
use super::output::Columns;
use super::ring::{N_TTY_BUF_SIZE, ReadBuf};

pub use read::ReadWait;

/// A signal a typed character raises (ISIG). The caller sends it to the foreground process group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TtySignal {
    /// VINTR (^C).
    Sigint,
    /// VQUIT (^\).
    Sigquit,
    /// VSUSP (^Z).
    Sigtstp,
}

impl TtySignal {
    /// The x86_64 signal number.
    pub const fn number(self) -> u32 {
        match self {
            Self::Sigint => 2,
            Self::Sigquit => 3,
            Self::Sigtstp => 20,
        }
    }
}

/// When new termios settings take effect (TCSETS, TCSETSW, TCSETSF and their variants).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermiosAction {
    /// TCSETS: immediately.
    Now,
    /// TCSETSW: after pending output drained. There is no output queue here, so the caller
    /// waits for its own transmitter, if it has one, then applies it like `Now`.
    Drain,
    /// TCSETSF: like Drain, and pending input is discarded.
    Flush,
}

impl TermiosAction {
    /// The action of a set-termios ioctl number, or `None` if `cmd` is not one.
    pub fn from_ioctl(cmd: u32) -> Option<Self> {
        match cmd {
            TCSETS | TCSETS2 | TCSETA => Some(Self::Now),
            TCSETSW | TCSETSW2 | TCSETAW => Some(Self::Drain),
            TCSETSF | TCSETSF2 | TCSETAF => Some(Self::Flush),
            _ => None,
        }
    }
}

/// Which of the 256 byte values need more than "store and echo" (n_tty's `char_map`).
#[derive(Clone, Copy, Default)]
struct CharMap([u64; 4]);

impl CharMap {
    fn set(&mut self, c: u8) {
        self.0[usize::from(c >> 6)] |= 1 << (c & 63);
    }

    fn contains(&self, c: u8) -> bool {
        self.0[usize::from(c >> 6)] & (1 << (c & 63)) != 0
    }

    /// The bytes `n_tty_set_termios` marks. NUL is never special: a c_cc entry of 0 means
    /// "disabled", so a NUL byte must not match it.
    fn build(t: &Termios) -> Self {
        let mut map = Self::default();
        let i = |f: u32| t.c_iflag & f != 0;
        let l = |f: u32| t.c_lflag & f != 0;
        let cc = |v: usize| t.c_cc[v];
        if i(IGNCR) || i(ICRNL) {
            map.set(b'\r');
        }
        if i(INLCR) {
            map.set(b'\n');
        }
        if l(ICANON) {
            for v in [VERASE, VKILL, VEOF, VEOL] {
                map.set(cc(v));
            }
            map.set(b'\n');
            if l(IEXTEN) {
                for v in [VWERASE, VLNEXT, VEOL2] {
                    map.set(cc(v));
                }
                if l(ECHO) {
                    map.set(cc(VREPRINT));
                }
            }
        }
        if i(IXON) {
            map.set(cc(VSTART));
            map.set(cc(VSTOP));
        }
        if l(ISIG) {
            for v in [VINTR, VQUIT, VSUSP] {
                map.set(cc(v));
            }
        }
        map.0[0] &= !1;
        map
    }
}

/// The line discipline of one terminal.
pub struct LineDiscipline {
    termios: Termios,
    winsize: WinSize,
    buf: ReadBuf,
    /// End of the last complete line; canonical readers see only bytes before it.
    canon_head: usize,
    special: CharMap,
    /// The previous byte was VLNEXT: take the next one literally.
    lnext: bool,
    /// Inside an ECHOPRT "\erased/" group.
    erasing: bool,
    /// Output suspended by VSTOP (IXON).
    stopped: bool,
    /// Output suspended by tcflow(TCOOFF); VSTART does not undo this.
    tco_stopped: bool,
    columns: Columns,
    echo: VecDeque<u8>,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        Self::new(TTY_STD_TERMIOS)
    }
}

impl LineDiscipline {
    pub fn new(termios: Termios) -> Self {
        Self {
            termios,
            winsize: WinSize::default(),
            buf: ReadBuf::new(),
            canon_head: 0,
            special: CharMap::build(&termios),
            lnext: false,
            erasing: false,
            stopped: false,
            tco_stopped: false,
            columns: Columns::default(),
            echo: VecDeque::new(),
        }
    }

    fn iflag(&self, f: u32) -> bool {
        self.termios.c_iflag & f != 0
    }

    fn oflag(&self, f: u32) -> bool {
        self.termios.c_oflag & f != 0
    }

    fn lflag(&self, f: u32) -> bool {
        self.termios.c_lflag & f != 0
    }

    fn cc(&self, v: usize) -> u8 {
        self.termios.c_cc[v]
    }

    fn icanon(&self) -> bool {
        self.lflag(ICANON)
    }

    fn is_continuation(&self, c: u8) -> bool {
        self.iflag(IUTF8) && c & 0xC0 == 0x80
    }

    // ---- settings -------------------------------------------------------------------------

    pub fn termios(&self) -> Termios {
        self.termios
    }

    /// TCSETS/TCSETSW/TCSETSF (`set_termios` + `n_tty_set_termios`).
    pub fn set_termios(&mut self, new: Termios, action: TermiosAction) {
        if action == TermiosAction::Flush {
            self.flush_input();
        }
        let old = core::mem::replace(&mut self.termios, new);
        if (old.c_lflag ^ new.c_lflag) & ICANON != 0 {
            self.buf.clear_line_ends();
            if self.icanon() && self.buf.len() != 0 {
                // Everything typed in raw mode becomes one complete line.
                self.buf.set_line_end(self.buf.head.wrapping_sub(1));
                self.canon_head = self.buf.head;
            } else {
                self.canon_head = self.buf.tail;
            }
            self.erasing = false;
            self.lnext = false;
        }
        self.special = CharMap::build(&new);
        if !self.iflag(IXON) && old.c_iflag & IXON != 0 && !self.tco_stopped {
            self.start_output();
        }
    }

    pub fn winsize(&self) -> WinSize {
        self.winsize
    }

    /// TIOCSWINSZ. Returns true if the size changed: the caller then sends SIGWINCH to the
    /// foreground process group (`tty_do_resize`).
    pub fn set_winsize(&mut self, ws: WinSize) -> bool {
        let changed = ws != self.winsize;
        self.winsize = ws;
        changed
    }

    // ---- input ----------------------------------------------------------------------------

    /// Process one byte from the device. Returns the signal to send to the foreground
    /// process group when the byte is an ISIG character.
    pub fn receive(&mut self, byte: u8) -> Option<TtySignal> {
        if self.lnext {
            self.lnext = false;
            let c = self.map_input(byte);
            self.receive_plain(c);
            return None;
        }
        let c = self.map_input(byte);
        if self.special.contains(c) {
            self.receive_special(c)
        } else {
            self.receive_plain(c);
            None
        }
    }

    fn map_input(&self, mut c: u8) -> u8 {
        if self.iflag(ISTRIP) {
            c &= 0x7F;
        }
        if self.iflag(IUCLC) && self.lflag(IEXTEN) {
            c = to_lower(c);
        }
        c
    }

    /// `n_tty_receive_char`: a byte with no special meaning.
    fn receive_plain(&mut self, c: u8) {
        self.ixany_restart();
        self.store(c, false);
    }

    /// `n_tty_receive_char_special`.
    fn receive_special(&mut self, mut c: u8) -> Option<TtySignal> {
        if self.iflag(IXON) {
            if c == self.cc(VSTART) {
                self.start_output();
                return None;
            }
            if c == self.cc(VSTOP) {
                self.stopped = true;
                return None;
            }
        }
        if self.lflag(ISIG) {
            let signal = if c == self.cc(VINTR) {
                Some(TtySignal::Sigint)
            } else if c == self.cc(VQUIT) {
                Some(TtySignal::Sigquit)
            } else if c == self.cc(VSUSP) {
                Some(TtySignal::Sigtstp)
            } else {
                None
            };
            if let Some(signal) = signal {
                self.signal_char(c);
                return Some(signal);
            }
        }
        self.ixany_restart();
        if c == b'\r' {
            if self.iflag(IGNCR) {
                return None;
            }
            if self.iflag(ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && self.iflag(INLCR) {
            c = b'\r';
        }
        if self.icanon() && self.receive_canon(c) {
            return None;
        }
        self.store(c, true);
        None
    }

    /// `n_tty_receive_signal_char` / `isig`: unless NOFLSH, pending input and output go.
    fn signal_char(&mut self, c: u8) {
        if !self.lflag(NOFLSH) {
            self.echo.clear();
            self.flush_input();
        }
        if self.iflag(IXON) {
            self.start_output();
        }
        if self.lflag(ECHO) {
            self.echo_char(c);
        }
    }

    /// Queue an ordinary byte (the tail of `n_tty_receive_char_special`, or
    /// `n_tty_receive_char` when `from_special` is false; only the former echoes a newline as
    /// a newline rather than "^J").
    fn store(&mut self, c: u8, from_special: bool) {
        let parmrk = c == 0xFF && self.iflag(PARMRK);
        if self.buf.len() + 1 + usize::from(parmrk) >= N_TTY_BUF_SIZE {
            self.beep();
            return;
        }
        if self.lflag(ECHO) {
            self.finish_erasing();
            if from_special && c == b'\n' {
                self.echo_raw(b'\n');
            } else {
                if self.canon_head == self.buf.head {
                    self.columns.canon_column = self.columns.column;
                }
                self.echo_char(c);
            }
        }
        if parmrk {
            // PARMRK makes a literal 0xFF unambiguous by doubling it.
            self.buf.push(c);
        }
        self.buf.push(c);
    }

    fn ixany_restart(&mut self) {
        if self.iflag(IXON) && self.iflag(IXANY) {
            self.start_output();
        }
    }

    // ---- flow control and flushing --------------------------------------------------------

    /// Output is suspended by VSTOP or tcflow(TCOOFF).
    pub fn output_stopped(&self) -> bool {
        self.stopped
    }

    /// `start_tty`: resume unless tcflow(TCOOFF) holds output.
    fn start_output(&mut self) {
        if !self.tco_stopped {
            self.stopped = false;
        }
    }

    /// TCXONC. Returns a byte to transmit for TCIOFF/TCION (the STOP/START character), if any.
    pub fn flow_control(&mut self, action: u32) -> SysResult<Option<u8>> {
        let send = |c: u8| if c == POSIX_VDISABLE { None } else { Some(c) };
        match action {
            TCOOFF => {
                self.tco_stopped = true;
                self.stopped = true;
                Ok(None)
            }
            TCOON => {
                if self.tco_stopped {
                    self.tco_stopped = false;
                    self.stopped = false;
                }
                Ok(None)
            }
            TCIOFF => Ok(send(self.cc(VSTOP))),
            TCION => Ok(send(self.cc(VSTART))),
            _ => Err(Errno::EINVAL),
        }
    }

    /// TCFLSH: TCIFLUSH drops unread input, TCOFLUSH unsent echo, TCIOFLUSH both.
    pub fn flush(&mut self, queue: u32) -> SysResult<()> {
        match queue {
            TCIFLUSH => self.flush_input(),
            TCOFLUSH => self.echo.clear(),
            TCIOFLUSH => {
                self.flush_input();
                self.echo.clear();
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(())
    }

    /// Discard all unread input, including a partly typed line (`reset_buffer_flags`).
    pub fn flush_input(&mut self) {
        self.buf.reset();
        self.canon_head = 0;
        self.erasing = false;
    }
}
