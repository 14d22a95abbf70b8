//! getrandom(2) flags (`include/uapi/linux/random.h`).

use bitflags::bitflags;

bitflags! {
    /// `GRND_*` flags of getrandom(2).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct GrndFlags: u32 {
        /// Fail with EAGAIN instead of blocking before the pool is initialised.
        const NONBLOCK = 0x0001;
        /// Historical /dev/random semantics; now the same pool.
        const RANDOM = 0x0002;
        /// Never block, even before initialisation (may return weak bytes).
        const INSECURE = 0x0004;
    }
}

impl GrndFlags {
    /// Linux rejects `GRND_INSECURE | GRND_RANDOM` and unknown bits with EINVAL.
    pub fn validate(bits: u32) -> Option<GrndFlags> {
        let flags = GrndFlags::from_bits(bits)?;
        if flags.contains(GrndFlags::INSECURE | GrndFlags::RANDOM) {
            return None;
        }
        Some(flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_rejects_what_linux_rejects() {
        assert_eq!(GrndFlags::validate(0), Some(GrndFlags::empty()));
        assert_eq!(GrndFlags::validate(1), Some(GrndFlags::NONBLOCK));
        assert_eq!(
            GrndFlags::validate(5),
            Some(GrndFlags::NONBLOCK | GrndFlags::INSECURE)
        );
        assert_eq!(GrndFlags::validate(6), None);
        assert_eq!(GrndFlags::validate(8), None);
    }
}
