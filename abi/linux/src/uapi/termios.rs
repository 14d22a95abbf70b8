//! struct termios, winsize and tty ioctl numbers.
//!
//! x86_64 uses the generic definitions: include/uapi/asm-generic/termbits.h,
//! termbits-common.h, termios.h and ioctls.h. The default settings are
//! `tty_std_termios` from drivers/tty/tty_io.c with `INIT_C_CC` from
//! include/linux/termios_internal.h.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Number of control characters in `c_cc`.
pub const NCCS: usize = 19;

/// The `struct termios` that TCGETS/TCSETS copy (36 bytes, no padding).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Termios {
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    /// Line discipline number; `N_TTY` is the only one.
    pub c_line: u8,
    pub c_cc: [u8; NCCS],
}

/// The `struct termios2` of TCGETS2/TCSETS2: termios plus explicit speeds (44 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Termios2 {
    pub c_iflag: u32,
    pub c_oflag: u32,
    pub c_cflag: u32,
    pub c_lflag: u32,
    pub c_line: u8,
    pub c_cc: [u8; NCCS],
    pub c_ispeed: u32,
    pub c_ospeed: u32,
}

/// `struct winsize` of TIOCGWINSZ/TIOCSWINSZ.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct WinSize {
    pub ws_row: u16,
    pub ws_col: u16,
    pub ws_xpixel: u16,
    pub ws_ypixel: u16,
}

const _: () = assert!(core::mem::size_of::<Termios>() == 36);
const _: () = assert!(core::mem::size_of::<Termios2>() == 44);
const _: () = assert!(core::mem::size_of::<WinSize>() == 8);

/// A `c_cc` entry with this value is disabled (`_POSIX_VDISABLE`, the kernel's `__DISABLED_CHAR`).
pub const POSIX_VDISABLE: u8 = 0;

// c_cc indices.
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSWTC: usize = 7;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VDISCARD: usize = 13;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;

// c_iflag bits.
pub const IGNBRK: u32 = 0x001;
pub const BRKINT: u32 = 0x002;
pub const IGNPAR: u32 = 0x004;
pub const PARMRK: u32 = 0x008;
pub const INPCK: u32 = 0x010;
pub const ISTRIP: u32 = 0x020;
pub const INLCR: u32 = 0x040;
pub const IGNCR: u32 = 0x080;
pub const ICRNL: u32 = 0x100;
pub const IUCLC: u32 = 0x200;
pub const IXON: u32 = 0x400;
pub const IXANY: u32 = 0x800;
pub const IXOFF: u32 = 0x1000;
pub const IMAXBEL: u32 = 0x2000;
pub const IUTF8: u32 = 0x4000;

// c_oflag bits.
pub const OPOST: u32 = 0x01;
pub const OLCUC: u32 = 0x02;
pub const ONLCR: u32 = 0x04;
pub const OCRNL: u32 = 0x08;
pub const ONOCR: u32 = 0x10;
pub const ONLRET: u32 = 0x20;
pub const OFILL: u32 = 0x40;
pub const OFDEL: u32 = 0x80;
pub const NLDLY: u32 = 0x100;
pub const NL0: u32 = 0x000;
pub const NL1: u32 = 0x100;
pub const CRDLY: u32 = 0x600;
pub const CR0: u32 = 0x000;
pub const CR1: u32 = 0x200;
pub const CR2: u32 = 0x400;
pub const CR3: u32 = 0x600;
pub const TABDLY: u32 = 0x1800;
pub const TAB0: u32 = 0x0000;
pub const TAB1: u32 = 0x0800;
pub const TAB2: u32 = 0x1000;
pub const TAB3: u32 = 0x1800;
/// Expand tabs to spaces on output (same value as TAB3).
pub const XTABS: u32 = 0x1800;
pub const BSDLY: u32 = 0x2000;
pub const BS0: u32 = 0x0000;
pub const BS1: u32 = 0x2000;
pub const VTDLY: u32 = 0x4000;
pub const VT0: u32 = 0x0000;
pub const VT1: u32 = 0x4000;
pub const FFDLY: u32 = 0x8000;
pub const FF0: u32 = 0x0000;
pub const FF1: u32 = 0x8000;

