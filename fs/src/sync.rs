//! The lock types the filesystem code uses, in one place so they can become sleeping locks once
//! the kernel has them (today nothing may block while holding one).

pub(crate) use spin::{Mutex, RwLock};
