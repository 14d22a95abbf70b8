//! Signals (`arch/x86/include/uapi/asm/signal.h`, `asm-generic/signal-defs.h`).

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

pub const SIGHUP: u32 = 1;
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGILL: u32 = 4;
pub const SIGTRAP: u32 = 5;
pub const SIGABRT: u32 = 6;
pub const SIGIOT: u32 = 6;
pub const SIGBUS: u32 = 7;
pub const SIGFPE: u32 = 8;
pub const SIGKILL: u32 = 9;
pub const SIGUSR1: u32 = 10;
pub const SIGSEGV: u32 = 11;
pub const SIGUSR2: u32 = 12;
pub const SIGPIPE: u32 = 13;
pub const SIGALRM: u32 = 14;
pub const SIGTERM: u32 = 15;
pub const SIGSTKFLT: u32 = 16;
pub const SIGCHLD: u32 = 17;
pub const SIGCONT: u32 = 18;
pub const SIGSTOP: u32 = 19;
pub const SIGTSTP: u32 = 20;
pub const SIGTTIN: u32 = 21;
pub const SIGTTOU: u32 = 22;
pub const SIGURG: u32 = 23;
pub const SIGXCPU: u32 = 24;
pub const SIGXFSZ: u32 = 25;
pub const SIGVTALRM: u32 = 26;
pub const SIGPROF: u32 = 27;
pub const SIGWINCH: u32 = 28;
pub const SIGIO: u32 = 29;
pub const SIGPOLL: u32 = SIGIO;
pub const SIGPWR: u32 = 30;
pub const SIGSYS: u32 = 31;
pub const SIGRTMIN: u32 = 32;
pub const SIGRTMAX: u32 = NSIG;
/// `_NSIG`: signals are numbered 1..=64.
pub const NSIG: u32 = 64;

/// Handler values with special meaning.
pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;
pub const SIG_ERR: u64 = u64::MAX;

/// rt_sigprocmask `how`.
pub const SIG_BLOCK: u32 = 0;
pub const SIG_UNBLOCK: u32 = 1;
pub const SIG_SETMASK: u32 = 2;

/// Kernel `sigset_t` on x86_64: one bit per signal, bit `n - 1` for signal `n`.
/// rt_sigprocmask and rt_sigaction require `sigsetsize == 8`.
#[repr(transparent)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SigSet(pub u64);
const _: () = assert!(size_of::<SigSet>() == 8);

impl SigSet {
    pub const EMPTY: SigSet = SigSet(0);
    pub const FULL: SigSet = SigSet(u64::MAX);
    /// SIGKILL and SIGSTOP: Linux silently drops them from every blocked mask.
    pub const UNBLOCKABLE: SigSet = SigSet(Self::bit(SIGKILL) | Self::bit(SIGSTOP));

    const fn bit(sig: u32) -> u64 {
        if sig >= 1 && sig <= NSIG {
            1 << (sig - 1)
        } else {
            0
        }
    }

    /// Whether `sig` is in the set; signals outside 1..=64 never are.
    pub const fn contains(self, sig: u32) -> bool {
        self.0 & Self::bit(sig) != 0
    }

    /// Adds `sig`; out-of-range numbers are ignored.
    pub fn add(&mut self, sig: u32) {
        self.0 |= Self::bit(sig);
    }

    /// Removes `sig`; out-of-range numbers are ignored.
    pub fn remove(&mut self, sig: u32) {
        self.0 &= !Self::bit(sig);
    }

    pub const fn union(self, other: SigSet) -> SigSet {
        SigSet(self.0 | other.0)
    }

    pub const fn difference(self, other: SigSet) -> SigSet {
        SigSet(self.0 & !other.0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The lowest-numbered signal in the set (the one Linux delivers first among
    /// standard signals).
    pub const fn first(self) -> Option<u32> {
        if self.0 == 0 {
            None
        } else {
            Some(self.0.trailing_zeros() + 1)
        }
    }
}

impl From<u64> for SigSet {
    fn from(v: u64) -> Self {
        SigSet(v)
    }
}

/// The `struct sigaction` rt_sigaction(2) exchanges with user space on x86_64
/// (kernel layout: handler, flags, restorer, mask — not glibc's).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct KernelSigaction {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: SigSet,
}
const _: () = assert!(size_of::<KernelSigaction>() == 32);

bitflags! {
    /// `SA_*` flags of `sa_flags`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SaFlags: u64 {
        const NOCLDSTOP = 0x0000_0001;
        const NOCLDWAIT = 0x0000_0002;
        const SIGINFO = 0x0000_0004;
        /// Never supported: lets user space probe which flags the kernel knows.
        const UNSUPPORTED = 0x0000_0400;
        const EXPOSE_TAGBITS = 0x0000_0800;
        /// x86: `sa_restorer` is valid (libc always sets it).
        const RESTORER = 0x0400_0000;
        const ONSTACK = 0x0800_0000;
        const RESTART = 0x1000_0000;
        const NODEFER = 0x4000_0000;
        const RESETHAND = 0x8000_0000;
    }
}

impl SaFlags {
    pub const NOMASK: SaFlags = SaFlags::NODEFER;
    pub const ONESHOT: SaFlags = SaFlags::RESETHAND;
}

/// `stack_t` for sigaltstack(2).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct StackT {
    pub ss_sp: u64,
    pub ss_flags: i32,
    /// C's alignment padding before `ss_size`, spelled out so the struct has no
    /// implicit padding.
    pub _pad: u32,
    pub ss_size: u64,
}
const _: () = assert!(size_of::<StackT>() == 24);

/// `ss_flags` values.
pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
/// Disarm the alternate stack while a handler runs on it.
pub const SS_AUTODISARM: i32 = 1 << 31;
pub const SS_FLAG_BITS: i32 = SS_AUTODISARM;

/// Smallest alternate stack sigaltstack accepts on x86 (`MINSIGSTKSZ`).
pub const MINSIGSTKSZ: u64 = 2048;
/// Recommended alternate stack size (`SIGSTKSZ`).
pub const SIGSTKSZ: u64 = 8192;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigset_bits_are_signal_minus_one() {
        let mut s = SigSet::EMPTY;
        s.add(SIGHUP);
        s.add(SIGRTMAX);
        assert_eq!(s.0, 1 | (1 << 63));
        assert!(s.contains(SIGHUP) && s.contains(64));
        s.add(0);
        s.add(65);
        assert_eq!(s.0, 1 | (1 << 63), "out-of-range signals are ignored");
        assert!(!s.contains(0) && !s.contains(65));
        s.remove(SIGHUP);
        assert_eq!(s.first(), Some(64));
        assert_eq!(SigSet::UNBLOCKABLE.0, (1 << 8) | (1 << 18));
    }

    #[test]
    fn sigaction_layout() {
        use zerocopy::IntoBytes;
        let sa = KernelSigaction {
            handler: 1,
            flags: (SaFlags::SIGINFO | SaFlags::RESTORER).bits(),
            restorer: 3,
            mask: SigSet(4),
        };
        let b = sa.as_bytes();
        assert_eq!(&b[8..16], &0x0400_0004u64.to_le_bytes());
        assert_eq!(&b[24..32], &4u64.to_le_bytes());
    }
}
