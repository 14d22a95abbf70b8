//! The serial console as a tty (/dev/console, /dev/ttyS0, and /dev/tty for its session) over the
//! N_TTY line discipline: interrupt-driven input, blocking reads on a wait queue, controlling
//! terminal and foreground process group, ^C/^\/^Z to the foreground group, SIGTTIN/SIGTTOU for
//! background groups, SIGHUP when the session leader goes. Also the kernel-backed random devices.

use alloc::sync::Arc;

use drivers::tty::{LineDiscipline, N_TTY_BUF_SIZE, ReadWait, TermiosAction};
use fs::vfs::{CharDevice, FileOps, OpenFile, ReadDest, WriteSrc, short_count};
use linux_abi::uapi::signal::{SIG_IGN, SIGCONT, SIGHUP, SIGTTIN, SIGTTOU};
use linux_abi::uapi::termios::*;
use linux_abi::{Errno, SysResult};

use crate::mm::user;
use crate::process::signal::{kernel_info, send_to_process};
use crate::process::{Pid, Process, current, tasks};
use crate::sched::wait::{WaitOpts, WaitQueue};
use crate::sync::SpinLock;

/// Which session owns the terminal and which of its groups is in the foreground.
#[derive(Clone, Copy, Default)]
struct Ctty {
    session: Option<Pid>,
    fg_pgrp: Pid,
}

struct SerialTty {
    ldisc: SpinLock<Option<LineDiscipline>>,
    ctty: SpinLock<Ctty>,
    input: WaitQueue,
}

static SERIAL: SerialTty =
    SerialTty { ldisc: SpinLock::new(None), ctty: SpinLock::new(Ctty { session: None, fg_pgrp: 0 }), input: WaitQueue::new() };

fn echo(b: u8) {
    crate::console::write_bytes(&[b]);
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

    /// Feeds received bytes through the line discipline; signals go to the foreground group.
    fn receive(&self, bytes: &[u8]) {
        let mut signals = [0u32; 8];
        let mut n = 0;
        self.with(|l| {
            for &b in bytes {
                if let Some(sig) = l.receive(b)
                    && n < signals.len()
                {
                    signals[n] = sig.number();
                    n += 1;
                }
            }
            if l.has_echo() {
                l.flush_echoes(&mut echo);
            }
        });
        let fg = self.ctty.lock().fg_pgrp;
        for &sig in &signals[..n] {
            if fg != 0 {
                for p in tasks::all_processes().iter().filter(|p| p.pgid() == fg) {
                    send_to_process(p, sig, kernel_info(sig));
                }
            }
        }
        self.input.wake_all();
    }

    /// Is `p` in a background group of this terminal's session? Then `sig` (SIGTTIN/SIGTTOU)
    /// applies, unless ignored or blocked (then reads fail with EIO, writes proceed).
    fn job_control(&self, p: &Process, sig: u32) -> SysResult<()> {
        let c = *self.ctty.lock();
        if c.session != Some(p.sid()) || c.fg_pgrp == 0 || p.pgid() == c.fg_pgrp {
            return Ok(());
        }
        let ignored = p.sighand().lock().get(sig).handler == SIG_IGN;
        let blocked = current().sig.lock().mask.contains(sig);
        if ignored || blocked {
            return if sig == SIGTTIN { Err(Errno::EIO) } else { Ok(()) };
        }
        for q in tasks::all_processes().iter().filter(|q| q.pgid() == p.pgid()) {
            send_to_process(q, sig, kernel_info(sig));
        }
        Err(Errno::ERESTARTSYS)
    }

    fn is_ctty_of(&self, p: &Process) -> bool {
        self.ctty.lock().session == Some(p.sid())
    }
}

/// Serial receive interrupt. Bytes are collected with the UART locked and fed to the line
/// discipline afterwards (echo needs the UART); the buffer holds everything one interrupt can
/// drain, so nothing is dropped.
pub fn serial_interrupt() {
    let mut buf = [0u8; drivers::serial::MAX_DRAIN];
    let mut n = 0;
    crate::console::handle_serial_interrupt(&mut |b| {
        if let Some(slot) = buf.get_mut(n) {
            *slot = b;
            n += 1;
        }
    });
    if n > 0 {
        SERIAL.receive(&buf[..n]);
    }
}

struct Console;

