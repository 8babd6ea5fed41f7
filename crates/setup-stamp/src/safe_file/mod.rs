//! The file pieces shared by the stamp and the setup receipts: bounded,
//! non-blocking reading, crash-safe durable replacement, and removal.
//!
//! - [`read_regular_file`]: read a small regular file without ever blocking
//!   on a FIFO or device and without reading more than a limit.
//! - [`write_file`] / [`write_file_with`]: replace a file atomically and
//!   durably (unique temporary, `fsync` of file and directory, `rename`).
//! - [`remove_file`]: `Path.unlink()`, with "already gone" reported apart.

mod atomic;
mod read;

pub use atomic::{
    write_file, write_file_with, WriteError, WriteEvent, WriteHook, WriteOptions, WriteStep,
};
pub use read::{
    read_open_file, read_regular_file, remove_file, FileKind, ReadFailure, RemoveError,
};
