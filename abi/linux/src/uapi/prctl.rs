//! prctl(2) options (`include/uapi/linux/prctl.h`) and x86 arch_prctl(2) codes
//! (`arch/x86/include/uapi/asm/prctl.h`).

// arch_prctl codes.
pub const ARCH_SET_GS: u32 = 0x1001;
pub const ARCH_SET_FS: u32 = 0x1002;
pub const ARCH_GET_FS: u32 = 0x1003;
pub const ARCH_GET_GS: u32 = 0x1004;
pub const ARCH_GET_CPUID: u32 = 0x1011;
pub const ARCH_SET_CPUID: u32 = 0x1012;
pub const ARCH_GET_XCOMP_SUPP: u32 = 0x1021;
pub const ARCH_GET_XCOMP_PERM: u32 = 0x1022;
pub const ARCH_REQ_XCOMP_PERM: u32 = 0x1023;
pub const ARCH_GET_XCOMP_GUEST_PERM: u32 = 0x1024;
pub const ARCH_REQ_XCOMP_GUEST_PERM: u32 = 0x1025;
pub const ARCH_XCOMP_TILECFG: u32 = 17;
pub const ARCH_XCOMP_TILEDATA: u32 = 18;
pub const ARCH_MAP_VDSO_X32: u32 = 0x2001;
pub const ARCH_MAP_VDSO_32: u32 = 0x2002;
pub const ARCH_MAP_VDSO_64: u32 = 0x2003;
pub const ARCH_GET_UNTAG_MASK: u32 = 0x4001;
pub const ARCH_ENABLE_TAGGED_ADDR: u32 = 0x4002;
pub const ARCH_GET_MAX_TAG_BITS: u32 = 0x4003;
pub const ARCH_FORCE_TAGGED_SVA: u32 = 0x4004;
pub const ARCH_SHSTK_ENABLE: u32 = 0x5001;
pub const ARCH_SHSTK_DISABLE: u32 = 0x5002;
pub const ARCH_SHSTK_LOCK: u32 = 0x5003;
pub const ARCH_SHSTK_UNLOCK: u32 = 0x5004;
pub const ARCH_SHSTK_STATUS: u32 = 0x5005;

// prctl options.
pub const PR_SET_PDEATHSIG: u32 = 1;
pub const PR_GET_PDEATHSIG: u32 = 2;
pub const PR_GET_DUMPABLE: u32 = 3;
pub const PR_SET_DUMPABLE: u32 = 4;
pub const PR_GET_UNALIGN: u32 = 5;
pub const PR_SET_UNALIGN: u32 = 6;
pub const PR_GET_KEEPCAPS: u32 = 7;
pub const PR_SET_KEEPCAPS: u32 = 8;
pub const PR_GET_FPEMU: u32 = 9;
pub const PR_SET_FPEMU: u32 = 10;
pub const PR_GET_FPEXC: u32 = 11;
pub const PR_SET_FPEXC: u32 = 12;
pub const PR_GET_TIMING: u32 = 13;
pub const PR_SET_TIMING: u32 = 14;
pub const PR_SET_NAME: u32 = 15;
pub const PR_GET_NAME: u32 = 16;
pub const PR_GET_ENDIAN: u32 = 19;
pub const PR_SET_ENDIAN: u32 = 20;
pub const PR_GET_SECCOMP: u32 = 21;
pub const PR_SET_SECCOMP: u32 = 22;
pub const PR_CAPBSET_READ: u32 = 23;
pub const PR_CAPBSET_DROP: u32 = 24;
pub const PR_GET_TSC: u32 = 25;
pub const PR_SET_TSC: u32 = 26;
pub const PR_GET_SECUREBITS: u32 = 27;
pub const PR_SET_SECUREBITS: u32 = 28;
pub const PR_SET_TIMERSLACK: u32 = 29;
pub const PR_GET_TIMERSLACK: u32 = 30;
pub const PR_TASK_PERF_EVENTS_DISABLE: u32 = 31;
pub const PR_TASK_PERF_EVENTS_ENABLE: u32 = 32;
pub const PR_MCE_KILL: u32 = 33;
pub const PR_MCE_KILL_GET: u32 = 34;
pub const PR_SET_MM: u32 = 35;
pub const PR_SET_CHILD_SUBREAPER: u32 = 36;
pub const PR_GET_CHILD_SUBREAPER: u32 = 37;
pub const PR_SET_NO_NEW_PRIVS: u32 = 38;
pub const PR_GET_NO_NEW_PRIVS: u32 = 39;
pub const PR_GET_TID_ADDRESS: u32 = 40;
pub const PR_SET_THP_DISABLE: u32 = 41;
pub const PR_GET_THP_DISABLE: u32 = 42;
pub const PR_SET_FP_MODE: u32 = 45;
pub const PR_GET_FP_MODE: u32 = 46;
pub const PR_CAP_AMBIENT: u32 = 47;
pub const PR_GET_SPECULATION_CTRL: u32 = 52;
pub const PR_SET_SPECULATION_CTRL: u32 = 53;
/// "Yama": allow this pid (or any, with -1) to ptrace us.
pub const PR_SET_PTRACER: u32 = 0x5961_6d61;
/// Name anonymous memory (arg2 = PR_SET_VMA_ANON_NAME).
pub const PR_SET_VMA: u32 = 0x5356_4d41;
pub const PR_SET_VMA_ANON_NAME: u32 = 0;

/// PR_SET_DUMPABLE values.
pub const SUID_DUMP_DISABLE: u32 = 0;
pub const SUID_DUMP_USER: u32 = 1;

/// Size of the task name PR_SET_NAME/PR_GET_NAME exchange, NUL included.
pub const TASK_COMM_LEN: usize = 16;
