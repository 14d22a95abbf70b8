//! Kernel console: the `log` backend and the print macros, writing to the serial port.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU8, Ordering};

use crate::sync::SpinLock;

use drivers::serial::{COM1_BASE, SerialPort};

// SAFETY: COM1 is the standard PC UART; this is the only owner of its ports.
static SERIAL: SpinLock<SerialPort> = SpinLock::new(unsafe { SerialPort::new(COM1_BASE) });

/// Linux console loglevel: messages with a level below this are printed (default 7; `quiet` → 4).
static LOGLEVEL: AtomicU8 = AtomicU8::new(7);

/// Kernel messages get the same LF → CRLF translation a tty's ONLCR gives user output.
struct SerialWriter<'a>(&'a mut SerialPort);

impl Write for SerialWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for b in s.bytes() {
            if b == b'\n' {
                self.0.write_byte(b'\r');
            }
            self.0.write_byte(b);
        }
        Ok(())
    }
}

pub fn print(args: fmt::Arguments) {
    let mut port = SERIAL.lock();
    let _ = SerialWriter(&mut port).write_fmt(args);
}

/// Raw bytes from user space (already output-processed by the tty layer).
pub fn write_bytes(bytes: &[u8]) {
    SERIAL.lock().write_bytes(bytes);
}

/// Drains the UART's pending interrupt causes, passing received bytes to `on_byte`.
pub fn handle_serial_interrupt(on_byte: &mut dyn FnMut(u8)) {
    SERIAL.lock().handle_interrupt(on_byte);
}

/// Turns on the UART's receive interrupt (ISA IRQ 4).
pub fn enable_serial_rx_interrupt() {
    SERIAL.lock().enable_rx_interrupt();
    if let Some(line) = crate::arch::irq::claim_isa(crate::arch::pic::IRQ_COM1) {
        crate::arch::irq::unmask(line);
    }
}

#[macro_export]
macro_rules! kprint {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! kprintln {
    () => { $crate::kprint!("\n") };
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// A kernel message line with Linux's printk timestamp (`[    1.234567] ...`).
pub fn print_timestamped(args: fmt::Arguments) {
    let t = crate::arch::cpu::uptime_ns();
    print(format_args!("[{:5}.{:06}] {}\n", t / 1_000_000_000, (t / 1000) % 1_000_000, args));
}

struct KernelLogger;

/// Linux's numeric levels: error 3, warn 4, info 6, debug 7.
fn linux_level(level: log::Level) -> u8 {
    match level {
        log::Level::Error => 3,
        log::Level::Warn => 4,
        log::Level::Info => 6,
        log::Level::Debug => 7,
        // Below Linux's debug level: only `loglevel=9` and up (or `debug`) show it.
        log::Level::Trace => 8,
    }
}

impl log::Log for KernelLogger {
    fn enabled(&self, metadata: &log::Metadata) -> bool {
        linux_level(metadata.level()) < LOGLEVEL.load(Ordering::Relaxed)
    }

    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            print_timestamped(*record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: KernelLogger = KernelLogger;

pub fn init() {
    // A missing UART leaves the kernel silent but running.
    let _ = SERIAL.lock().init();
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(log::LevelFilter::Trace);
}

pub fn set_loglevel(level: u8) {
    LOGLEVEL.store(level, Ordering::Relaxed);
}
