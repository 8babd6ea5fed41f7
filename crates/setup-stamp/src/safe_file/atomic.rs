//! Crash-safe, durable replacement of a small file: the stamp (the
//! reference's `write_stamp`, made durable) and the setup receipts.
//!
//! The method and its reasons are documented on [`write_file`].

use std::collections::hash_map::RandomState;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::fcntl::{open, openat, renameat, AtFlags, Flock, FlockArg, OFlag, AT_FDCWD};
use nix::sys::stat::{fstat, fstatat, stat, Mode, SFlag};
use nix::unistd::{fsync, linkat, mkdir, unlinkat, UnlinkatFlags};

/// A step of [`write_file_with`], reported to [`WriteOptions::hook`]
/// right after it succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteEvent {
    /// A missing parent directory was created.
    DirectoryCreated(PathBuf),
    /// A stale temporary file (a dead writer's) was removed. The sweep is
    /// best effort: a hook error here is ignored.
    StaleRemoved(OsString),
    /// The data file was created: anonymous (`O_TMPFILE`) or named.
    TempCreated {
        /// Whether it was created with `O_TMPFILE`.
        anonymous: bool,
    },
    /// The data file is exclusively locked.
    TempLocked,
    /// All bytes were written.
    DataWritten,
    /// The data file was `fsync`ed.
    FileSynced,
    /// The data file now has this (temporary) name in the stamp's directory.
    TempNamed(OsString),
    /// The temporary file was renamed over the stamp.
    Renamed,
    /// The stamp's directory was `fsync`ed.
    DirectorySynced,
    /// The parent of a newly created directory was `fsync`ed.
    CreatedDirectorySynced(PathBuf),
}

/// The hook's signature: see [`WriteOptions::hook`].
pub type WriteHook<'a> = &'a dyn Fn(&WriteEvent) -> Result<(), Errno>;

/// How [`write_file_with`] writes.
#[derive(Clone, Copy)]
pub struct WriteOptions<'a> {
    /// Try `O_TMPFILE` first (default `true`); `false` goes straight to the
    /// named-temporary fallback.
    pub anonymous_temp: bool,
    /// The new file's permission bits before the umask: `0o666` (the
    /// stamp, like Python's `open(..., "w")`) unless set; receipts use
    /// `0o600`, like the `tempfile` file the reference renames into place.
    pub file_mode: u32,
    /// Called after every step. Returning an error makes that step fail
    /// with it, as if the system call had (except for the best-effort
    /// [`WriteEvent::StaleRemoved`]): tests use this to prove that the
    /// file and the directory were synced before success and that a failure
    /// at any step leaves the previous stamp intact and no temporary behind.
    pub hook: Option<WriteHook<'a>>,
}

impl Default for WriteOptions<'_> {
    fn default() -> Self {
        WriteOptions {
            anonymous_temp: true,
            file_mode: 0o666,
            hook: None,
        }
    }
}

impl fmt::Debug for WriteOptions<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteOptions")
            .field("anonymous_temp", &self.anonymous_temp)
            .field("file_mode", &format_args!("{:#o}", self.file_mode))
            .field("hook", &self.hook.map(|_| "Fn"))
            .finish()
    }
}

/// The step of a stamp write that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WriteStep {
    /// The stamp path has no file name (`/`, `..`).
    NoFileName,
    /// Creating a parent directory (or a non-directory is in the way).
    CreateDirectory,
    /// Opening the stamp's directory.
    OpenDirectory,
    /// Creating the temporary file.
    CreateTemporary,
    /// Locking the temporary file.
    Lock,
    /// Writing the data.
    Write,
    /// Syncing the data to disk.
    SyncFile,
    /// Giving the anonymous temporary file a name.
    NameTemporary,
    /// Renaming the temporary file over the stamp.
    Replace,
    /// Syncing the directory (the stamp has been replaced by then).
    SyncDirectory,
}

