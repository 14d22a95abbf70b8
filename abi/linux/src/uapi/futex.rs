//! futex(2) operations, FUTEX_WAKE_OP arithmetic and robust lists
//! (`include/uapi/linux/futex.h`, `kernel/futex/{syscalls,waitwake,core}.c`,
//! `arch/x86/include/asm/futex.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::errno::{Errno, SysResult};

pub const FUTEX_WAIT: u32 = 0;
pub const FUTEX_WAKE: u32 = 1;
/// Removed in 2.6.26; ENOSYS.
pub const FUTEX_FD: u32 = 2;
pub const FUTEX_REQUEUE: u32 = 3;
pub const FUTEX_CMP_REQUEUE: u32 = 4;
pub const FUTEX_WAKE_OP: u32 = 5;
pub const FUTEX_LOCK_PI: u32 = 6;
pub const FUTEX_UNLOCK_PI: u32 = 7;
pub const FUTEX_TRYLOCK_PI: u32 = 8;
pub const FUTEX_WAIT_BITSET: u32 = 9;
pub const FUTEX_WAKE_BITSET: u32 = 10;
pub const FUTEX_WAIT_REQUEUE_PI: u32 = 11;
pub const FUTEX_CMP_REQUEUE_PI: u32 = 12;
pub const FUTEX_LOCK_PI2: u32 = 13;

/// The futex is private to the process (no shared-mapping lookup needed).
pub const FUTEX_PRIVATE_FLAG: u32 = 128;
/// The absolute timeout is on CLOCK_REALTIME instead of CLOCK_MONOTONIC.
pub const FUTEX_CLOCK_REALTIME: u32 = 256;
pub const FUTEX_CMD_MASK: u32 = !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

pub const FUTEX_WAIT_PRIVATE: u32 = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAKE_PRIVATE: u32 = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
pub const FUTEX_REQUEUE_PRIVATE: u32 = FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG;
pub const FUTEX_CMP_REQUEUE_PRIVATE: u32 = FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAKE_OP_PRIVATE: u32 = FUTEX_WAKE_OP | FUTEX_PRIVATE_FLAG;
pub const FUTEX_LOCK_PI_PRIVATE: u32 = FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG;
pub const FUTEX_LOCK_PI2_PRIVATE: u32 = FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG;
pub const FUTEX_UNLOCK_PI_PRIVATE: u32 = FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG;
pub const FUTEX_TRYLOCK_PI_PRIVATE: u32 = FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAIT_BITSET_PRIVATE: u32 = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAKE_BITSET_PRIVATE: u32 = FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG;
pub const FUTEX_WAIT_REQUEUE_PI_PRIVATE: u32 = FUTEX_WAIT_REQUEUE_PI | FUTEX_PRIVATE_FLAG;
pub const FUTEX_CMP_REQUEUE_PI_PRIVATE: u32 = FUTEX_CMP_REQUEUE_PI | FUTEX_PRIVATE_FLAG;

// futex2 (futex_waitv, futex_wake, futex_wait, futex_requeue) flags.
pub const FUTEX2_SIZE_U8: u32 = 0x00;
pub const FUTEX2_SIZE_U16: u32 = 0x01;
pub const FUTEX2_SIZE_U32: u32 = 0x02;
pub const FUTEX2_SIZE_U64: u32 = 0x03;
pub const FUTEX2_NUMA: u32 = 0x04;
pub const FUTEX2_MPOL: u32 = 0x08;
pub const FUTEX2_PRIVATE: u32 = FUTEX_PRIVATE_FLAG;
pub const FUTEX2_SIZE_MASK: u32 = 0x03;
/// Most entries futex_waitv accepts.
pub const FUTEX_WAITV_MAX: usize = 128;

/// `struct futex_waitv`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct FutexWaitv {
    pub val: u64,
    pub uaddr: u64,
    pub flags: u32,
    pub _reserved: u32,
}
const _: () = assert!(size_of::<FutexWaitv>() == 24);

