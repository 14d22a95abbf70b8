//! mmap/mprotect/madvise constants (`include/uapi/asm-generic/mman-common.h`,
//! `asm-generic/mman.h`, `arch/x86/include/uapi/asm/mman.h`, `linux/mman.h`).

use bitflags::bitflags;

bitflags! {
    /// `PROT_*` protection bits. `PROT_NONE` is the empty set.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ProtFlags: u32 {
        const READ = 0x1;
        const WRITE = 0x2;
        const EXEC = 0x4;
        /// Atomic operations allowed (no-op on x86).
        const SEM = 0x8;
        /// mprotect: extend the change down to the start of a grows-down mapping.
        const GROWSDOWN = 0x0100_0000;
        /// mprotect: extend the change up to the end of a grows-up mapping.
        const GROWSUP = 0x0200_0000;
    }
}

impl ProtFlags {
    pub const NONE: ProtFlags = ProtFlags::empty();
}

/// The mapping-type field of the mmap flags: a value, not bits.
pub const MAP_TYPE: u32 = 0x0f;
pub const MAP_SHARED: u32 = 0x01;
pub const MAP_PRIVATE: u32 = 0x02;
/// Like MAP_SHARED, but mmap fails with EOPNOTSUPP on unknown flags.
pub const MAP_SHARED_VALIDATE: u32 = 0x03;
/// Zero-filled pages the kernel may drop under memory pressure (6.11+).
pub const MAP_DROPPABLE: u32 = 0x08;

bitflags! {
    /// mmap(2) flags. The low nibble holds the `MAP_TYPE` value; `SHARED`,
    /// `PRIVATE` and `SHARED_VALIDATE` name its values so Debug output reads well.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MapFlags: u32 {
        const SHARED = MAP_SHARED;
        const PRIVATE = MAP_PRIVATE;
        const SHARED_VALIDATE = MAP_SHARED_VALIDATE;
        const FIXED = 0x10;
        const ANONYMOUS = 0x20;
        /// x86_64: place the mapping in the low 2 GiB.
        const _32BIT = 0x40;
        /// x86_64: only map above 4 GiB.
        const ABOVE4G = 0x80;
        const GROWSDOWN = 0x0100;
        /// Ignored by Linux.
        const DENYWRITE = 0x0800;
        /// Ignored by Linux.
        const EXECUTABLE = 0x1000;
        const LOCKED = 0x2000;
        const NORESERVE = 0x4000;
        const POPULATE = 0x0000_8000;
        const NONBLOCK = 0x0001_0000;
        const STACK = 0x0002_0000;
        const HUGETLB = 0x0004_0000;
        const SYNC = 0x0008_0000;
        const FIXED_NOREPLACE = 0x0010_0000;
        /// Honoured only with CONFIG_MMAP_ALLOW_UNINITIALIZED (no-MMU); ignored otherwise.
        const UNINITIALIZED = 0x0400_0000;
    }
}

impl MapFlags {
    pub const ANON: MapFlags = MapFlags::ANONYMOUS;
    pub const FILE: MapFlags = MapFlags::empty();

    /// The `MAP_TYPE` value (`MAP_SHARED`, `MAP_PRIVATE`, `MAP_SHARED_VALIDATE`, ...).
    pub const fn map_type(self) -> u32 {
        self.bits() & MAP_TYPE
    }
}

/// `LEGACY_MAP_MASK`: flags plain MAP_SHARED accepts silently; MAP_SHARED_VALIDATE
/// rejects anything outside this set plus MAP_SYNC with EOPNOTSUPP.
pub const LEGACY_MAP_MASK: u32 = MAP_SHARED
    | MAP_PRIVATE
    | MapFlags::FIXED.bits()
    | MapFlags::ANONYMOUS.bits()
    | MapFlags::DENYWRITE.bits()
    | MapFlags::EXECUTABLE.bits()
    | MapFlags::UNINITIALIZED.bits()
    | MapFlags::GROWSDOWN.bits()
    | MapFlags::LOCKED.bits()
    | MapFlags::NORESERVE.bits()
    | MapFlags::POPULATE.bits()
    | MapFlags::NONBLOCK.bits()
    | MapFlags::STACK.bits()
    | MapFlags::HUGETLB.bits()
    | MapFlags::_32BIT.bits()
    | MapFlags::ABOVE4G.bits()
    | MAP_HUGE_2MB
    | MAP_HUGE_1GB;

