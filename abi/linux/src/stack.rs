//! Initial process stack: argv, envp, auxv.
//!
//! Reproduces what Linux's execve leaves below the stack top: `fs/exec.c` copies
//! the strings (exec filename first, so it ends up highest, then envp, then argv)
//! and `fs/binfmt_elf.c` `create_elf_tables` adds the platform string, the
//! AT_RANDOM bytes, and the argc/argv/envp/auxv block. From high to low addresses:
//!
//! ```text
//! stack_top      8 zero bytes (end marker)
//!                exec filename "\0"            <- AT_EXECFN
//!                envp strings, envp[0] lowest
//!                argv strings, argv[0] lowest   <- arg_start
//!                (down to 16-byte alignment)
//!                "x86_64\0"                     <- AT_PLATFORM
//!                16 random bytes                <- AT_RANDOM
//!                (gap so that sp is 16-byte aligned)
//!                auxv pairs ..., AT_NULL 0
//!                NULL, envp pointers
//!                NULL, argv pointers
//! sp             argc
//! ```
//!
//! Linux also moves the strings down by a random amount below 8 KiB
//! (`arch_align_stack`); this builder does what Linux does under
//! ADDR_NO_RANDOMIZE. A caller wanting that randomisation lowers `stack_top`.

use alloc::vec;
use alloc::vec::Vec;

use crate::errno::Errno;
use crate::uapi::resource::STK_LIM;

// Auxiliary vector entry types (`include/uapi/linux/auxvec.h`,
// `arch/x86/include/uapi/asm/auxvec.h`).
pub const AT_NULL: u64 = 0;
pub const AT_IGNORE: u64 = 1;
pub const AT_EXECFD: u64 = 2;
pub const AT_PHDR: u64 = 3;
pub const AT_PHENT: u64 = 4;
pub const AT_PHNUM: u64 = 5;
pub const AT_PAGESZ: u64 = 6;
pub const AT_BASE: u64 = 7;
pub const AT_FLAGS: u64 = 8;
pub const AT_ENTRY: u64 = 9;
pub const AT_NOTELF: u64 = 10;
pub const AT_UID: u64 = 11;
pub const AT_EUID: u64 = 12;
pub const AT_GID: u64 = 13;
pub const AT_EGID: u64 = 14;
pub const AT_PLATFORM: u64 = 15;
pub const AT_HWCAP: u64 = 16;
pub const AT_CLKTCK: u64 = 17;
pub const AT_SECURE: u64 = 23;
pub const AT_BASE_PLATFORM: u64 = 24;
pub const AT_RANDOM: u64 = 25;
pub const AT_HWCAP2: u64 = 26;
pub const AT_RSEQ_FEATURE_SIZE: u64 = 27;
pub const AT_RSEQ_ALIGN: u64 = 28;
pub const AT_HWCAP3: u64 = 29;
pub const AT_HWCAP4: u64 = 30;
pub const AT_EXECFN: u64 = 31;
pub const AT_SYSINFO_EHDR: u64 = 33;
pub const AT_MINSIGSTKSZ: u64 = 51;

/// AT_FLAGS bit: the interpreter (binfmt_misc "P") preserved `argv[0]`.
pub const AT_FLAGS_PRESERVE_ARGV0: u64 = 1;

/// Words in Linux's saved auxv (`AT_VECTOR_SIZE`: 2 × (3 x86 + 22 generic + AT_NULL)).
pub const AT_VECTOR_SIZE: usize = 2 * (3 + 22 + 1);

pub const PAGE_SIZE: usize = 4096;
/// Longest single argv/envp string, NUL included (`MAX_ARG_STRLEN`).
pub const MAX_ARG_STRLEN: usize = 32 * PAGE_SIZE;
/// Most argv (or envp) entries execve accepts (`MAX_ARG_STRINGS`).
pub const MAX_ARG_STRINGS: usize = 0x7FFF_FFFF;
/// String space Linux always allows, however small RLIMIT_STACK is (`ARG_MAX`).
pub const ARG_MAX: u64 = 32 * PAGE_SIZE as u64;
/// `ELF_PLATFORM` on x86_64, copied to the stack for AT_PLATFORM.
pub const ELF_PLATFORM: &[u8] = b"x86_64";

