//! Resource limits and usage (`include/uapi/asm-generic/resource.h`, `linux/resource.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::time::Timeval;

/// `struct rlimit` / `struct rlimit64` (identical on x86_64).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Rlimit {
    pub rlim_cur: u64,
    pub rlim_max: u64,
}
const _: () = assert!(size_of::<Rlimit>() == 16);

/// No limit.
pub const RLIM_INFINITY: u64 = u64::MAX;

pub const RLIMIT_CPU: u32 = 0;
pub const RLIMIT_FSIZE: u32 = 1;
pub const RLIMIT_DATA: u32 = 2;
pub const RLIMIT_STACK: u32 = 3;
pub const RLIMIT_CORE: u32 = 4;
pub const RLIMIT_RSS: u32 = 5;
pub const RLIMIT_NPROC: u32 = 6;
pub const RLIMIT_NOFILE: u32 = 7;
pub const RLIMIT_MEMLOCK: u32 = 8;
pub const RLIMIT_AS: u32 = 9;
pub const RLIMIT_LOCKS: u32 = 10;
pub const RLIMIT_SIGPENDING: u32 = 11;
pub const RLIMIT_MSGQUEUE: u32 = 12;
pub const RLIMIT_NICE: u32 = 13;
pub const RLIMIT_RTPRIO: u32 = 14;
pub const RLIMIT_RTTIME: u32 = 15;
/// Number of resources; higher ids get EINVAL.
pub const RLIM_NLIMITS: u32 = 16;

/// `_STK_LIM`: the default RLIMIT_STACK soft limit (8 MiB).
pub const STK_LIM: u64 = 8 * 1024 * 1024;
/// `INR_OPEN_CUR` / `INR_OPEN_MAX`: default RLIMIT_NOFILE soft and hard limits.
pub const INR_OPEN_CUR: u64 = 1024;
pub const INR_OPEN_MAX: u64 = 4096;

/// `struct rusage` (getrusage, wait4).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Rusage {
    pub ru_utime: Timeval,
    pub ru_stime: Timeval,
    pub ru_maxrss: i64,
    pub ru_ixrss: i64,
    pub ru_idrss: i64,
    pub ru_isrss: i64,
    pub ru_minflt: i64,
    pub ru_majflt: i64,
    pub ru_nswap: i64,
    pub ru_inblock: i64,
    pub ru_oublock: i64,
    pub ru_msgsnd: i64,
    pub ru_msgrcv: i64,
    pub ru_nsignals: i64,
    pub ru_nvcsw: i64,
    pub ru_nivcsw: i64,
}
const _: () = assert!(size_of::<Rusage>() == 144);

pub const RUSAGE_SELF: i32 = 0;
pub const RUSAGE_CHILDREN: i32 = -1;
pub const RUSAGE_BOTH: i32 = -2;
pub const RUSAGE_THREAD: i32 = 1;

/// getpriority/setpriority `which`.
pub const PRIO_PROCESS: u32 = 0;
pub const PRIO_PGRP: u32 = 1;
pub const PRIO_USER: u32 = 2;
