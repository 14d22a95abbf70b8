//! uname(2) (`include/uapi/linux/utsname.h`, `struct new_utsname`).

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

/// `__NEW_UTS_LEN`: longest field text; each field has one more byte for the NUL.
pub const NEW_UTS_LEN: usize = 64;

/// `struct new_utsname`: six NUL-terminated fields of 65 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Utsname {
    pub sysname: [u8; NEW_UTS_LEN + 1],
    pub nodename: [u8; NEW_UTS_LEN + 1],
    pub release: [u8; NEW_UTS_LEN + 1],
    pub version: [u8; NEW_UTS_LEN + 1],
    pub machine: [u8; NEW_UTS_LEN + 1],
    pub domainname: [u8; NEW_UTS_LEN + 1],
}
const _: () = assert!(size_of::<Utsname>() == 390);

impl Default for Utsname {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

impl Utsname {
    /// Builds the struct, truncating each field to 64 bytes so a NUL always follows.
    pub fn new(
        sysname: &[u8],
        nodename: &[u8],
        release: &[u8],
        version: &[u8],
        machine: &[u8],
        domainname: &[u8],
    ) -> Self {
        let mut u = Self::default();
        set_field(&mut u.sysname, sysname);
        set_field(&mut u.nodename, nodename);
        set_field(&mut u.release, release);
        set_field(&mut u.version, version);
        set_field(&mut u.machine, machine);
        set_field(&mut u.domainname, domainname);
        u
    }
}

/// Stores `value` in a utsname field: at most 64 bytes, the rest zeroed.
pub fn set_field(field: &mut [u8; NEW_UTS_LEN + 1], value: &[u8]) {
    let n = value.len().min(NEW_UTS_LEN);
    field.fill(0);
    field[..n].copy_from_slice(&value[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::IntoBytes;

    #[test]
    fn fields_sit_at_65_byte_strides() {
        let u = Utsname::new(b"Linux", b"host", b"6.18.0", b"#1", b"x86_64", b"(none)");
        let bytes = u.as_bytes();
        assert_eq!(&bytes[0..6], b"Linux\0");
        assert_eq!(&bytes[65..70], b"host\0");
        assert_eq!(&bytes[4 * 65..4 * 65 + 7], b"x86_64\0");
        assert_eq!(&bytes[5 * 65..5 * 65 + 7], b"(none)\0");
    }

    #[test]
    fn overlong_field_keeps_terminating_nul() {
        let mut f = [0xffu8; NEW_UTS_LEN + 1];
        set_field(&mut f, &[b'a'; 100]);
        assert!(f[..64].iter().all(|&b| b == b'a'));
        assert_eq!(f[64], 0);
    }
}
