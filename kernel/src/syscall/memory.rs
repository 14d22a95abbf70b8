//! brk, mmap, munmap, mprotect.

use linux_abi::uapi::mman::{MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MapFlags, ProtFlags};
use linux_abi::uapi::resource::RLIMIT_AS;
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::arch::usercopy::USER_END;
use crate::mm::address_space::{Prot, Vma};
use crate::mm::{PAGE_SIZE, page_align_up};
use crate::process::current;

/// RLIMIT_AS of the calling process.
fn as_limit() -> u64 {
    current().process.limits.lock().get(RLIMIT_AS).map_or(u64::MAX, |l| l.cur)
}

pub fn sys_brk(f: &mut TrapFrame) -> SysResult<usize> {
    let limit = as_limit();
    let mm = current().process.mm();
    let mut space = mm.lock();
    let want = f.arg(0);
    // Growing past RLIMIT_AS leaves the break where it is (brk reports failure that way).
    if want > space.brk && space.mapped_bytes().saturating_add(want - space.brk) > limit {
        return Ok(space.brk as usize);
    }
    Ok(space.set_brk(want) as usize)
}

fn prot_of(bits: u64) -> Prot {
    let p = ProtFlags::from_bits_truncate(bits as u32);
    let mut prot = Prot::empty();
    if p.contains(ProtFlags::READ) {
        prot |= Prot::READ;
    }
    if p.contains(ProtFlags::WRITE) {
        prot |= Prot::WRITE;
    }
    if p.contains(ProtFlags::EXEC) {
        prot |= Prot::EXEC;
    }
    prot
}

/// Flags Linux accepts and that change nothing here: no swap, no THP, no accounting.
const HARMLESS: MapFlags = MapFlags::NORESERVE
    .union(MapFlags::STACK)
    .union(MapFlags::DENYWRITE)
    .union(MapFlags::EXECUTABLE)
    .union(MapFlags::NONBLOCK)
    .union(MapFlags::UNINITIALIZED)
    .union(MapFlags::ABOVE4G);

pub fn sys_mmap(f: &mut TrapFrame) -> SysResult<usize> {
    let (addr, len, prot, flags, _fd, offset) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3) as u32, f.arg(4), f.arg(5));
    let map_type = flags & 0x0f;
    let flags = MapFlags::from_bits_retain(flags);
    let implemented = MapFlags::FIXED
        | MapFlags::FIXED_NOREPLACE
        | MapFlags::ANONYMOUS
        | MapFlags::GROWSDOWN
        | MapFlags::POPULATE
        | MapFlags::LOCKED
        | HARMLESS;
    match map_type {
        MAP_SHARED | MAP_PRIVATE => {}
        MAP_SHARED_VALIDATE => {
            if flags.bits() & !(implemented.bits() | 0x0f) != 0 {
                return Err(Errno::EOPNOTSUPP);
            }
        }
        _ => return Err(Errno::EINVAL),
    }
    // Flags Linux honours that this kernel does not implement (MAP_32BIT, MAP_HUGETLB, MAP_SYNC).
    if flags.intersects(MapFlags::_32BIT | MapFlags::HUGETLB | MapFlags::SYNC) {
        return Err(Errno::EINVAL);
    }
    if len == 0 || offset % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_align_up(len).filter(|&l| l <= USER_END).ok_or(Errno::ENOMEM)?;
    if !flags.contains(MapFlags::ANONYMOUS) {
        // File-backed mappings need the page cache (see docs/syscalls.md).
        return Err(Errno::ENODEV);
    }
    let fixed = flags.intersects(MapFlags::FIXED | MapFlags::FIXED_NOREPLACE);
    if fixed && addr % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let prot = prot_of(prot);
    let limit = as_limit();
    let space = current().process.mm();
    let mut mm = space.lock();
    if mm.mapped_bytes().saturating_add(len) > limit {
        return Err(Errno::ENOMEM);
    }
    let start = mm.place(if fixed { addr } else { addr & !(PAGE_SIZE - 1) }, len, fixed)?;
    if flags.contains(MapFlags::FIXED_NOREPLACE) && mm.overlaps(start, start + len) {
        return Err(Errno::EEXIST);
    }
    let mut vma = Vma::anonymous(start, start + len, prot);
    vma.shared = map_type != MAP_PRIVATE;
    vma.grows_down = flags.contains(MapFlags::GROWSDOWN);
    mm.insert(vma);
    if flags.intersects(MapFlags::POPULATE | MapFlags::LOCKED) {
        let write = prot.contains(Prot::WRITE);
        let mut va = start;
        while va < start + len {
            // Populating is best effort, as in Linux: failures surface at access time.
            let _ = mm.handle_fault(va, write, false);
            va += PAGE_SIZE;
        }
    }
    Ok(start as usize)
}

/// Validates an (addr, len) pair for munmap/mprotect; returns the page-aligned end.
fn user_range(addr: u64, len: u64) -> SysResult<u64> {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let end = page_align_up(len).and_then(|l| addr.checked_add(l)).ok_or(Errno::EINVAL)?;
    if end > USER_END {
        return Err(Errno::EINVAL);
    }
    Ok(end)
}

pub fn sys_munmap(f: &mut TrapFrame) -> SysResult<usize> {
    let (addr, len) = (f.arg(0), f.arg(1));
    if len == 0 {
        return Err(Errno::EINVAL);
    }
    let end = user_range(addr, len)?;
    current().process.mm().lock().unmap(addr, end);
    Ok(0)
}

pub fn sys_mprotect(f: &mut TrapFrame) -> SysResult<usize> {
    let (addr, len, prot) = (f.arg(0), f.arg(1), f.arg(2));
    let known = ProtFlags::READ | ProtFlags::WRITE | ProtFlags::EXEC | ProtFlags::SEM;
    // PROT_GROWSDOWN/GROWSUP are honoured by Linux but not implemented here.
    super::check_flags(prot, known.bits() as u64)?;
    let end = user_range(addr, len)?;
    if end == addr {
        return Ok(0);
    }
    current().process.mm().lock().protect(addr, end, prot_of(prot))?;
    Ok(0)
}
