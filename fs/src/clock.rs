//! The wall clock that timestamps inodes. The kernel installs its clock with [`set_clock`];
//! until then every timestamp is the epoch.

use crate::sync::RwLock;
use crate::vfs::Timespec;

fn epoch() -> Timespec {
    Timespec::ZERO
}

static CLOCK: RwLock<fn() -> Timespec> = RwLock::new(epoch);

/// Install the function that returns the current `CLOCK_REALTIME` time.
pub fn set_clock(clock: fn() -> Timespec) {
    *CLOCK.write() = clock;
}

/// The current time as the installed clock reports it.
pub fn now() -> Timespec {
    let clock = *CLOCK.read();
    clock()
}