// c_cflag bits.
pub const CBAUD: u32 = 0x0000_100f;
pub const B0: u32 = 0x0000_0000;
pub const B50: u32 = 0x0000_0001;
pub const B75: u32 = 0x0000_0002;
pub const B110: u32 = 0x0000_0003;
pub const B134: u32 = 0x0000_0004;
pub const B150: u32 = 0x0000_0005;
pub const B200: u32 = 0x0000_0006;
pub const B300: u32 = 0x0000_0007;
pub const B600: u32 = 0x0000_0008;
pub const B1200: u32 = 0x0000_0009;
pub const B1800: u32 = 0x0000_000a;
pub const B2400: u32 = 0x0000_000b;
pub const B4800: u32 = 0x0000_000c;
pub const B9600: u32 = 0x0000_000d;
pub const B19200: u32 = 0x0000_000e;
pub const B38400: u32 = 0x0000_000f;
pub const EXTA: u32 = B19200;
pub const EXTB: u32 = B38400;
pub const CSIZE: u32 = 0x0000_0030;
pub const CS5: u32 = 0x0000_0000;
pub const CS6: u32 = 0x0000_0010;
pub const CS7: u32 = 0x0000_0020;
pub const CS8: u32 = 0x0000_0030;
pub const CSTOPB: u32 = 0x0000_0040;
pub const CREAD: u32 = 0x0000_0080;
pub const PARENB: u32 = 0x0000_0100;
pub const PARODD: u32 = 0x0000_0200;
pub const HUPCL: u32 = 0x0000_0400;
pub const CLOCAL: u32 = 0x0000_0800;
pub const CBAUDEX: u32 = 0x0000_1000;
/// Speed given in c_ispeed/c_ospeed of termios2 instead of a Bnnn code.
pub const BOTHER: u32 = 0x0000_1000;
pub const B57600: u32 = 0x0000_1001;
pub const B115200: u32 = 0x0000_1002;
pub const B230400: u32 = 0x0000_1003;
pub const B460800: u32 = 0x0000_1004;
pub const B500000: u32 = 0x0000_1005;
pub const B576000: u32 = 0x0000_1006;
pub const B921600: u32 = 0x0000_1007;
pub const B1000000: u32 = 0x0000_1008;
pub const B1152000: u32 = 0x0000_1009;
pub const B1500000: u32 = 0x0000_100a;
pub const B2000000: u32 = 0x0000_100b;
pub const B2500000: u32 = 0x0000_100c;
pub const B3000000: u32 = 0x0000_100d;
pub const B3500000: u32 = 0x0000_100e;
pub const B4000000: u32 = 0x0000_100f;
/// Input baud rate (CBAUD shifted left by IBSHIFT); 0 means "same as output".
pub const CIBAUD: u32 = 0x100f_0000;
pub const IBSHIFT: u32 = 16;
pub const ADDRB: u32 = 0x2000_0000;
pub const CMSPAR: u32 = 0x4000_0000;
pub const CRTSCTS: u32 = 0x8000_0000;

// c_lflag bits.
pub const ISIG: u32 = 0x00001;
pub const ICANON: u32 = 0x00002;
pub const XCASE: u32 = 0x00004;
pub const ECHO: u32 = 0x00008;
pub const ECHOE: u32 = 0x00010;
pub const ECHOK: u32 = 0x00020;
pub const ECHONL: u32 = 0x00040;
pub const NOFLSH: u32 = 0x00080;
pub const TOSTOP: u32 = 0x00100;
pub const ECHOCTL: u32 = 0x00200;
pub const ECHOPRT: u32 = 0x00400;
pub const ECHOKE: u32 = 0x00800;
pub const FLUSHO: u32 = 0x01000;
pub const PENDIN: u32 = 0x04000;
pub const IEXTEN: u32 = 0x08000;
pub const EXTPROC: u32 = 0x10000;

// tcsetattr() actions.
pub const TCSANOW: u32 = 0;
pub const TCSADRAIN: u32 = 1;
pub const TCSAFLUSH: u32 = 2;

// tcflow() / TCXONC arguments.
pub const TCOOFF: u32 = 0;
pub const TCOON: u32 = 1;
pub const TCIOFF: u32 = 2;
pub const TCION: u32 = 3;

// tcflush() / TCFLSH arguments.
pub const TCIFLUSH: u32 = 0;
pub const TCOFLUSH: u32 = 1;
pub const TCIOFLUSH: u32 = 2;

/// The default line discipline (`c_line`).
pub const N_TTY: u8 = 0;

