//! Interval timers and POSIX timer notification (`include/uapi/linux/time.h`,
//! `include/uapi/asm-generic/siginfo.h`, `kernel/time/{itimer,posix-timers}.c`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::signal::{NSIG, SIGALRM};
use super::time::{Itimerval, Timeval};
use crate::errno::{Errno, SysResult};

pub use super::time::TIMER_ABSTIME;

// setitimer/getitimer `which`.
pub const ITIMER_REAL: i32 = 0;
pub const ITIMER_VIRTUAL: i32 = 1;
pub const ITIMER_PROF: i32 = 2;

/// The three per-process interval timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Itimer {
    /// Wall time; SIGALRM.
    Real,
    /// User CPU time; SIGVTALRM.
    Virtual,
    /// User+system CPU time; SIGPROF.
    Prof,
}

impl Itimer {
    /// Parses `which` (EINVAL for anything else).
    pub fn from_which(which: i32) -> SysResult<Itimer> {
        match which {
            ITIMER_REAL => Ok(Itimer::Real),
            ITIMER_VIRTUAL => Ok(Itimer::Virtual),
            ITIMER_PROF => Ok(Itimer::Prof),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// `timeval_valid`: non-negative seconds, microseconds in `0..1_000_000`.
pub fn timeval_valid(tv: &Timeval) -> bool {
    tv.tv_sec >= 0 && (0..1_000_000).contains(&tv.tv_usec)
}

/// setitimer(2) rejects a value or interval that is not a valid timeval (EINVAL).
pub fn check_itimerval(v: &Itimerval) -> SysResult<()> {
    if timeval_valid(&v.it_value) && timeval_valid(&v.it_interval) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

// sigev_notify values.
pub const SIGEV_SIGNAL: i32 = 0;
pub const SIGEV_NONE: i32 = 1;
/// glibc runs the function in a helper thread; the kernel sees a signal.
pub const SIGEV_THREAD: i32 = 2;
/// Signal a specific thread (`sigev_notify_thread_id`); combined with SIGEV_SIGNAL.
pub const SIGEV_THREAD_ID: i32 = 4;

/// `struct sigevent` (timer_create, mq_notify): 64 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Sigevent {
    /// `sigval_t`: an int or a pointer.
    pub sigev_value: u64,
    pub sigev_signo: i32,
    pub sigev_notify: i32,
    /// The union: `_tid`, or `_sigev_thread` {function, attribute}.
    pub sigev_un: [u64; 6],
}
const _: () = assert!(size_of::<Sigevent>() == 64);

impl Default for Sigevent {
    fn default() -> Self {
        Sigevent {
            sigev_value: 0,
            sigev_signo: 0,
            sigev_notify: SIGEV_SIGNAL,
            sigev_un: [0; 6],
        }
    }
}

/// How a timer expiry is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notify {
    /// Nothing is sent; the timer can still be read.
    None,
    /// Signal the process.
    Signal { signo: u32, value: u64 },
    /// Signal one thread, which must be in the caller's thread group (the
    /// caller checks that; EINVAL otherwise).
    Thread { signo: u32, tid: i32, value: u64 },
}

impl Sigevent {
    /// `sigev_notify_thread_id` (`_tid`, first int of the union).
    pub fn thread_id(&self) -> i32 {
        self.sigev_un[0] as u32 as i32
    }

    /// What timer_create does without a sigevent: SIGALRM to the process,
    /// the timer id as `sival_int`.
    pub fn default_for_timer(timer_id: i32) -> Sigevent {
        Sigevent {
            sigev_value: u64::from(timer_id as u32),
            sigev_signo: SIGALRM as i32,
            ..Sigevent::default()
        }
    }

    /// Classifies the request as `good_sigevent` does: SIGEV_NONE needs
    /// nothing else; SIGEV_SIGNAL, SIGEV_THREAD and
    /// SIGEV_SIGNAL|SIGEV_THREAD_ID need a signal in 1..=64; any other
    /// `sigev_notify` is EINVAL.
    pub fn notification(&self) -> SysResult<Notify> {
        let signo = || match u32::try_from(self.sigev_signo) {
            Ok(s) if (1..=NSIG).contains(&s) => Ok(s),
            _ => Err(Errno::EINVAL),
        };
        let value = self.sigev_value;
        match self.sigev_notify {
            SIGEV_NONE => Ok(Notify::None),
            SIGEV_SIGNAL | SIGEV_THREAD => Ok(Notify::Signal {
                signo: signo()?,
                value,
            }),
            SIGEV_THREAD_ID => Ok(Notify::Thread {
                signo: signo()?,
                tid: self.thread_id(),
                value,
            }),
            _ => Err(Errno::EINVAL),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn sigevent_layout() {
        assert_eq!(offset_of!(Sigevent, sigev_signo), 8);
        assert_eq!(offset_of!(Sigevent, sigev_notify), 12);
        assert_eq!(offset_of!(Sigevent, sigev_un), 16);
        let mut raw = [0u8; 64];
        raw[16..20].copy_from_slice(&1234i32.to_le_bytes());
        raw[12..16].copy_from_slice(&SIGEV_THREAD_ID.to_le_bytes());
        raw[8..12].copy_from_slice(&10i32.to_le_bytes());
        let ev = Sigevent::read_from_bytes(&raw).unwrap();
        assert_eq!(
            ev.notification(),
            Ok(Notify::Thread {
                signo: 10,
                tid: 1234,
                value: 0
            })
        );
    }

    #[test]
    fn notification_rules() {
        let ev = |notify, signo| Sigevent {
            sigev_notify: notify,
            sigev_signo: signo,
            sigev_value: 5,
            ..Sigevent::default()
        };
        assert_eq!(ev(SIGEV_NONE, 0).notification(), Ok(Notify::None));
        assert_eq!(
            ev(SIGEV_THREAD, 34).notification(),
            Ok(Notify::Signal {
                signo: 34,
                value: 5
            })
        );
        assert_eq!(ev(SIGEV_SIGNAL, 0).notification(), Err(Errno::EINVAL));
        assert_eq!(ev(SIGEV_SIGNAL, 65).notification(), Err(Errno::EINVAL));
        assert_eq!(ev(SIGEV_THREAD_ID, -1).notification(), Err(Errno::EINVAL));
        assert_eq!(ev(3, 10).notification(), Err(Errno::EINVAL));
        assert_eq!(
            Sigevent::default_for_timer(7).notification(),
            Ok(Notify::Signal {
                signo: 14,
                value: 7
            })
        );
    }

    #[test]
    fn itimers() {
        assert_eq!(Itimer::from_which(2), Ok(Itimer::Prof));
        assert_eq!(Itimer::from_which(3), Err(Errno::EINVAL));
        let mut v = Itimerval::default();
        v.it_value.tv_usec = 999_999;
        assert!(check_itimerval(&v).is_ok());
        v.it_interval.tv_usec = 1_000_000;
        assert_eq!(check_itimerval(&v), Err(Errno::EINVAL));
        v.it_interval.tv_usec = 0;
        v.it_value.tv_sec = -1;
        assert_eq!(check_itimerval(&v), Err(Errno::EINVAL));
    }
}
