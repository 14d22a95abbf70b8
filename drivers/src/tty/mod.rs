//! The tty layer: Linux's N_TTY line discipline, independent of hardware and scheduler.

mod ctype;
mod ldisc;
mod output;
mod ring;
#[cfg(test)]
mod tests;

pub use ldisc::{LineDiscipline, ReadWait, TermiosAction, TtySignal};
pub use ring::N_TTY_BUF_SIZE;