/// Writing the stamp failed. The previous stamp, if any, is intact unless
/// the step is [`WriteStep::SyncDirectory`] (then the new stamp is in place
/// but possibly not yet durable); no temporary file is left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteError {
    /// The path the failing operation was about: the directory for directory
    /// steps, the stamp path otherwise.
    pub path: PathBuf,
    /// The failing step.
    pub step: WriteStep,
    /// The cause.
    pub errno: Errno,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path.display();
        match self.step {
            WriteStep::NoFileName => write!(f, "{p} does not name a file"),
            WriteStep::CreateDirectory => write!(f, "cannot create directory {p}"),
            WriteStep::OpenDirectory => write!(f, "cannot open directory {p}"),
            WriteStep::CreateTemporary => write!(f, "cannot create a temporary file in {p}"),
            WriteStep::Lock => write!(f, "cannot lock the temporary file for {p}"),
            WriteStep::Write => write!(f, "cannot write the temporary file for {p}"),
            WriteStep::SyncFile => write!(f, "cannot flush the temporary file for {p} to disk"),
            WriteStep::NameTemporary => write!(f, "cannot name the temporary file for {p}"),
            WriteStep::Replace => write!(f, "cannot replace {p}"),
            WriteStep::SyncDirectory => write!(
                f,
                "cannot flush directory {p} to disk (the stamp was replaced)"
            ),
        }?;
        write!(f, ": {}", self.errno)
    }
}

impl std::error::Error for WriteError {}

/// Atomically and durably replaces the file at `path` (a stamp or a receipt)
/// with `contents`,
/// creating missing parent directories (mode `0o777` minus umask, like
/// `Path.mkdir(parents=True, exist_ok=True)`). The file gets
/// [`WriteOptions::file_mode`] (`0o666` unless set) minus umask.
///
/// # Why it is done this way
///
/// The reference writes `setup.stamp.tmp` and renames it over the stamp. That
/// keeps readers from seeing a half-written stamp, but it is neither durable
/// nor safe against concurrent writers, leftovers or planted files:
///
/// - **Durability.** `rename` over an existing file is atomic for readers,
///   but after a power loss the new name may point at a file whose data never
///   reached the disk (a zero-length stamp). ext4 (`auto_da_alloc`) and btrfs
///   start writing back a file renamed over another, without waiting for it;
///   xfs does nothing of the kind; and none of them makes the rename itself
///   durable before the directory is synced. So the data is `fsync`ed before
///   the rename, and the directory after it (and the parents of any
///   directory this write created). On NFS, `fsync` is what commits the data
///   on the server (otherwise it may be written back only at close, where an
///   error would go unnoticed), and `rename` is atomic on the server.
/// - **No leftovers.** On Linux the data file is created with `O_TMPFILE`: it
///   has no name until it is complete and synced, so a writer killed midway
///   leaves nothing behind. It is then linked under a unique name and renamed
///   over the stamp (`rename` cannot take an anonymous file directly).
/// - **Unique, unpredictable names.** The temporary name is
///   `.<stamp file name>.<16 random hex digits>.tmp`, created with `O_EXCL`
///   (or linked, which never follows or replaces an existing entry), so a
///   symlink planted at a guessed name is never followed and concurrent
///   writers never share a file. The reference's fixed `setup.stamp.tmp` is
///   never touched.
/// - **Stale temporaries.** A writer holds an exclusive `flock` on its
///   temporary file from creation until after the rename. Before writing,
///   temporaries of our naming whose lock can be taken — left by writers that
///   died between linking and renaming, or by the fallback path — are removed;
///   a live writer's locked file is never touched. (A fallback file caught by
///   a sweep between its creation and its locking is abandoned by its writer,
///   which notices the lost lock or the lost link and retries under a new
///   name.)
/// - **Fallback.** Where `O_TMPFILE` is unsupported (`EOPNOTSUPP`, `EISDIR`,
///   `EINVAL`) or the anonymous file cannot be linked (no `/proc` and no
///   privilege for `AT_EMPTY_PATH`), the named temporary is created directly
///   with `O_CREAT | O_EXCL | O_NOFOLLOW`.
///
/// All operations inside the stamp's directory go through one directory
/// handle, so a directory swapped in mid-write cannot split the steps.
///
/// # Example
///
/// ```
/// use setup_stamp::safe_file::{write_file, remove_file};
/// let path = std::env::temp_dir()
///     .join(format!("setup-stamp-doc-write-{}", std::process::id()))
///     .join("setup.stamp");
/// write_file(&path, b"{}").unwrap();
/// assert_eq!(std::fs::read(&path).unwrap(), b"{}");
/// assert_eq!(remove_file(&path), Ok(true));
/// # std::fs::remove_dir(path.parent().unwrap()).unwrap();
/// ```
pub fn write_file(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    write_file_with(path, contents, &WriteOptions::default())
}