const WORD: u64 = 8;

/// The memory image of `[sp, stack_top)` and where things landed in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackImage {
    /// Bytes to copy to user address `sp`; `sp + bytes.len() == stack_top`.
    pub bytes: Vec<u8>,
    /// Initial rsp: points at argc, 16-byte aligned as the x86_64 psABI requires.
    pub sp: u64,
    /// argc as written; 1 when execve got an empty argv (Linux adds "").
    pub argc: u64,
    /// `mm->arg_start`/`arg_end`: the argv strings (for /proc/pid/cmdline).
    pub arg_start: u64,
    pub arg_end: u64,
    /// `mm->env_start`/`env_end`: the envp strings (for /proc/pid/environ).
    pub env_start: u64,
    pub env_end: u64,
    /// The auxv written, AT_NULL included (for /proc/pid/auxv).
    pub auxv: Vec<(u64, u64)>,
}

/// Bytes available for argv+envp strings (exec filename included), after
/// `bprm_stack_limits`: a quarter of the stack rlimit, capped at ¾ of 8 MiB,
/// at least [`ARG_MAX`], minus room for the argv/envp pointers.
pub fn arg_strings_limit(rlim_stack_cur: u64, argc: usize, envc: usize) -> Result<u64, Errno> {
    let limit = (STK_LIM / 4 * 3).min(rlim_stack_cur / 4).max(ARG_MAX);
    // An empty argv still gets one pointer: Linux adds "" as argv[0].
    let ptr_size = argc
        .max(1)
        .checked_add(envc)
        .and_then(|n| u64::try_from(n).ok())
        .and_then(|n| n.checked_mul(WORD))
        .ok_or(Errno::E2BIG)?;
    if limit <= ptr_size {
        return Err(Errno::E2BIG);
    }
    Ok(limit - ptr_size)
}

