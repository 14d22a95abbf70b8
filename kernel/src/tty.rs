//! The serial console as a tty (/dev/console, /dev/ttyS0) over the N_TTY line discipline, plus the
//! kernel-backed character devices (/dev/random, /dev/urandom, /dev/tty). Input is polled from the
//! UART while a reader waits; interrupt-driven input and job-control signals arrive with the
//! scheduler.

use alloc::sync::Arc;

use drivers::tty::{LineDiscipline, N_TTY_BUF_SIZE, ReadWait, TermiosAction};
use fs::vfs::{CharDevice, FileOps, OpenFile, ReadDest, WriteSrc, short_count};
use linux_abi::uapi::termios::*;
use linux_abi::{Errno, SysResult};

use crate::mm::user;
use crate::sync::SpinLock;

struct SerialTty {
    ldisc: SpinLock<Option<LineDiscipline>>,
}

impl SerialTty {
    fn with<R>(&self, f: impl FnOnce(&mut LineDiscipline) -> R) -> R {
        let mut guard = self.ldisc.lock();
        let l = guard.get_or_insert_with(|| {
            let mut t = TTY_STD_TERMIOS;
            t.c_cflag = drivers::serial::CONSOLE_CFLAG;
            LineDiscipline::new(t)
        });
        f(l)
    }

    /// Moves received bytes from the UART into the line discipline, echoing as it goes.
    fn poll_input(l: &mut LineDiscipline) {
        while let Some(b) = crate::console::try_read_byte() {
            // ISIG characters raise signals once process groups exist; n_tty has already
            // flushed the input for them.
            let _ = l.receive(b);
        }
        if l.has_echo() {
            l.flush_echoes(&mut |b| crate::console::write_bytes(&[b]));
        }
    }
}

impl FileOps for SerialTty {
    fn read(&self, file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        if dest.dest_len() == 0 {
            return Ok(0);
        }
        let mut buf = [0u8; N_TTY_BUF_SIZE];
        loop {
            let got = self.with(|l| {
                Self::poll_input(l);
                if l.can_read() {
                    Some(l.read(&mut buf[..dest.dest_len().min(N_TTY_BUF_SIZE)]))
                } else if l.read_wait() == ReadWait::Poll {
                    Some(0)
                } else {
                    None
                }
            });
            if let Some(n) = got {
                return match dest.copy_out(0, &buf[..n]) {
                    Ok(()) => Ok(n),
                    Err(fault) => short_count(0, fault),
                };
            }
            if file.is_nonblocking() {
                return Err(Errno::EAGAIN);
            }
            core::hint::spin_loop();
        }
    }

    fn write(&self, _file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        let mut chunk = [0u8; 512];
        let mut done = 0;
        while done < src.src_len() {
            let n = chunk.len().min(src.src_len() - done);
            if let Err(fault) = src.copy_in(done, &mut chunk[..n]) {
                let part = fault.done;
                self.with(|l| l.process_output(&chunk[..part], &mut |b| crate::console::write_bytes(&[b])));
                return short_count(done, fault);
            }
            let mut out = [0u8; 1024];
            let mut len = 0;
            self.with(|l| {
                l.process_output(&chunk[..n], &mut |b| {
                    if len == out.len() {
                        crate::console::write_bytes(&out);
                        len = 0;
                    }
                    out[len] = b;
                    len += 1;
                })
            });
            crate::console::write_bytes(&out[..len]);
            done += n;
        }
        Ok(done)
    }

    fn ioctl(&self, _file: &OpenFile, cmd: u32, arg: usize) -> SysResult<usize> {
        let arg = arg as u64;
        if let Some(action) = TermiosAction::from_ioctl(cmd) {
            if cmd == TCSETS || cmd == TCSETSW || cmd == TCSETSF {
                let t: Termios = user::read(arg)?;
                self.with(|l| l.set_termios(t, action));
                return Ok(0);
            }
            // termios2 / legacy termio variants are not implemented.
            return Err(Errno::EINVAL);
        }
        match cmd {
            TCGETS => user::write(arg, &self.with(|l| l.termios())).map(|_| 0),
            TIOCGWINSZ => user::write(arg, &self.with(|l| l.winsize())).map(|_| 0),
            TIOCSWINSZ => {
                let ws: WinSize = user::read(arg)?;
                self.with(|l| l.set_winsize(ws));
                Ok(0)
            }
            FIONREAD => {
                let n = self.with(|l| {
                    Self::poll_input(l);
                    l.input_available()
                }) as i32;
                user::write(arg, &n).map(|_| 0)
            }
            TIOCOUTQ => user::write(arg, &0i32).map(|_| 0),
            TCFLSH => self.with(|l| l.flush(arg as u32)).map(|_| 0),
            TCXONC => {
                if let Some(b) = self.with(|l| l.flow_control(arg as u32))? {
                    crate::console::write_bytes(&[b]);
                }
                Ok(0)
            }
            // Without a controlling terminal (the console never is one), Linux answers ENOTTY.
            TIOCGPGRP | TIOCSPGRP | TIOCGSID => Err(Errno::ENOTTY),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn poll(&self, _file: &OpenFile) -> u16 {
        use fs::vfs::{POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
        let readable = self.with(|l| {
            Self::poll_input(l);
            l.poll_readable()
        });
        (if readable { POLLIN | POLLRDNORM } else { 0 }) | POLLOUT | POLLWRNORM
    }
}

impl CharDevice for SerialTty {}

/// /dev/tty: the caller's controlling terminal. No process has one until sessions exist, and
/// opening it then fails with ENXIO as on Linux.
struct ControllingTty;

impl FileOps for ControllingTty {}

impl CharDevice for ControllingTty {
    fn open(&self, _flags: u32) -> SysResult<Option<Arc<dyn FileOps>>> {
        Err(Errno::ENXIO)
    }
}

/// /dev/random and /dev/urandom: the kernel CSPRNG (always seeded, so neither blocks).
struct Random;

impl FileOps for Random {
    fn read(&self, _file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        let mut chunk = [0u8; 256];
        let mut done = 0;
        while done < dest.dest_len() {
            let n = chunk.len().min(dest.dest_len() - done);
            crate::rand::fill(&mut chunk[..n]);
            if let Err(fault) = dest.copy_out(done, &chunk[..n]) {
                return short_count(done, fault);
            }
            done += n;
        }
        Ok(done)
    }

    /// Writes are accepted (Linux mixes them into the pool without crediting entropy).
    fn write(&self, _file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        Ok(src.src_len())
    }
}

impl CharDevice for Random {}

pub fn register_console_devices() {
    let serial: Arc<SerialTty> = Arc::new(SerialTty { ldisc: SpinLock::new(None) });
    let random = Arc::new(Random);
    let devices: [(u32, u32, Arc<dyn CharDevice>); 5] = [
        (5, 1, serial.clone()),
        (4, 64, serial),
        (5, 0, Arc::new(ControllingTty)),
        (1, 8, random.clone()),
        (1, 9, random),
    ];
    for (major, minor, dev) in devices {
        if let Err(e) = fs::vfs::register_char_device(major, minor, dev) {
            log::warn!("char device {major}:{minor} not registered: {e:?}");
        }
    }
}
