//! The stamp file: its JSON format (pure) and reading/writing it on disk.
//!
//! - [`parse_stamp`] / [`render_stamp`] / [`format_completed_at`]: the bytes,
//!   exactly as the reference reads and writes them (no I/O).
//! - [`read_stamp_file`] / [`write_stamp_file`] / [`remove_stamp_file`]: the
//!   file, classified as the reference does, written crash-safely.

mod atomic;
mod file;
mod format;

pub use atomic::{
    write_stamp_file, write_stamp_file_with, StampWriteError, WriteEvent, WriteHook, WriteOptions,
    WriteStep,
};
pub use file::{
    read_stamp_file, remove_stamp_file, CorruptReason, FileKind, StampClearError, StampRead,
    StampReadError, MAX_STAMP_BYTES,
};
pub use format::{
    format_completed_at, parse_stamp, python_repr, python_type_name, render_stamp, StampContents,
    StampFormatError, STAMP_SCHEMA_VERSION,
};
