//! Resource limits (getrlimit/setrlimit/prlimit64), with Linux's defaults for init.

use linux_abi::uapi::resource::{RLIM_INFINITY, RLIM_NLIMITS};
use linux_abi::uapi::resource::{RLIMIT_CORE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NOFILE, RLIMIT_NPROC};
use linux_abi::uapi::resource::{RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_SIGPENDING, RLIMIT_STACK};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub cur: u64,
    pub max: u64,
}

#[derive(Clone, Debug)]
pub struct Limits(pub [Limit; RLIM_NLIMITS as usize]);

impl Default for Limits {
    /// INIT_RLIMITS from include/asm-generic/resource.h, with the values Linux computes at boot for
    /// NPROC and SIGPENDING on a small machine.
    fn default() -> Self {
        let inf = Limit { cur: RLIM_INFINITY, max: RLIM_INFINITY };
        let mut l = [inf; RLIM_NLIMITS as usize];
        l[RLIMIT_STACK as usize] = Limit { cur: 8 << 20, max: RLIM_INFINITY };
        l[RLIMIT_CORE as usize] = Limit { cur: 0, max: RLIM_INFINITY };
        l[RLIMIT_NOFILE as usize] = Limit { cur: 1024, max: 4096 };
        l[RLIMIT_MEMLOCK as usize] = Limit { cur: 8 << 20, max: 8 << 20 };
        l[RLIMIT_MSGQUEUE as usize] = Limit { cur: 819_200, max: 819_200 };
        l[RLIMIT_NPROC as usize] = Limit { cur: 3_800, max: 3_800 };
        l[RLIMIT_SIGPENDING as usize] = Limit { cur: 3_800, max: 3_800 };
        l[RLIMIT_NICE as usize] = Limit { cur: 0, max: 0 };
        l[RLIMIT_RTPRIO as usize] = Limit { cur: 0, max: 0 };
        Limits(l)
    }
}

impl Limits {
    pub fn get(&self, resource: u32) -> Option<Limit> {
        self.0.get(resource as usize).copied()
    }
}