// Packet-mode status bytes (TIOCPKT).
pub const TIOCPKT_DATA: u8 = 0;
pub const TIOCPKT_FLUSHREAD: u8 = 1;
pub const TIOCPKT_FLUSHWRITE: u8 = 2;
pub const TIOCPKT_STOP: u8 = 4;
pub const TIOCPKT_START: u8 = 8;
pub const TIOCPKT_NOSTOP: u8 = 16;
pub const TIOCPKT_DOSTOP: u8 = 32;
pub const TIOCPKT_IOCTL: u8 = 64;

/// `_IOC(dir, 'T', nr, size)` from include/uapi/asm-generic/ioctl.h.
const fn tty_ioc(dir: u32, nr: u32, size: usize) -> u32 {
    const IOC_NRSHIFT: u32 = 0;
    const IOC_TYPESHIFT: u32 = 8;
    const IOC_SIZESHIFT: u32 = 16;
    const IOC_DIRSHIFT: u32 = 30;
    (dir << IOC_DIRSHIFT)
        | ((size as u32) << IOC_SIZESHIFT)
        | ((b'T' as u32) << IOC_TYPESHIFT)
        | (nr << IOC_NRSHIFT)
}
const IOC_NONE: u32 = 0;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

// tty ioctl numbers.
pub const TCGETS: u32 = 0x5401;
pub const TCSETS: u32 = 0x5402;
pub const TCSETSW: u32 = 0x5403;
pub const TCSETSF: u32 = 0x5404;
pub const TCGETA: u32 = 0x5405;
pub const TCSETA: u32 = 0x5406;
pub const TCSETAW: u32 = 0x5407;
pub const TCSETAF: u32 = 0x5408;
pub const TCSBRK: u32 = 0x5409;
pub const TCXONC: u32 = 0x540A;
pub const TCFLSH: u32 = 0x540B;
pub const TIOCEXCL: u32 = 0x540C;
pub const TIOCNXCL: u32 = 0x540D;
pub const TIOCSCTTY: u32 = 0x540E;
pub const TIOCGPGRP: u32 = 0x540F;
pub const TIOCSPGRP: u32 = 0x5410;
pub const TIOCOUTQ: u32 = 0x5411;
pub const TIOCSTI: u32 = 0x5412;
pub const TIOCGWINSZ: u32 = 0x5413;
pub const TIOCSWINSZ: u32 = 0x5414;
pub const TIOCMGET: u32 = 0x5415;
pub const TIOCMBIS: u32 = 0x5416;
pub const TIOCMBIC: u32 = 0x5417;
pub const TIOCMSET: u32 = 0x5418;
pub const TIOCGSOFTCAR: u32 = 0x5419;
pub const TIOCSSOFTCAR: u32 = 0x541A;
pub const FIONREAD: u32 = 0x541B;
pub const TIOCINQ: u32 = FIONREAD;
pub const TIOCLINUX: u32 = 0x541C;
pub const TIOCCONS: u32 = 0x541D;
pub const TIOCGSERIAL: u32 = 0x541E;
pub const TIOCSSERIAL: u32 = 0x541F;
pub const TIOCPKT: u32 = 0x5420;
pub const FIONBIO: u32 = 0x5421;
pub const TIOCNOTTY: u32 = 0x5422;
pub const TIOCSETD: u32 = 0x5423;
pub const TIOCGETD: u32 = 0x5424;
pub const TCSBRKP: u32 = 0x5425;
pub const TIOCSBRK: u32 = 0x5427;
pub const TIOCCBRK: u32 = 0x5428;
pub const TIOCGSID: u32 = 0x5429;
pub const TCGETS2: u32 = tty_ioc(IOC_READ, 0x2A, core::mem::size_of::<Termios2>());
pub const TCSETS2: u32 = tty_ioc(IOC_WRITE, 0x2B, core::mem::size_of::<Termios2>());
pub const TCSETSW2: u32 = tty_ioc(IOC_WRITE, 0x2C, core::mem::size_of::<Termios2>());
pub const TCSETSF2: u32 = tty_ioc(IOC_WRITE, 0x2D, core::mem::size_of::<Termios2>());
pub const TIOCGRS485: u32 = 0x542E;
pub const TIOCSRS485: u32 = 0x542F;
pub const TIOCGPTN: u32 = tty_ioc(IOC_READ, 0x30, core::mem::size_of::<u32>());
pub const TIOCSPTLCK: u32 = tty_ioc(IOC_WRITE, 0x31, core::mem::size_of::<i32>());
pub const TIOCGDEV: u32 = tty_ioc(IOC_READ, 0x32, core::mem::size_of::<u32>());
pub const TCGETX: u32 = 0x5432;
pub const TCSETX: u32 = 0x5433;
pub const TCSETXF: u32 = 0x5434;
pub const TCSETXW: u32 = 0x5435;
pub const TIOCSIG: u32 = tty_ioc(IOC_WRITE, 0x36, core::mem::size_of::<i32>());
pub const TIOCVHANGUP: u32 = 0x5437;
pub const TIOCGPKT: u32 = tty_ioc(IOC_READ, 0x38, core::mem::size_of::<i32>());
pub const TIOCGPTLCK: u32 = tty_ioc(IOC_READ, 0x39, core::mem::size_of::<i32>());
pub const TIOCGEXCL: u32 = tty_ioc(IOC_READ, 0x40, core::mem::size_of::<i32>());
pub const TIOCGPTPEER: u32 = tty_ioc(IOC_NONE, 0x41, 0);
pub const FIONCLEX: u32 = 0x5450;
pub const FIOCLEX: u32 = 0x5451;
pub const FIOASYNC: u32 = 0x5452;
pub const TIOCSERCONFIG: u32 = 0x5453;
pub const TIOCSERGWILD: u32 = 0x5454;
pub const TIOCSERSWILD: u32 = 0x5455;
pub const TIOCGLCKTRMIOS: u32 = 0x5456;
pub const TIOCSLCKTRMIOS: u32 = 0x5457;
pub const TIOCSERGSTRUCT: u32 = 0x5458;
pub const TIOCSERGETLSR: u32 = 0x5459;
pub const TIOCSERGETMULTI: u32 = 0x545A;
pub const TIOCSERSETMULTI: u32 = 0x545B;
pub const TIOCMIWAIT: u32 = 0x545C;
pub const TIOCGICOUNT: u32 = 0x545D;
pub const FIOQSIZE: u32 = 0x5460;