/// The "any bit" bitset FUTEX_WAIT/FUTEX_WAKE use implicitly.
pub const FUTEX_BITSET_MATCH_ANY: u32 = 0xffff_ffff;

/// A futex command (`op & FUTEX_CMD_MASK`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutexCmd {
    Wait,
    Wake,
    Requeue,
    CmpRequeue,
    WakeOp,
    LockPi,
    UnlockPi,
    TrylockPi,
    WaitBitset,
    WakeBitset,
    WaitRequeuePi,
    CmpRequeuePi,
    LockPi2,
}

/// Which clock a futex timeout is on, and whether it is relative.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutexTimeout {
    /// FUTEX_WAIT: an interval, measured on CLOCK_MONOTONIC.
    RelativeMonotonic,
    AbsoluteMonotonic,
    AbsoluteRealtime,
}

/// A decoded futex(2) `op` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FutexOp {
    pub cmd: FutexCmd,
    /// FUTEX_PRIVATE_FLAG: the key is (mm, address) rather than the page.
    pub private: bool,
    /// FUTEX_CLOCK_REALTIME.
    pub clock_realtime: bool,
}

impl FutexOp {
    /// Decodes `op` as `do_futex` does: ENOSYS for an unknown command
    /// (FUTEX_FD included) and for FUTEX_CLOCK_REALTIME on a command that is
    /// not WAIT_BITSET, WAIT_REQUEUE_PI or LOCK_PI2.
    ///
    /// Linux reads and validates the timeout (EFAULT/EINVAL) before this
    /// check; see [`futex_cmd_has_timeout`].
    pub fn decode(op: u32) -> SysResult<FutexOp> {
        let cmd = match op & FUTEX_CMD_MASK {
            FUTEX_WAIT => FutexCmd::Wait,
            FUTEX_WAKE => FutexCmd::Wake,
            FUTEX_REQUEUE => FutexCmd::Requeue,
            FUTEX_CMP_REQUEUE => FutexCmd::CmpRequeue,
            FUTEX_WAKE_OP => FutexCmd::WakeOp,
            FUTEX_LOCK_PI => FutexCmd::LockPi,
            FUTEX_UNLOCK_PI => FutexCmd::UnlockPi,
            FUTEX_TRYLOCK_PI => FutexCmd::TrylockPi,
            FUTEX_WAIT_BITSET => FutexCmd::WaitBitset,
            FUTEX_WAKE_BITSET => FutexCmd::WakeBitset,
            FUTEX_WAIT_REQUEUE_PI => FutexCmd::WaitRequeuePi,
            FUTEX_CMP_REQUEUE_PI => FutexCmd::CmpRequeuePi,
            FUTEX_LOCK_PI2 => FutexCmd::LockPi2,
            _ => return Err(Errno::ENOSYS),
        };
        let clock_realtime = op & FUTEX_CLOCK_REALTIME != 0;
        if clock_realtime
            && !matches!(
                cmd,
                FutexCmd::WaitBitset | FutexCmd::WaitRequeuePi | FutexCmd::LockPi2
            )
        {
            return Err(Errno::ENOSYS);
        }
        Ok(FutexOp {
            cmd,
            private: op & FUTEX_PRIVATE_FLAG != 0,
            clock_realtime,
        })
    }

    /// How the 4th argument's timespec is interpreted (`futex_init_timeout`),
    /// or `None` when the command takes no timeout (the argument is then
    /// `val2`, a count).
    pub fn timeout(&self) -> Option<FutexTimeout> {
        match self.cmd {
            FutexCmd::Wait => Some(FutexTimeout::RelativeMonotonic),
            // LOCK_PI has always measured against CLOCK_REALTIME.
            FutexCmd::LockPi => Some(FutexTimeout::AbsoluteRealtime),
            FutexCmd::WaitBitset | FutexCmd::WaitRequeuePi | FutexCmd::LockPi2 => {
                Some(if self.clock_realtime {
                    FutexTimeout::AbsoluteRealtime
                } else {
                    FutexTimeout::AbsoluteMonotonic
                })
            }
            _ => None,
        }
    }