impl FileOps for Console {
    fn read(&self, file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        if dest.dest_len() == 0 {
            return Ok(0);
        }
        SERIAL.job_control(&current().process, SIGTTIN)?;
        let nonblock = file.is_nonblocking();
        let mut buf = [0u8; N_TTY_BUF_SIZE];
        let want = dest.dest_len().min(N_TTY_BUF_SIZE);
        let n = SERIAL.input.wait(WaitOpts::INTERRUPTIBLE, || {
            SERIAL.with(|l| {
                if l.can_read() {
                    Some(Ok(l.read(&mut buf[..want])))
                } else if l.read_wait() == ReadWait::Poll {
                    Some(Ok(0))
                } else if nonblock {
                    Some(Err(Errno::EAGAIN))
                } else {
                    None
                }
            })
        })??;
        match dest.copy_out(0, &buf[..n]) {
            Ok(()) => Ok(n),
            Err(fault) => short_count(0, fault),
        }
    }

    fn write(&self, _file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        let tostop = SERIAL.with(|l| l.termios().c_lflag & TOSTOP != 0);
        if tostop {
            SERIAL.job_control(&current().process, SIGTTOU)?;
        }
        let mut chunk = [0u8; 512];
        let mut done = 0;
        while done < src.src_len() {
            let n = chunk.len().min(src.src_len() - done);
            let (ok, fault) = match src.copy_in(done, &mut chunk[..n]) {
                Ok(()) => (n, None),
                Err(f) => (f.done, Some(f)),
            };
            let mut out = [0u8; 1024];
            let mut len = 0;
            SERIAL.with(|l| {
                l.process_output(&chunk[..ok], &mut |b| {
                    if len == out.len() {
                        crate::console::write_bytes(&out);
                        len = 0;
                    }
                    out[len] = b;
                    len += 1;
                })
            });
            crate::console::write_bytes(&out[..len]);
            if let Some(f) = fault {
                return short_count(done, f);
            }
            done += n;
        }
        Ok(done)
    }

