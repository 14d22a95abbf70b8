//! execve: loads an ELF program (static, static-PIE, or dynamic with its PT_INTERP) or a `#!`
//! script into a fresh address space, builds Linux's initial stack, and replaces the caller's image.
//! Segments are mapped from the file and faulted in on demand, not read up front. Everything up to
//! the point of no return can fail with the old image intact.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::vfs::Inode;
use goblin::elf::program_header::{PF_R, PF_W, PF_X, PT_INTERP, PT_LOAD, PT_PHDR};
use goblin::elf64::header::{ET_DYN, ET_EXEC, EM_X86_64, Header};
use goblin::elf64::program_header::ProgramHeader;
use linux_abi::stack::*;
use linux_abi::{Errno, SysResult};

use super::Thread;
use crate::arch::TrapFrame;
use crate::arch::usercopy::USER_END;
use crate::mm::address_space::{AddressSpace, FileBacking, Prot, Vma};
use crate::mm::{PAGE_SIZE, page_align_down, page_align_up};

/// Where ET_DYN programs are placed (Linux's ELF_ET_DYN_BASE, 2/3 of TASK_SIZE, page aligned).
const ELF_ET_DYN_BASE: u64 = 0x5555_5555_4000;
/// Largest program-header table we read (Linux: 64 KiB).
const MAX_PHDRS_BYTES: u64 = 65536;
/// Nested `#!` interpreters allowed (Linux's BINPRM_MAX_RECURSION).
const MAX_SCRIPT_DEPTH: usize = 4;
/// Length limit of a `#!` line (BINPRM_BUF_SIZE).
const BINPRM_BUF_SIZE: usize = 256;

/// What the loader learned about one ELF image.
struct Loaded {
    entry: u64,
    bias: u64,
    phdr_addr: u64,
    phnum: u64,
    end: u64,
    interp: Option<Vec<u8>>,
}

fn prot_of(flags: u32) -> Prot {
    let mut p = Prot::empty();
    if flags & PF_R != 0 {
        p |= Prot::READ;
    }
    if flags & PF_W != 0 {
        p |= Prot::WRITE;
    }
    if flags & PF_X != 0 {
        p |= Prot::EXEC;
    }
    p
}

