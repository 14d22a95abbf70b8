//! brk, mmap, munmap, mprotect.

use linux_abi::uapi::mman::{MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MapFlags, ProtFlags};
use linux_abi::uapi::resource::RLIMIT_AS;
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::arch::usercopy::USER_END;
use alloc::sync::Arc;

use crate::mm::address_space::{FileBacking, PageSource, Prot, Vma};
use crate::mm::{PAGE_SIZE, page_align_down, page_align_up};
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
    // Growing past RLIMIT_AS leaves the break where it is (brk reports failure that way), as
    // does growing by more than all of memory (Linux's overcommit heuristic, OVERCOMMIT_GUESS:
    // no single request larger than RAM + swap).
    if want > space.brk {
        let grow = want - space.brk;
        let ram = crate::mm::frame::total_frames() as u64 * PAGE_SIZE;
        if space.mapped_bytes().saturating_add(grow) > limit || grow > ram {
            return Ok(space.brk as usize);
        }
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
    let (addr, len, prot, flags, fd, offset) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3) as u32, f.arg(4), f.arg(5));
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
    // An anonymous mapping must be plainly shared or private (Linux's do_mmap: MAP_SHARED_VALIDATE
    // is only for files).
    if flags.contains(MapFlags::ANONYMOUS) && map_type == MAP_SHARED_VALIDATE {
        return Err(Errno::EINVAL);
    }
    if len == 0 || offset % PAGE_SIZE != 0 {
        return Err(Errno::EINVAL);
    }
    let len = page_align_up(len).filter(|&l| l <= USER_END).ok_or(Errno::ENOMEM)?;
    let prot_bits = prot;
    let file = if flags.contains(MapFlags::ANONYMOUS) { None } else { Some(file_source(fd as i32, prot_bits, map_type, offset, len)?) };
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
    match file {
        // /dev/zero and friends map as anonymous memory.
        Some(None) | None => vma.shared = map_type != MAP_PRIVATE,
        Some(Some(FileMap { source, path, writable })) => {
            vma.shared = map_type != MAP_PRIVATE;
            // A shared mapping of a file not open for writing can never be made writable.
            if vma.shared && !writable {
                vma.may.remove(Prot::WRITE);
            }
            let cache = Some(crate::mm::pagecache::shared_file(path.inode()));
            vma.file = Some(FileBacking { source, offset, data_end: start + len, path: Some(path), cache });
        }
    }
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

/// What a file mapping needs from the open file.
struct FileMap {
    source: Arc<dyn PageSource>,
    path: fs::vfs::Path,
    /// Opened for writing (Linux keeps VM_MAYWRITE on a shared mapping only then).
    writable: bool,
}

/// The page source of a file mapping, `None` for a device that maps as anonymous memory
/// (/dev/zero). Mappings go through the page cache (see `mm::pagecache`).
fn file_source(fd: i32, prot: u64, map_type: u32, offset: u64, len: u64) -> SysResult<Option<FileMap>> {
    let file = current().process.files().lock().get(fd)?;
    if !file.readable() {
        return Err(Errno::EACCES);
    }
    offset.checked_add(len).ok_or(Errno::EOVERFLOW)?;
    let meta = file.metadata();
    match meta.file_type() {
        Some(fs::vfs::FileType::Regular) => {}
        Some(fs::vfs::FileType::CharDevice) if meta.rdev == fs::vfs::makedev(1, 5) => return Ok(None),
        _ => return Err(Errno::ENODEV),
    }
    let shared = map_type != MAP_PRIVATE;
    if shared && prot & ProtFlags::WRITE.bits() as u64 != 0 && !file.writable() {
        return Err(Errno::EACCES);
    }
    Ok(Some(FileMap {
        source: Arc::new(crate::vfs::InodePages(file.inode().clone())),
        path: file.path().clone(),
        writable: file.writable(),
    }))
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
    // Checked in Linux's order (do_mprotect_pkey).
    let (down, up) = (ProtFlags::GROWSDOWN.bits() as u64, ProtFlags::GROWSUP.bits() as u64);
    let grows = prot & (down | up);
    if grows == down | up || !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    if len == 0 {
        return Ok(0);
    }
    // Wrapping is ENOMEM; a range past the top of user space is a hole like any other.
    let end = page_align_up(len).and_then(|l| addr.checked_add(l)).filter(|&e| e > addr).ok_or(Errno::ENOMEM)?;
    let known = ProtFlags::READ | ProtFlags::WRITE | ProtFlags::EXEC | ProtFlags::SEM;
    super::check_flags(prot & !grows, known.bits() as u64)?;
    let mm = current().process.mm();
    let mut space = mm.lock();
    // x86 has no grows-up mappings: PROT_GROWSUP fails on any VMA (after the hole check).
    if grows == up {
        let first = space.find_vma(addr).ok_or(Errno::ENOMEM)?;
        return Err(if first.start > addr { Errno::ENOMEM } else { Errno::EINVAL });
    }
    space.protect(addr, end, prot_of(prot), grows == down)?;
    Ok(0)
}

