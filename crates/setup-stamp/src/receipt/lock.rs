//! The setup lock: terok_util's `setup_lock()`, a non-blocking exclusive
//! `flock` on `<platform state base>/setup.lock` that serializes setup
//! mutations across packages and processes.

use std::fmt;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{open, Flock, FlockArg, OFlag};
use nix::sys::stat::Mode;

use crate::location::{self, Host, LocationError};

/// The lock file's name in the platform state base.
pub const SETUP_LOCK_NAME: &str = "setup.lock";

/// The reference's message when another process holds the lock.
pub const SETUP_BUSY: &str = "Another setup operation is already running. Retry after it finishes.";

/// Where the setup lock lives: `<platform state base>/setup.lock`
/// (`/var/lib/<ns>` for real root, `user_data_dir(<ns>)` otherwise; the
/// platform base ignores `<NS>_ROOT` and `paths.root`).
///
/// ```
/// use setup_stamp::location::MapHost;
/// use setup_stamp::receipt::setup_lock_path;
/// let host = MapHost::new(1000).env("XDG_DATA_HOME", "/d");
/// assert_eq!(setup_lock_path("terok", &host).unwrap().to_str(), Some("/d/terok/setup.lock"));
/// ```
pub fn setup_lock_path(namespace: &str, host: &dyn Host) -> Result<PathBuf, LocationError> {
    Ok(location::platform_state_base(namespace, host)?.join(SETUP_LOCK_NAME))
}

/// Taking the setup lock failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockError {
    /// Another process holds it (the reference's `SetupRequiredError`).
    Busy {
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file or its directory could not be created or opened.
    Open {
        /// The path that failed.
        path: PathBuf,
        /// The cause.
        errno: Errno,
    },
    /// `flock` failed for another reason than contention.
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The cause.
        errno: Errno,
    },
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Busy { .. } => f.write_str(SETUP_BUSY),
            LockError::Open { path, errno } => {
                write!(f, "cannot open the setup lock {}: {errno}", path.display())
            }
            LockError::Lock { path, errno } => {
                write!(f, "cannot lock {}: {errno}", path.display())
            }
        }
    }
}

impl std::error::Error for LockError {}

/// The held setup lock; dropping it releases the lock (the file stays, as
/// in the reference).
///
/// The descriptor is close-on-exec, like Python's non-inheritable `os.open`:
/// a command started while the lock is held does not keep it after this
/// process ends.
///
/// ```
/// use setup_stamp::receipt::{LockError, SetupLock};
/// let path = std::env::temp_dir().join(format!("setup-stamp-doc-lock-{}/setup.lock", std::process::id()));
/// let held = SetupLock::try_acquire(&path)?;
/// assert!(matches!(SetupLock::try_acquire(&path), Err(LockError::Busy { .. })));
/// drop(held);
/// SetupLock::try_acquire(&path)?;
/// # std::fs::remove_file(&path).unwrap();
/// # std::fs::remove_dir(path.parent().unwrap()).unwrap();
/// # Ok::<(), LockError>(())
/// ```
#[derive(Debug)]
pub struct SetupLock {
    _lock: Flock<OwnedFd>,
    path: PathBuf,
}

