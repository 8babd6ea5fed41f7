//! The stamp file: its JSON format (pure) and reading/writing it on disk.
//!
//! - [`parse_stamp`] / [`render_stamp`] / [`format_completed_at`]: the bytes,
//!   exactly as the reference reads and writes them (no I/O).
//! - [`read_stamp_file`] / [`write_stamp_file`] / [`remove_stamp_file`]: the
//!   file, classified as the reference does, written crash-safely (the file
//!   pieces live in [`crate::safe_file`], shared with the receipts).

mod file;
mod format;

use std::path::Path;

pub use crate::safe_file::{FileKind, WriteEvent, WriteHook, WriteOptions, WriteStep};
pub use file::{
    read_stamp_file, remove_stamp_file, CorruptReason, StampClearError, StampRead, StampReadError,
    MAX_STAMP_BYTES,
};

/// Writing the stamp failed: see [`crate::safe_file::WriteError`].
pub type StampWriteError = crate::safe_file::WriteError;

/// Atomically and durably replaces the stamp at `path` with `contents`
/// (mode `0o666` minus umask), creating missing parent directories: the
/// method is [`crate::safe_file::write_file`]'s.
///
/// ```
/// use setup_stamp::stamp::{write_stamp_file, remove_stamp_file};
/// let path = std::env::temp_dir()
///     .join(format!("setup-stamp-doc-write-stamp-{}", std::process::id()))
///     .join("setup.stamp");
/// write_stamp_file(&path, b"{}").unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"{}");
/// assert_eq!(remove_stamp_file(&path), Ok(true));
/// # std::fs::remove_dir(path.parent().unwrap()).unwrap();
/// ```
pub fn write_stamp_file(path: &Path, contents: &[u8]) -> Result<(), StampWriteError> {
    crate::safe_file::write_file(path, contents)
}

/// [`write_stamp_file`] with explicit [`WriteOptions`].
pub fn write_stamp_file_with(
    path: &Path,
    contents: &[u8],
    options: &WriteOptions<'_>,
) -> Result<(), StampWriteError> {
    crate::safe_file::write_file_with(path, contents, options)
}
pub use format::{
    format_completed_at, parse_stamp, python_repr, python_type_name, render_stamp, StampContents,
    StampFormatError, STAMP_SCHEMA_VERSION,
};
