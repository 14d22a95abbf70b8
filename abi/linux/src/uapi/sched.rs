//! clone/clone3 flags and arguments, scheduling policies and CPU masks
//! (`include/uapi/linux/sched.h`, `kernel/fork.c`, `kernel/sched/syscalls.c`).

use bitflags::bitflags;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use super::signal::NSIG;
use crate::errno::{Errno, SysResult};

/// Low byte of clone(2)'s flags: the signal sent to the parent at exit.
pub const CSIGNAL: u64 = 0x0000_00ff;
pub const CLONE_VM: u64 = 0x0000_0100;
pub const CLONE_FS: u64 = 0x0000_0200;
pub const CLONE_FILES: u64 = 0x0000_0400;
pub const CLONE_SIGHAND: u64 = 0x0000_0800;
pub const CLONE_PIDFD: u64 = 0x0000_1000;
pub const CLONE_PTRACE: u64 = 0x0000_2000;
pub const CLONE_VFORK: u64 = 0x0000_4000;
pub const CLONE_PARENT: u64 = 0x0000_8000;
pub const CLONE_THREAD: u64 = 0x0001_0000;
pub const CLONE_NEWNS: u64 = 0x0002_0000;
pub const CLONE_SYSVSEM: u64 = 0x0004_0000;
pub const CLONE_SETTLS: u64 = 0x0008_0000;
pub const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
pub const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
/// Ignored by clone(2); rejected by clone3 and together with CLONE_PIDFD.
pub const CLONE_DETACHED: u64 = 0x0040_0000;
pub const CLONE_UNTRACED: u64 = 0x0080_0000;
pub const CLONE_CHILD_SETTID: u64 = 0x0100_0000;
pub const CLONE_NEWCGROUP: u64 = 0x0200_0000;
pub const CLONE_NEWUTS: u64 = 0x0400_0000;
pub const CLONE_NEWIPC: u64 = 0x0800_0000;
pub const CLONE_NEWUSER: u64 = 0x1000_0000;
pub const CLONE_NEWPID: u64 = 0x2000_0000;
pub const CLONE_NEWNET: u64 = 0x4000_0000;
pub const CLONE_IO: u64 = 0x8000_0000;
/// clone3 only: reset every handler to SIG_DFL in the child.
pub const CLONE_CLEAR_SIGHAND: u64 = 1 << 32;
/// clone3 only: start the child in the cgroup `clone_args.cgroup` names.
pub const CLONE_INTO_CGROUP: u64 = 1 << 33;
/// Inside CSIGNAL, so only unshare(2) and clone3 can ask for it.
pub const CLONE_NEWTIME: u64 = 0x0000_0080;

/// Every flag clone(2) can express (`CLONE_LEGACY_FLAGS`).
pub const CLONE_LEGACY_FLAGS: u64 = 0xffff_ffff;
/// Flags clone3 accepts in Linux 6.18 (CSIGNAL bits other than CLONE_NEWTIME
/// and CLONE_DETACHED are further rejected).
pub const CLONE3_VALID_FLAGS: u64 = CLONE_LEGACY_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP;

/// All namespace-creating flags.
pub const CLONE_NEWNS_ALL: u64 = CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET
    | CLONE_NEWTIME;