/// [`write_file`] with explicit [`WriteOptions`].
pub fn write_file_with(
    path: &Path,
    contents: &[u8],
    options: &WriteOptions<'_>,
) -> Result<(), WriteError> {
    let w = Writer { path, options };
    let Some(file_name) = path.file_name() else {
        return Err(w.err(path, WriteStep::NoFileName, Errno::EINVAL));
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };

    let mut created = Vec::new();
    w.make_dirs(dir, &mut created)?;
    let dirfd = open(
        dir,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| w.err(dir, WriteStep::OpenDirectory, e))?;

    remove_stale_temporaries(&dirfd, dir, file_name, &w);

    let (lock, temp_name) = w.create_named_data(&dirfd, dir, file_name, contents)?;
    if let Err(e) = renameat(&dirfd, temp_name.as_os_str(), &dirfd, file_name) {
        let _ = unlinkat(&dirfd, temp_name.as_os_str(), UnlinkatFlags::NoRemoveDir);
        return Err(w.err(path, WriteStep::Replace, e));
    }
    // Only now may a sweeper take the lock: the temporary name is gone.
    drop(lock);
    // The stamp is replaced from here on; a failure is about durability.
    w.event(WriteEvent::Renamed)
        .map_err(|e| w.err(dir, WriteStep::SyncDirectory, e))?;
    fsync(&dirfd)
        .and_then(|()| w.event(WriteEvent::DirectorySynced))
        .map_err(|e| w.err(dir, WriteStep::SyncDirectory, e))?;
    // New directories are only durable once their own parents are synced.
    for created_dir in created.iter().rev() {
        if let Some(parent) = created_dir.parent() {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            open(
                parent,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .and_then(fsync)
            .and_then(|()| w.event(WriteEvent::CreatedDirectorySynced(parent.to_owned())))
            .map_err(|e| w.err(parent, WriteStep::SyncDirectory, e))?;
        }
    }
    Ok(())
}

/// How many unique names to try before giving up (a collision of 64 random
/// bits only happens when someone plants files at guessed names).
const NAME_ATTEMPTS: usize = 16;

/// Shared state of one write.
struct Writer<'p, 'o> {
    path: &'p Path,
    options: &'o WriteOptions<'o>,
}

impl Writer<'_, '_> {
    fn err(&self, path: &Path, step: WriteStep, errno: Errno) -> WriteError {
        WriteError {
            path: path.to_owned(),
            step,
            errno,
        }
    }

    fn event(&self, event: WriteEvent) -> Result<(), Errno> {
        match self.options.hook {
            Some(hook) => hook(&event),
            None => Ok(()),
        }
    }

    /// `Path.mkdir(parents=True, exist_ok=True)`, recording what it created.
    fn make_dirs(&self, dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), WriteError> {
        if is_dir(dir) {
            return Ok(());
        }
        let mode = Mode::from_bits_truncate(0o777);
        let mut result = mkdir(dir, mode);
        if result == Err(Errno::ENOENT) {
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                if parent != dir {
                    self.make_dirs(parent, created)?;
                    result = mkdir(dir, mode);
                }
            }
        }
        match result {
            Ok(()) => {
                created.push(dir.to_owned());
                self.event(WriteEvent::DirectoryCreated(dir.to_owned()))
                    .map_err(|e| self.err(dir, WriteStep::CreateDirectory, e))
            }
            // Python: any OSError is fine as long as a directory is there.
            Err(_) if is_dir(dir) => Ok(()),
            Err(e) => Err(self.err(dir, WriteStep::CreateDirectory, e)),
        }
    }

    /// Creates the data file, locked, written and synced, under a fresh
    /// temporary name in `dirfd`; returns the held lock and the name.
    fn create_named_data(
        &self,
        dirfd: &OwnedFd,
        dir: &Path,
        file_name: &OsStr,
        contents: &[u8],
    ) -> Result<(Flock<OwnedFd>, OsString), WriteError> {
        if self.options.anonymous_temp {
            if let Some(done) = self.try_anonymous(dirfd, dir, file_name, contents)? {
                return Ok(done);
            }
        }
        self.create_named_fallback(dirfd, dir, file_name, contents)
    }

    /// The `O_TMPFILE` path. `Ok(None)` means "unsupported here, fall back".
    fn try_anonymous(
        &self,
        dirfd: &OwnedFd,
        dir: &Path,
        file_name: &OsStr,
        contents: &[u8],
    ) -> Result<Option<(Flock<OwnedFd>, OsString)>, WriteError> {
        let flags = OFlag::O_TMPFILE | OFlag::O_WRONLY | OFlag::O_CLOEXEC;
        let fd = match openat(
            dirfd,
            ".",
            flags,
            Mode::from_bits_truncate(self.options.file_mode & 0o7777),
        ) {
            Ok(fd) => fd,
            Err(Errno::EOPNOTSUPP | Errno::EISDIR | Errno::EINVAL) => return Ok(None),
            Err(e) => return Err(self.err(dir, WriteStep::CreateTemporary, e)),
        };
        self.event(WriteEvent::TempCreated { anonymous: true })
            .map_err(|e| self.err(dir, WriteStep::CreateTemporary, e))?;
        let lock = self.lock(fd, FlockArg::LockExclusive)?;
        self.fill(&lock, contents)?;
        // Give it a name. Through /proc works unprivileged; AT_EMPTY_PATH
        // needs CAP_DAC_READ_SEARCH on older kernels but no /proc.
        let proc_path = format!("/proc/self/fd/{}", lock.as_raw_fd());
        for _ in 0..NAME_ATTEMPTS {
            let name = temp_name(file_name);
            let mut linked = linkat(
                AT_FDCWD,
                proc_path.as_str(),
                dirfd,
                name.as_os_str(),
                AtFlags::AT_SYMLINK_FOLLOW,
            );
            if matches!(linked, Err(Errno::ENOENT | Errno::EACCES | Errno::EPERM)) {
                linked = linkat(&*lock, "", dirfd, name.as_os_str(), AtFlags::AT_EMPTY_PATH);
            }
            match linked {
                Ok(()) => {
                    if let Err(e) = self.event(WriteEvent::TempNamed(name.clone())) {
                        let _ = unlinkat(dirfd, name.as_os_str(), UnlinkatFlags::NoRemoveDir);
                        return Err(self.err(self.path, WriteStep::NameTemporary, e));
                    }
                    return Ok(Some((lock, name)));
                }
                Err(Errno::EEXIST) => continue,
                // Cannot link an anonymous file here: use a named one.
                Err(Errno::ENOENT | Errno::EACCES | Errno::EPERM | Errno::EOPNOTSUPP) => {
                    return Ok(None)
                }
                Err(e) => return Err(self.err(self.path, WriteStep::NameTemporary, e)),
            }
        }
        Err(self.err(self.path, WriteStep::NameTemporary, Errno::EEXIST))
    }

    /// The named path: `O_CREAT | O_EXCL | O_NOFOLLOW`, then lock.
    fn create_named_fallback(
        &self,
        dirfd: &OwnedFd,
        dir: &Path,
        file_name: &OsStr,
        contents: &[u8],
    ) -> Result<(Flock<OwnedFd>, OsString), WriteError> {
        let flags = OFlag::O_WRONLY
            | OFlag::O_CREAT
            | OFlag::O_EXCL
            | OFlag::O_NOFOLLOW
            | OFlag::O_NOCTTY
            | OFlag::O_CLOEXEC;
        for _ in 0..NAME_ATTEMPTS {
            let name = temp_name(file_name);
            let fd = match openat(
                dirfd,
                name.as_os_str(),
                flags,
                Mode::from_bits_truncate(self.options.file_mode & 0o7777),
            ) {
                Ok(fd) => fd,
                Err(Errno::EEXIST) => continue,
                Err(e) => return Err(self.err(dir, WriteStep::CreateTemporary, e)),
            };
            let remove = || {
                let _ = unlinkat(dirfd, name.as_os_str(), UnlinkatFlags::NoRemoveDir);
            };
            if let Err(e) = self.event(WriteEvent::TempCreated { anonymous: false }) {
                remove();
                return Err(self.err(dir, WriteStep::CreateTemporary, e));
            }
            // Between creation and locking, another writer's stale-file sweep
            // may lock and remove the file. Then it is gone (no links left)
            // or still locked: try a new name, the sweeper owns the old one.
            let lock = match Flock::lock(fd, FlockArg::LockExclusiveNonblock) {
                Ok(lock) => lock,
                Err((_, Errno::EWOULDBLOCK)) => continue,
                Err((_, e)) => {
                    remove();
                    return Err(self.err(self.path, WriteStep::Lock, e));
                }
            };
            match fstat(&*lock) {
                Ok(st) if st.st_nlink == 0 => continue,
                Ok(_) => {}
                Err(e) => {
                    remove();
                    return Err(self.err(self.path, WriteStep::Lock, e));
                }
            }
            let done = self
                .event(WriteEvent::TempLocked)
                .map_err(|e| self.err(self.path, WriteStep::Lock, e))
                .and_then(|()| self.fill(&lock, contents))
                .and_then(|()| {
                    self.event(WriteEvent::TempNamed(name.clone()))
                        .map_err(|e| self.err(self.path, WriteStep::NameTemporary, e))
                });
            if let Err(e) = done {
                remove();
                return Err(e);
            }
            return Ok((lock, name));
        }
        Err(self.err(dir, WriteStep::CreateTemporary, Errno::EEXIST))
    }

    fn lock(&self, fd: OwnedFd, arg: FlockArg) -> Result<Flock<OwnedFd>, WriteError> {
        let lock =
            Flock::lock(fd, arg).map_err(|(_, e)| self.err(self.path, WriteStep::Lock, e))?;
        self.event(WriteEvent::TempLocked)
            .map_err(|e| self.err(self.path, WriteStep::Lock, e))?;
        Ok(lock)
    }

    /// Writes all of `contents` and syncs it.
    fn fill(&self, fd: &Flock<OwnedFd>, contents: &[u8]) -> Result<(), WriteError> {
        let mut rest = contents;
        while !rest.is_empty() {
            match nix::unistd::write(&**fd, rest) {
                Ok(0) => return Err(self.err(self.path, WriteStep::Write, Errno::EIO)),
                Ok(n) => rest = &rest[n..],
                Err(Errno::EINTR) => {}
                Err(e) => return Err(self.err(self.path, WriteStep::Write, e)),
            }
        }
        self.event(WriteEvent::DataWritten)
            .map_err(|e| self.err(self.path, WriteStep::Write, e))?;
        fsync(fd.as_fd())
            .and_then(|()| self.event(WriteEvent::FileSynced))
            .map_err(|e| self.err(self.path, WriteStep::SyncFile, e))
    }
}

