//! `siginfo_t` and its `si_code` values (`include/uapi/asm-generic/siginfo.h`,
//! `kernel/signal.c`).
//!
//! On x86_64 the union starts at offset 16 (it holds pointers, so it is 8-byte
//! aligned after the three ints). The union is kept as raw bytes: which member
//! is live depends on (si_signo, si_code), exactly as in C, and the typed
//! constructors and accessors below name the offsets.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::signal::{SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGPOLL, SIGSEGV, SIGSYS, SIGTRAP};
use crate::errno::{Errno, SysResult};

// si_code values shared by all signals. Non-positive codes come from user
// space (or act on its behalf); positive ones from the kernel.
pub const SI_USER: i32 = 0;
pub const SI_KERNEL: i32 = 0x80;
pub const SI_QUEUE: i32 = -1;
pub const SI_TIMER: i32 = -2;
pub const SI_MESGQ: i32 = -3;
pub const SI_ASYNCIO: i32 = -4;
pub const SI_SIGIO: i32 = -5;
pub const SI_TKILL: i32 = -6;
pub const SI_DETHREAD: i32 = -7;
pub const SI_ASYNCNL: i32 = -60;

// SIGILL.
pub const ILL_ILLOPC: i32 = 1;
pub const ILL_ILLOPN: i32 = 2;
pub const ILL_ILLADR: i32 = 3;
pub const ILL_ILLTRP: i32 = 4;
pub const ILL_PRVOPC: i32 = 5;
pub const ILL_PRVREG: i32 = 6;
pub const ILL_COPROC: i32 = 7;
pub const ILL_BADSTK: i32 = 8;
pub const ILL_BADIADDR: i32 = 9;
pub const NSIGILL: i32 = 11;

// SIGFPE.
pub const FPE_INTDIV: i32 = 1;
pub const FPE_INTOVF: i32 = 2;
pub const FPE_FLTDIV: i32 = 3;
pub const FPE_FLTOVF: i32 = 4;
pub const FPE_FLTUND: i32 = 5;
pub const FPE_FLTRES: i32 = 6;
pub const FPE_FLTINV: i32 = 7;
pub const FPE_FLTSUB: i32 = 8;
pub const FPE_FLTUNK: i32 = 14;
pub const FPE_CONDTRAP: i32 = 15;
pub const NSIGFPE: i32 = 15;

// SIGSEGV.
pub const SEGV_MAPERR: i32 = 1;
pub const SEGV_ACCERR: i32 = 2;
pub const SEGV_BNDERR: i32 = 3;
pub const SEGV_PKUERR: i32 = 4;
pub const SEGV_ACCADI: i32 = 5;
pub const SEGV_ADIDERR: i32 = 6;
pub const SEGV_ADIPERR: i32 = 7;
pub const SEGV_MTEAERR: i32 = 8;
pub const SEGV_MTESERR: i32 = 9;
pub const SEGV_CPERR: i32 = 10;
pub const NSIGSEGV: i32 = 10;

// SIGBUS.
pub const BUS_ADRALN: i32 = 1;
pub const BUS_ADRERR: i32 = 2;
pub const BUS_OBJERR: i32 = 3;
pub const BUS_MCEERR_AR: i32 = 4;
pub const BUS_MCEERR_AO: i32 = 5;
pub const NSIGBUS: i32 = 5;

// SIGTRAP (ptrace adds `(PTRACE_EVENT_x << 8) | SIGTRAP` codes of its own).
pub const TRAP_BRKPT: i32 = 1;
pub const TRAP_TRACE: i32 = 2;
pub const TRAP_BRANCH: i32 = 3;
pub const TRAP_HWBKPT: i32 = 4;
pub const TRAP_UNK: i32 = 5;
pub const TRAP_PERF: i32 = 6;
pub const NSIGTRAP: i32 = 6;

// SIGCHLD.
pub const CLD_EXITED: i32 = 1;
pub const CLD_KILLED: i32 = 2;
pub const CLD_DUMPED: i32 = 3;
pub const CLD_TRAPPED: i32 = 4;
pub const CLD_STOPPED: i32 = 5;
pub const CLD_CONTINUED: i32 = 6;
pub const NSIGCHLD: i32 = 6;

