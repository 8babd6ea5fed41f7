//! One owner's receipt on disk: `SetupReceipt(path, owner, version,
//! inputs)` with `check()`, `write()` and `clear()`.

use std::fmt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;

use super::format::{compare_receipt, render_receipt, ReceiptCheckError, Stored};
use super::status::{require_no_downgrade, SetupCheck, SetupError};
use crate::safe_file::{self, ReadFailure, RemoveError, WriteError, WriteOptions};
use crate::version::{self, VersionError};

/// The largest receipt read. A real one is a few hundred bytes; a larger
/// file is `invalid` without being read (the reference would read it all).
pub const MAX_RECEIPT_BYTES: u64 = 1 << 20;

/// The mode a receipt is created with, before the umask: the reference's
/// `tempfile.NamedTemporaryFile` creates `0o600`, and the rename keeps it.
pub const RECEIPT_FILE_MODE: u32 = 0o600;

/// One owner's setup receipt: where it lives and what the running owner
/// would certify (its version and setup inputs).
///
/// ```
/// use setup_stamp::receipt::{SetupReceipt, SetupStatus};
/// let dir = std::env::temp_dir().join(format!("setup-stamp-doc-receipt-{}", std::process::id()));
/// let receipt = SetupReceipt::new(dir.join("setup.json"), "acme", "1.0").with_input("python", "3.12");
/// assert_eq!(receipt.check()?.status, SetupStatus::Missing);
/// receipt.write()?;
/// assert_eq!(receipt.check()?.status, SetupStatus::Ready);
/// assert_eq!(
///     SetupReceipt::new(dir.join("setup.json"), "acme", "0.9").check()?.diagnostic,
///     "Setup belongs to newer acme 1.0; running 0.9"
/// );
/// assert!(receipt.clear()?);
/// # std::fs::remove_dir(&dir).unwrap();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupReceipt {
    /// The receipt file (`<owner's state directory>/setup.json`).
    pub path: PathBuf,
    /// The owner (`terok-sandbox`).
    pub owner: String,
    /// The owner's running version.
    pub version: String,
    /// The setup inputs, as a mapping (a repeated key keeps its last value).
    pub inputs: Vec<(String, String)>,
}

/// Writing or clearing a receipt failed.
#[derive(Debug)]
pub enum ReceiptWriteError {
    /// The receipt on disk is a downgrade: `SetupDowngradeError`.
    Refused(SetupError),
    /// Checking the receipt on disk raised (see [`ReceiptCheckError`]).
    Check(ReceiptCheckError),
    /// The owner is empty: the reference's `ValueError("Setup receipt
    /// requires a string owner, version, and inputs")`.
    EmptyOwner,
    /// The running version is not PEP 440 (`InvalidVersion`).
    InvalidVersion {
        /// The version.
        version: String,
    },
    /// The running version has a number over 4,300 digits (`ValueError`).
    Version(VersionError),
    /// The durable replacement failed; the previous receipt is intact.
    Write(WriteError),
    /// Removing the receipt failed (a directory at the path, permissions).
    Remove(RemoveError),
}

/// The reference's message for a receipt without a usable owner.
pub const EMPTY_OWNER_MESSAGE: &str = "Setup receipt requires a string owner, version, and inputs";

impl fmt::Display for ReceiptWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiptWriteError::Refused(e) => e.fmt(f),
            ReceiptWriteError::Check(e) => write!(f, "cannot check the receipt: {e}"),
            ReceiptWriteError::EmptyOwner => f.write_str(EMPTY_OWNER_MESSAGE),
            ReceiptWriteError::InvalidVersion { version } => {
                write!(
                    f,
                    "Invalid version: {}",
                    crate::pyjson::python_repr(&version.as_str().into())
                )
            }
            ReceiptWriteError::Version(e) => e.fmt(f),
            ReceiptWriteError::Write(e) => e.fmt(f),
            ReceiptWriteError::Remove(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReceiptWriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReceiptWriteError::Refused(e) => Some(e),
            ReceiptWriteError::Check(e) => Some(e),
            ReceiptWriteError::Version(e) => Some(e),
            ReceiptWriteError::Write(e) => Some(e),
            ReceiptWriteError::Remove(e) => Some(e),
            ReceiptWriteError::EmptyOwner | ReceiptWriteError::InvalidVersion { .. } => None,
        }
    }
}

