//! Clocks. MONOTONIC and BOOTTIME are the TSC-based uptime (no suspend, so they are equal);
//! REALTIME is the CMOS RTC reading at boot plus uptime, adjustable by clock_settime.

use core::sync::atomic::{AtomicI64, Ordering};

use linux_abi::{Errno, SysResult};

use crate::arch::cpu::uptime_ns;
pub use linux_abi::uapi::time::{
    CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM, CLOCK_MONOTONIC, CLOCK_MONOTONIC_COARSE, CLOCK_MONOTONIC_RAW,
    CLOCK_PROCESS_CPUTIME_ID, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_REALTIME_COARSE, CLOCK_TAI,
    CLOCK_THREAD_CPUTIME_ID,
};

/// REALTIME − MONOTONIC, in ns.
static REALTIME_OFFSET: AtomicI64 = AtomicI64::new(0);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Clock {
    Realtime,
    Monotonic,
    ProcessCpu,
    ThreadCpu,
}

impl Clock {
    /// Decodes a clockid (negative ids are per-process/thread CPU clocks and fds: not supported).
    pub fn from_id(id: i32) -> SysResult<Clock> {
        Ok(match id {
            CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => Clock::Realtime,
            CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME | CLOCK_BOOTTIME_ALARM => {
                Clock::Monotonic
            }
            CLOCK_PROCESS_CPUTIME_ID => Clock::ProcessCpu,
            CLOCK_THREAD_CPUTIME_ID => Clock::ThreadCpu,
            _ => return Err(Errno::EINVAL),
        })
    }

    /// The clock's current value in ns.
    pub fn now(self) -> u64 {
        match self {
            Clock::Realtime => realtime_ns() as u64,
            Clock::Monotonic => uptime_ns(),
            Clock::ProcessCpu => {
                let p = &crate::process::current().process;
                p.threads().iter().map(|t| thread_cpu_ns(t)).sum()
            }
            Clock::ThreadCpu => thread_cpu_ns(crate::process::current()),
        }
    }
}

fn thread_cpu_ns(t: &crate::process::Thread) -> u64 {
    t.utime.load(Ordering::Relaxed) + t.stime.load(Ordering::Relaxed)
}

pub fn realtime_ns() -> i64 {
    uptime_ns() as i64 + REALTIME_OFFSET.load(Ordering::Relaxed)
}

pub fn set_realtime_ns(ns: i64) {
    REALTIME_OFFSET.store(ns - uptime_ns() as i64, Ordering::Relaxed);
}

/// Turns an absolute time on `clock` into an uptime deadline for the timer list.
pub fn deadline_from_clock(clock: Clock, abs_ns: u64) -> u64 {
    match clock {
        Clock::Realtime => (abs_ns as i64 - REALTIME_OFFSET.load(Ordering::Relaxed)).max(0) as u64,
        _ => abs_ns,
    }
}

/// Reads the CMOS clock once at boot.
pub fn init() {
    match drivers::rtc::read_rtc(None) {
        Some(t) => set_realtime_ns(drivers::rtc::to_unix(&t) * 1_000_000_000),
        None => log::warn!("RTC unreadable: the clock starts at the epoch"),
    }
}