/// Linux's `INIT_C_CC`: intr=^C quit=^\ erase=DEL kill=^U eof=^D vtime=0 vmin=1 swtc=0
/// start=^Q stop=^S susp=^Z eol=0 reprint=^R discard=^O werase=^W lnext=^V eol2=0.
pub const INIT_C_CC: [u8; NCCS] = [
    0o003, 0o034, 0o177, 0o025, 0o004, 0, 1, 0, 0o021, 0o023, 0o032, 0, 0o022, 0o017, 0o027, 0o026,
    0, 0, 0,
];

/// Linux's `tty_std_termios`: the settings a tty has when first opened.
pub const TTY_STD_TERMIOS: Termios = Termios {
    c_iflag: ICRNL | IXON,
    c_oflag: OPOST | ONLCR,
    c_cflag: B38400 | CS8 | CREAD | HUPCL,
    c_lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    c_line: N_TTY,
    c_cc: INIT_C_CC,
};

/// The speed in bits/s a CBAUD code stands for (`baud_table` in drivers/tty/tty_baudrate.c).
/// `None` for BOTHER, whose speed lives only in termios2's c_ispeed/c_ospeed.
pub fn baud_code_to_speed(code: u32) -> Option<u32> {
    const LOW: [u32; 16] = [
        0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
    ];
    const HIGH: [u32; 15] = [
        57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000,
        2500000, 3000000, 3500000, 4000000,
    ];
    let code = code & CBAUD;
    let index = (code & !CBAUDEX) as usize;
    if code & CBAUDEX == 0 {
        LOW.get(index).copied()
    } else {
        // BOTHER is CBAUDEX with index 0; B57600 is index 1.
        index.checked_sub(1).and_then(|i| HIGH.get(i).copied())
    }
}

impl Termios {
    /// Output speed encoded in CBAUD (`None` for BOTHER).
    pub fn output_speed(&self) -> Option<u32> {
        baud_code_to_speed(self.c_cflag & CBAUD)
    }

    /// Input speed: CIBAUD if set, otherwise the output speed (B0 in CIBAUD means "same").
    pub fn input_speed(&self) -> Option<u32> {
        match (self.c_cflag & CIBAUD) >> IBSHIFT {
            0 => self.output_speed(),
            code => baud_code_to_speed(code),
        }
    }
}