    /// The bitset a wait or wake uses: FUTEX_WAIT/WAKE/WAIT_REQUEUE_PI match
    /// any; the *_BITSET commands take `val3`, and a zero bitset is EINVAL.
    pub fn bitset(&self, val3: u32) -> SysResult<u32> {
        match self.cmd {
            FutexCmd::WaitBitset | FutexCmd::WakeBitset if val3 == 0 => Err(Errno::EINVAL),
            FutexCmd::WaitBitset | FutexCmd::WakeBitset => Ok(val3),
            _ => Ok(FUTEX_BITSET_MATCH_ANY),
        }
    }
}

/// `futex_cmd_has_timeout`, on the raw op: whether futex(2) reads its 4th
/// argument as a timespec (before any other check).
pub fn futex_cmd_has_timeout(op: u32) -> bool {
    matches!(
        op & FUTEX_CMD_MASK,
        FUTEX_WAIT | FUTEX_LOCK_PI | FUTEX_LOCK_PI2 | FUTEX_WAIT_BITSET | FUTEX_WAIT_REQUEUE_PI
    )
}

/// `get_futex_key`'s alignment rule: the word must be 4-byte aligned (EINVAL).
pub fn check_futex_addr(uaddr: u64) -> SysResult<()> {
    if uaddr.is_multiple_of(4) {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// FUTEX_REQUEUE/CMP_REQUEUE reject negative counts (EINVAL). `nr_wake` is
/// futex's `val`, `nr_requeue` the low 32 bits of the timeout argument.
pub fn check_requeue_counts(nr_wake: i32, nr_requeue: i32) -> SysResult<()> {
    if nr_wake < 0 || nr_requeue < 0 {
        Err(Errno::EINVAL)
    } else {
        Ok(())
    }
}

// FUTEX_WAKE_OP operations and comparisons.
pub const FUTEX_OP_SET: u32 = 0;
pub const FUTEX_OP_ADD: u32 = 1;
pub const FUTEX_OP_OR: u32 = 2;
pub const FUTEX_OP_ANDN: u32 = 3;
pub const FUTEX_OP_XOR: u32 = 4;
/// ORed into the op: the operand is `1 << oparg`.
pub const FUTEX_OP_OPARG_SHIFT: u32 = 8;
pub const FUTEX_OP_CMP_EQ: u32 = 0;
pub const FUTEX_OP_CMP_NE: u32 = 1;
pub const FUTEX_OP_CMP_LT: u32 = 2;
pub const FUTEX_OP_CMP_LE: u32 = 3;
pub const FUTEX_OP_CMP_GT: u32 = 4;
pub const FUTEX_OP_CMP_GE: u32 = 5;

/// The `FUTEX_OP()` macro: packs a FUTEX_WAKE_OP `val3`.
pub const fn futex_op(op: u32, oparg: u32, cmp: u32, cmparg: u32) -> u32 {
    ((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)
}

/// A decoded FUTEX_WAKE_OP `val3`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WakeOp {
    /// The operation (0..=4 valid), without the OPARG_SHIFT bit.
    pub op: u32,
    /// The comparison (0..=5 valid).
    pub cmp: u32,
    /// The operand, after sign extension and OPARG_SHIFT.
    pub oparg: i32,
    /// The comparison operand, sign-extended from 12 bits.
    pub cmparg: i32,
}

impl WakeOp {
    /// Decodes `val3` as `futex_atomic_op_inuser`: 12-bit sign-extended
    /// operands; with OPARG_SHIFT the operand becomes `1 << (oparg & 31)`
    /// (Linux masks out-of-range shifts, with a log message, instead of
    /// failing). Never fails: bad op/cmp values surface in
    /// [`apply`](Self::apply) and [`compare`](Self::compare).
    pub fn decode(val3: u32) -> WakeOp {
        let op = (val3 & 0x7000_0000) >> 28;
        let cmp = (val3 & 0x0f00_0000) >> 24;
        let mut oparg = sign_extend_12((val3 & 0x00ff_f000) >> 12);
        let cmparg = sign_extend_12(val3 & 0x0000_0fff);
        if val3 & (FUTEX_OP_OPARG_SHIFT << 28) != 0 {
            oparg = 1u32.wrapping_shl((oparg & 31) as u32) as i32;
        }
        WakeOp {
            op,
            cmp,
            oparg,
            cmparg,
        }
    }

    /// The new value of the second futex word given its old value (x86's
    /// `arch_futex_atomic_op_inuser`). ENOSYS for an unknown op, in which
    /// case Linux leaves the word alone. The caller performs this atomically
    /// (cmpxchg loop) and then calls [`compare`](Self::compare).
    pub fn apply(&self, old: u32) -> SysResult<u32> {
        let arg = self.oparg as u32;
        match self.op {
            FUTEX_OP_SET => Ok(arg),
            FUTEX_OP_ADD => Ok(old.wrapping_add(arg)),
            FUTEX_OP_OR => Ok(old | arg),
            FUTEX_OP_ANDN => Ok(old & !arg),
            FUTEX_OP_XOR => Ok(old ^ arg),
            _ => Err(Errno::ENOSYS),
        }
    }

    /// Whether waiters on the second futex are woken, comparing the *old*
    /// value as a signed int. ENOSYS for an unknown comparison; Linux has
    /// already stored the new value by then.
    pub fn compare(&self, old: u32) -> SysResult<bool> {
        let old = old as i32;
        let c = self.cmparg;
        match self.cmp {
            FUTEX_OP_CMP_EQ => Ok(old == c),
            FUTEX_OP_CMP_NE => Ok(old != c),
            FUTEX_OP_CMP_LT => Ok(old < c),
            FUTEX_OP_CMP_LE => Ok(old <= c),
            FUTEX_OP_CMP_GT => Ok(old > c),
            FUTEX_OP_CMP_GE => Ok(old >= c),
            _ => Err(Errno::ENOSYS),
        }
    }
}

const fn sign_extend_12(v: u32) -> i32 {
    ((v << 20) as i32) >> 20
}

/// `struct robust_list`: a lock's link; bit 0 of the pointer marks a PI futex.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct RobustList {
    pub next: u64,
}

/// `struct robust_list_head`, registered with set_robust_list(2).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct RobustListHead {
    /// The first entry; points back at the head when the list is empty.
    pub list: RobustList,
    /// Offset from an entry to its futex word.
    pub futex_offset: i64,
    /// A lock being taken or released right now, or 0.
    pub list_op_pending: u64,
}
const _: () = assert!(size_of::<RobustListHead>() == 24);

