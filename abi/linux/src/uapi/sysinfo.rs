//! sysinfo(2) (`include/uapi/linux/sysinfo.h`, `kernel/sys.c`). `struct tms`
//! for times(2) is [`super::time::Tms`].

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::time::Timespec;

/// Load averages are fixed point with this many fraction bits.
pub const SI_LOAD_SHIFT: u32 = 16;

/// `struct sysinfo` on x86_64, with its padding spelled out: 112 bytes.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Sysinfo {
    /// Seconds since boot (CLOCK_BOOTTIME, rounded up).
    pub uptime: i64,
    /// 1, 5 and 15 minute load averages, `<< SI_LOAD_SHIFT`.
    pub loads: [u64; 3],
    pub totalram: u64,
    pub freeram: u64,
    pub sharedram: u64,
    pub bufferram: u64,
    pub totalswap: u64,
    pub freeswap: u64,
    /// Number of threads (truncated to 16 bits, as in Linux).
    pub procs: u16,
    pub pad: u16,
    /// C's alignment padding before `totalhigh`.
    pub _pad2: u32,
    pub totalhigh: u64,
    pub freehigh: u64,
    /// Size in bytes of the unit the memory fields count.
    pub mem_unit: u32,
    /// `_f`: zero-length on 64-bit; this is the struct's tail padding.
    pub _f: [u8; 4],
}
const _: () = assert!(size_of::<Sysinfo>() == 112);

impl Sysinfo {
    /// `uptime` as Linux computes it: boot-time seconds, plus one if any
    /// nanoseconds have passed in the current second.
    pub fn uptime_from(boottime: Timespec) -> i64 {
        boottime.tv_sec + i64::from(boottime.tv_nsec != 0)
    }

    /// A load average given in 1/2048 units (`avenrun`, FSHIFT = 11) as
    /// sysinfo reports it.
    pub fn load_from_avenrun(avenrun: u64) -> u64 {
        avenrun << (SI_LOAD_SHIFT - 11)
    }

    /// `do_sysinfo`'s final step: when RAM + swap expressed in bytes fits an
    /// unsigned long, report bytes (`mem_unit` = 1); otherwise keep the
    /// given unit. Callers fill the memory fields in units of `mem_unit`
    /// (Linux uses pages).
    pub fn normalize_units(&mut self) {
        let Some(total) = self.totalram.checked_add(self.totalswap) else {
            return;
        };
        // Linux shifts once per halving of mem_unit: floor(log2(mem_unit)).
        let shift = if self.mem_unit > 1 {
            31 - self.mem_unit.leading_zeros()
        } else {
            0
        };
        if shift > 0 && total >> (64 - shift) != 0 {
            return;
        }
        self.mem_unit = 1;
        for field in [
            &mut self.totalram,
            &mut self.freeram,
            &mut self.sharedram,
            &mut self.bufferram,
            &mut self.totalswap,
            &mut self.freeswap,
            &mut self.totalhigh,
            &mut self.freehigh,
        ] {
            *field <<= shift;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn layout_matches_x86_64() {
        assert_eq!(offset_of!(Sysinfo, totalram), 32);
        assert_eq!(offset_of!(Sysinfo, freeswap), 72);
        assert_eq!(offset_of!(Sysinfo, procs), 80);
        assert_eq!(offset_of!(Sysinfo, totalhigh), 88);
        assert_eq!(offset_of!(Sysinfo, mem_unit), 104);
    }

    #[test]
    fn units_become_bytes_when_they_fit() {
        let mut si = Sysinfo {
            totalram: 1 << 20, // 4 GiB in pages
            freeram: 1000,
            totalswap: 10,
            mem_unit: 4096,
            ..Default::default()
        };
        si.normalize_units();
        assert_eq!(si.mem_unit, 1);
        assert_eq!(si.totalram, 1 << 32);
        assert_eq!(si.freeram, 4_096_000);
        assert_eq!(si.totalswap, 40960);

        let mut huge = Sysinfo {
            totalram: u64::MAX >> 4,
            mem_unit: 4096,
            ..Default::default()
        };
        huge.normalize_units();
        assert_eq!(huge.mem_unit, 4096, "would overflow in bytes");
        assert_eq!(huge.totalram, u64::MAX >> 4);
    }

    #[test]
    fn uptime_and_loads() {
        let t = |s, n| Timespec {
            tv_sec: s,
            tv_nsec: n,
        };
        assert_eq!(Sysinfo::uptime_from(t(10, 0)), 10);
        assert_eq!(Sysinfo::uptime_from(t(10, 1)), 11);
        // 1.00 load is 2048 in avenrun, 65536 in sysinfo.
        assert_eq!(Sysinfo::load_from_avenrun(2048), 65536);
    }
}