impl SetupReceipt {
    /// A receipt with no inputs yet.
    pub fn new(
        path: impl Into<PathBuf>,
        owner: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        SetupReceipt {
            path: path.into(),
            owner: owner.into(),
            version: version.into(),
            inputs: Vec::new(),
        }
    }

    /// Adds (or replaces) one setup input.
    pub fn with_input(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let (key, value) = (key.into(), value.into());
        match self.inputs.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.inputs.push((key, value)),
        }
        self
    }

    /// Compares the receipt on disk with this owner, version and inputs
    /// (`check()`). The file is opened without blocking and read up to
    /// [`MAX_RECEIPT_BYTES`]: a FIFO, a device or a huge file is `invalid`
    /// at once.
    ///
    /// # Errors
    /// Where the reference raises: a version with a number over 4,300
    /// digits.
    pub fn check(&self) -> Result<SetupCheck, ReceiptCheckError> {
        let read = read_receipt(&self.path);
        self.compare(stored(&read))
    }

    /// [`check`](Self::check) against receipt bytes already read (or their
    /// absence), without touching the file.
    pub fn compare(&self, stored: Stored<'_>) -> Result<SetupCheck, ReceiptCheckError> {
        compare_receipt(stored, &self.owner, &self.version, &self.inputs)
    }

    /// Certifies successful setup (`write()`): refuses when the receipt on
    /// disk is a downgrade, validates, then replaces the file atomically and
    /// durably with `json.dump(receipt, sort_keys=True)` and a newline (mode
    /// `0o600` minus umask, parent directories created).
    ///
    /// Unlike the reference, the file and its directory are `fsync`ed and
    /// the temporary file is anonymous until complete: a crash leaves the old
    /// receipt or the new one, never a half-written one or a stray file.
    pub fn write(&self) -> Result<(), ReceiptWriteError> {
        self.refuse_downgrade()?;
        if self.owner.is_empty() {
            return Err(ReceiptWriteError::EmptyOwner);
        }
        match version::parse_version(&self.version) {
            Ok(Some(_)) => {}
            Ok(None) => {
                return Err(ReceiptWriteError::InvalidVersion {
                    version: self.version.clone(),
                })
            }
            Err(e) => return Err(ReceiptWriteError::Version(e)),
        }
        let text = render_receipt(&self.owner, &self.version, &self.inputs);
        let options = WriteOptions {
            file_mode: RECEIPT_FILE_MODE,
            ..WriteOptions::default()
        };
        safe_file::write_file_with(&python_path(&self.path), text.as_bytes(), &options)
            .map_err(ReceiptWriteError::Write)
    }

    /// Invalidates the receipt (`clear()`): refuses a downgrade, then
    /// removes the file. `Ok(false)` when there was none.
    pub fn clear(&self) -> Result<bool, ReceiptWriteError> {
        self.refuse_downgrade()?;
        safe_file::remove_file(&python_path(&self.path)).map_err(ReceiptWriteError::Remove)
    }

    /// The exact bytes [`write`](Self::write) would write.
    pub fn rendered(&self) -> String {
        render_receipt(&self.owner, &self.version, &self.inputs)
    }

    fn refuse_downgrade(&self) -> Result<(), ReceiptWriteError> {
        let check = self.check().map_err(ReceiptWriteError::Check)?;
        require_no_downgrade([&check]).map_err(ReceiptWriteError::Refused)
    }
}

/// Reads the receipt's bytes as `Path(path).read_text()` would reach them
/// (the path spelled as pathlib does, at most [`MAX_RECEIPT_BYTES`]).
pub(super) fn read_receipt(path: &Path) -> Result<Vec<u8>, ReadFailure> {
    safe_file::read_regular_file(&python_path(path), MAX_RECEIPT_BYTES)
}

