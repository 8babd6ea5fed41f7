//! Reading and removing the stamp file (the reference's `needs_setup` steps
//! 2–4 and `clear_stamp`).
//!
//! The read path runs on every start of a frontend, so it makes as few system
//! calls as it can: `stat`, `open`, `fstat`, `read` (twice for a small file:
//! the data, then end of file) and `close`.

use std::fmt;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::sys::stat::{fstat, stat, FileStat, Mode, SFlag};

use super::format::{parse_stamp, StampContents, StampFormatError};

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

/// The kind of a filesystem object that is not a regular file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A directory.
    Directory,
    /// A named pipe.
    Fifo,
    /// A Unix domain socket.
    Socket,
    /// A character device (e.g. `/dev/null` through a symlink).
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A symbolic link (only seen when a path is examined without following).
    Symlink,
    /// A type this module does not name.
    Other,
}

impl FileKind {
    /// The kind encoded in a `st_mode`; `None` for a regular file.
    pub fn from_mode(mode: u32) -> Option<FileKind> {
        let format = SFlag::from_bits_truncate(mode & SFlag::S_IFMT.bits());
        Some(match format {
            SFlag::S_IFREG => return None,
            SFlag::S_IFDIR => FileKind::Directory,
            SFlag::S_IFIFO => FileKind::Fifo,
            SFlag::S_IFSOCK => FileKind::Socket,
            SFlag::S_IFCHR => FileKind::CharDevice,
            SFlag::S_IFBLK => FileKind::BlockDevice,
            SFlag::S_IFLNK => FileKind::Symlink,
            _ => FileKind::Other,
        })
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a named pipe",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Symlink => "a symbolic link",
            FileKind::Other => "not a regular file",
        })
    }
}

/// Why an existing stamp is reported as `stamp_corrupt`.
#[derive(Debug, Clone, PartialEq)]
pub enum CorruptReason {
    /// Something other than a regular file is at the path.
    NotRegularFile {
        /// What it is.
        kind: FileKind,
    },
    /// The file could not be opened (`EACCES` for mode 000 as non-root, or it
    /// vanished after `stat`).
    OpenFailed {
        /// The cause.
        errno: Errno,
    },
    /// Reading the opened file failed (`EIO`, …).
    ReadFailed {
        /// The cause.
        errno: Errno,
    },
    /// Larger than [`MAX_STAMP_BYTES`].
    TooLarge {
        /// The size seen (at least `MAX_STAMP_BYTES + 1`).
        size: u64,
    },
    /// The contents are not a stamp the reference accepts.
    Format(StampFormatError),
}

impl fmt::Display for CorruptReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorruptReason::NotRegularFile { kind } => {
                write!(f, "the stamp is {kind}, not a regular file")
            }
            CorruptReason::OpenFailed { errno } => write!(f, "cannot open the stamp: {errno}"),
            CorruptReason::ReadFailed { errno } => write!(f, "cannot read the stamp: {errno}"),
            CorruptReason::TooLarge { size } => write!(
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
        return Ok(StampRead::Corrupt(CorruptReason::NotRegularFile { kind }));
    }
    Ok(match read_regular(path) {
        Ok(bytes) => match parse_stamp(&bytes) {
            Ok(contents) => StampRead::Valid(contents),
            Err(e) => StampRead::Corrupt(CorruptReason::Format(e)),
        },
        Err(reason) => StampRead::Corrupt(reason),
    })
}

/// Opens `path` without blocking and reads it, if it is still a regular file
/// of at most [`MAX_STAMP_BYTES`].
fn read_regular(path: &Path) -> Result<Vec<u8>, CorruptReason> {
    let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    let fd =
        open(path, flags, Mode::empty()).map_err(|errno| CorruptReason::OpenFailed { errno })?;
    let st: FileStat = fstat(&fd).map_err(|errno| CorruptReason::ReadFailed { errno })?;
    if let Some(kind) = FileKind::from_mode(st.st_mode) {
        return Err(CorruptReason::NotRegularFile { kind });
    }
    let size = u64::try_from(st.st_size).unwrap_or(0);
    if size > MAX_STAMP_BYTES {
        return Err(CorruptReason::TooLarge { size });
    }
    read_capped(&fd, size)
}