/// Builds the initial stack of a new program.
///
/// `argv`, `envp` and `execfn` are C strings: each ends at its first NUL if it
/// has one. `aux` holds the caller's auxv entries (AT_PHDR, AT_PHENT, AT_PHNUM,
/// AT_PAGESZ, AT_BASE, AT_FLAGS, AT_ENTRY, AT_UID.., AT_SECURE, AT_HWCAP,
/// AT_HWCAP2, AT_CLKTCK, AT_MINSIGSTKSZ, AT_SYSINFO_EHDR, ...); this function
/// appends AT_RANDOM, AT_EXECFN, AT_PLATFORM and the terminating AT_NULL, so
/// `aux` must not contain those (EINVAL). `rlim_stack_cur` is the new program's
/// RLIMIT_STACK soft limit, which bounds the string space.
///
/// Errors: E2BIG when a string exceeds [`MAX_ARG_STRLEN`], there are too many
/// strings, or they do not fit [`arg_strings_limit`] below `stack_top - 8`;
/// EINVAL for a bad `aux`; EFAULT if the block would wrap below address 0.
pub fn build_initial_stack(
    stack_top: u64,
    argv: &[&[u8]],
    envp: &[&[u8]],
    execfn: &[u8],
    random: [u8; 16],
    aux: &[(u64, u64)],
    rlim_stack_cur: u64,
) -> Result<StackImage, Errno> {
    if argv.len() > MAX_ARG_STRINGS || envp.len() > MAX_ARG_STRINGS {
        return Err(Errno::E2BIG);
    }
    let reserved = [AT_NULL, AT_RANDOM, AT_EXECFN, AT_PLATFORM];
    // Ours: AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL.
    if aux.iter().any(|(t, _)| reserved.contains(t)) || 2 * (aux.len() + 4) > AT_VECTOR_SIZE {
        return Err(Errno::EINVAL);
    }

    // bprm->p starts one word below the top: that word stays zero.
    let top = stack_top.checked_sub(WORD).ok_or(Errno::E2BIG)?;
    let limit = arg_strings_limit(rlim_stack_cur, argv.len(), envp.len())?;
    let mut strings = StringArea {
        p: top,
        argmin: top.checked_sub(limit).ok_or(Errno::E2BIG)?,
        placed: Vec::with_capacity(argv.len() + envp.len() + 1),
    };

    // Same order as do_execveat_common, so the addresses match Linux's.
    let execfn_addr = strings.push(c_str(execfn))?;
    let env_end = execfn_addr;
    let mut env_addrs = Vec::with_capacity(envp.len());
    for s in envp.iter().rev() {
        env_addrs.push(strings.push(c_str(s))?);
    }
    env_addrs.reverse();
    let env_start = strings.p;
    let mut arg_addrs = Vec::with_capacity(argv.len().max(1));
    for s in argv.iter().rev() {
        arg_addrs.push(strings.push(c_str(s))?);
    }
    if argv.is_empty() {
        // Linux never starts a program with argc == 0 (CVE-2021-4034 hardening).
        arg_addrs.push(strings.push(b"")?);
    }
    arg_addrs.reverse();
    let arg_start = strings.p;

    // create_elf_tables.
    let mut p = strings.p & !15;
    p = p
        .checked_sub(ELF_PLATFORM.len() as u64 + 1)
        .ok_or(Errno::EFAULT)?;
    let platform_addr = p;
    p = p.checked_sub(random.len() as u64).ok_or(Errno::EFAULT)?;
    let random_addr = p;

    let mut auxv = Vec::with_capacity(aux.len() + 4);
    auxv.extend_from_slice(aux);
    auxv.push((AT_RANDOM, random_addr));
    auxv.push((AT_EXECFN, execfn_addr));
    auxv.push((AT_PLATFORM, platform_addr));
    auxv.push((AT_NULL, 0));

    // argc, argv[] + NULL, envp[] + NULL, then the auxv pairs; sp rounded down.
    let items = (arg_addrs.len() + 1 + env_addrs.len() + 1 + 1) as u64;
    let block = (items + 2 * auxv.len() as u64) * WORD;
    let sp = p.checked_sub(block).ok_or(Errno::EFAULT)? & !15;

    let size = usize::try_from(stack_top - sp).map_err(|_| Errno::ENOMEM)?;
    let mut image = Image {
        base: sp,
        bytes: vec![0u8; size],
    };

    let mut words: Vec<u64> = Vec::with_capacity(block as usize / 8);
    words.push(arg_addrs.len() as u64);
    words.extend_from_slice(&arg_addrs);
    words.push(0);
    words.extend_from_slice(&env_addrs);
    words.push(0);
    for &(t, v) in &auxv {
        words.push(t);
        words.push(v);
    }
    let mut at = sp;
    for w in words {
        image.write(at, &w.to_le_bytes())?;
        at += WORD;
    }
    image.write(random_addr, &random)?;
    image.write(platform_addr, ELF_PLATFORM)?;
    for (addr, s) in strings.placed {
        // The NUL after each string is already there: the image starts zeroed.
        image.write(addr, s)?;
    }

    Ok(StackImage {
        bytes: image.bytes,
        sp,
        argc: arg_addrs.len() as u64,
        arg_start,
        arg_end: env_start,
        env_start,
        env_end,
        auxv,
    })
}

/// The part of a byte string a C reader sees.
fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(n) => &s[..n],
        None => s,
    }
}

/// Strings copied downward from the stack top, as `copy_strings` does.
struct StringArea<'a> {
    p: u64,
    argmin: u64,
    placed: Vec<(u64, &'a [u8])>,
}

impl<'a> StringArea<'a> {
    fn push(&mut self, s: &'a [u8]) -> Result<u64, Errno> {
        let len = s.len() + 1;
        if len > MAX_ARG_STRLEN {
            return Err(Errno::E2BIG);
        }
        let p = self.p.checked_sub(len as u64).ok_or(Errno::E2BIG)?;
        if p < self.argmin {
            return Err(Errno::E2BIG);
        }
        self.p = p;
        self.placed.push((p, s));
        Ok(p)
    }
}

struct Image {
    base: u64,
    bytes: Vec<u8>,
}