impl SetupLock {
    /// Takes the lock at `path` without waiting: creates the directory
    /// (`mkdir(mode=0o700, parents=True, exist_ok=True)`: missing parents
    /// get `0o777`, the directory itself `0o700`, both minus umask), opens
    /// the file (`O_CREAT | O_RDWR`, `0o600`), and `flock`s it
    /// `LOCK_EX | LOCK_NB`.
    ///
    /// `flock` locks belong to the open file, so a second `try_acquire` in
    /// the same process is [`LockError::Busy`] too; callers that nest (the
    /// Python binding) keep their own re-entrancy count.
    pub fn try_acquire(path: &Path) -> Result<SetupLock, LockError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            make_dir(dir, 0o700)?;
        }
        let fd = open(
            path,
            OFlag::O_CREAT | OFlag::O_RDWR | OFlag::O_CLOEXEC | OFlag::O_NOCTTY,
            Mode::from_bits_truncate(0o600),
        )
        .map_err(|errno| LockError::Open {
            path: path.to_owned(),
            errno,
        })?;
        let lock = Flock::lock(fd, FlockArg::LockExclusiveNonblock).map_err(|(_, errno)| {
            if errno == Errno::EWOULDBLOCK {
                LockError::Busy {
                    path: path.to_owned(),
                }
            } else {
                LockError::Lock {
                    path: path.to_owned(),
                    errno,
                }
            }
        })?;
        Ok(SetupLock {
            _lock: lock,
            path: path.to_owned(),
        })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// In a child forked while the lock was held: closes this process's copy
    /// of the descriptor *without* unlocking. An unlock would release the
    /// parent's lock too (a `flock` belongs to the open file, which parent
    /// and child share); after this the child neither owns nor keeps it.
    pub fn close_in_forked_child(self) {
        let fd = self._lock.as_raw_fd();
        // Neither unlock nor close through the guard: only this copy goes.
        std::mem::forget(self._lock);
        let _ = nix::unistd::close(fd);
    }
}

impl AsFd for SetupLock {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self._lock.as_fd()
    }
}

impl AsRawFd for SetupLock {
    fn as_raw_fd(&self) -> RawFd {
        self._lock.as_raw_fd()
    }
}

/// `Path.mkdir(mode, parents=True, exist_ok=True)`.
fn make_dir(dir: &Path, mode: u32) -> Result<(), LockError> {
    match nix::unistd::mkdir(dir, Mode::from_bits_truncate(mode)) {
        Ok(()) => Ok(()),
        Err(Errno::ENOENT) => {
            match dir
                .parent()
                .filter(|p| !p.as_os_str().is_empty() && *p != dir)
            {
                Some(parent) => make_dir(parent, 0o777)?,
                None => {
                    return Err(LockError::Open {
                        path: dir.to_owned(),
                        errno: Errno::ENOENT,
                    })
                }
            }
            match nix::unistd::mkdir(dir, Mode::from_bits_truncate(mode)) {
                Ok(()) => Ok(()),
                Err(_) if dir.is_dir() => Ok(()),
                Err(errno) => Err(LockError::Open {
                    path: dir.to_owned(),
                    errno,
                }),
            }
        }
        Err(_) if dir.is_dir() => Ok(()),
        Err(errno) => Err(LockError::Open {
            path: dir.to_owned(),
            errno,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn creates_a_private_directory_and_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b/setup.lock");
        let held = SetupLock::try_acquire(&path).expect("lock");
        assert_eq!(held.path(), path);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("a/b")) & !0o700, 0);
        assert_eq!(mode(&path) & !0o600, 0);
        assert_eq!(
            SetupLock::try_acquire(&path).unwrap_err().to_string(),
            SETUP_BUSY
        );
        drop(held);
        assert!(SetupLock::try_acquire(&path).is_ok());
        assert!(path.exists(), "the lock file stays");
    }

    #[test]
    fn closing_a_copy_keeps_the_lock_of_the_other() {
        // What a forked child does: its copy shares the open file. Closing
        // it without unlocking must leave the lock held by the original.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("setup.lock");
        let held = SetupLock::try_acquire(&path).expect("lock");
        let copy = nix::unistd::dup(held.as_fd()).expect("dup");
        let child_view = SetupLock {
            _lock: Flock::lock(copy, FlockArg::LockExclusiveNonblock).expect("same open file"),
            path: path.clone(),
        };
        child_view.close_in_forked_child();
        assert!(matches!(
            SetupLock::try_acquire(&path),
            Err(LockError::Busy { .. })
        ));
        drop(held);
        assert!(SetupLock::try_acquire(&path).is_ok());
    }

    #[test]
    fn a_file_in_the_way_is_an_open_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("f"), b"").unwrap();
        let err = SetupLock::try_acquire(&dir.path().join("f/setup.lock")).unwrap_err();
        assert!(matches!(err, LockError::Open { .. }), "{err:?}");
    }
}