bitflags! {
    /// The clone flags as a type (the exit signal byte excluded, except
    /// CLONE_NEWTIME which shares it in clone3).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct CloneFlags: u64 {
        const NEWTIME = CLONE_NEWTIME;
        const VM = CLONE_VM;
        const FS = CLONE_FS;
        const FILES = CLONE_FILES;
        const SIGHAND = CLONE_SIGHAND;
        const PIDFD = CLONE_PIDFD;
        const PTRACE = CLONE_PTRACE;
        const VFORK = CLONE_VFORK;
        const PARENT = CLONE_PARENT;
        const THREAD = CLONE_THREAD;
        const NEWNS = CLONE_NEWNS;
        const SYSVSEM = CLONE_SYSVSEM;
        const SETTLS = CLONE_SETTLS;
        const PARENT_SETTID = CLONE_PARENT_SETTID;
        const CHILD_CLEARTID = CLONE_CHILD_CLEARTID;
        const DETACHED = CLONE_DETACHED;
        const UNTRACED = CLONE_UNTRACED;
        const CHILD_SETTID = CLONE_CHILD_SETTID;
        const NEWCGROUP = CLONE_NEWCGROUP;
        const NEWUTS = CLONE_NEWUTS;
        const NEWIPC = CLONE_NEWIPC;
        const NEWUSER = CLONE_NEWUSER;
        const NEWPID = CLONE_NEWPID;
        const NEWNET = CLONE_NEWNET;
        const IO = CLONE_IO;
        const CLEAR_SIGHAND = CLONE_CLEAR_SIGHAND;
        const INTO_CGROUP = CLONE_INTO_CGROUP;
    }
}

/// `struct clone_args` sizes: each published version of the struct.
pub const CLONE_ARGS_SIZE_VER0: usize = 64;
pub const CLONE_ARGS_SIZE_VER1: usize = 80;
pub const CLONE_ARGS_SIZE_VER2: usize = 88;
/// `MAX_PID_NS_LEVEL`: the longest set_tid array.
pub const MAX_PID_NS_LEVEL: u64 = 32;
/// clone3 refuses argument structs larger than a page (E2BIG).
const CLONE_ARGS_MAX_SIZE: usize = 4096;

/// `struct clone_args` (clone3(2)).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct CloneArgs {
    pub flags: u64,
    /// With CLONE_PIDFD: where to store the pidfd (an `int *`).
    pub pidfd: u64,
    pub child_tid: u64,
    pub parent_tid: u64,
    pub exit_signal: u64,
    /// Lowest address of the child's stack; 0 to share the parent's rsp.
    pub stack: u64,
    pub stack_size: u64,
    pub tls: u64,
    /// `pid_t *` of `set_tid_size` entries (VER1).
    pub set_tid: u64,
    pub set_tid_size: u64,
    /// cgroup2 directory fd for CLONE_INTO_CGROUP (VER2).
    pub cgroup: u64,
}
const _: () = assert!(size_of::<CloneArgs>() == CLONE_ARGS_SIZE_VER2);

impl CloneArgs {
    /// Parses clone3's argument struct as `copy_clone_args_from_user` does.
    ///
    /// `bytes` is the user's struct, `bytes.len()` being clone3's `size`
    /// argument. Older (shorter) versions are zero-extended; a longer struct
    /// from a newer ABI is accepted only if the bytes this kernel does not
    /// know are zero. Errors: E2BIG (larger than a page, or unknown non-zero
    /// tail), EINVAL (shorter than VER0, bad set_tid/set_tid_size pair,
    /// exit_signal not a signal, CLONE_INTO_CGROUP without a valid VER2
    /// cgroup fd). The caller still reads `set_tid` from user memory.
    pub fn from_user_bytes(bytes: &[u8]) -> SysResult<CloneArgs> {
        let usize_ = bytes.len();
        if usize_ > CLONE_ARGS_MAX_SIZE {
            return Err(Errno::E2BIG);
        }
        if usize_ < CLONE_ARGS_SIZE_VER0 {
            return Err(Errno::EINVAL);
        }
        // copy_struct_from_user.
        let known = usize_.min(CLONE_ARGS_SIZE_VER2);
        let (head, tail) = bytes.split_at(known);
        if tail.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
        let mut args = CloneArgs::new_zeroed();
        args.as_mut_bytes()[..known].copy_from_slice(head);

        if args.set_tid_size > MAX_PID_NS_LEVEL
            || (args.set_tid == 0 && args.set_tid_size > 0)
            || (args.set_tid != 0 && args.set_tid_size == 0)
        {
            return Err(Errno::EINVAL);
        }
        // The upper bits must be clear and the value a signal (0 is "none").
        if args.exit_signal & !CSIGNAL != 0 || args.exit_signal > u64::from(NSIG) {
            return Err(Errno::EINVAL);
        }
        if args.flags & CLONE_INTO_CGROUP != 0
            && (args.cgroup > i32::MAX as u64 || usize_ < CLONE_ARGS_SIZE_VER2)
        {
            return Err(Errno::EINVAL);
        }
        Ok(args)
    }

