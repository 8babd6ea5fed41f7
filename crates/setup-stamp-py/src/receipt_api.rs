//! The receipt half of `setup_stamp._native`: what `setup_stamp.setup` (the
//! drop-in for `terok_util.setup`) calls for its work.
//!
//! Statuses cross the boundary as their position among `SetupStatus`'s
//! members; refusals the Python layer turns into its own exception classes
//! come back as `(kind, message)` pairs ([`REFUSED_DOWNGRADE`],
//! [`REFUSED_OWNER`], [`REFUSED_VERSION`]); I/O errors are raised as
//! `OSError(errno, strerror, filename)` and version numbers Python refuses to
//! convert as `ValueError`.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use setup_stamp::location::{self, SystemHost};
use setup_stamp::receipt::{
    self, LockError, ReceiptCheckError, ReceiptWriteError, SetupLock, SetupReceipt, SetupStatus,
};
use setup_stamp::safe_file::WriteStep;
use setup_stamp::Error;

use crate::convert::{core_error, os_error};
use crate::core_api::{version_error_message, TEROK_NAMESPACE};

/// `(kind, message)` kind: the receipt on disk is a downgrade
/// (`SetupDowngradeError`).
pub const REFUSED_DOWNGRADE: u8 = 1;
/// `(kind, message)` kind: the owner is empty (`ValueError`).
pub const REFUSED_OWNER: u8 = 2;
/// `(kind, message)` kind: the version is not PEP 440 (`InvalidVersion`).
pub const REFUSED_VERSION: u8 = 3;

/// Position of a status among `SetupStatus`'s members (declaration order:
/// `READY`, `MISSING`, `STALE`, `DOWNGRADE`, `INVALID`).
pub fn status_index(status: SetupStatus) -> u8 {
    match status {
        SetupStatus::Ready => 0,
        SetupStatus::Missing => 1,
        SetupStatus::Stale => 2,
        SetupStatus::Downgrade => 3,
        SetupStatus::Invalid => 4,
    }
}

fn receipt(
    path: PathBuf,
    owner: String,
    version: String,
    inputs: Vec<(String, String)>,
) -> SetupReceipt {
    inputs
        .into_iter()
        .fold(SetupReceipt::new(path, owner, version), |r, (k, v)| {
            r.with_input(k, v)
        })
}

fn check_error(err: &ReceiptCheckError) -> PyErr {
    match err {
        ReceiptCheckError::Version(e) => PyValueError::new_err(version_error_message(e)),
    }
}

/// A write or clear failure: a refusal as `(kind, message)`, anything else
/// raised.
fn write_outcome(py: Python<'_>, err: ReceiptWriteError) -> PyResult<Option<(u8, String)>> {
    match err {
        ReceiptWriteError::Refused(e) => Ok(Some((REFUSED_DOWNGRADE, e.message().to_owned()))),
        ReceiptWriteError::EmptyOwner => Ok(Some((REFUSED_OWNER, err.to_string()))),
        ReceiptWriteError::InvalidVersion { .. } => Ok(Some((REFUSED_VERSION, err.to_string()))),
        ReceiptWriteError::Check(e) => Err(check_error(&e)),
        ReceiptWriteError::Version(e) => Err(PyValueError::new_err(version_error_message(&e))),
        // A path without a file name (`.`, `..`, `/`): the reference's
        // `os.replace` onto it fails with EBUSY (Linux `rename`), where the
        // core refuses it up front with EINVAL.
        ReceiptWriteError::Write(e) if e.step == WriteStep::NoFileName => {
            Err(os_error(py, nix::errno::Errno::EBUSY as i32, Some(&e.path)))
        }
        ReceiptWriteError::Write(e) => Err(os_error(py, e.errno as i32, Some(&e.path))),
        ReceiptWriteError::Remove(e) => Err(os_error(py, e.errno as i32, Some(&e.path))),
    }
}

/// `SetupReceipt(path, owner, version, inputs).check()`: `(status_index,
/// diagnostic)`. `inputs` is a list of `(key, value)` pairs (a repeated
/// key keeps its last value).
#[pyfunction]
pub fn receipt_check(
    py: Python<'_>,
    path: PathBuf,
    owner: String,
    version: String,
    inputs: Vec<(String, String)>,
) -> PyResult<(u8, String)> {
    let r = receipt(path, owner, version, inputs);
    let check = py.detach(|| r.check()).map_err(|e| check_error(&e))?;
    Ok((status_index(check.status), check.diagnostic))
}

/// `SetupReceipt(...).write()`: `None` when written, `(kind, message)` when
/// refused (see the module documentation).
#[pyfunction]
pub fn receipt_write(
    py: Python<'_>,
    path: PathBuf,
    owner: String,
    version: String,
    inputs: Vec<(String, String)>,
) -> PyResult<Option<(u8, String)>> {
    let r = receipt(path, owner, version, inputs);
    match py.detach(|| r.write()) {
        Ok(()) => Ok(None),
        Err(e) => write_outcome(py, e),
    }
}