// SIGPOLL (and any signal without codes of its own).
pub const POLL_IN: i32 = 1;
pub const POLL_OUT: i32 = 2;
pub const POLL_MSG: i32 = 3;
pub const POLL_ERR: i32 = 4;
pub const POLL_PRI: i32 = 5;
pub const POLL_HUP: i32 = 6;
pub const NSIGPOLL: i32 = 6;

// SIGSYS.
pub const SYS_SECCOMP: i32 = 1;
pub const SYS_USER_DISPATCH: i32 = 2;
pub const NSIGSYS: i32 = 2;

/// `SI_MAX_SIZE`: every siginfo user space sees is 128 bytes.
pub const SI_MAX_SIZE: usize = 128;
/// `sizeof(struct kernel_siginfo)` on x86_64: the part the kernel stores. Linux
/// copies this much to user space and zero-fills the rest.
pub const KERNEL_SIGINFO_SIZE: usize = 48;
/// Offset of the union (`_sifields`).
const UNION: usize = 16;
const UNION_SIZE: usize = SI_MAX_SIZE - UNION;

// Offsets inside siginfo_t (absolute, not union-relative).
const OFF_PID: usize = 16; // _kill/_rt/_sigchld._pid, _timer._tid
const OFF_UID: usize = 20; // _kill/_rt/_sigchld._uid, _timer._overrun
const OFF_RT_VALUE: usize = 24; // _rt._sigval
const OFF_TIMER_VALUE: usize = 24; // _timer._sigval
const OFF_STATUS: usize = 24; // _sigchld._status
const OFF_UTIME: usize = 32; // _sigchld._utime (clock_t, 8-aligned)
const OFF_STIME: usize = 40; // _sigchld._stime
const OFF_ADDR: usize = 16; // _sigfault._addr
const OFF_ADDR_LSB: usize = 24; // _sigfault._addr_lsb (short)
const OFF_PKEY: usize = 32; // _sigfault._addr_pkey._pkey
const OFF_BAND: usize = 16; // _sigpoll._band (long)
const OFF_FD: usize = 24; // _sigpoll._fd
const OFF_CALL_ADDR: usize = 16; // _sigsys._call_addr
const OFF_SYSCALL: usize = 24; // _sigsys._syscall
const OFF_ARCH: usize = 28; // _sigsys._arch

/// `siginfo_t` as x86_64 user space sees it: 128 bytes.
#[repr(C, align(8))]
#[derive(Clone, Copy, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SigInfo {
    pub si_signo: i32,
    pub si_errno: i32,
    pub si_code: i32,
    /// Alignment padding before the union; always zero.
    pub _pad: i32,
    /// The union `_sifields`, as bytes; see the accessors.
    pub fields: [u8; UNION_SIZE],
}
const _: () = assert!(size_of::<SigInfo>() == SI_MAX_SIZE);
const _: () = assert!(align_of::<SigInfo>() == 8);

impl Default for SigInfo {
    fn default() -> Self {
        SigInfo::new(0, 0)
    }
}

impl core::fmt::Debug for SigInfo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SigInfo")
            .field("si_signo", &self.si_signo)
            .field("si_errno", &self.si_errno)
            .field("si_code", &self.si_code)
            .field("word0", &self.read_u64(UNION))
            .field("word1", &self.read_u64(UNION + 8))
            .field("word2", &self.read_u64(UNION + 16))
            .finish()
    }
}

impl SigInfo {
    /// An all-zero siginfo with just signo and code set (Linux's `clear_siginfo`
    /// followed by the two assignments).
    pub const fn new(signo: u32, code: i32) -> SigInfo {
        SigInfo {
            si_signo: signo as i32,
            si_errno: 0,
            si_code: code,
            _pad: 0,
            fields: [0; UNION_SIZE],
        }
    }