    /// The arguments clone(2) amounts to. x86_64's argument order is
    /// `clone(flags, newsp, parent_tid, child_tid, tls)`; only the low 32
    /// bits of `flags` count, the low byte being the exit signal. A pidfd
    /// requested by clone(2) is stored through `parent_tid`.
    pub fn from_clone(
        flags: u64,
        newsp: u64,
        parent_tid: u64,
        child_tid: u64,
        tls: u64,
    ) -> CloneArgs {
        let low = flags & 0xffff_ffff;
        CloneArgs {
            flags: low & !CSIGNAL,
            pidfd: parent_tid,
            child_tid,
            parent_tid,
            exit_signal: low & CSIGNAL,
            stack: newsp,
            tls,
            ..CloneArgs::default()
        }
    }

    /// clone3's own checks (`clone3_args_valid`), EINVAL when they fail:
    /// only known flags, no CLONE_DETACHED or exit-signal bits in `flags`,
    /// not both CLONE_SIGHAND and CLONE_CLEAR_SIGHAND, no exit signal for a
    /// thread or sibling, and a stack given as both address and size or
    /// neither. Address-range checks of the stack are the caller's.
    pub fn check_clone3(&self) -> SysResult<()> {
        let f = self.flags;
        let bad = f & !CLONE3_VALID_FLAGS != 0
            || f & (CLONE_DETACHED | (CSIGNAL & !CLONE_NEWTIME)) != 0
            || f & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND) == CLONE_SIGHAND | CLONE_CLEAR_SIGHAND
            || (f & (CLONE_THREAD | CLONE_PARENT) != 0 && self.exit_signal != 0)
            || (self.stack == 0) != (self.stack_size == 0)
            || self.stack.checked_add(self.stack_size).is_none();
        if bad { Err(Errno::EINVAL) } else { Ok(()) }
    }

    /// The child's initial rsp: the stack's top for clone3 (which takes the
    /// lowest address and a size), `stack` itself for clone(2), or `None` to
    /// inherit the parent's.
    pub fn stack_pointer(&self) -> Option<u64> {
        match self.stack {
            0 => None,
            s => Some(s.wrapping_add(self.stack_size)),
        }
    }

    /// Checks shared by clone(2) and clone3 (`kernel_clone` and the start of
    /// `copy_process`). `caller_is_init` is the caller's SIGNAL_UNKILLABLE:
    /// init may not create siblings with CLONE_PARENT.
    pub fn validate(&self, caller_is_init: bool) -> SysResult<()> {
        let f = self.flags;
        // clone(2) returns the pidfd through parent_tid: both at once would
        // write the same word twice.
        if f & CLONE_PIDFD != 0 && f & CLONE_PARENT_SETTID != 0 && self.pidfd == self.parent_tid {
            return Err(Errno::EINVAL);
        }
        validate_clone_flags(f, caller_is_init)
    }

    /// The exit signal the child gets (`p->exit_signal`): none for a thread,
    /// the group leader's for CLONE_PARENT (it becomes the caller's sibling),
    /// else the requested one.
    pub fn child_exit_signal(&self, caller_leader_exit_signal: Option<u32>) -> Option<u32> {
        if self.flags & CLONE_THREAD != 0 {
            None
        } else if self.flags & CLONE_PARENT != 0 {
            caller_leader_exit_signal
        } else {
            // At most 0xff from clone(2); clone3 already limited it to NSIG.
            match self.exit_signal as u32 {
                0 => None,
                s => Some(s),
            }
        }
    }
}