impl Image {
    fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), Errno> {
        let off = addr
            .checked_sub(self.base)
            .and_then(|o| usize::try_from(o).ok())
            .ok_or(Errno::EFAULT)?;
        let end = off.checked_add(data.len()).ok_or(Errno::EFAULT)?;
        self.bytes
            .get_mut(off..end)
            .ok_or(Errno::EFAULT)?
            .copy_from_slice(data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const TOP: u64 = 0x7fff_ffff_f000;
    const RLIM: u64 = 8 * 1024 * 1024;
    const RANDOM: [u8; 16] = *b"0123456789abcdef";

    /// Reads the image back the way a libc start routine does.
    struct Parsed {
        argc: u64,
        argv: Vec<Vec<u8>>,
        envp: Vec<Vec<u8>>,
        auxv: Vec<(u64, u64)>,
    }

    fn word(img: &StackImage, addr: u64) -> u64 {
        let off = (addr - img.sp) as usize;
        u64::from_le_bytes(img.bytes[off..off + 8].try_into().unwrap())
    }

    fn cstr(img: &StackImage, addr: u64) -> Vec<u8> {
        let off = (addr - img.sp) as usize;
        let len = img.bytes[off..].iter().position(|&b| b == 0).unwrap();
        img.bytes[off..off + len].to_vec()
    }

    fn parse(img: &StackImage) -> Parsed {
        let mut at = img.sp;
        let argc = word(img, at);
        at += 8;
        let mut argv = Vec::new();
        for _ in 0..argc {
            argv.push(cstr(img, word(img, at)));
            at += 8;
        }
        assert_eq!(word(img, at), 0, "argv must be NULL-terminated");
        at += 8;
        let mut envp = Vec::new();
        loop {
            let p = word(img, at);
            at += 8;
            if p == 0 {
                break;
            }
            envp.push(cstr(img, p));
        }
        let mut auxv = Vec::new();
        loop {
            let (t, v) = (word(img, at), word(img, at + 8));
            at += 16;
            auxv.push((t, v));
            if t == AT_NULL {
                break;
            }
        }
        Parsed {
            argc,
            argv,
            envp,
            auxv,
        }
    }

    fn aux_get(auxv: &[(u64, u64)], t: u64) -> Option<u64> {
        auxv.iter().find(|e| e.0 == t).map(|e| e.1)
    }

    fn caller_aux() -> Vec<(u64, u64)> {
        vec![
            (AT_PHDR, 0x400040),
            (AT_PHENT, 56),
            (AT_PHNUM, 9),
            (AT_PAGESZ, 4096),
            (AT_BASE, 0),
            (AT_FLAGS, 0),
            (AT_ENTRY, 0x401000),
            (AT_UID, 0),
            (AT_EUID, 0),
            (AT_GID, 0),
            (AT_EGID, 0),
            (AT_SECURE, 0),
            (AT_HWCAP, 0x178bfbff),
            (AT_HWCAP2, 2),
            (AT_CLKTCK, 100),
            (AT_MINSIGSTKSZ, 2048),
        ]
    }

    fn build(argv: &[&[u8]], envp: &[&[u8]]) -> StackImage {
        build_initial_stack(TOP, argv, envp, b"/bin/sh", RANDOM, &caller_aux(), RLIM).unwrap()
    }

    #[test]
    fn round_trips_argv_envp_auxv() {
        let img = build(
            &[b"/bin/sh", b"-c", b"echo hi"],
            &[b"HOME=/", b"TERM=linux"],
        );
        let p = parse(&img);
        assert_eq!(p.argc, 3);
        assert_eq!(
            p.argv,
            [b"/bin/sh".to_vec(), b"-c".to_vec(), b"echo hi".to_vec()]
        );
        assert_eq!(p.envp, [b"HOME=/".to_vec(), b"TERM=linux".to_vec()]);
        assert_eq!(&p.auxv[..caller_aux().len()], &caller_aux()[..]);
        assert_eq!(p.auxv.last(), Some(&(AT_NULL, 0)));
        assert_eq!(p.auxv, img.auxv);
        assert_eq!(img.sp + img.bytes.len() as u64, TOP);
        assert_eq!(img.argc, 3);
    }

    #[test]
    fn sp_is_16_byte_aligned_for_every_count() {
        // The rounding must hold whatever parity argc + envc + auxv have.
        for argc in 0..4usize {
            for envc in 0..4usize {
                let argv: Vec<&[u8]> = (0..argc).map(|_| &b"a"[..]).collect();
                let envp: Vec<&[u8]> = (0..envc).map(|_| &b"E=1"[..]).collect();
                let img = build(&argv, &envp);
                assert_eq!(img.sp % 16, 0, "argc={argc} envc={envc}");
            }
        }
    }

    #[test]
    fn at_random_points_at_the_random_bytes() {
        let img = build(&[b"x"], &[]);
        let auxv = parse(&img).auxv;
        let r = aux_get(&auxv, AT_RANDOM).unwrap();
        let off = (r - img.sp) as usize;
        assert_eq!(&img.bytes[off..off + 16], &RANDOM);
        let plat = aux_get(&auxv, AT_PLATFORM).unwrap();
        assert_eq!(cstr(&img, plat), b"x86_64");
        // Linux puts the random bytes right below the platform string.
        assert_eq!(r + 16, plat);
        let execfn = aux_get(&auxv, AT_EXECFN).unwrap();
        assert_eq!(cstr(&img, execfn), b"/bin/sh");
    }

    #[test]
    fn strings_sit_at_the_top_in_linux_order() {
        let img = build(&[b"prog", b"arg"], &[b"A=1", b"B=2"]);
        // From the top: 8 zero bytes, "/bin/sh\0", "A=1\0B=2\0", "prog\0arg\0".
        assert!(img.bytes[img.bytes.len() - 8..].iter().all(|&b| b == 0));
        let tail = &img.bytes[img.bytes.len() - 8 - 25..img.bytes.len() - 8];
        assert_eq!(tail, b"prog\0arg\0A=1\0B=2\0/bin/sh\0");
        assert_eq!(img.env_end, TOP - 8 - 8);
        assert_eq!(img.env_start, img.env_end - 8);
        assert_eq!(img.arg_end, img.env_start);
        assert_eq!(img.arg_start, img.arg_end - 9);
        assert_eq!(aux_get(&img.auxv, AT_EXECFN), Some(img.env_end));
        // Platform string right below the 16-aligned bottom of the strings.
        assert_eq!(
            aux_get(&img.auxv, AT_PLATFORM),
            Some((img.arg_start & !15) - 7)
        );
    }

    #[test]
    fn exact_layout_of_a_small_stack() {
        // Hand-computed from create_elf_tables: strings "/bin/sh\0" (8) + "a\0" (2)
        // below TOP - 8 -> arg_start = TOP - 18; aligned down: TOP - 32;
        // platform at TOP - 39, random at TOP - 55; auxv = 16 + 4 pairs = 40
        // words, items = (1+1)+(0+1)+1 = 4 -> sp = (TOP - 55 - 352) & !15.
        let img = build(&[b"a"], &[]);
        assert_eq!(img.arg_start, TOP - 18);
        assert_eq!(aux_get(&img.auxv, AT_RANDOM), Some(TOP - 55));
        assert_eq!(img.sp, (TOP - 55 - 352) & !15);
    }

    #[test]
    fn empty_argv_gets_an_empty_argv0() {
        let img = build(&[], &[b"X=y"]);
        let p = parse(&img);
        assert_eq!(p.argc, 1);
        assert_eq!(p.argv, [Vec::<u8>::new()]);
        assert_eq!(p.envp, [b"X=y".to_vec()]);
    }

    #[test]
    fn strings_end_at_their_first_nul() {
        let img = build(&[b"ab\0cd"], &[]);
        assert_eq!(parse(&img).argv, [b"ab".to_vec()]);
        assert_eq!(img.arg_end - img.arg_start, 3);
    }

    #[test]
    fn single_string_limit_is_max_arg_strlen() {
        let ok = vec![b'x'; MAX_ARG_STRLEN - 1];
        assert!(build_initial_stack(TOP, &[&ok], &[], b"/p", RANDOM, &[], RLIM).is_ok());
        let too_long = vec![b'x'; MAX_ARG_STRLEN];
        assert_eq!(
            build_initial_stack(TOP, &[&too_long], &[], b"/p", RANDOM, &[], RLIM),
            Err(Errno::E2BIG)
        );
        assert_eq!(
            build_initial_stack(TOP, &[b"a"], &[], &too_long, RANDOM, &[], RLIM),
            Err(Errno::E2BIG)
        );
    }

    #[test]
    fn total_strings_bounded_by_rlimit() {
        // A tiny RLIMIT_STACK still allows ARG_MAX bytes minus the pointers.
        assert_eq!(arg_strings_limit(0, 1, 0), Ok(ARG_MAX - 8));
        assert_eq!(arg_strings_limit(0, 0, 0), Ok(ARG_MAX - 8));
        assert_eq!(arg_strings_limit(RLIM, 2, 3), Ok(2 * 1024 * 1024 - 40));
        assert_eq!(arg_strings_limit(u64::MAX, 0, 0), Ok(6 * 1024 * 1024 - 8));
        assert_eq!(arg_strings_limit(0, usize::MAX, 1), Err(Errno::E2BIG));
        assert_eq!(arg_strings_limit(0, 20_000, 0), Err(Errno::E2BIG));

        // 4 strings of 32 KiB (with NUL) + "/p\0" exceed 128 KiB - 4 pointers.
        let s = vec![b'y'; 32 * 1024 - 1];
        let argv: Vec<&[u8]> = vec![&s; 4];
        assert_eq!(
            build_initial_stack(TOP, &argv, &[], b"/p", RANDOM, &[], 0),
            Err(Errno::E2BIG)
        );
        // Three of them fit.
        assert!(build_initial_stack(TOP, &argv[..3], &[], b"/p", RANDOM, &[], 0).is_ok());
        // And all four fit under the default 8 MiB limit.
        assert!(build_initial_stack(TOP, &argv, &[], b"/p", RANDOM, &[], RLIM).is_ok());
    }

    #[test]
    fn exact_fit_boundary() {
        // limit with rlimit 0 and argc 1 is ARG_MAX - 8; "/p\0" takes 3 bytes.
        let fits = vec![b'z'; (ARG_MAX - 8 - 3 - 1) as usize];
        assert!(build_initial_stack(TOP, &[&fits], &[], b"/p", RANDOM, &[], 0).is_ok());
        let over = vec![b'z'; (ARG_MAX - 8 - 3) as usize];
        assert_eq!(
            build_initial_stack(TOP, &[&over], &[], b"/p", RANDOM, &[], 0),
            Err(Errno::E2BIG)
        );
    }

    #[test]
    fn reserved_or_too_many_aux_entries_are_rejected() {
        for t in [AT_NULL, AT_RANDOM, AT_EXECFN, AT_PLATFORM] {
            assert_eq!(
                build_initial_stack(TOP, &[b"a"], &[], b"/p", RANDOM, &[(t, 1)], RLIM),
                Err(Errno::EINVAL)
            );
        }
        let many = vec![(AT_IGNORE, 0); 23];
        assert_eq!(
            build_initial_stack(TOP, &[b"a"], &[], b"/p", RANDOM, &many, RLIM),
            Err(Errno::EINVAL)
        );
        let most = vec![(AT_IGNORE, 0); 22];
        assert!(build_initial_stack(TOP, &[b"a"], &[], b"/p", RANDOM, &most, RLIM).is_ok());
    }

    #[test]
    fn low_stack_top_fails_cleanly() {
        // bprm_set_stack_limit: the string area may not reach below address 0.
        for top in [0, 8, 4096, ARG_MAX - 1] {
            assert_eq!(
                build_initial_stack(top, &[b"a"], &[], b"/p", RANDOM, &[], 0),
                Err(Errno::E2BIG)
            );
        }
        // Strings filling [0, top - 8) exactly leave no room for the pointer block.
        let fill = vec![b'z'; (ARG_MAX - 8 - 3 - 1) as usize];
        assert_eq!(
            build_initial_stack(ARG_MAX, &[&fill], &[], b"/p", RANDOM, &[], 0),
            Err(Errno::EFAULT)
        );
    }
}