/// Someone is waiting on the robust futex.
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
/// The owner died without unlocking; set by the kernel at exit.
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// The owner's TID.
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;
/// Most entries walked at exit, against circular lists.
pub const ROBUST_LIST_LIMIT: usize = 2048;

/// set_robust_list(2) accepts exactly `sizeof(struct robust_list_head)`.
pub fn check_robust_list_len(len: u64) -> SysResult<()> {
    if len == size_of::<RobustListHead>() as u64 {
        Ok(())
    } else {
        Err(Errno::EINVAL)
    }
}

/// Splits a robust-list pointer (`fetch_robust_entry`): the entry address and
/// whether it is a PI futex.
pub fn robust_entry(raw: u64) -> (u64, bool) {
    (raw & !1, raw & 1 != 0)
}

/// The futex word of an entry, or `None` if misaligned (Linux skips it).
pub fn robust_futex_addr(entry: u64, futex_offset: i64) -> Option<u64> {
    let addr = entry.wrapping_add(futex_offset as u64);
    addr.is_multiple_of(4).then_some(addr)
}

/// What exit does to one robust futex of the dying thread
/// (`handle_futex_death`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FutexDeath {
    /// Not this thread's lock: leave it.
    Skip,
    /// An unlock/lock was in flight with the owner already cleared: wake one
    /// waiter (shared-futex key) without touching the word.
    WakeOne,
    /// Store `new` (compare-and-exchange against the value read, retrying on
    /// a race) and wake one waiter if `wake` (the PI case is left to the PI
    /// state cleanup).
    MarkDead { new: u32, wake: bool },
}