    /// kill(2), or a kernel-sent signal with `SI_USER`/`SI_KERNEL`/`SI_TKILL`
    /// semantics (`_kill`: si_pid, si_uid). Use `SI_USER` for kill, `SI_TKILL`
    /// for tkill/tgkill.
    pub fn kill(signo: u32, code: i32, pid: i32, uid: u32) -> SigInfo {
        let mut si = SigInfo::new(signo, code);
        si.write_i32(OFF_PID, pid);
        si.write_u32(OFF_UID, uid);
        si
    }

    /// A queued signal (`_rt`: si_pid, si_uid, si_value), e.g. `SI_QUEUE` or
    /// `SI_MESGQ`. `value` is the whole 8-byte `sigval_t`.
    pub fn rt(signo: u32, code: i32, pid: i32, uid: u32, value: u64) -> SigInfo {
        let mut si = SigInfo::kill(signo, code, pid, uid);
        si.write_u64(OFF_RT_VALUE, value);
        si
    }

    /// A POSIX timer expiry (`_timer`, si_code `SI_TIMER`): timer id, overrun
    /// count and the sigevent's value. `_sys_private` is left zero, as Linux
    /// clears it before the siginfo reaches user space.
    pub fn timer(signo: u32, tid: i32, overrun: i32, value: u64) -> SigInfo {
        let mut si = SigInfo::new(signo, SI_TIMER);
        si.write_i32(OFF_PID, tid);
        si.write_i32(OFF_UID, overrun);
        si.write_u64(OFF_TIMER_VALUE, value);
        si
    }

    /// SIGCHLD (`_sigchld`). `code` is a `CLD_*` value; `status` is the exit
    /// code for `CLD_EXITED` and the signal number otherwise; the times are in
    /// clock ticks (`USER_HZ`).
    pub fn chld(
        signo: u32,
        code: i32,
        pid: i32,
        uid: u32,
        status: i32,
        utime: i64,
        stime: i64,
    ) -> SigInfo {
        let mut si = SigInfo::kill(signo, code, pid, uid);
        si.write_i32(OFF_STATUS, status);
        si.write_u64(OFF_UTIME, utime as u64);
        si.write_u64(OFF_STIME, stime as u64);
        si
    }

    /// A synchronous fault (`_sigfault`: si_addr): SIGSEGV, SIGBUS, SIGILL,
    /// SIGFPE, SIGTRAP with their `*_` codes (`force_sig_fault`).
    pub fn fault(signo: u32, code: i32, addr: u64) -> SigInfo {
        let mut si = SigInfo::new(signo, code);
        si.write_u64(OFF_ADDR, addr);
        si
    }

    /// SIGBUS for a memory error (`BUS_MCEERR_AR`/`AO`): address plus the
    /// least significant bit of the reported address (`force_sig_mceerr`).
    pub fn mceerr(code: i32, addr: u64, addr_lsb: i16) -> SigInfo {
        let mut si = SigInfo::fault(SIGBUS, code, addr);
        si.write_bytes(OFF_ADDR_LSB, &addr_lsb.to_le_bytes());
        si
    }

    /// SIGSEGV `SEGV_PKUERR`: address plus the protection key.
    pub fn pkuerr(addr: u64, pkey: u32) -> SigInfo {
        let mut si = SigInfo::fault(SIGSEGV, SEGV_PKUERR, addr);
        si.write_u32(OFF_PKEY, pkey);
        si
    }

    /// SIGIO/SIGPOLL (`_sigpoll`: si_band, si_fd), `code` a `POLL_*` value.
    pub fn poll(signo: u32, code: i32, band: i64, fd: i32) -> SigInfo {
        let mut si = SigInfo::new(signo, code);
        si.write_u64(OFF_BAND, band as u64);
        si.write_i32(OFF_FD, fd);
        si
    }

    /// SIGSYS (`_sigsys`): seccomp or syscall user dispatch.
    pub fn sys(code: i32, call_addr: u64, syscall: i32, arch: u32) -> SigInfo {
        let mut si = SigInfo::new(SIGSYS, code);
        si.write_u64(OFF_CALL_ADDR, call_addr);
        si.write_i32(OFF_SYSCALL, syscall);
        si.write_u32(OFF_ARCH, arch);
        si
    }

