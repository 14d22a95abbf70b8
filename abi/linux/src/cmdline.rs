//! Kernel command line parsing (Linux conventions).