    fn ioctl(&self, _file: &OpenFile, cmd: u32, arg: usize) -> SysResult<usize> {
        let arg = arg as u64;
        let p = current().process.clone();
        if let Some(action) = TermiosAction::from_ioctl(cmd) {
            if cmd == TCSETS || cmd == TCSETSW || cmd == TCSETSF {
                SERIAL.job_control(&p, SIGTTOU)?;
                let t: Termios = user::read(arg)?;
                SERIAL.with(|l| l.set_termios(t, action));
                SERIAL.input.wake_all();
                return Ok(0);
            }
            // termios2 and the legacy termio forms are not implemented.
            return Err(Errno::EINVAL);
        }
        match cmd {
            TCGETS => user::write(arg, &SERIAL.with(|l| l.termios())).map(|_| 0),
            TIOCGWINSZ => user::write(arg, &SERIAL.with(|l| l.winsize())).map(|_| 0),
            TIOCSWINSZ => {
                let ws: WinSize = user::read(arg)?;
                let changed = SERIAL.with(|l| l.set_winsize(ws));
                let fg = SERIAL.ctty.lock().fg_pgrp;
                if changed && fg != 0 {
                    let sig = linux_abi::uapi::signal::SIGWINCH;
                    for q in tasks::all_processes().iter().filter(|q| q.pgid() == fg) {
                        send_to_process(q, sig, kernel_info(sig));
                    }
                }
                Ok(0)
            }
            FIONREAD => user::write(arg, &(SERIAL.with(|l| l.input_available()) as i32)).map(|_| 0),
            TIOCOUTQ => user::write(arg, &0i32).map(|_| 0),
            TCFLSH => SERIAL.with(|l| l.flush(arg as u32)).map(|_| 0),
            TCXONC => {
                if let Some(b) = SERIAL.with(|l| l.flow_control(arg as u32))? {
                    echo(b);
                }
                Ok(0)
            }
            TIOCSCTTY => {
                // The caller must lead a session without a terminal; a terminal owned by another
                // session can only be stolen by root with arg == 1.
                let sid = p.sid();
                if sid != p.pid {
                    return Err(Errno::EPERM);
                }
                let mut c = SERIAL.ctty.lock();
                if c.session == Some(sid) {
                    return Ok(0);
                }
                if c.session.is_some() && !(arg == 1 && p.creds.lock().euid == 0) {
                    return Err(Errno::EPERM);
                }
                *c = Ctty { session: Some(sid), fg_pgrp: p.pgid() };
                Ok(0)
            }
            TIOCNOTTY => {
                if !SERIAL.is_ctty_of(&p) {
                    return Err(Errno::ENOTTY);
                }
                if p.sid() == p.pid {
                    hangup_session();
                }
                Ok(0)
            }
            TIOCGPGRP => {
                if !SERIAL.is_ctty_of(&p) {
                    return Err(Errno::ENOTTY);
                }
                user::write(arg, &(SERIAL.ctty.lock().fg_pgrp as i32)).map(|_| 0)
            }
            TIOCSPGRP => {
                if !SERIAL.is_ctty_of(&p) {
                    return Err(Errno::ENOTTY);
                }
                SERIAL.job_control(&p, SIGTTOU)?;
                let pgrp: i32 = user::read(arg)?;
                if pgrp < 0 {
                    return Err(Errno::EINVAL);
                }
                let sid = p.sid();
                if !tasks::all_processes().iter().any(|q| q.pgid() == pgrp as u32) {
                    return Err(Errno::ESRCH);
                }
                if !tasks::all_processes().iter().any(|q| q.pgid() == pgrp as u32 && q.sid() == sid) {
                    return Err(Errno::EPERM);
                }
                SERIAL.ctty.lock().fg_pgrp = pgrp as u32;
                Ok(0)
            }
            TIOCGSID => {
                if !SERIAL.is_ctty_of(&p) {
                    return Err(Errno::ENOTTY);
                }
                user::write(arg, &(p.sid() as i32)).map(|_| 0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn poll(&self, _file: &OpenFile) -> u16 {
        use fs::vfs::{POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
        let readable = SERIAL.with(|l| l.poll_readable());
        (if readable { POLLIN | POLLRDNORM } else { 0 }) | POLLOUT | POLLWRNORM
    }
}

/// ttyS0 (and /dev/console, which Linux never makes a controlling terminal on open).
struct SerialDevice {
    is_console: bool,
}

impl FileOps for SerialDevice {
    fn read(&self, file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        Console.read(file, dest)
    }
    fn write(&self, file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        Console.write(file, src)
    }
    fn ioctl(&self, file: &OpenFile, cmd: u32, arg: usize) -> SysResult<usize> {
        Console.ioctl(file, cmd, arg)
    }
    fn poll(&self, file: &OpenFile) -> u16 {
        Console.poll(file)
    }
}

impl CharDevice for SerialDevice {
    fn open(&self, flags: u32) -> SysResult<Option<Arc<dyn FileOps>>> {
        // A session leader without a terminal opening ttyS0 (without O_NOCTTY) acquires it.
        if !self.is_console
            && flags & fs::vfs::O_NOCTTY == 0
            && let Some(t) = crate::process::current_thread()
        {
            let p = &t.process;
            let mut c = SERIAL.ctty.lock();
            if p.sid() == p.pid && c.session.is_none() {
                *c = Ctty { session: Some(p.sid()), fg_pgrp: p.pgid() };
            }
        }
        Ok(None)
    }
}

/// /dev/tty: the caller's controlling terminal, ENXIO without one (as Linux).
struct ControllingTty;

impl FileOps for ControllingTty {}

impl CharDevice for ControllingTty {
    fn open(&self, _flags: u32) -> SysResult<Option<Arc<dyn FileOps>>> {
        let t = crate::process::current_thread().ok_or(Errno::ENXIO)?;
        if SERIAL.is_ctty_of(&t.process) { Ok(Some(Arc::new(Console))) } else { Err(Errno::ENXIO) }
    }
}

/// Disassociates the terminal from its session: SIGHUP and SIGCONT to the foreground group.
fn hangup_session() {
    let c = core::mem::take(&mut *SERIAL.ctty.lock());
    if c.fg_pgrp == 0 {
        return;
    }
    for q in tasks::all_processes().iter().filter(|q| q.pgid() == c.fg_pgrp) {
        send_to_process(q, SIGHUP, kernel_info(SIGHUP));
        send_to_process(q, SIGCONT, kernel_info(SIGCONT));
    }
}

/// A session leader exiting hangs up its controlling terminal.
pub fn process_exit(p: &Process) {
    if p.sid() == p.pid && SERIAL.is_ctty_of(p) {
        hangup_session();
    }
}

/// The controlling terminal of `p`'s session, if any: (tty_nr as /proc encodes it, foreground
/// process group).
pub fn ctty_of(p: &Process) -> Option<(u32, Pid)> {
    let c = *SERIAL.ctty.lock();
    // ttyS0 is 4:64; /proc's tty_nr packs it as (minor & 0xff) | major << 8 | (minor & ~0xff) << 12.
    (c.session == Some(p.sid())).then_some(((4 << 8) | 64, c.fg_pgrp))
}

/// setsid: the new session starts without a terminal (nothing to undo on the tty side).
pub fn detach_session(_p: &Process) {}

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
    let random = Arc::new(Random);
    let devices: [(u32, u32, Arc<dyn CharDevice>); 5] = [
        (5, 1, Arc::new(SerialDevice { is_console: true })),
        (4, 64, Arc::new(SerialDevice { is_console: false })),
        (5, 0, Arc::new(ControllingTty)),
        (1, 8, random.clone()),
        (1, 9, random),
    ];
    for (major, minor, dev) in devices {
        if let Err(e) = fs::vfs::register_char_device(major, minor, dev) {
            log::warn!("char device {major}:{minor} not registered: {e:?}");
        }
    }
    crate::console::enable_serial_rx_interrupt();
}
