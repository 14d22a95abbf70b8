//! Character classes as the kernel's lib/ctype.c defines them: ASCII plus the Latin-1 letters
//! (192-255 except × and ÷). n_tty uses these for ECHOCTL, WERASE, IUCLC and OLCUC, so
//! matching them keeps echo and word erase byte-for-byte identical to Linux.

const MULTIPLY: u8 = 0xD7;
const DIVIDE: u8 = 0xF7;

/// Control characters: 0-31 and DEL. Bytes 128-159 are *not* controls here.
pub fn is_cntrl(c: u8) -> bool {
    c < 0x20 || c == 0x7F
}

pub fn is_upper(c: u8) -> bool {
    c.is_ascii_uppercase() || ((0xC0..=0xDE).contains(&c) && c != MULTIPLY)
}

pub fn is_lower(c: u8) -> bool {
    c.is_ascii_lowercase() || (c >= 0xDF && c != DIVIDE)
}

pub fn is_alnum(c: u8) -> bool {
    c.is_ascii_digit() || is_upper(c) || is_lower(c)
}

pub fn to_lower(c: u8) -> u8 {
    if is_upper(c) { c + 0x20 } else { c }
}

pub fn to_upper(c: u8) -> u8 {
    if is_lower(c) { c - 0x20 } else { c }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_kernel_table() {
        assert!(is_cntrl(0) && is_cntrl(0x1F) && is_cntrl(0x7F));
        assert!(!is_cntrl(b' ') && !is_cntrl(0x80) && !is_cntrl(0x9F));
        assert!(is_alnum(b'z') && is_alnum(b'0') && is_alnum(0xC3) && is_alnum(0xFF));
        assert!(!is_alnum(b'_') && !is_alnum(0xA9) && !is_alnum(MULTIPLY) && !is_alnum(DIVIDE));
        assert_eq!(to_lower(b'Q'), b'q');
        assert_eq!(to_lower(0xC0), 0xE0);
        assert_eq!(to_lower(MULTIPLY), MULTIPLY);
        assert_eq!(to_upper(b'q'), b'Q');
        // The kernel maps ß (0xDF) to 0xBF and ÿ to 0xDF; so do we.
        assert_eq!(to_upper(0xDF), 0xBF);
        assert_eq!(to_upper(0xFF), 0xDF);
        assert_eq!(to_upper(DIVIDE), DIVIDE);
    }
}