/// Whether `path` is a directory, following symlinks (Python `is_dir()`).
fn is_dir(path: &Path) -> bool {
    stat(path).is_ok_and(|st| st.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFDIR.bits())
}

/// Number of random hex digits in a temporary name.
const RANDOM_DIGITS: usize = 16;

/// A fresh temporary name: `.<file name>.<16 random hex digits>.tmp`.
///
/// The randomness comes from the standard library's `RandomState`, whose
/// keys are seeded from the operating system's random source; mixing in the
/// time, the process id and a counter makes every call distinct.
fn temp_name(file_name: &OsStr) -> OsString {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut name = Vec::with_capacity(file_name.len() + RANDOM_DIGITS + 6);
    name.push(b'.');
    name.extend_from_slice(file_name.as_bytes());
    name.extend_from_slice(format!(".{:016x}.tmp", hasher.finish()).as_bytes());
    OsString::from_vec(name)
}

/// Whether `candidate` is a temporary name [`temp_name`] makes for `file_name`.
fn is_temp_name(candidate: &[u8], file_name: &[u8]) -> bool {
    let Some(rest) = candidate
        .strip_prefix(b".")
        .and_then(|r| r.strip_prefix(file_name))
        .and_then(|r| r.strip_prefix(b"."))
        .and_then(|r| r.strip_suffix(b".tmp"))
    else {
        return false;
    };
    rest.len() == RANDOM_DIGITS && rest.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Removes temporaries of our naming whose writer is gone: regular files
/// (never followed through a symlink) whose exclusive lock can be taken and
/// which still carry the name they were opened by. Best effort: errors
/// leave the entry alone.
fn remove_stale_temporaries(dirfd: &OwnedFd, dir: &Path, file_name: &OsStr, w: &Writer<'_, '_>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !is_temp_name(name.as_bytes(), file_name.as_bytes()) {
            continue;
        }
        let flags = OFlag::O_RDONLY
            | OFlag::O_NOFOLLOW
            | OFlag::O_NONBLOCK
            | OFlag::O_NOCTTY
            | OFlag::O_CLOEXEC;
        let Ok(fd) = openat(dirfd, name.as_os_str(), flags, Mode::empty()) else {
            continue;
        };
        let Ok(opened) = fstat(&fd) else { continue };
        if opened.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFREG.bits() {
            continue;
        }
        let Ok(lock) = Flock::lock(fd, FlockArg::LockExclusiveNonblock) else {
            continue;
        };
        // Still the same file under that name (not renamed away meanwhile)?
        let same = fstatat(dirfd, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
            .is_ok_and(|now| now.st_dev == opened.st_dev && now.st_ino == opened.st_ino);
        if same && unlinkat(dirfd, name.as_os_str(), UnlinkatFlags::NoRemoveDir).is_ok() {
            let _ = w.event(WriteEvent::StaleRemoved(name.clone()));
        }
        drop(lock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_recognised_and_distinct() {
        let a = temp_name(OsStr::new("setup.stamp"));
        let b = temp_name(OsStr::new("setup.stamp"));
        assert_ne!(a, b);
        assert!(is_temp_name(a.as_bytes(), b"setup.stamp"), "{a:?}");
        assert!(a.as_bytes().starts_with(b".setup.stamp."));
        assert!(!is_temp_name(b"setup.stamp.tmp", b"setup.stamp"));
        assert!(!is_temp_name(b".setup.stamp.tmp", b"setup.stamp"));
        assert!(!is_temp_name(
            b".setup.stamp.0123456789abcdeg.tmp",
            b"setup.stamp"
        ));
        assert!(!is_temp_name(
            b".setup.stamp.0123456789ABCDEF.tmp",
            b"setup.stamp"
        ));
        assert!(!is_temp_name(
            b".other.0123456789abcdef.tmp",
            b"setup.stamp"
        ));
        assert!(is_temp_name(
            b".setup.stamp.0123456789abcdef.tmp",
            b"setup.stamp"
        ));
    }

    #[test]
    fn error_messages_name_path_and_cause() {
        let e = WriteError {
            path: "/x/setup.stamp".into(),
            step: WriteStep::Replace,
            errno: Errno::EISDIR,
        };
        assert_eq!(
            e.to_string(),
            "cannot replace /x/setup.stamp: EISDIR: Is a directory"
        );
    }
}