/// With MAP_HUGETLB, bits 26..31 give log2 of the huge page size.
pub const MAP_HUGE_SHIFT: u32 = 26;
pub const MAP_HUGE_MASK: u32 = 0x3f;
pub const MAP_HUGE_2MB: u32 = 21 << MAP_HUGE_SHIFT;
pub const MAP_HUGE_1GB: u32 = 30 << MAP_HUGE_SHIFT;

/// mmap's error return as an address.
pub const MAP_FAILED: u64 = u64::MAX;

// mremap(2) flags.
pub const MREMAP_MAYMOVE: u32 = 1;
pub const MREMAP_FIXED: u32 = 2;
pub const MREMAP_DONTUNMAP: u32 = 4;

// msync(2) flags.
pub const MS_ASYNC: u32 = 1;
pub const MS_INVALIDATE: u32 = 2;
pub const MS_SYNC: u32 = 4;

// mlockall(2) flags.
pub const MCL_CURRENT: u32 = 1;
pub const MCL_FUTURE: u32 = 2;
pub const MCL_ONFAULT: u32 = 4;
/// mlock2(2) flag.
pub const MLOCK_ONFAULT: u32 = 1;

// madvise(2) advice: values.
pub const MADV_NORMAL: u32 = 0;
pub const MADV_RANDOM: u32 = 1;
pub const MADV_SEQUENTIAL: u32 = 2;
pub const MADV_WILLNEED: u32 = 3;
pub const MADV_DONTNEED: u32 = 4;
pub const MADV_FREE: u32 = 8;
pub const MADV_REMOVE: u32 = 9;
pub const MADV_DONTFORK: u32 = 10;
pub const MADV_DOFORK: u32 = 11;
pub const MADV_MERGEABLE: u32 = 12;
pub const MADV_UNMERGEABLE: u32 = 13;
pub const MADV_HUGEPAGE: u32 = 14;
pub const MADV_NOHUGEPAGE: u32 = 15;
pub const MADV_DONTDUMP: u32 = 16;
pub const MADV_DODUMP: u32 = 17;
pub const MADV_WIPEONFORK: u32 = 18;
pub const MADV_KEEPONFORK: u32 = 19;
pub const MADV_COLD: u32 = 20;
pub const MADV_PAGEOUT: u32 = 21;
pub const MADV_POPULATE_READ: u32 = 22;
pub const MADV_POPULATE_WRITE: u32 = 23;
pub const MADV_DONTNEED_LOCKED: u32 = 24;
pub const MADV_COLLAPSE: u32 = 25;
pub const MADV_HWPOISON: u32 = 100;
pub const MADV_SOFT_OFFLINE: u32 = 101;
pub const MADV_GUARD_INSTALL: u32 = 102;
pub const MADV_GUARD_REMOVE: u32 = 103;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_values() {
        let f = MapFlags::from_bits_retain(
            MAP_PRIVATE | MapFlags::ANONYMOUS.bits() | MapFlags::STACK.bits(),
        );
        assert_eq!(f.map_type(), MAP_PRIVATE);
        assert_eq!(MapFlags::FIXED_NOREPLACE.bits(), 0x100000);
        assert_eq!(MapFlags::_32BIT.bits(), 0x40);
        assert_eq!(MAP_HUGE_1GB, 0x7800_0000);
        assert_eq!(LEGACY_MAP_MASK & MapFlags::SYNC.bits(), 0);
        assert_eq!(LEGACY_MAP_MASK & MapFlags::FIXED_NOREPLACE.bits(), 0);
    }

    #[test]
    fn prot_values() {
        assert_eq!(
            (ProtFlags::READ | ProtFlags::WRITE | ProtFlags::EXEC).bits(),
            7
        );
        assert!(ProtFlags::NONE.is_empty());
    }
}
