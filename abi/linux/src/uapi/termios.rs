//! struct termios, winsize and tty ioctl numbers.