/// What a read found, as the comparison sees it: no file (`ENOENT`, the
/// reference's `FileNotFoundError`), something unreadable (any other
/// `OSError`), or the bytes.
pub(super) fn stored(read: &Result<Vec<u8>, ReadFailure>) -> Stored<'_> {
    match read {
        Ok(bytes) => Stored::Bytes(bytes),
        Err(ReadFailure::OpenFailed {
            errno: Errno::ENOENT,
        }) => Stored::Missing,
        Err(_) => Stored::Unreadable,
    }
}

/// The path as `pathlib` spells it: repeated slashes, `.` components and a
/// trailing slash dropped, an empty path being `.` (so `dir/` names `dir`,
/// and `""` the current directory, as in the reference).
fn python_path(path: &Path) -> PathBuf {
    let normal: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if normal.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        normal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::SetupStatus;

    #[test]
    fn pathlib_spelling() {
        assert_eq!(python_path(Path::new("")), Path::new("."));
        assert_eq!(python_path(Path::new("a//b/./c/")), Path::new("a/b/c"));
        assert_eq!(python_path(Path::new("./x")), Path::new("x"));
        assert_eq!(python_path(Path::new("/")), Path::new("/"));
    }

    #[test]
    fn write_check_clear_cycle_with_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("deep/er/setup.json");
        let r = SetupReceipt::new(&path, "o", "1.0")
            .with_input("b", "2")
            .with_input("a", "1");
        assert_eq!(r.check().unwrap().status, SetupStatus::Missing);
        r.write().expect("write");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "{\"inputs\": {\"a\": \"1\", \"b\": \"2\"}, \"owner\": \"o\", \"version\": \"1.0\"}\n"
        );
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & !0o600, 0, "mode {mode:o}");
        assert_eq!(r.check().unwrap().status, SetupStatus::Ready);
        assert_eq!(
            r.clone().with_input("a", "x").check().unwrap().status,
            SetupStatus::Stale
        );
        assert!(r.clear().unwrap());
        assert!(!r.clear().unwrap());
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            0
        );
    }

    #[test]
    fn write_and_clear_refuse_a_downgrade_and_keep_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("setup.json");
        SetupReceipt::new(&path, "o", "2.0").write().unwrap();
        let older = SetupReceipt::new(&path, "o", "1.0");
        for result in [older.write().map(|_| true), older.clear()] {
            let err = result.expect_err("refused");
            assert_eq!(
                err.to_string(),
                "o/receipt: Setup belongs to newer o 2.0; running 1.0. Downgrades are not supported."
            );
        }
        assert!(std::fs::read_to_string(&path).unwrap().contains("\"2.0\""));
    }

    #[test]
    fn write_validates_owner_and_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("setup.json");
        let e = SetupReceipt::new(&path, "", "1.0").write().unwrap_err();
        assert_eq!(e.to_string(), EMPTY_OWNER_MESSAGE);
        let e = SetupReceipt::new(&path, "o", "1.0_1").write().unwrap_err();
        assert_eq!(e.to_string(), "Invalid version: '1.0_1'");
        assert!(!path.exists());
    }

    #[test]
    fn hostile_files_are_invalid_without_blocking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("fifo.json");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
        let huge = dir.path().join("huge.json");
        std::fs::write(&huge, vec![b' '; (MAX_RECEIPT_BYTES + 1) as usize]).unwrap();
        for path in [fifo, huge, dir.path().to_owned()] {
            let c = SetupReceipt::new(&path, "o", "1.0").check().unwrap();
            assert_eq!(c.status, SetupStatus::Invalid, "{}", path.display());
            assert_eq!(c.diagnostic, "Setup receipt cannot be read");
        }
        let parent_is_file = dir.path().join("huge.json/setup.json");
        let c = SetupReceipt::new(parent_is_file, "o", "1.0")
            .check()
            .unwrap();
        assert_eq!(c.status, SetupStatus::Invalid);
    }
}
