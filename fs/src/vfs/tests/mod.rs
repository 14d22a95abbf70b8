mod concurrency;
mod file;
mod mount;
mod namei;
mod ops;
