//! PCI configuration space through the legacy I/O ports 0xCF8/0xCFC (configuration mechanism #1),
//! which both of QEMU's x86 machines (pc and q35) provide. virtio-drivers does the enumeration and
//! capability parsing on top of this access method.

use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction};
use x86_64::instructions::port::Port;

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;

/// Port-I/O configuration access. Only one exists (see `new`), so address/data pairs never
/// interleave.
pub struct PortCam {
    _private: (),
}

impl PortCam {
    /// # Safety
    /// The caller must be the only user of ports 0xCF8–0xCFF for the lifetime of the value
    /// (and of its clones made through `unsafe_clone`).
    pub const unsafe fn new() -> Self {
        PortCam { _private: () }
    }
}

/// The CONFIG_ADDRESS word selecting a dword of a function's configuration space.
pub fn config_address(df: DeviceFunction, offset: u8) -> u32 {
    0x8000_0000
        | (df.bus as u32) << 16
        | ((df.device as u32) & 0x1f) << 11
        | ((df.function as u32) & 0x7) << 8
        | (offset as u32 & 0xfc)
}

impl ConfigurationAccess for PortCam {
    fn read_word(&self, df: DeviceFunction, offset: u8) -> u32 {
        // SAFETY: `new`'s contract gives us exclusive use of the configuration ports.
        unsafe {
            Port::<u32>::new(CONFIG_ADDRESS).write(config_address(df, offset));
            Port::<u32>::new(CONFIG_DATA).read()
        }
    }

    fn write_word(&mut self, df: DeviceFunction, offset: u8, data: u32) {
        // SAFETY: as in read_word.
        unsafe {
            Port::<u32>::new(CONFIG_ADDRESS).write(config_address(df, offset));
            Port::<u32>::new(CONFIG_DATA).write(data);
        }
    }

    // SAFETY: the ports hold no state of their own; each access writes the address it uses.
    unsafe fn unsafe_clone(&self) -> Self {
        PortCam { _private: () }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_encoding() {
        let df = DeviceFunction { bus: 1, device: 3, function: 2 };
        assert_eq!(config_address(df, 0x3c), 0x8001_1a3c);
        // Offsets are dword aligned; the low bits are ignored.
        assert_eq!(config_address(df, 0x3e), 0x8001_1a3c);
    }
}
