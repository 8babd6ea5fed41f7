//! Bounded, non-blocking reading of a small regular file, and its removal.
//!
//! Shared by the stamp and the receipts: both are read on every start of a
//! frontend, so the read makes as few system calls as it can (`open`,
//! `fstat`, `read`, `close`), never blocks on a FIFO or a device swapped in
//! at the path, and never reads more than a caller-chosen limit.

use std::fmt;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::sys::stat::{fstat, FileStat, Mode, SFlag};

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

/// Why a file could not be read by [`read_regular_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadFailure {
    /// Something other than a regular file is at the path.
    NotRegularFile {
        /// What it is.
        kind: FileKind,
    },
    /// The file could not be opened (`ENOENT`, `EACCES`, `EISDIR`, …).
    OpenFailed {
        /// The cause.
        errno: Errno,
    },
    /// Reading the opened file failed (`EIO`, …).
    ReadFailed {
        /// The cause.
        errno: Errno,
    },
    /// Larger than the caller's limit.
    TooLarge {
        /// The size seen (at least the limit plus one).
        size: u64,
    },
}

impl fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadFailure::NotRegularFile { kind } => write!(f, "it is {kind}, not a regular file"),
            ReadFailure::OpenFailed { errno } => write!(f, "cannot open it: {errno}"),
            ReadFailure::ReadFailed { errno } => write!(f, "cannot read it: {errno}"),
            ReadFailure::TooLarge { size } => write!(f, "it is too large ({size} bytes or more)"),
        }
    }
}

impl std::error::Error for ReadFailure {}

/// Opens `path` without blocking and reads it, if it is a regular file of
/// at most `max_bytes`.
///
/// The open uses `O_NONBLOCK | O_NOCTTY`, and the type is checked on the
/// open handle, so a FIFO or a terminal at the path cannot block the caller
/// or become its controlling terminal. At most `max_bytes + 1` bytes are
/// read, even if the file grows meanwhile.
///
/// ```
/// use setup_stamp::safe_file::{read_regular_file, ReadFailure};
/// let dir = std::env::temp_dir();
/// assert!(matches!(read_regular_file(&dir, 64), Err(ReadFailure::NotRegularFile { .. })));
/// ```
pub fn read_regular_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadFailure> {
    let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
    let fd = open(path, flags, Mode::empty()).map_err(|errno| ReadFailure::OpenFailed { errno })?;
    read_open_file(fd, max_bytes)
}

/// [`read_regular_file`] of a file the caller opened (to check the handle
/// first, e.g. its owner): fails unless it is a regular file of at most
/// `max_bytes`.
///
/// ```
/// use setup_stamp::safe_file::read_open_file;
/// let file = std::fs::File::open("/etc/hostname").map(std::os::fd::OwnedFd::from);
/// if let Ok(fd) = file {
///     assert!(read_open_file(fd, 1 << 20).is_ok());
/// }
/// ```
pub fn read_open_file(fd: OwnedFd, max_bytes: u64) -> Result<Vec<u8>, ReadFailure> {
    let st: FileStat = fstat(&fd).map_err(|errno| ReadFailure::ReadFailed { errno })?;
    if let Some(kind) = FileKind::from_mode(st.st_mode) {
        return Err(ReadFailure::NotRegularFile { kind });
    }
    let size = u64::try_from(st.st_size).unwrap_or(0);
    if size > max_bytes {
        return Err(ReadFailure::TooLarge { size });
    }
    read_capped(&fd, size, max_bytes)
}

/// Reads to end of file, giving up once more than `max_bytes` bytes
/// have arrived (the file may grow after `fstat`).
///
/// End of file is a read of zero bytes, or a short read that brings the total
/// to exactly the `fstat` size: a regular file yields all it holds up to the
/// space offered, so a short read at that size means nothing followed at the
/// time of the read. That saves the final empty read in the common case. (A
/// file growing during the read is a race either way; the stamp is only ever
/// replaced by a rename, never appended to.)
fn read_capped(fd: &OwnedFd, size_hint: u64, max_bytes: u64) -> Result<Vec<u8>, ReadFailure> {
    let cap = max_bytes.saturating_add(1);
    // One byte beyond the expected size lets a single extra read see EOF.
    let mut buf = vec![0u8; usize::try_from(size_hint.saturating_add(1).min(cap)).unwrap_or(1)];
    let mut filled = 0usize;
    loop {
        if filled == buf.len() {
            if buf.len() as u64 >= cap {
                return Err(ReadFailure::TooLarge {
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
            Err(errno) => return Err(ReadFailure::ReadFailed { errno }),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

/// Removing a file failed for a reason other than its absence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoveError {
    /// The file's path.
    pub path: PathBuf,
    /// The cause (`EISDIR` for a directory, `EACCES`, `ENOTDIR`, …).
    pub errno: Errno,
}

impl fmt::Display for RemoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot remove {}: {}", self.path.display(), self.errno)
    }
}

impl std::error::Error for RemoveError {}

/// Removes a file like Python's `Path.unlink()`: `Ok(true)` if a file was
/// unlinked, `Ok(false)` if there was nothing (`ENOENT`, what
/// `unlink(missing_ok=True)` ignores); every other error, including a
/// directory at the path, is returned.
///
/// ```
/// use setup_stamp::safe_file::remove_file;
/// let path = std::env::temp_dir().join("setup-stamp-doc-remove/none/setup.stamp");
/// assert_eq!(remove_file(&path), Ok(false));
/// ```
pub fn remove_file(path: &Path) -> Result<bool, RemoveError> {
    match nix::unistd::unlink(path) {
        Ok(()) => Ok(true),
        Err(Errno::ENOENT) => Ok(false),
        Err(errno) => Err(RemoveError {
            path: path.to_owned(),
            errno,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: u64 = 1 << 20;

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
            let _ = tx.send(read_regular_file(&fifo, 1024));
        });
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("reading a FIFO blocked");
        assert_eq!(
            got,
            Err(ReadFailure::NotRegularFile {
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
                read_capped(&fd, hint, MAX),
                Ok(b"0123456789".to_vec()),
                "hint {hint}"
            );
        }
    }

    #[test]
    fn capped_read_stops_past_the_limit_even_if_the_file_grew() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("big");
        std::fs::write(&path, vec![b' '; (MAX + 10) as usize]).expect("write");
        let fd = open(&path, OFlag::O_RDONLY, Mode::empty()).expect("open");
        // Pretend fstat saw a tiny file: the reader must still stop.
        assert_eq!(
            read_capped(&fd, 3, MAX),
            Err(ReadFailure::TooLarge { size: MAX + 1 })
        );
        let small = dir.path().join("small");
        std::fs::write(&small, b"0123456789").expect("write");
        let fd = open(&small, OFlag::O_RDONLY, Mode::empty()).expect("open");
        assert_eq!(read_capped(&fd, 2, MAX), Ok(b"0123456789".to_vec()));
    }
}