/// `copy_process`'s flag consistency rules, all EINVAL:
/// CLONE_NEWNS or CLONE_NEWUSER with CLONE_FS; CLONE_THREAD without
/// CLONE_SIGHAND; CLONE_SIGHAND without CLONE_VM; CLONE_PARENT from init;
/// CLONE_THREAD into a new user or pid namespace; CLONE_PIDFD with
/// CLONE_DETACHED. Also CLONE_NEWIPC with CLONE_SYSVSEM (`copy_namespaces`).
pub fn validate_clone_flags(flags: u64, caller_is_init: bool) -> SysResult<()> {
    let both = |a: u64, b: u64| flags & (a | b) == a | b;
    let has = |a: u64| flags & a != 0;
    let bad = both(CLONE_NEWNS, CLONE_FS)
        || both(CLONE_NEWUSER, CLONE_FS)
        || (has(CLONE_THREAD) && !has(CLONE_SIGHAND))
        || (has(CLONE_SIGHAND) && !has(CLONE_VM))
        || (has(CLONE_PARENT) && caller_is_init)
        || (has(CLONE_THREAD) && has(CLONE_NEWUSER | CLONE_NEWPID))
        || both(CLONE_PIDFD, CLONE_DETACHED)
        || both(CLONE_NEWIPC, CLONE_SYSVSEM);
    if bad { Err(Errno::EINVAL) } else { Ok(()) }
}

// Scheduling policies.
pub const SCHED_NORMAL: u32 = 0;
pub const SCHED_OTHER: u32 = SCHED_NORMAL;
pub const SCHED_FIFO: u32 = 1;
pub const SCHED_RR: u32 = 2;
pub const SCHED_BATCH: u32 = 3;
/// Reserved (SCHED_ISO), never implemented.
pub const SCHED_ISO: u32 = 4;
pub const SCHED_IDLE: u32 = 5;
pub const SCHED_DEADLINE: u32 = 6;
pub const SCHED_EXT: u32 = 7;
/// ORed into the policy: the child reverts to SCHED_NORMAL on fork.
pub const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;

// sched_attr.sched_flags.
pub const SCHED_FLAG_RESET_ON_FORK: u64 = 0x01;
pub const SCHED_FLAG_RECLAIM: u64 = 0x02;
pub const SCHED_FLAG_DL_OVERRUN: u64 = 0x04;
pub const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;
pub const SCHED_FLAG_KEEP_PARAMS: u64 = 0x10;
pub const SCHED_FLAG_UTIL_CLAMP_MIN: u64 = 0x20;
pub const SCHED_FLAG_UTIL_CLAMP_MAX: u64 = 0x40;

/// Real-time priorities run 1..=99 (`MAX_RT_PRIO - 1`).
pub const MAX_USER_RT_PRIO: i32 = 100;

/// `struct sched_param`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SchedParam {
    pub sched_priority: i32,
}
const _: () = assert!(size_of::<SchedParam>() == 4);

/// Whether `policy` is one Linux knows (SCHED_EXT counts; built without
/// sched_ext Linux reports EINVAL for it too, which callers may prefer).
pub fn valid_policy(policy: u32) -> bool {
    matches!(
        policy,
        SCHED_NORMAL
            | SCHED_FIFO
            | SCHED_RR
            | SCHED_BATCH
            | SCHED_IDLE
            | SCHED_DEADLINE
            | SCHED_EXT
    )
}