    pub fn signo(&self) -> u32 {
        self.si_signo as u32
    }

    pub fn code(&self) -> i32 {
        self.si_code
    }

    /// `si_pid` (also `si_tid` of a timer).
    pub fn pid(&self) -> i32 {
        self.read_i32(OFF_PID)
    }

    /// `si_uid` (also `si_overrun` of a timer, as a u32).
    pub fn uid(&self) -> u32 {
        self.read_u32(OFF_UID)
    }

    pub fn timer_id(&self) -> i32 {
        self.read_i32(OFF_PID)
    }

    pub fn overrun(&self) -> i32 {
        self.read_i32(OFF_UID)
    }

    /// Sets `_timer._overrun` (a timer signal still queued absorbs further expiries).
    pub fn set_overrun(&mut self, overrun: i32) {
        self.write_i32(OFF_UID, overrun);
    }

    /// `si_value` of a queued signal or a timer (same offset in both).
    pub fn value(&self) -> u64 {
        self.read_u64(OFF_RT_VALUE)
    }

    pub fn status(&self) -> i32 {
        self.read_i32(OFF_STATUS)
    }

    pub fn utime(&self) -> i64 {
        self.read_u64(OFF_UTIME) as i64
    }

    pub fn stime(&self) -> i64 {
        self.read_u64(OFF_STIME) as i64
    }

    pub fn addr(&self) -> u64 {
        self.read_u64(OFF_ADDR)
    }

    pub fn band(&self) -> i64 {
        self.read_u64(OFF_BAND) as i64
    }

    pub fn fd(&self) -> i32 {
        self.read_i32(OFF_FD)
    }

    pub fn syscall(&self) -> i32 {
        self.read_i32(OFF_SYSCALL)
    }

    pub fn arch(&self) -> u32 {
        self.read_u32(OFF_ARCH)
    }

    /// Whether user space (kill, sigqueue, tkill, ...) produced it:
    /// `SI_FROMUSER`, i.e. `si_code <= 0`.
    pub fn from_user(&self) -> bool {
        self.si_code <= 0
    }

    /// The siginfo as Linux's `copy_siginfo_to_user` writes it: the first
    /// [`KERNEL_SIGINFO_SIZE`] bytes, then zeros.
    pub fn to_user(&self) -> SigInfo {
        let mut out = *self;
        out.fields[KERNEL_SIGINFO_SIZE - UNION..].fill(0);
        out
    }

    /// Parses a siginfo supplied by rt_sigqueueinfo/rt_tgsigqueueinfo/
    /// pidfd_send_signal (`copy_siginfo_from_user`): a layout Linux does not
    /// know (by signal and code) must have zeros past the kernel part, else
    /// E2BIG, so that nothing is silently dropped. EFAULT if `bytes` is short.
    /// The returned value is truncated to the kernel part, as Linux stores it.
    pub fn from_user_bytes(bytes: &[u8]) -> SysResult<SigInfo> {
        let raw = bytes.get(..SI_MAX_SIZE).ok_or(Errno::EFAULT)?;
        let si = SigInfo::read_from_bytes(raw).map_err(|_| Errno::EFAULT)?;
        if !known_siginfo_layout(si.signo(), si.si_code)
            && raw[KERNEL_SIGINFO_SIZE..].iter().any(|&b| b != 0)
        {
            return Err(Errno::E2BIG);
        }
        Ok(si.to_user())
    }

    fn read_bytes<const N: usize>(&self, off: usize) -> [u8; N] {
        let mut out = [0u8; N];
        // Offsets are the constants above, all inside the union; an out-of-range
        // one would read as zeros rather than panic.
        if let Some(src) = union_range(off, N).and_then(|r| self.fields.get(r)) {
            out.copy_from_slice(src);
        }
        out
    }

    fn write_bytes(&mut self, off: usize, bytes: &[u8]) {
        if let Some(dst) = union_range(off, bytes.len()).and_then(|r| self.fields.get_mut(r)) {
            dst.copy_from_slice(bytes);
        }
    }