impl From<Termios> for Termios2 {
    /// termios2 for TCGETS2: speeds decoded from the Bnnn codes (0 where BOTHER leaves them unknown).
    fn from(t: Termios) -> Self {
        Termios2 {
            c_iflag: t.c_iflag,
            c_oflag: t.c_oflag,
            c_cflag: t.c_cflag,
            c_lflag: t.c_lflag,
            c_line: t.c_line,
            c_cc: t.c_cc,
            c_ispeed: t.input_speed().unwrap_or(0),
            c_ospeed: t.output_speed().unwrap_or(0),
        }
    }
}

impl From<Termios2> for Termios {
    /// The termios part of a TCSETS2 argument; the explicit speeds have no place in it.
    fn from(t: Termios2) -> Self {
        Termios {
            c_iflag: t.c_iflag,
            c_oflag: t.c_oflag,
            c_cflag: t.c_cflag,
            c_lflag: t.c_lflag,
            c_line: t.c_line,
            c_cc: t.c_cc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::IntoBytes;

    #[test]
    fn layout_matches_the_kernel() {
        let t = Termios {
            c_iflag: 1,
            c_oflag: 2,
            c_cflag: 3,
            c_lflag: 4,
            c_line: 5,
            c_cc: [6; NCCS],
        };
        let bytes = t.as_bytes();
        assert_eq!(bytes.len(), 36);
        assert_eq!(&bytes[0..4], &1u32.to_ne_bytes());
        assert_eq!(&bytes[12..16], &4u32.to_ne_bytes());
        assert_eq!(bytes[16], 5);
        assert_eq!(&bytes[17..36], &[6; NCCS]);
        assert_eq!(core::mem::offset_of!(Termios2, c_ispeed), 36);
        assert_eq!(core::mem::offset_of!(WinSize, ws_ypixel), 6);
    }

    #[test]
    fn ioc_encoded_numbers() {
        assert_eq!(TCGETS2, 0x802C_542A);
        assert_eq!(TCSETS2, 0x402C_542B);
        assert_eq!(TCSETSW2, 0x402C_542C);
        assert_eq!(TCSETSF2, 0x402C_542D);
        assert_eq!(TIOCGPTN, 0x8004_5430);
        assert_eq!(TIOCSPTLCK, 0x4004_5431);
        assert_eq!(TIOCGPTPEER, 0x5441);
    }

    #[test]
    fn std_termios_is_linux_default() {
        let t = TTY_STD_TERMIOS;
        assert_eq!(t.c_iflag, 0o2400);
        assert_eq!(t.c_oflag, 0o5);
        assert_eq!(t.c_cflag, 0o2277);
        assert_eq!(t.c_lflag, 0o105073);
        assert_eq!(
            &t.c_cc[..17],
            b"\x03\x1c\x7f\x15\x04\x00\x01\x00\x11\x13\x1a\x00\x12\x0f\x17\x16\x00"
        );
        assert_eq!(t.c_cc[VMIN], 1);
        assert_eq!(t.c_cc[VERASE], 0x7f);
    }

    #[test]
    fn baud_codes_decode() {
        assert_eq!(baud_code_to_speed(B0), Some(0));
        assert_eq!(baud_code_to_speed(B9600), Some(9600));
        assert_eq!(baud_code_to_speed(B38400), Some(38400));
        assert_eq!(baud_code_to_speed(B57600), Some(57600));
        assert_eq!(baud_code_to_speed(B115200), Some(115200));
        assert_eq!(baud_code_to_speed(B4000000), Some(4_000_000));
        assert_eq!(baud_code_to_speed(BOTHER), None);
    }

    #[test]
    fn termios2_conversion_fills_speeds() {
        let mut t = TTY_STD_TERMIOS;
        t.c_cflag = (t.c_cflag & !CBAUD) | B115200 | (B9600 << IBSHIFT);
        let t2 = Termios2::from(t);
        assert_eq!((t2.c_ispeed, t2.c_ospeed), (9600, 115200));
        assert_eq!(Termios::from(t2), t);
        let t2 = Termios2::from(TTY_STD_TERMIOS);
        assert_eq!((t2.c_ispeed, t2.c_ospeed), (38400, 38400));
    }
}
