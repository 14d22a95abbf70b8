//! uapi structures and constants, laid out exactly as Linux x86_64 defines them.

pub mod termios;