    fn read_i32(&self, off: usize) -> i32 {
        i32::from_le_bytes(self.read_bytes(off))
    }

    fn read_u32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.read_bytes(off))
    }

    fn read_u64(&self, off: usize) -> u64 {
        u64::from_le_bytes(self.read_bytes(off))
    }

    fn write_i32(&mut self, off: usize, v: i32) {
        self.write_bytes(off, &v.to_le_bytes());
    }

    fn write_u32(&mut self, off: usize, v: u32) {
        self.write_bytes(off, &v.to_le_bytes());
    }

    fn write_u64(&mut self, off: usize, v: u64) {
        self.write_bytes(off, &v.to_le_bytes());
    }
}

/// The range inside `fields` of `len` bytes at absolute offset `off`.
fn union_range(off: usize, len: usize) -> Option<core::ops::Range<usize>> {
    let start = off.checked_sub(UNION)?;
    Some(start..start.checked_add(len)?)
}

/// The highest signal-specific si_code of `sig`, for signals that define their
/// own codes (`sig_sicodes[]`), or `None` for the others.
fn specific_code_limit(sig: u32) -> Option<i32> {
    match sig {
        SIGILL => Some(NSIGILL),
        SIGFPE => Some(NSIGFPE),
        SIGSEGV => Some(NSIGSEGV),
        SIGBUS => Some(NSIGBUS),
        SIGTRAP => Some(NSIGTRAP),
        SIGCHLD => Some(NSIGCHLD),
        SIGPOLL => Some(NSIGPOLL),
        SIGSYS => Some(NSIGSYS),
        _ => None,
    }
}

/// Linux's `known_siginfo_layout`: whether the kernel knows which union member
/// (signal, code) selects.
pub fn known_siginfo_layout(sig: u32, code: i32) -> bool {
    if code == SI_KERNEL {
        true
    } else if code > SI_USER {
        match specific_code_limit(sig) {
            Some(limit) => code <= limit,
            None => code <= NSIGPOLL,
        }
    } else {
        code >= SI_DETHREAD || code == SI_ASYNCNL
    }
}