/// `SetupReceipt(...).clear()`: `None` when cleared (or there was nothing),
/// `(kind, message)` when refused.
#[pyfunction]
pub fn receipt_clear(
    py: Python<'_>,
    path: PathBuf,
    owner: String,
    version: String,
    inputs: Vec<(String, String)>,
) -> PyResult<Option<(u8, String)>> {
    let r = receipt(path, owner, version, inputs);
    match py.detach(|| r.clear()) {
        Ok(_) => Ok(None),
        Err(e) => write_outcome(py, e),
    }
}

/// The exact text `write()` would write (`json.dump(receipt,
/// sort_keys=True)` and a newline).
#[pyfunction]
pub fn receipt_render(owner: String, version: String, inputs: Vec<(String, String)>) -> String {
    receipt(PathBuf::new(), owner, version, inputs).rendered()
}

/// The platform state base (`/var/lib/terok` for real root, the user data
/// directory otherwise): `terok_util.paths._platform_state_base()`.
#[pyfunction]
pub fn platform_state_base(py: Python<'_>) -> PyResult<PathBuf> {
    py.detach(|| location::platform_state_base(TEROK_NAMESPACE, &SystemHost))
        .map_err(|e| core_error(py, &Error::Location(e)))
}

/// `python_identity()` for an interpreter whose `sys.executable` is
/// `executable` (as bytes; empty when Python could not tell) and whose
/// `sys.version` is `version`: the `stat` and the JSON are done here.
#[pyfunction]
pub fn python_identity(py: Python<'_>, executable: Vec<u8>, version: String) -> String {
    py.detach(|| {
        let identity = if executable.is_empty() {
            None
        } else {
            receipt::file_identity(Path::new(std::ffi::OsStr::from_bytes(&executable)))
        };
        receipt::format_python_identity(&executable, &version, identity)
    })
}

/// The held setup lock (`setup_lock()`'s `flock`), released by
/// [`release`](SetupLockHandle::release) or when the object goes away.
#[pyclass(frozen, module = "setup_stamp._native")]
pub struct SetupLockHandle {
    held: Mutex<Option<Held>>,
}

struct Held {
    lock: SetupLock,
}

#[pymethods]
impl SetupLockHandle {
    /// Releases the lock (closes its descriptor); a second call does nothing.
    fn release(&self) {
        if let Ok(mut held) = self.held.lock() {
            held.take();
        }
    }

    /// In a forked child: closes the inherited descriptor *without*
    /// unlocking, which would release the parent's lock (a `flock` belongs to
    /// the open file, which parent and child share). The child thereby
    /// neither owns nor keeps the parent's lock.
    fn forget_after_fork(&self) {
        let taken = match self.held.lock() {
            Ok(mut held) => held.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(held) = taken {
            held.lock.close_in_forked_child();
        }
    }

    /// Whether the lock is still held by this handle.
    fn held(&self) -> bool {
        self.held.lock().map(|h| h.is_some()).unwrap_or(false)
    }

    /// The lock file.
    fn path(&self) -> Option<PathBuf> {
        self.held
            .lock()
            .ok()
            .and_then(|h| h.as_ref().map(|h| h.lock.path().to_owned()))
    }
}

/// Takes the setup lock at `path` (default: `<platform state base>/setup.lock`)
/// without waiting; `None` when another holder has it (`_SETUP_BUSY`).
#[pyfunction]
#[pyo3(signature = (path=None))]
pub fn setup_lock_acquire(
    py: Python<'_>,
    path: Option<PathBuf>,
) -> PyResult<Option<SetupLockHandle>> {
    let path = match path {
        Some(path) => path,
        None => py
            .detach(|| receipt::setup_lock_path(TEROK_NAMESPACE, &SystemHost))
            .map_err(|e| core_error(py, &Error::Location(e)))?,
    };
    let taken = py.detach(|| SetupLock::try_acquire(&path).map(|lock| Held { lock }));
    match taken {
        Ok(held) => Ok(Some(SetupLockHandle {
            held: Mutex::new(Some(held)),
        })),
        Err(LockError::Busy { .. }) => Ok(None),
        Err(LockError::Open { path, errno }) | Err(LockError::Lock { path, errno }) => {
            Err(os_error(py, errno as i32, Some(&path)))
        }
    }
}

/// The message of a busy lock (`_SETUP_BUSY`).
pub const SETUP_BUSY: &str = receipt::SETUP_BUSY;

/// Adds the receipt functions to `_native`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(receipt_check, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_write, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_clear, m)?)?;
    m.add_function(wrap_pyfunction!(receipt_render, m)?)?;
    m.add_function(wrap_pyfunction!(platform_state_base, m)?)?;
    m.add_function(wrap_pyfunction!(python_identity, m)?)?;
    m.add_function(wrap_pyfunction!(setup_lock_acquire, m)?)?;
    m.add_class::<SetupLockHandle>()?;
    m.add("SETUP_BUSY", SETUP_BUSY)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_indices_follow_declaration_order() {
        let idx: Vec<u8> = SetupStatus::ALL.iter().map(|s| status_index(*s)).collect();
        assert_eq!(idx, vec![0, 1, 2, 3, 4]);
    }
}