pub fn sys_madvise(f: &mut TrapFrame) -> SysResult<usize> {
    use linux_abi::uapi::mman::*;
    let (addr, len, advice) = (f.arg(0), f.arg(1), f.arg(2) as u32);
    let end = user_range(addr, len)?;
    match advice {
        MADV_DONTNEED | MADV_FREE => {
            let mm = current().process.mm();
            let mut space = mm.lock();
            // The VMA pieces of the range: (start, end, private anonymous, shared anonymous).
            let mut pieces = alloc::vec::Vec::new();
            let mut a = addr;
            while a < end {
                let Some(v) = space.find(a) else { break };
                let anon = v.file.is_none();
                pieces.push((a, v.end.min(end), anon && !v.shared, anon && v.shared));
                a = v.end;
            }
            // MADV_FREE is for private anonymous memory only (Linux: EINVAL elsewhere).
            if advice == MADV_FREE && pieces.iter().any(|&(_, _, private_anon, _)| !private_anon) {
                return Err(Errno::EINVAL);
            }
            // MADV_FREE may free lazily; freeing at once is a valid implementation. Shared
            // anonymous memory is Linux's shmem: DONTNEED only unmaps it and the next touch finds
            // the same page, so its contents stay.
            for &(s, e, _, shared_anon) in &pieces {
                if !shared_anon {
                    space.zap(s, e);
                }
            }
            if !space.covered(addr, end) {
                return Err(Errno::ENOMEM);
            }
            Ok(0)
        }
        // Hints with no effect on contents: accepted as Linux does when it ignores them.
        MADV_NORMAL | MADV_RANDOM | MADV_SEQUENTIAL | MADV_WILLNEED | MADV_COLD | MADV_PAGEOUT | MADV_HUGEPAGE
        | MADV_NOHUGEPAGE | MADV_DONTDUMP | MADV_DODUMP => {
            if current().process.mm().lock().covered(addr, end) { Ok(0) } else { Err(Errno::ENOMEM) }
        }
        // DONTFORK/WIPEONFORK/KSM/populate/guard advice: honoured by Linux, not implemented.
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_msync(f: &mut TrapFrame) -> SysResult<usize> {
    use linux_abi::uapi::mman::{MS_ASYNC, MS_INVALIDATE, MS_SYNC};
    let (addr, len, flags) = (f.arg(0), f.arg(1), f.arg(2) as u32);
    if flags & !(MS_ASYNC | MS_INVALIDATE | MS_SYNC) != 0 || flags & (MS_ASYNC | MS_SYNC) == MS_ASYNC | MS_SYNC {
        return Err(Errno::EINVAL);
    }
    let end = user_range(addr, len)?;
    let mm = current().process.mm();
    let space = mm.lock();
    if !space.covered(addr, end) {
        return Err(Errno::ENOMEM);
    }
    // MS_ASYNC schedules write-back; doing it now is a valid schedule. MS_SYNC waits until the
    // data is on the disk, as fsync does.
    space.sync_range(addr, end, flags & MS_SYNC != 0).map(|_| 0)
}

/// mlock/munlock: memory is never paged out here, so locking only checks that the range (page
/// aligned outward, as Linux) is mapped.
fn check_lock_range(addr: u64, len: u64) -> SysResult<usize> {
    if len == 0 {
        return Ok(0);
    }
    let start = page_align_down(addr);
    let end = addr.checked_add(len).and_then(page_align_up).ok_or(Errno::ENOMEM)?;
    let mm = current().process.mm();
    if !mm.lock().covered(start, end) {
        return Err(Errno::ENOMEM);
    }
    Ok(0)
}

pub fn sys_mlock(f: &mut TrapFrame) -> SysResult<usize> {
    check_lock_range(f.arg(0), f.arg(1))
}

pub fn sys_mlock2(f: &mut TrapFrame) -> SysResult<usize> {
    const MLOCK_ONFAULT: u64 = 1;
    if f.arg(2) & !MLOCK_ONFAULT != 0 {
        return Err(Errno::EINVAL);
    }
    check_lock_range(f.arg(0), f.arg(1))
}

pub fn sys_munlock(f: &mut TrapFrame) -> SysResult<usize> {
    check_lock_range(f.arg(0), f.arg(1))
}

pub fn sys_mlockall(f: &mut TrapFrame) -> SysResult<usize> {
    use linux_abi::uapi::mman::{MCL_CURRENT, MCL_FUTURE, MCL_ONFAULT};
    let flags = f.arg(0) as u32;
    if flags == 0 || flags & !(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0 || flags == MCL_ONFAULT {
        return Err(Errno::EINVAL);
    }
    Ok(0)
}

pub fn sys_munlockall(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(0)
}

/// mincore: one byte per page of a mapped range, 1 where a frame is mapped in (anonymous
/// memory; a file page not mapped here counts as not resident, though it may be cached).
pub fn sys_mincore(f: &mut TrapFrame) -> SysResult<usize> {
    let (addr, len, vec) = (f.arg(0), f.arg(1), f.arg(2));
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(Errno::EINVAL);
    }
    let end = addr.checked_add(len).and_then(page_align_up).filter(|&e| e <= USER_END).ok_or(Errno::ENOMEM)?;
    let mm = current().process.mm();
    if !mm.lock().covered(addr, end) {
        return Err(Errno::ENOMEM);
    }
    // In chunks through a stack buffer, as Linux: the range's size is the caller's to choose, and
    // the copy-out may fault, which needs the address-space lock.
    let mut chunk = [0u8; 512];
    let mut page = addr;
    while page < end {
        let n = ((end - page) / PAGE_SIZE).min(chunk.len() as u64) as usize;
        {
            let space = mm.lock();
            for (i, byte) in chunk[..n].iter_mut().enumerate() {
                *byte = space.translate(page + i as u64 * PAGE_SIZE).is_some() as u8;
            }
        }
        crate::mm::user::copy_to_user(vec + (page - addr) / PAGE_SIZE, &chunk[..n])?;
        page += n as u64 * PAGE_SIZE;
    }
    Ok(0)
}

pub fn sys_mremap(f: &mut TrapFrame) -> SysResult<usize> {
    use linux_abi::uapi::mman::{MREMAP_DONTUNMAP, MREMAP_FIXED, MREMAP_MAYMOVE};
    let (old, old_len, new_len, flags, new_addr) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3) as u32, f.arg(4));
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0 || flags & MREMAP_DONTUNMAP != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::EINVAL);
    }
    if !old.is_multiple_of(PAGE_SIZE) || new_len == 0 {
        return Err(Errno::EINVAL);
    }
    let old_len = page_align_up(old_len).ok_or(Errno::EINVAL)?;
    let new_len = page_align_up(new_len).ok_or(Errno::EINVAL)?;
    let old_end = old.checked_add(old_len).filter(|&e| e <= USER_END).ok_or(Errno::EFAULT)?;
    let limit = as_limit();
    let mm = current().process.mm();
    let mut space = mm.lock();
    // old_len 0 duplicates a shared mapping; not supported.
    if old_len == 0 || space.vma_spanning(old, old_end).is_none() {
        return Err(Errno::EFAULT);
    }
    if flags & MREMAP_FIXED != 0 {
        if !new_addr.is_multiple_of(PAGE_SIZE) || new_addr.checked_add(new_len).is_none_or(|e| e > USER_END) {
            return Err(Errno::EINVAL);
        }
        if new_addr < old_end && old < new_addr + new_len {
            return Err(Errno::EINVAL);
        }
    } else if new_len <= old_len {
        space.unmap(old + new_len, old_end);
        return Ok(old as usize);
    }
    if new_len > old_len && space.mapped_bytes().saturating_add(new_len - old_len) > limit {
        return Err(Errno::ENOMEM);
    }
    if flags & MREMAP_FIXED == 0 && space.grow_in_place(old, old_end, old + new_len) {
        return Ok(old as usize);
    }
    if flags & MREMAP_MAYMOVE == 0 {
        return Err(Errno::ENOMEM);
    }
    let dest = if flags & MREMAP_FIXED != 0 {
        space.unmap(new_addr, new_addr + new_len);
        new_addr
    } else {
        space.place(0, new_len, false)?
    };
    let keep = old_len.min(new_len);
    space.unmap(old + keep, old_end);
    space.move_range(old, dest, keep)?;
    if new_len > keep {
        let tail_start = dest + keep;
        if !space.grow_in_place(dest, tail_start, dest + new_len) {
            return Err(Errno::ENOMEM);
        }
    }
    Ok(dest as usize)
}