/// rt_sigqueueinfo's permission rule: a process may forge only negative codes
/// other than `SI_TKILL` when signalling anyone but itself (EPERM otherwise).
pub fn check_queueinfo_code(info: &SigInfo, target_is_self: bool) -> SysResult<()> {
    if (info.si_code >= 0 || info.si_code == SI_TKILL) && !target_is_self {
        Err(Errno::EPERM)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::signal::{SIGALRM, SIGIO, SIGRTMIN, SIGUSR1};
    use zerocopy::IntoBytes;

    fn word(si: &SigInfo, off: usize) -> &[u8] {
        &si.as_bytes()[off..off + 8]
    }

    #[test]
    fn header_and_kill_layout() {
        let si = SigInfo::kill(SIGUSR1, SI_USER, 42, 1000);
        let b = si.as_bytes();
        assert_eq!(&b[0..4], &10i32.to_le_bytes());
        assert_eq!(&b[8..12], &0i32.to_le_bytes());
        assert_eq!(&b[16..20], &42i32.to_le_bytes());
        assert_eq!(&b[20..24], &1000u32.to_le_bytes());
        assert!(b[24..].iter().all(|&x| x == 0));
        assert_eq!((si.pid(), si.uid()), (42, 1000));
    }

    #[test]
    fn rt_and_timer_share_the_value_offset() {
        let si = SigInfo::rt(SIGRTMIN, SI_QUEUE, 7, 0, 0x1122_3344_5566_7788);
        assert_eq!(word(&si, 24), &0x1122_3344_5566_7788u64.to_le_bytes());
        let t = SigInfo::timer(SIGALRM, 3, 5, 99);
        assert_eq!((t.timer_id(), t.overrun(), t.value()), (3, 5, 99));
        assert_eq!(t.code(), SI_TIMER);
        assert_eq!(&t.as_bytes()[32..36], &[0; 4], "_sys_private stays zero");
    }

    #[test]
    fn chld_layout() {
        let si = SigInfo::chld(SIGCHLD, CLD_EXITED, 5, 0, 3, 11, 22);
        let b = si.as_bytes();
        assert_eq!(&b[24..28], &3i32.to_le_bytes());
        assert_eq!(&b[32..40], &11u64.to_le_bytes());
        assert_eq!(&b[40..48], &22u64.to_le_bytes());
        assert_eq!((si.status(), si.utime(), si.stime()), (3, 11, 22));
    }

    #[test]
    fn fault_poll_sys_layout() {
        let f = SigInfo::fault(SIGSEGV, SEGV_MAPERR, 0xdead_b000);
        assert_eq!(word(&f, 16), &0xdead_b000u64.to_le_bytes());
        let m = SigInfo::mceerr(BUS_MCEERR_AR, 0x1000, 12);
        assert_eq!(&m.as_bytes()[24..26], &12i16.to_le_bytes());
        let k = SigInfo::pkuerr(0x2000, 7);
        assert_eq!(&k.as_bytes()[32..36], &7u32.to_le_bytes());
        let p = SigInfo::poll(SIGIO, POLL_IN, 0x41, 9);
        assert_eq!((p.band(), p.fd()), (0x41, 9));
        assert_eq!(&p.as_bytes()[24..28], &9i32.to_le_bytes());
        let s = SigInfo::sys(SYS_SECCOMP, 0x401000, 39, 0xc000_003e);
        assert_eq!(
            (s.addr(), s.syscall(), s.arch()),
            (0x401000, 39, 0xc000_003e)
        );
        assert_eq!(&s.as_bytes()[28..32], &0xc000_003eu32.to_le_bytes());
    }

    #[test]
    fn known_layouts_follow_linux() {
        assert!(known_siginfo_layout(SIGSEGV, SEGV_CPERR));
        assert!(!known_siginfo_layout(SIGSEGV, SEGV_CPERR + 1));
        assert!(
            known_siginfo_layout(SIGUSR1, POLL_HUP),
            "generic codes up to NSIGPOLL"
        );
        assert!(!known_siginfo_layout(SIGUSR1, 7));
        assert!(known_siginfo_layout(SIGUSR1, SI_KERNEL));
        assert!(known_siginfo_layout(SIGUSR1, SI_DETHREAD));
        assert!(!known_siginfo_layout(SIGUSR1, -8));
        assert!(known_siginfo_layout(SIGUSR1, SI_ASYNCNL));
        assert!(known_siginfo_layout(SIGTRAP, TRAP_PERF));
    }

    #[test]
    fn from_user_rejects_data_past_an_unknown_layout() {
        let mut raw = [0u8; 128];
        raw[0] = SIGUSR1 as u8;
        raw[8..12].copy_from_slice(&(-8i32).to_le_bytes());
        raw[100] = 1;
        assert_eq!(SigInfo::from_user_bytes(&raw), Err(Errno::E2BIG));
        // A known code may carry anything there; Linux keeps only 48 bytes.
        raw[8..12].copy_from_slice(&SI_QUEUE.to_le_bytes());
        raw[40] = 5;
        let si = SigInfo::from_user_bytes(&raw).unwrap();
        assert_eq!(si.as_bytes()[100], 0);
        assert_eq!(si.as_bytes()[40], 5);
        assert_eq!(SigInfo::from_user_bytes(&raw[..127]), Err(Errno::EFAULT));
    }

    #[test]
    fn queueinfo_permission() {
        let q = SigInfo::rt(SIGUSR1, SI_QUEUE, 1, 0, 0);
        assert!(check_queueinfo_code(&q, false).is_ok());
        let k = SigInfo::kill(SIGUSR1, SI_USER, 1, 0);
        assert_eq!(check_queueinfo_code(&k, false), Err(Errno::EPERM));
        assert!(check_queueinfo_code(&k, true).is_ok());
        let t = SigInfo::kill(SIGUSR1, SI_TKILL, 1, 0);
        assert_eq!(check_queueinfo_code(&t, false), Err(Errno::EPERM));
    }
}
