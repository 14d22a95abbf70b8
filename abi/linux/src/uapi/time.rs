//! Time structures and clock ids (`include/uapi/linux/time.h`, `time_types.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Nanoseconds in one second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;

/// `struct timespec` / `__kernel_timespec` on x86_64.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}
const _: () = assert!(size_of::<Timespec>() == 16);

impl Timespec {
    /// Linux's `timespec64_valid`: non-negative seconds and `0 <= tv_nsec < 1e9`.
    pub const fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && self.tv_nsec >= 0 && self.tv_nsec < NSEC_PER_SEC
    }

    /// Total nanoseconds, or `None` if invalid or too large for a `u64`.
    pub fn as_nanos(&self) -> Option<u64> {
        if !self.is_valid() {
            return None;
        }
        // Both fields are non-negative here, so the casts are lossless.
        (self.tv_sec as u64)
            .checked_mul(NSEC_PER_SEC as u64)?
            .checked_add(self.tv_nsec as u64)
    }

    pub const fn from_nanos(ns: u64) -> Self {
        let per = NSEC_PER_SEC as u64;
        // u64::MAX / 1e9 fits an i64, and the remainder is below 1e9.
        Timespec {
            tv_sec: (ns / per) as i64,
            tv_nsec: (ns % per) as i64,
        }
    }
}

/// `struct timeval` on x86_64 (`__kernel_old_timeval`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}
const _: () = assert!(size_of::<Timeval>() == 16);

/// `struct timezone` (gettimeofday's second argument).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Timezone {
    pub tz_minuteswest: i32,
    pub tz_dsttime: i32,
}
const _: () = assert!(size_of::<Timezone>() == 8);

/// `struct itimerspec` (timer_settime, timerfd_settime).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Itimerspec {
    pub it_interval: Timespec,
    pub it_value: Timespec,
}
const _: () = assert!(size_of::<Itimerspec>() == 32);

/// `struct itimerval` (setitimer/getitimer).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Itimerval {
    pub it_interval: Timeval,
    pub it_value: Timeval,
}
const _: () = assert!(size_of::<Itimerval>() == 32);

/// `struct tms` (times(2)), in clock ticks.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Tms {
    pub tms_utime: i64,
    pub tms_stime: i64,
    pub tms_cutime: i64,
    pub tms_cstime: i64,
}
const _: () = assert!(size_of::<Tms>() == 32);

// clockid_t is a signed int: negative ids encode per-process/thread CPU clocks.
pub const CLOCK_REALTIME: i32 = 0;
pub const CLOCK_MONOTONIC: i32 = 1;
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
pub const CLOCK_REALTIME_COARSE: i32 = 5;
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
pub const CLOCK_BOOTTIME: i32 = 7;
pub const CLOCK_REALTIME_ALARM: i32 = 8;
pub const CLOCK_BOOTTIME_ALARM: i32 = 9;
/// Reserved id of the removed SGI cycle counter; Linux rejects it.
pub const CLOCK_SGI_CYCLE: i32 = 10;
pub const CLOCK_TAI: i32 = 11;
pub const MAX_CLOCKS: i32 = 16;

/// `clock_nanosleep`/`timer_settime` flag: the time is absolute.
pub const TIMER_ABSTIME: u32 = 0x01;

/// `utimensat` tv_nsec value: set this timestamp to the current time.
pub const UTIME_NOW: i64 = (1 << 30) - 1;
/// `utimensat` tv_nsec value: leave this timestamp unchanged.
pub const UTIME_OMIT: i64 = (1 << 30) - 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utime_values_match_linux() {
        assert_eq!(UTIME_NOW, 0x3fff_ffff);
        assert_eq!(UTIME_OMIT, 0x3fff_fffe);
    }

    #[test]
    fn timespec_validity_and_nanos() {
        assert!(
            Timespec {
                tv_sec: 0,
                tv_nsec: 999_999_999
            }
            .is_valid()
        );
        assert!(
            !Timespec {
                tv_sec: 0,
                tv_nsec: 1_000_000_000
            }
            .is_valid()
        );
        assert!(
            !Timespec {
                tv_sec: -1,
                tv_nsec: 0
            }
            .is_valid()
        );
        assert!(
            !Timespec {
                tv_sec: 0,
                tv_nsec: -1
            }
            .is_valid()
        );
        assert_eq!(
            Timespec {
                tv_sec: 2,
                tv_nsec: 5
            }
            .as_nanos(),
            Some(2_000_000_005)
        );
        assert_eq!(
            Timespec {
                tv_sec: i64::MAX,
                tv_nsec: 0
            }
            .as_nanos(),
            None
        );
        let ts = Timespec::from_nanos(u64::MAX);
        assert!(ts.is_valid());
        assert_eq!(ts.as_nanos(), Some(u64::MAX));
    }

    #[test]
    fn timespec_byte_layout() {
        use zerocopy::IntoBytes;
        let ts = Timespec {
            tv_sec: 1,
            tv_nsec: 2,
        };
        let mut want = [0u8; 16];
        want[0] = 1;
        want[8] = 2;
        assert_eq!(ts.as_bytes(), &want);
    }
}