/// sched_get_priority_max(2): 99 for FIFO/RR, 0 for the other policies.
pub fn sched_priority_max(policy: i32) -> SysResult<i32> {
    match u32::try_from(policy) {
        Ok(SCHED_FIFO | SCHED_RR) => Ok(MAX_USER_RT_PRIO - 1),
        Ok(SCHED_NORMAL | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE | SCHED_EXT) => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// sched_get_priority_min(2): 1 for FIFO/RR, 0 for the other policies.
pub fn sched_priority_min(policy: i32) -> SysResult<i32> {
    match u32::try_from(policy) {
        Ok(SCHED_FIFO | SCHED_RR) => Ok(1),
        Ok(SCHED_NORMAL | SCHED_BATCH | SCHED_IDLE | SCHED_DEADLINE | SCHED_EXT) => Ok(0),
        _ => Err(Errno::EINVAL),
    }
}

/// glibc's `CPU_SETSIZE`: bits in a default `cpu_set_t` (128 bytes).
pub const CPU_SETSIZE: usize = 1024;

/// `cpumask_size()`: bytes in the kernel's CPU mask, whole longs for
/// `nr_cpu_ids` CPUs.
pub fn cpumask_size(nr_cpu_ids: usize) -> usize {
    nr_cpu_ids.div_ceil(64) * 8
}

/// sched_getaffinity(2)'s length rules: the buffer must hold `nr_cpu_ids`
/// bits and be a whole number of longs (EINVAL); the call copies and returns
/// `min(len, cpumask_size)` bytes.
pub fn getaffinity_len(len: u32, nr_cpu_ids: usize) -> SysResult<usize> {
    let len = len as usize;
    if len * 8 < nr_cpu_ids || !len.is_multiple_of(8) {
        return Err(Errno::EINVAL);
    }
    Ok(len.min(cpumask_size(nr_cpu_ids)))
}

/// The CPU mask sched_setaffinity(2) takes from `user` (`get_user_cpu_mask`):
/// bits for CPUs `0..nr_cpu_ids`, a short buffer leaving the rest clear. The
/// result must then intersect the online CPUs, else EINVAL.
pub fn setaffinity_mask(user: &[u8], nr_cpu_ids: usize) -> alloc::vec::Vec<u8> {
    let size = cpumask_size(nr_cpu_ids);
    let mut mask = alloc::vec![0u8; size];
    let n = user.len().min(size);
    mask[..n].copy_from_slice(&user[..n]);
    // Bits past nr_cpu_ids name no CPU.
    for cpu in nr_cpu_ids..size * 8 {
        mask[cpu / 8] &= !(1 << (cpu % 8));
    }
    mask
}

/// Whether CPU `cpu` is set in a byte mask (little-endian longs, so plain
/// byte/bit order).
pub fn cpu_isset(mask: &[u8], cpu: usize) -> bool {
    mask.get(cpu / 8).is_some_and(|b| b & (1 << (cpu % 8)) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::signal::SIGCHLD;
    use core::mem::offset_of;

    fn raw(args: &CloneArgs, len: usize) -> alloc::vec::Vec<u8> {
        let mut v = args.as_bytes().to_vec();
        v.resize(len, 0);
        v
    }

    #[test]
    fn clone_args_layout() {
        assert_eq!(offset_of!(CloneArgs, tls) + 8, CLONE_ARGS_SIZE_VER0);
        assert_eq!(
            offset_of!(CloneArgs, set_tid_size) + 8,
            CLONE_ARGS_SIZE_VER1
        );
        assert_eq!(offset_of!(CloneArgs, cgroup) + 8, CLONE_ARGS_SIZE_VER2);
    }

    #[test]
    fn clone_args_size_rules() {
        let a = CloneArgs {
            flags: CLONE_VM,
            exit_signal: SIGCHLD as u64,
            set_tid: 0x1000,
            set_tid_size: 1,
            cgroup: 7,
            ..Default::default()
        };
        // VER0: the VER1/VER2 fields read as zero.
        let v0 = CloneArgs::from_user_bytes(&raw(&a, 88)[..64]).unwrap();
        assert_eq!((v0.set_tid, v0.set_tid_size, v0.cgroup), (0, 0, 0));
        assert_eq!(v0.exit_signal, SIGCHLD as u64);
        assert_eq!(CloneArgs::from_user_bytes(&raw(&a, 88)).unwrap(), a);
        // Larger than known: zero tail fine, non-zero tail E2BIG.
        let mut big = raw(&a, 128);
        assert_eq!(CloneArgs::from_user_bytes(&big).unwrap(), a);
        big[100] = 1;
        assert_eq!(CloneArgs::from_user_bytes(&big), Err(Errno::E2BIG));
        assert_eq!(
            CloneArgs::from_user_bytes(&raw(&a, 4097)),
            Err(Errno::E2BIG)
        );
        assert_eq!(CloneArgs::from_user_bytes(&raw(&a, 63)), Err(Errno::EINVAL));
        // A size between versions is read as far as it goes: here half of
        // set_tid arrives without set_tid_size, which is EINVAL as in Linux.
        assert_eq!(
            CloneArgs::from_user_bytes(&raw(&a, 88)[..68]),
            Err(Errno::EINVAL)
        );
        let no_tid = CloneArgs {
            set_tid: 0,
            set_tid_size: 0,
            ..a
        };
        assert!(CloneArgs::from_user_bytes(&raw(&no_tid, 88)[..68]).is_ok());
    }

    #[test]
    fn clone_args_field_checks() {
        let ok = CloneArgs {
            exit_signal: 64,
            ..Default::default()
        };
        assert!(CloneArgs::from_user_bytes(&raw(&ok, 64)).is_ok());
        for bad in [
            CloneArgs {
                exit_signal: 65,
                ..ok
            },
            CloneArgs {
                exit_signal: (1 << 32) | 17,
                ..ok
            },
            CloneArgs {
                set_tid_size: 1,
                ..ok
            },
            CloneArgs { set_tid: 8, ..ok },
            CloneArgs {
                set_tid: 8,
                set_tid_size: 33,
                ..ok
            },
        ] {
            assert_eq!(
                CloneArgs::from_user_bytes(&raw(&bad, 88)),
                Err(Errno::EINVAL),
                "{bad:?}"
            );
        }
        let cg = CloneArgs {
            flags: CLONE_INTO_CGROUP,
            cgroup: 3,
            ..ok
        };
        assert!(CloneArgs::from_user_bytes(&raw(&cg, 88)).is_ok());
        assert_eq!(
            CloneArgs::from_user_bytes(&raw(&cg, 88)[..80]),
            Err(Errno::EINVAL)
        );
        let cg_big = CloneArgs {
            cgroup: 1 << 31,
            ..cg
        };
        assert_eq!(
            CloneArgs::from_user_bytes(&raw(&cg_big, 88)),
            Err(Errno::EINVAL)
        );
    }

    #[test]
    fn clone3_specific_checks() {
        let base = CloneArgs::default();
        assert!(base.check_clone3().is_ok());
        let with = |flags| CloneArgs { flags, ..base }.check_clone3();
        assert_eq!(with(CLONE_DETACHED), Err(Errno::EINVAL));
        assert_eq!(with(0x11), Err(Errno::EINVAL), "exit signal bits in flags");
        assert!(with(CLONE_NEWTIME).is_ok());
        assert_eq!(with(1 << 34), Err(Errno::EINVAL), "unknown flag");
        assert_eq!(
            with(CLONE_SIGHAND | CLONE_CLEAR_SIGHAND),
            Err(Errno::EINVAL)
        );
        let thread = CloneArgs {
            flags: CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
            exit_signal: SIGCHLD as u64,
            ..base
        };
        assert_eq!(thread.check_clone3(), Err(Errno::EINVAL));
        let stack = CloneArgs {
            stack: 0x1000,
            ..base
        };
        assert_eq!(stack.check_clone3(), Err(Errno::EINVAL));
        let stack = CloneArgs {
            stack: 0x1000,
            stack_size: 0x2000,
            ..base
        };
        assert!(stack.check_clone3().is_ok());
        assert_eq!(stack.stack_pointer(), Some(0x3000));
    }

    #[test]
    fn legacy_clone_conversion() {
        let a = CloneArgs::from_clone(
            (1 << 40) | CLONE_VM | CLONE_VFORK | SIGCHLD as u64,
            0x7000,
            0x10,
            0x20,
            0x30,
        );
        assert_eq!(a.flags, CLONE_VM | CLONE_VFORK);
        assert_eq!(a.exit_signal, SIGCHLD as u64);
        assert_eq!(
            (a.pidfd, a.parent_tid, a.child_tid, a.tls),
            (0x10, 0x10, 0x20, 0x30)
        );
        assert_eq!(a.stack_pointer(), Some(0x7000));
        assert_eq!(a.child_exit_signal(None), Some(SIGCHLD));
        let pidfd = CloneArgs::from_clone(CLONE_PIDFD | CLONE_PARENT_SETTID, 0, 0x10, 0, 0);
        assert_eq!(pidfd.validate(false), Err(Errno::EINVAL));
    }

    #[test]
    fn copy_process_flag_rules() {
        let ok = |f| validate_clone_flags(f, false);
        let thread = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
        assert!(ok(thread | CLONE_SYSVSEM | CLONE_SETTLS).is_ok());
        assert!(ok(0).is_ok());
        assert!(
            ok(thread | CLONE_PIDFD).is_ok(),
            "pidfds for threads since 6.9"
        );
        for bad in [
            CLONE_NEWNS | CLONE_FS,
            CLONE_NEWUSER | CLONE_FS,
            CLONE_THREAD | CLONE_VM,
            CLONE_SIGHAND,
            thread | CLONE_NEWPID,
            CLONE_PIDFD | CLONE_DETACHED,
            CLONE_NEWIPC | CLONE_SYSVSEM,
        ] {
            assert_eq!(ok(bad), Err(Errno::EINVAL), "{bad:#x}");
        }
        assert!(ok(CLONE_DETACHED).is_ok(), "ignored without CLONE_PIDFD");
        assert!(validate_clone_flags(CLONE_PARENT, false).is_ok());
        assert_eq!(validate_clone_flags(CLONE_PARENT, true), Err(Errno::EINVAL));
    }

    #[test]
    fn exit_signal_of_child() {
        let t = CloneArgs {
            flags: CLONE_THREAD,
            exit_signal: 17,
            ..Default::default()
        };
        assert_eq!(t.child_exit_signal(Some(17)), None);
        let p = CloneArgs {
            flags: CLONE_PARENT,
            ..Default::default()
        };
        assert_eq!(p.child_exit_signal(Some(17)), Some(17));
        assert_eq!(CloneArgs::default().child_exit_signal(Some(17)), None);
    }

    #[test]
    fn priorities_and_masks() {
        assert_eq!(sched_priority_max(SCHED_FIFO as i32), Ok(99));
        assert_eq!(sched_priority_min(SCHED_RR as i32), Ok(1));
        assert_eq!(sched_priority_max(SCHED_NORMAL as i32), Ok(0));
        assert_eq!(sched_priority_max(4), Err(Errno::EINVAL));
        assert_eq!(sched_priority_min(-1), Err(Errno::EINVAL));
        assert!(!valid_policy(SCHED_ISO));

        assert_eq!(cpumask_size(4), 8);
        assert_eq!(cpumask_size(65), 16);
        assert_eq!(getaffinity_len(128, 4), Ok(8));
        assert_eq!(
            getaffinity_len(4, 4),
            Err(Errno::EINVAL),
            "not a whole long"
        );
        assert_eq!(getaffinity_len(8, 65), Err(Errno::EINVAL), "too few bits");
        let m = setaffinity_mask(&[0xff, 0xff], 4);
        assert_eq!(m, [0x0f, 0, 0, 0, 0, 0, 0, 0]);
        assert!(cpu_isset(&m, 3) && !cpu_isset(&m, 4) && !cpu_isset(&m, 1000));
        assert_eq!(setaffinity_mask(&[], 4), [0; 8]);
    }
}