/// Decides [`FutexDeath`] for futex value `uval` when thread `tid` exits.
/// `pending_op` is true for the `list_op_pending` entry.
pub fn futex_death(uval: u32, tid: u32, pi: bool, pending_op: bool) -> FutexDeath {
    let owner = uval & FUTEX_TID_MASK;
    if pending_op && !pi && owner == 0 {
        return FutexDeath::WakeOne;
    }
    if owner != tid {
        return FutexDeath::Skip;
    }
    FutexDeath::MarkDead {
        new: (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED,
        wake: !pi && uval & FUTEX_WAITERS != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_ops() {
        let op = FutexOp::decode(FUTEX_WAIT_PRIVATE).unwrap();
        assert_eq!(op.cmd, FutexCmd::Wait);
        assert!(op.private && !op.clock_realtime);
        assert_eq!(op.timeout(), Some(FutexTimeout::RelativeMonotonic));
        assert_eq!(FutexOp::decode(FUTEX_FD), Err(Errno::ENOSYS));
        assert_eq!(FutexOp::decode(14), Err(Errno::ENOSYS));
        assert_eq!(
            FutexOp::decode(FUTEX_WAKE | 512),
            Err(Errno::ENOSYS),
            "unknown flag bit"
        );
        assert_eq!(
            FutexOp::decode(FUTEX_WAIT | FUTEX_CLOCK_REALTIME),
            Err(Errno::ENOSYS)
        );
        let op = FutexOp::decode(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME).unwrap();
        assert_eq!(op.timeout(), Some(FutexTimeout::AbsoluteRealtime));
        let op = FutexOp::decode(FUTEX_WAIT_BITSET).unwrap();
        assert_eq!(op.timeout(), Some(FutexTimeout::AbsoluteMonotonic));
        let op = FutexOp::decode(FUTEX_LOCK_PI).unwrap();
        assert_eq!(op.timeout(), Some(FutexTimeout::AbsoluteRealtime));
        assert_eq!(FutexOp::decode(FUTEX_WAKE).unwrap().timeout(), None);
        assert!(futex_cmd_has_timeout(FUTEX_WAIT | FUTEX_CLOCK_REALTIME));
        assert!(!futex_cmd_has_timeout(FUTEX_CMP_REQUEUE));
    }

    #[test]
    fn bitsets() {
        let wb = FutexOp::decode(FUTEX_WAKE_BITSET).unwrap();
        assert_eq!(wb.bitset(0), Err(Errno::EINVAL));
        assert_eq!(wb.bitset(6), Ok(6));
        let w = FutexOp::decode(FUTEX_WAIT).unwrap();
        assert_eq!(w.bitset(0), Ok(FUTEX_BITSET_MATCH_ANY));
    }

    #[test]
    fn wake_op_arithmetic() {
        // glibc's pthread_cond_signal of old: FUTEX_OP(SET, 0, CMP_GT, 1).
        let w = WakeOp::decode(futex_op(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1));
        assert_eq!(w.apply(5), Ok(0));
        assert_eq!(w.compare(5), Ok(true));
        assert_eq!(w.compare(1), Ok(false));

        let add = WakeOp::decode(futex_op(FUTEX_OP_ADD, 0xfff, FUTEX_OP_CMP_EQ, 0));
        assert_eq!(add.oparg, -1, "12-bit operands are signed");
        assert_eq!(add.apply(0), Ok(u32::MAX));
        let lt = WakeOp::decode(futex_op(FUTEX_OP_OR, 1, FUTEX_OP_CMP_LT, 0x800));
        assert_eq!(lt.cmparg, -2048);
        assert_eq!(lt.compare(u32::MAX), Ok(false), "-1 < -2048 is false");
        assert_eq!(lt.compare(0x8000_0000), Ok(true), "compared as signed");
        assert_eq!(
            WakeOp::decode(futex_op(FUTEX_OP_ANDN, 6, 0, 0)).apply(0xf),
            Ok(0x9)
        );
        assert_eq!(
            WakeOp::decode(futex_op(FUTEX_OP_XOR, 6, 0, 0)).apply(0xf),
            Ok(0x9)
        );
    }

    #[test]
    fn wake_op_shift_masks_like_linux() {
        let shifted = |arg| {
            WakeOp::decode(futex_op(FUTEX_OP_OPARG_SHIFT | FUTEX_OP_OR, arg, 0, 0)).oparg as u32
        };
        assert_eq!(shifted(3), 8);
        assert_eq!(shifted(31), 0x8000_0000);
        assert_eq!(shifted(33), 2, "33 & 31");
        assert_eq!(shifted(0xfff), 0x8000_0000, "-1 & 31 = 31");
        // The shift bit is not part of the op number.
        assert_eq!(
            WakeOp::decode(futex_op(FUTEX_OP_OPARG_SHIFT | FUTEX_OP_OR, 0, 0, 0)).op,
            FUTEX_OP_OR
        );
    }

    #[test]
    fn wake_op_invalid_parts() {
        let bad_op = WakeOp::decode(futex_op(5, 0, 0, 0));
        assert_eq!(bad_op.apply(1), Err(Errno::ENOSYS));
        let bad_cmp = WakeOp::decode(futex_op(FUTEX_OP_SET, 2, 6, 0));
        assert_eq!(bad_cmp.apply(1), Ok(2), "the store happens first");
        assert_eq!(bad_cmp.compare(1), Err(Errno::ENOSYS));
    }

    #[test]
    fn robust_lists() {
        assert!(check_robust_list_len(24).is_ok());
        assert_eq!(check_robust_list_len(16), Err(Errno::EINVAL));
        assert_eq!(robust_entry(0x1001), (0x1000, true));
        assert_eq!(robust_futex_addr(0x1000, -8), Some(0xff8));
        assert_eq!(robust_futex_addr(0x1000, 2), None);

        assert_eq!(
            futex_death(42, 42, false, false),
            FutexDeath::MarkDead {
                new: FUTEX_OWNER_DIED,
                wake: false
            }
        );
        assert_eq!(
            futex_death(42 | FUTEX_WAITERS, 42, false, false),
            FutexDeath::MarkDead {
                new: FUTEX_WAITERS | FUTEX_OWNER_DIED,
                wake: true
            }
        );
        assert_eq!(
            futex_death(42 | FUTEX_WAITERS, 42, true, false),
            FutexDeath::MarkDead {
                new: FUTEX_WAITERS | FUTEX_OWNER_DIED,
                wake: false
            }
        );
        assert_eq!(futex_death(43, 42, false, false), FutexDeath::Skip);
        assert_eq!(
            futex_death(FUTEX_WAITERS, 42, false, true),
            FutexDeath::WakeOne
        );
        assert_eq!(futex_death(0, 42, true, true), FutexDeath::Skip);
    }

    #[test]
    fn misc_checks() {
        assert!(check_futex_addr(0x1004).is_ok());
        assert_eq!(check_futex_addr(0x1002), Err(Errno::EINVAL));
        assert_eq!(check_requeue_counts(-1, 0), Err(Errno::EINVAL));
        assert!(check_requeue_counts(1, i32::MAX).is_ok());
    }
}
