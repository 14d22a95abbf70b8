//! 16550 UART driver (PC COM ports; COM1 at I/O port 0x3F8 on IRQ 4).
//!
//! Only the port accessors touch hardware; register values and decoding are plain
//! functions so they can be checked on the host.

use core::fmt;

use linux_abi::uapi::termios::{B115200, CLOCAL, CREAD, CS8, HUPCL};
use x86_64::instructions::port::Port;

/// I/O base of the first PC serial port.
pub const COM1_BASE: u16 = 0x3F8;
/// ISA IRQ line of COM1.
pub const COM1_IRQ: u8 = 4;
/// Line speed set by [`SerialPort::init`].
pub const BAUD: u32 = 115_200;
/// c_cflag Linux gives a serial console running at [`BAUD`] 8N1
/// (`uart_set_options`: CREAD | HUPCL | CLOCAL plus speed and size).
pub const CONSOLE_CFLAG: u32 = B115200 | CS8 | CREAD | HUPCL | CLOCAL;

/// The UART clock (1.8432 MHz) divided by its 16x oversampling.
const DIVISOR_BASE: u32 = 115_200;

// Register offsets from the base port.
const DATA: u16 = 0; // RBR on read, THR on write; DLL while LCR.DLAB is set
const IER: u16 = 1; // DLM while LCR.DLAB is set
const IIR_FCR: u16 = 2; // IIR on read, FCR on write
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
const MSR: u16 = 6;

const IER_RX_AVAILABLE: u8 = 0x01;

const FCR_ENABLE: u8 = 0x01;
const FCR_CLEAR_RX: u8 = 0x02;
const FCR_CLEAR_TX: u8 = 0x04;
const FCR_TRIGGER_14: u8 = 0xC0;

const LCR_8N1: u8 = 0x03; // 8 data bits, no parity, 1 stop bit
const LCR_DLAB: u8 = 0x80;

const MCR_DTR: u8 = 0x01;
const MCR_RTS: u8 = 0x02;
const MCR_OUT1: u8 = 0x04;
/// On PCs OUT2 gates the UART's interrupt line onto the ISA bus.
const MCR_OUT2: u8 = 0x08;
const MCR_LOOP: u8 = 0x10;

const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;

/// Polls of LSR before giving up on the transmitter; like Linux's `wait_for_xmitr`,
/// a wedged or absent UART must not hang the kernel.
const TX_SPIN_LIMIT: u32 = 100_000;
/// Bytes drained per interrupt before returning, so a stream that never pauses
/// cannot keep the CPU in the handler forever.
const RX_DRAIN_LIMIT: usize = 256;
/// Interrupt causes `handle_interrupt` services per call.
const CAUSE_ROUNDS: usize = 5;
/// The most bytes one `handle_interrupt` call can pass on.
pub const MAX_DRAIN: usize = CAUSE_ROUNDS * RX_DRAIN_LIMIT;

/// Divisor-latch value for `baud`, if the UART clock can produce it exactly.
pub fn divisor_for(baud: u32) -> Option<u16> {
    if baud == 0 || !DIVISOR_BASE.is_multiple_of(baud) {
        return None;
    }
    u16::try_from(DIVISOR_BASE / baud).ok()
}

/// Why the UART raised its interrupt, decoded from IIR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupt {
    /// Overrun, parity, framing error or break; cleared by reading LSR.
    LineStatus,
    /// The receive FIFO reached its trigger level; cleared by reading RBR below it.
    ReceivedData,
    /// Bytes sat in the FIFO below the trigger level; cleared by reading RBR.
    CharacterTimeout,
    /// THR became empty; cleared by reading IIR (done by decoding it).
    TransmitterEmpty,
    /// CTS/DSR/RI/DCD changed; cleared by reading MSR.
    ModemStatus,
}

impl Interrupt {
    /// Decode an IIR value; `None` if no interrupt is pending (bit 0 set) or the code is unknown.
    pub fn from_iir(iir: u8) -> Option<Self> {
        if iir & 0x01 != 0 {
            return None;
        }
        match (iir >> 1) & 0x07 {
            0b011 => Some(Self::LineStatus),
            0b010 => Some(Self::ReceivedData),
            0b110 => Some(Self::CharacterTimeout),
            0b001 => Some(Self::TransmitterEmpty),
            0b000 => Some(Self::ModemStatus),
            _ => None,
        }
    }
}

/// The loopback self-test read back something else: no working UART at this base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoUart;

/// A 16550-compatible UART.
#[derive(Debug)]
pub struct SerialPort {
    base: u16,
}

impl SerialPort {
    /// # Safety
    /// `base` must be the I/O base of a 16550-compatible UART (or of nothing at all), and
    /// this value must be the only code accessing those eight ports.
    pub const unsafe fn new(base: u16) -> Self {
        Self { base }
    }

    fn read_reg(&mut self, offset: u16) -> u8 {
        let mut port = Port::<u8>::new(self.base.wrapping_add(offset));
        // SAFETY: `new`'s contract gives us exclusive use of the UART's ports, and reading a
        // UART register has no effect beyond the UART's own state.
        unsafe { port.read() }
    }

    fn write_reg(&mut self, offset: u16, value: u8) {
        let mut port = Port::<u8>::new(self.base.wrapping_add(offset));
        // SAFETY: as in `read_reg`; writes only reprogram the UART itself.
        unsafe { port.write(value) }
    }