/// Reads to end of file, giving up once more than [`MAX_STAMP_BYTES`] bytes
/// have arrived (the file may grow after `fstat`).
///
/// End of file is a read of zero bytes, or a short read that brings the total
/// to exactly the `fstat` size: a regular file yields all it holds up to the
/// space offered, so a short read at that size means nothing followed at the
/// time of the read. That saves the final empty read in the common case. (A
/// file growing during the read is a race either way; the stamp is only ever
/// replaced by a rename, never appended to.)
fn read_capped(fd: &OwnedFd, size_hint: u64) -> Result<Vec<u8>, CorruptReason> {
    let cap = MAX_STAMP_BYTES + 1;
    // One byte beyond the expected size lets a single extra read see EOF.
    let mut buf = vec![0u8; usize::try_from(size_hint.saturating_add(1).min(cap)).unwrap_or(1)];
    let mut filled = 0usize;
    loop {
        if filled == buf.len() {
            if buf.len() as u64 >= cap {
                return Err(CorruptReason::TooLarge {
                    size: filled as u64,
                });
            }
            let grown = (buf.len() as u64).saturating_mul(2).clamp(4096, cap);
            buf.resize(usize::try_from(grown).unwrap_or(buf.len()), 0);
        }
        let offered = buf.len() - filled;
        match nix::unistd::read(fd, &mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if n < offered && filled as u64 == size_hint {
                    break;
                }
            }
            Err(Errno::EINTR) => {}
            Err(errno) => return Err(CorruptReason::ReadFailed { errno }),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Removing the stamp failed for a reason other than its absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampClearError {
    /// The stamp path.
    pub path: PathBuf,
    /// The cause (`EISDIR` for a directory, `EACCES`, `ENOTDIR`, …).
    pub errno: Errno,
}

impl fmt::Display for StampClearError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot remove {}: {}", self.path.display(), self.errno)
    }
}

impl std::error::Error for StampClearError {}

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
    match nix::unistd::unlink(path) {
        Ok(()) => Ok(true),
        Err(Errno::ENOENT) => Ok(false),
        Err(errno) => Err(StampClearError {
            path: path.to_owned(),
            errno,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_modes() {
        assert_eq!(FileKind::from_mode(0o100644), None);
        assert_eq!(FileKind::from_mode(0o040755), Some(FileKind::Directory));
        assert_eq!(FileKind::from_mode(0o010644), Some(FileKind::Fifo));
        assert_eq!(FileKind::from_mode(0o140755), Some(FileKind::Socket));
        assert_eq!(FileKind::from_mode(0o020666), Some(FileKind::CharDevice));
        assert_eq!(FileKind::from_mode(0o060660), Some(FileKind::BlockDevice));
        assert_eq!(FileKind::from_mode(0o120777), Some(FileKind::Symlink));
    }

    #[test]
    fn a_fifo_swapped_in_after_stat_does_not_block() {
        // read_regular is what runs after stat said "regular file": the
        // open must not block on a FIFO, and the handle's type is checked.
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o644)).expect("mkfifo");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(read_regular(&fifo));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO blocked");
        assert_eq!(
            got,
            Err(CorruptReason::NotRegularFile {
                kind: FileKind::Fifo
            })
        );
    }

    #[test]
    fn capped_read_reads_past_a_stale_size() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("grown");
        std::fs::write(&path, b"0123456789").expect("write");
        for hint in [0, 3, 9, 10, 11, 4096] {
            let fd = open(&path, OFlag::O_RDONLY, Mode::empty()).expect("open");
            assert_eq!(
                read_capped(&fd, hint),
                Ok(b"0123456789".to_vec()),
                "hint {hint}"
            );
        }
    }

    #[test]
    fn capped_read_stops_past_the_limit_even_if_the_file_grew() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b' '; (MAX_STAMP_BYTES + 10) as usize]).expect("write");
        let fd = open(&path, OFlag::O_RDONLY, Mode::empty()).expect("open");
        // Pretend fstat saw a tiny file: the reader must still stop.
        assert_eq!(
            read_capped(&fd, 3),
            Err(CorruptReason::TooLarge {
                size: MAX_STAMP_BYTES + 1
            })
        );
        let small = dir.path().join("small");
        std::fs::write(&small, b"0123456789").expect("write");
        let fd = open(&small, OFlag::O_RDONLY, Mode::empty()).expect("open");
        assert_eq!(read_capped(&fd, 2), Ok(b"0123456789".to_vec()));
    }

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
            CorruptReason::NotRegularFile {
                kind: FileKind::Fifo
            }
            .to_string(),
            "the stamp is a named pipe, not a regular file"
        );
    }
}