/// Maps one ELF image (main program or interpreter) into `mm`. `dyn_base` is where an ET_DYN image
/// goes. Malformed headers are ENOEXEC; impossible layouts EINVAL or ENOMEM, as Linux.
fn load_elf(mm: &mut AddressSpace, path: &fs::vfs::Path, head: &[u8], dyn_base: u64) -> SysResult<Loaded> {
    let inode = path.inode();
    let hdr = Header::parse(head).map_err(|_| Errno::ENOEXEC)?;
    if &hdr.e_ident[..4] != b"\x7fELF" || hdr.e_ident[4] != 2 || hdr.e_ident[5] != 1 {
        return Err(Errno::ENOEXEC);
    }
    if hdr.e_machine != EM_X86_64 || !(hdr.e_type == ET_EXEC || hdr.e_type == ET_DYN) {
        return Err(Errno::ENOEXEC);
    }
    let phbytes = hdr.e_phnum as u64 * hdr.e_phentsize as u64;
    if hdr.e_phentsize as usize != size_of::<ProgramHeader>() || hdr.e_phnum == 0 || phbytes > MAX_PHDRS_BYTES {
        return Err(Errno::ENOEXEC);
    }
    let mut table = alloc::vec![0u8; phbytes as usize];
    if crate::vfs::read_inode(&**inode, hdr.e_phoff, &mut table)? != table.len() {
        return Err(Errno::ENOEXEC);
    }
    let phdrs = ProgramHeader::parse(&table, 0, hdr.e_phnum as usize, goblin::container::Endian::Little)
        .map_err(|_| Errno::ENOEXEC)?;

    let loads: Vec<&ProgramHeader> = phdrs.iter().filter(|p| p.p_type == PT_LOAD).collect();
    let first = loads.first().ok_or(Errno::ENOEXEC)?;
    let bias = if hdr.e_type == ET_DYN { dyn_base - page_align_down(first.p_vaddr) } else { 0 };
    let mut interp = None;
    let mut phdr_addr = None;
    let mut end = 0;
    for p in &phdrs {
        match p.p_type {
            PT_INTERP if interp.is_none() => {
                if p.p_filesz < 2 || p.p_filesz > 4096 {
                    return Err(Errno::ENOEXEC);
                }
                let mut name = alloc::vec![0u8; p.p_filesz as usize];
                if crate::vfs::read_inode(&**inode, p.p_offset, &mut name)? != name.len() || name.pop() != Some(0) {
                    return Err(Errno::ENOEXEC);
                }
                interp = Some(name);
            }
            PT_PHDR => phdr_addr = Some(p.p_vaddr.wrapping_add(bias)),
            PT_LOAD => {
                if p.p_filesz > p.p_memsz || p.p_vaddr % PAGE_SIZE != p.p_offset % PAGE_SIZE {
                    return Err(Errno::EINVAL);
                }
                let start = page_align_down(p.p_vaddr.checked_add(bias).ok_or(Errno::ENOMEM)?);
                let seg_end = p.p_vaddr.checked_add(bias).and_then(|v| v.checked_add(p.p_memsz)).ok_or(Errno::ENOMEM)?;
                let map_end = page_align_up(seg_end).ok_or(Errno::ENOMEM)?;
                if map_end > USER_END || start < crate::mm::address_space::MMAP_MIN_ADDR {
                    return Err(Errno::ENOMEM);
                }
                let data_end = p.p_vaddr + bias + p.p_filesz;
                let file_offset = page_align_down(p.p_offset);
                let prot = prot_of(p.p_flags);
                let file_end = page_align_up(data_end).ok_or(Errno::ENOMEM)?;
                if p.p_filesz > 0 {
                    let mut vma = Vma::anonymous(start, file_end.min(map_end), prot);
                    vma.file = Some(FileBacking {
                        source: Arc::new(crate::vfs::InodePages(inode.clone())),
                        offset: file_offset,
                        data_end,
                        path: Some(path.clone()),
                        cache: None,
                    });
                    mm.insert(vma);
                }
                // The rest of the segment (.bss beyond the last file page) is anonymous.
                let anon_start = if p.p_filesz > 0 { file_end } else { start };
                if anon_start < map_end {
                    mm.insert(Vma::anonymous(anon_start, map_end, prot));
                }
                end = end.max(seg_end);
            }
            _ => {}
        }
    }
    // Without PT_PHDR the table is found inside the segment that maps file offset e_phoff.
    let phdr_addr = match phdr_addr {
        Some(a) => a,
        None => loads
            .iter()
            .find(|p| p.p_offset <= hdr.e_phoff && hdr.e_phoff + phbytes <= p.p_offset + p.p_filesz)
            .map(|p| p.p_vaddr + bias + (hdr.e_phoff - p.p_offset))
            .unwrap_or(0),
    };
    Ok(Loaded { entry: hdr.e_entry.wrapping_add(bias), bias, phdr_addr, phnum: hdr.e_phnum as u64, end, interp })
}

/// Reads the start of a file: the ELF header or `#!` line lives there.
fn read_head(inode: &dyn Inode) -> SysResult<Vec<u8>> {
    let mut head = alloc::vec![0u8; BINPRM_BUF_SIZE];
    let n = crate::vfs::read_inode(inode, 0, &mut head)?;
    head.truncate(n);
    Ok(head)
}

/// Splits a `#!` line into interpreter and optional single argument, as binfmt_script does.
fn parse_shebang(head: &[u8]) -> SysResult<(Vec<u8>, Option<Vec<u8>>)> {
    let line = &head[2..];
    let line = match line.iter().position(|&b| b == b'\n') {
        Some(n) => &line[..n],
        // A line that fills the whole buffer without a newline: Linux accepts it only if the
        // interpreter name itself ended before the buffer did.
        None => line,
    };
    let trimmed: &[u8] = {
        let s = line.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(line.len());
        let e = line.iter().rposition(|&b| b != b' ' && b != b'\t' && b != 0).map_or(s, |e| e + 1);
        if s >= e { &[] } else { &line[s..e] }
    };
    if trimmed.is_empty() {
        return Err(Errno::ENOEXEC);
    }
    let split = trimmed.iter().position(|&b| b == b' ' || b == b'\t');
    Ok(match split {
        Some(i) => {
            let arg = &trimmed[i..];
            let a = arg.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(arg.len());
            (trimmed[..i].to_vec(), Some(arg[a..].to_vec()).filter(|a| !a.is_empty()))
        }
        None => (trimmed.to_vec(), None),
    })
}