    /// Program 115200 8N1 with FIFOs on, interrupts off and DTR/RTS/OUT2 raised,
    /// after a loopback self-test.
    pub fn init(&mut self) -> Result<(), NoUart> {
        self.write_reg(IER, 0);
        let [dll, dlm] = divisor_for(BAUD).unwrap_or(1).to_le_bytes();
        self.write_reg(LCR, LCR_DLAB);
        self.write_reg(DATA, dll);
        self.write_reg(IER, dlm);
        self.write_reg(LCR, LCR_8N1);
        self.write_reg(
            IIR_FCR,
            FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | FCR_TRIGGER_14,
        );

        const PROBE: u8 = 0xAE;
        self.write_reg(MCR, MCR_LOOP | MCR_RTS | MCR_OUT1 | MCR_OUT2);
        self.write_reg(DATA, PROBE);
        let echoed = self.wait_for_rx();
        self.write_reg(MCR, MCR_DTR | MCR_RTS | MCR_OUT1 | MCR_OUT2);

        // Clear whatever the UART latched before we took over (serial8250_clear_interrupts).
        self.read_reg(LSR);
        self.read_reg(DATA);
        self.read_reg(IIR_FCR);
        self.read_reg(MSR);
        if echoed == Some(PROBE) {
            Ok(())
        } else {
            Err(NoUart)
        }
    }

    fn wait_for_rx(&mut self) -> Option<u8> {
        (0..TX_SPIN_LIMIT).find_map(|_| self.try_read())
    }

    /// Send one byte, waiting (bounded) for the transmit holding register to empty.
    pub fn write_byte(&mut self, byte: u8) {
        for _ in 0..TX_SPIN_LIMIT {
            if self.read_reg(LSR) & LSR_THR_EMPTY != 0 {
                break;
            }
            core::hint::spin_loop();
        }
        self.write_reg(DATA, byte);
    }

    /// Send bytes as they are (the tty layer has already done output processing).
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_byte(b);
        }
    }

    /// The next received byte, if any. Error conditions are not reported: the byte read
    /// (0 for a break) is what n_tty stores when INPCK/BRKINT/PARMRK are off, the default.
    pub fn try_read(&mut self) -> Option<u8> {
        if self.read_reg(LSR) & LSR_DATA_READY != 0 {
            Some(self.read_reg(DATA))
        } else {
            None
        }
    }

    /// Raise IRQ on received data (and on the FIFO character timeout that comes with it).
    pub fn enable_rx_interrupt(&mut self) {
        let ier = self.read_reg(IER);
        self.write_reg(IER, ier | IER_RX_AVAILABLE);
    }

    /// Stop all UART interrupts.
    pub fn disable_interrupts(&mut self) {
        self.write_reg(IER, 0);
    }

    /// The highest-priority pending interrupt. Reading IIR acknowledges TransmitterEmpty.
    pub fn pending_interrupt(&mut self) -> Option<Interrupt> {
        Interrupt::from_iir(self.read_reg(IIR_FCR))
    }

    /// Service the UART interrupt: pass received bytes to `on_byte` and clear every pending
    /// cause, so the (edge-triggered ISA) line can fire again. The caller still sends EOI.
    pub fn handle_interrupt(&mut self, mut on_byte: impl FnMut(u8)) {
        // There are five causes; each round clears at least one of them.
        for _ in 0..CAUSE_ROUNDS {
            match self.pending_interrupt() {
                None => return,
                Some(Interrupt::ReceivedData | Interrupt::CharacterTimeout) => {
                    for _ in 0..RX_DRAIN_LIMIT {
                        match self.try_read() {
                            Some(b) => on_byte(b),
                            None => break,
                        }
                    }
                }
                Some(Interrupt::LineStatus) => {
                    self.read_reg(LSR);
                }
                Some(Interrupt::ModemStatus) => {
                    self.read_reg(MSR);
                }
                Some(Interrupt::TransmitterEmpty) => {}
            }
        }
    }
}

impl fmt::Write for SerialPort {
    /// Console output for kernel messages: "\n" goes out as "\r\n", as `uart_console_write` does.
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                self.write_byte(b'\r');
            }
            self.write_byte(b);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisors() {
        assert_eq!(divisor_for(115_200), Some(1));
        assert_eq!(divisor_for(38_400), Some(3));
        assert_eq!(divisor_for(9_600), Some(12));
        assert_eq!(divisor_for(50), Some(2304));
        assert_eq!(divisor_for(0), None);
        assert_eq!(divisor_for(230_400), None);
        assert_eq!(divisor_for(7), None);
    }

    #[test]
    fn iir_decoding() {
        assert_eq!(Interrupt::from_iir(0x01), None);
        assert_eq!(Interrupt::from_iir(0xC1), None);
        assert_eq!(Interrupt::from_iir(0xC4), Some(Interrupt::ReceivedData));
        assert_eq!(Interrupt::from_iir(0xCC), Some(Interrupt::CharacterTimeout));
        assert_eq!(Interrupt::from_iir(0xC6), Some(Interrupt::LineStatus));
        assert_eq!(Interrupt::from_iir(0xC2), Some(Interrupt::TransmitterEmpty));
        assert_eq!(Interrupt::from_iir(0xC0), Some(Interrupt::ModemStatus));
        assert_eq!(Interrupt::from_iir(0x0E), None);
    }

    #[test]
    fn console_cflag_is_115200_8n1_local() {
        use linux_abi::uapi::termios::{CBAUD, CSIZE, CSTOPB, PARENB, baud_code_to_speed};
        assert_eq!(baud_code_to_speed(CONSOLE_CFLAG & CBAUD), Some(BAUD));
        assert_eq!(CONSOLE_CFLAG & CSIZE, CS8);
        assert_eq!(CONSOLE_CFLAG & (PARENB | CSTOPB), 0);
        assert_ne!(CONSOLE_CFLAG & CLOCAL, 0);
    }
}
