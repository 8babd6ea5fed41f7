//! Reading and removing the stamp file (the reference's `needs_setup` steps
//! 2–4 and `clear_stamp`).
//!
//! The read path runs on every start of a frontend, so it makes as few system
//! calls as it can: `stat`, `open`, `fstat`, `read` (twice for a small file:
//! the data, then end of file) and `close`.

use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::stat::stat;

use super::format::{parse_stamp, StampContents, StampFormatError};
use crate::safe_file::{read_regular_file, FileKind, ReadFailure};

/// The largest stamp we read. A real stamp is a few hundred bytes; anything
/// over a mebibyte is not one, and is reported as corrupt without reading it.
pub const MAX_STAMP_BYTES: u64 = 1 << 20;

/// What is at the stamp path.
#[derive(Debug, Clone, PartialEq)]
pub enum StampRead {
    /// Nothing: no file, a dangling symlink, a symlink loop, or a parent that
    /// is not a directory (`ENOENT`, `ENOTDIR`, `ELOOP`, and `EBADF` as
    /// pathlib ignores it too), or a path with an embedded NUL (Python's
    /// `Path.exists()` is False for it). Verdict `first_run`.
    Missing,
    /// Something the reference reports as `stamp_corrupt`.
    Corrupt(CorruptReason),
    /// A well-formed stamp.
    Valid(StampContents),
}

/// Why an existing stamp is reported as `stamp_corrupt`.
#[derive(Debug, Clone, PartialEq)]
pub enum CorruptReason {
    /// The file cannot be read: not a regular file (a FIFO, a directory…),
    /// cannot be opened (`EACCES` for mode 000 as non-root, or it vanished
    /// after `stat`), a read error, or larger than [`MAX_STAMP_BYTES`].
    Unreadable(ReadFailure),
    /// The contents are not a stamp the reference accepts.
    Format(StampFormatError),
}

impl fmt::Display for CorruptReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorruptReason::Unreadable(ReadFailure::NotRegularFile { kind }) => {
                write!(f, "the stamp is {kind}, not a regular file")
            }
            CorruptReason::Unreadable(ReadFailure::OpenFailed { errno }) => {
                write!(f, "cannot open the stamp: {errno}")
            }
            CorruptReason::Unreadable(ReadFailure::ReadFailed { errno }) => {
                write!(f, "cannot read the stamp: {errno}")
            }
            CorruptReason::Unreadable(ReadFailure::TooLarge { size }) => write!(
                f,
                "the stamp is {size} bytes, more than the {MAX_STAMP_BYTES} a stamp may have"
            ),
            CorruptReason::Format(e) => e.fmt(f),
        }
    }
}

/// Examining the stamp path failed in a way the reference does not turn into
/// a verdict (its `Path.exists()` raises).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StampReadError {
    /// `stat` failed with something other than `ENOENT`, `ENOTDIR`, `ELOOP`
    /// (e.g. `EACCES` on a parent directory, `ENAMETOOLONG`).
    Stat {
        /// The stamp path.
        path: PathBuf,
        /// The cause.
        errno: Errno,
    },
}

impl fmt::Display for StampReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StampReadError::Stat { path, errno } => {
                write!(f, "cannot examine {}: {errno}", path.display())
            }
        }
    }
}

impl std::error::Error for StampReadError {}

/// Reads and parses the stamp at `path`, classifying every outcome the way
/// the reference's `needs_setup` does before it compares versions.
///
/// The path is `stat`ed following symlinks; only a regular file is opened,
/// non-blocking and without becoming a controlling terminal, and its type is
/// checked again on the open handle, so a FIFO swapped in between the two
/// checks cannot block the caller. At most [`MAX_STAMP_BYTES`]` + 1` bytes
/// are read.
///
/// ```
/// use setup_stamp::stamp::{read_stamp_file, StampRead};
/// let dir = std::env::temp_dir().join("setup-stamp-doc-read-missing");
/// assert_eq!(read_stamp_file(&dir.join("no/such/setup.stamp")).unwrap(), StampRead::Missing);
/// ```
pub fn read_stamp_file(path: &Path) -> Result<StampRead, StampReadError> {
    // Python's `Path.exists()` answers False for a path it cannot encode
    // (an embedded NUL raises ValueError inside it).
    if path.as_os_str().as_bytes().contains(&0) {
        return Ok(StampRead::Missing);
    }
    let st = match stat(path) {
        Ok(st) => st,
        // pathlib's ignored errnos (3.12 `_IGNORED_ERRNOS`).
        Err(Errno::ENOENT | Errno::ENOTDIR | Errno::ELOOP | Errno::EBADF) => {
            return Ok(StampRead::Missing)
        }
        Err(errno) => {
            return Err(StampReadError::Stat {
                path: path.to_owned(),
                errno,
            })
        }
    };
    if let Some(kind) = FileKind::from_mode(st.st_mode) {
        return Ok(StampRead::Corrupt(CorruptReason::Unreadable(
            ReadFailure::NotRegularFile { kind },
        )));
    }
    Ok(match read_regular_file(path, MAX_STAMP_BYTES) {
        Ok(bytes) => match parse_stamp(&bytes) {
            Ok(contents) => StampRead::Valid(contents),
            Err(e) => StampRead::Corrupt(CorruptReason::Format(e)),
        },
        Err(failure) => StampRead::Corrupt(CorruptReason::Unreadable(failure)),
    })
}

/// Removing the stamp failed for a reason other than its absence.
pub type StampClearError = crate::safe_file::RemoveError;

/// Removes the stamp (the reference's `clear_stamp`): `Ok(true)` if a file
/// was unlinked, `Ok(false)` if there was nothing (`ENOENT`); every other
/// error, including a directory at the path, is returned, as Python's
/// `Path.unlink()` raises it.
///
/// ```
/// use setup_stamp::stamp::remove_stamp_file;
/// let path = std::env::temp_dir().join("setup-stamp-doc-remove/none/setup.stamp");
/// assert_eq!(remove_stamp_file(&path), Ok(false));
/// ```
pub fn remove_stamp_file(path: &Path) -> Result<bool, StampClearError> {
    crate::safe_file::remove_file(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_well() {
        let e = StampReadError::Stat {
            path: "/x/setup.stamp".into(),
            errno: Errno::EACCES,
        };
        assert_eq!(
            e.to_string(),
            "cannot examine /x/setup.stamp: EACCES: Permission denied"
        );
        assert_eq!(
            CorruptReason::Unreadable(ReadFailure::NotRegularFile {
                kind: FileKind::Fifo
            })
            .to_string(),
            "the stamp is a named pipe, not a regular file"
        );
    }
}