/// Ends every other thread of the process before the image is replaced (Linux's de_thread).
fn de_thread(t: &Thread) {
    let others: Vec<Arc<Thread>> = t.process.threads().into_iter().filter(|o| o.tid != t.tid).collect();
    if others.is_empty() {
        return;
    }
    for o in &others {
        o.killed.store(true, core::sync::atomic::Ordering::Release);
        o.sig_hint.store(true, core::sync::atomic::Ordering::Release);
        crate::sched::wait::kick(o);
    }
    while t.process.threads().len() > 1 {
        let _ = crate::sched::wait::sleep_until(crate::arch::cpu::uptime_ns() + 1_000_000);
    }
}

/// Replaces the current program. On success the frame enters the new image; on error the old one
/// is untouched.
pub fn execve(t: &Thread, path: &[u8], argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>, frame: &mut TrapFrame) -> SysResult<()> {
    let resolved = crate::vfs::lookup_for_exec(t, path)?;
    execve_path(t, resolved, path, argv, envp, frame)
}

/// execve of an already resolved program (execveat); `path` is what AT_EXECFN and a `#!`
/// interpreter see.
pub fn execve_path(
    t: &Thread,
    mut resolved: fs::vfs::Path,
    path: &[u8],
    mut argv: Vec<Vec<u8>>,
    envp: Vec<Vec<u8>>,
    frame: &mut TrapFrame,
) -> SysResult<()> {
    crate::vfs::check_exec(t, &resolved)?;
    let mut path = path.to_vec();
    let filename = path.clone();
    let mut depth = 0;
    let head = loop {
        let head = read_head(&**resolved.inode())?;
        if head.starts_with(b"#!") {
            depth += 1;
            if depth > MAX_SCRIPT_DEPTH {
                return Err(Errno::ELOOP);
            }
            let (interp, arg) = parse_shebang(&head)?;
            // argv becomes: interp [arg] script-path original-argv[1..]
            let mut new_argv = alloc::vec![interp.clone()];
            new_argv.extend(arg);
            new_argv.push(path.clone());
            new_argv.extend(argv.drain(..).skip(1));
            argv = new_argv;
            resolved = crate::vfs::lookup_for_exec(t, &interp)?;
            path = interp;
            continue;
        }
        break head;
    };

    let limits = t.process.limits.lock().clone();
    let stack_limit = limits.get(linux_abi::uapi::resource::RLIMIT_STACK).map_or(8 << 20, |l| l.cur);
    let mut mm = AddressSpace::new()?;
    // Stack: randomised top, grows down to RLIMIT_STACK; mmap area (the interpreter first) below
    // it, as Linux lays out. Both are fixed before anything is mapped there.
    let random_pages = crate::rand::u64() % 0x4000;
    let stack_top = USER_END - PAGE_SIZE * random_pages;
    let gap = stack_limit.clamp(128 << 20, 1 << 40);
    mm.mmap_base = page_align_down(stack_top - gap - PAGE_SIZE * (crate::rand::u64() % 0x1000));
    mm.stack_limit = stack_limit.min(1 << 40);
    let main = load_elf(&mut mm, &resolved, &head, ELF_ET_DYN_BASE)?;
    let (entry, base) = match &main.interp {
        Some(interp_path) => {
            let interp = crate::vfs::lookup_for_exec(t, interp_path)?;
            let ihead = read_head(&**interp.inode())?;
            // The interpreter goes below the mmap base like any other mapping.
            let ibase = page_align_down(mm.mmap_base - (64 << 20));
            let li = load_elf(&mut mm, &interp, &ihead, ibase)?;
            if li.interp.is_some() {
                return Err(Errno::ELIBBAD);
            }
            (li.entry, li.bias)
        }
        None => (main.entry, 0),
    };
    mm.brk_start = page_align_up(main.end).ok_or(Errno::ENOMEM)?;
    mm.brk = mm.brk_start;

    let mut random = [0u8; 16];
    crate::rand::fill(&mut random);
    // Set-user-ID and set-group-ID programs (not on nosuid mounts, and for scripts it is the
    // interpreter's bits that count, as on Linux). The saved ids become the effective ones.
    let mut creds = t.process.creds.lock().clone();
    let meta = resolved.metadata();
    if resolved.mnt.flags() & fs::vfs::mount::MNT_NOSUID == 0 {
        if meta.mode & fs::vfs::S_ISUID != 0 {
            creds.euid = meta.uid;
        }
        if meta.mode & fs::vfs::S_ISGID != 0 && meta.mode & fs::vfs::S_IXGRP != 0 {
            creds.egid = meta.gid;
        }
    }
    (creds.suid, creds.fsuid, creds.sgid, creds.fsgid) = (creds.euid, creds.euid, creds.egid, creds.egid);
    let secure = creds.euid != creds.uid || creds.egid != creds.gid;
    let aux = [
        // No AT_SYSINFO_EHDR: there is no vDSO yet, so libc uses real syscalls.
        (AT_MINSIGSTKSZ, *crate::process::signal::MINSIGSTKSZ as u64),
        (AT_HWCAP, crate::arch::cpu::hwcap()),
        (AT_PAGESZ, PAGE_SIZE),
        (AT_CLKTCK, 100),
        (AT_PHDR, main.phdr_addr),
        (AT_PHENT, size_of::<ProgramHeader>() as u64),
        (AT_PHNUM, main.phnum),
        (AT_BASE, base),
        (AT_FLAGS, 0),
        (AT_ENTRY, main.entry),
        (AT_UID, creds.uid as u64),
        (AT_EUID, creds.euid as u64),
        (AT_GID, creds.gid as u64),
        (AT_EGID, creds.egid as u64),
        (AT_SECURE, secure as u64),
        (AT_HWCAP2, 0),
    ];
    let argv_refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    let envp_refs: Vec<&[u8]> = envp.iter().map(|a| a.as_slice()).collect();
    let image = build_initial_stack(stack_top, &argv_refs, &envp_refs, &filename, random, &aux, stack_limit)?;
    let stack_vma_start = page_align_down(image.sp).min(stack_top - (128 << 10));
    let mut stack = Vma::anonymous(stack_vma_start, stack_top, Prot::READ | Prot::WRITE);
    stack.grows_down = true;
    mm.insert(stack);
    mm.write_bytes(image.sp, &image.bytes)?;
    mm.args = (image.arg_start, image.arg_end);
    mm.env = (image.env_start, image.env_end);

    // Point of no return.
    de_thread(t);
    let mm = super::Mm::new(mm);
    // SAFETY: the new address space shares the kernel half.
    unsafe { crate::mm::paging::switch_to(mm.page_table_root()) };
    drop(t.process.set_mm(mm));
    // Tables shared with another process (CLONE_FILES/CLONE_SIGHAND) are unshared first.
    let files = t.process.files();
    if Arc::strong_count(&files) > 2 {
        let copy = files.lock().clone();
        t.process.set_files(Arc::new(crate::sync::SpinLock::new(copy)));
    }
    drop(files);
    t.process.files().lock().close_on_exec();
    let sighand = t.process.sighand();
    let mut actions = sighand.lock().clone();
    actions.reset_for_exec();
    t.process.set_sighand(Arc::new(crate::sync::SpinLock::new(actions)));
    t.sig.lock().altstack = Default::default();
    t.process.did_exec.store(true, core::sync::atomic::Ordering::Relaxed);
    *t.process.creds.lock() = creds;
    *t.process.exe.lock() = Some(resolved.clone());
    let after_exec = t.process.prctl.lock().execed();
    *t.process.prctl.lock() = after_exec;
    if let Some(done) = t.vfork_done.lock().take() {
        done.complete();
    }
    // comm is the basename of the name execve was given (not of a symlink's target), as Linux.
    let name = filename.rsplit(|&b| b == b'/').next().unwrap_or(&filename);
    let mut comm = [0u8; 16];
    let n = name.len().min(15);
    comm[..n].copy_from_slice(&name[..n]);
    *t.process.comm.lock() = comm;
    t.clear_child_tid.store(0, core::sync::atomic::Ordering::Relaxed);
    t.robust_list.store(0, core::sync::atomic::Ordering::Relaxed);
    t.fs_base.store(0, core::sync::atomic::Ordering::Relaxed);
    t.gs_base.store(0, core::sync::atomic::Ordering::Relaxed);
    x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new(0));
    x86_64::registers::model_specific::KernelGsBase::write(x86_64::VirtAddr::new(0));
    t.fpu.reset();
    t.fpu.restore();
    *frame = TrapFrame::new_user(entry, image.sp);
    Ok(())
}

