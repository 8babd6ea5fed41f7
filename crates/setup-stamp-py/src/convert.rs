//! Conversions between the core's types and Python objects.

use std::path::Path;

use pyo3::exceptions::{PyKeyError, PyOSError, PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use setup_stamp::pyjson::PyString as CoreString;
use setup_stamp::verdict::{InstalledPackage, PackageChange, SetupVerdict};
use setup_stamp::{Ecosystem, Error};

use crate::core_api::{self, ErrorClass};

/// Position of a verdict among `SetupVerdict`'s members (declaration order:
/// `OK`, `FIRST_RUN`, `STALE_AFTER_UPDATE`, `STALE_AFTER_DOWNGRADE`,
/// `STAMP_CORRUPT`).
pub fn verdict_index(verdict: SetupVerdict) -> u8 {
    match verdict {
        SetupVerdict::Ok => 0,
        SetupVerdict::FirstRun => 1,
        SetupVerdict::StaleAfterUpdate => 2,
        SetupVerdict::StaleAfterDowngrade => 3,
        SetupVerdict::StampCorrupt => 4,
    }
}

/// Position of a change among `PackageChange`'s members (declaration order:
/// `SAME`, `UPGRADED`, `DOWNGRADED`, `NOT_INSTALLED`, `NOT_STAMPED`,
/// `UNKNOWN`).
pub fn change_index(change: PackageChange) -> u8 {
    match change {
        PackageChange::Same => 0,
        PackageChange::Upgraded => 1,
        PackageChange::Downgraded => 2,
        PackageChange::NotInstalled => 3,
        PackageChange::NotStamped => 4,
        PackageChange::Unknown => 5,
    }
}

/// A core string as a Python `str`; lone surrogates survive
/// (`surrogatepass` decoding of the WTF-8 bytes).
pub fn pystring_to_py<'py>(py: Python<'py>, s: &CoreString) -> PyResult<Bound<'py, PyString>> {
    match s.as_str() {
        Some(text) => Ok(PyString::new(py, text)),
        None => Ok(PyBytes::new(py, s.as_wtf8())
            .call_method1("decode", ("utf-8", "surrogatepass"))?
            .cast_into::<PyString>()?),
    }
}

/// The ecosystem argument: `None` for the reference one, else the tuple
/// `(namespace, tracked_packages, file_name)`.
pub fn ecosystem_arg(arg: Option<&Bound<'_, PyTuple>>) -> PyResult<Ecosystem> {
    match arg {
        None => Ok(core_api::terok_ecosystem()),
        Some(tuple) => {
            let (namespace, tracked, file_name): (String, Vec<String>, String) = tuple.extract()?;
            Ok(core_api::ecosystem(namespace, tracked, file_name))
        }
    }
}

/// Caller-supplied installed versions: an iterable of `(name, version)`
/// pairs. A version that is not a `str` becomes `None`: like the
/// reference's `None`, it cannot be compared (`TypeError` when reached).
pub fn installed_arg(arg: &Bound<'_, PyAny>) -> PyResult<Vec<InstalledPackage>> {
    let mut out = Vec::new();
    for item in arg.try_iter()? {
        let (name, version): (String, Bound<'_, PyAny>) = item?.extract()?;
        let version = version.extract::<String>().ok();
        out.push(InstalledPackage { name, version });
    }
    Ok(out)
}

/// An I/O error as Python raises it: `OSError(errno, strerror, filename)`,
/// which Python turns into the matching subclass.
pub fn io_error(py: Python<'_>, err: &std::io::Error, path: Option<&Path>) -> PyErr {
    match err.raw_os_error() {
        Some(errno) => os_error(py, errno, path),
        None => PyOSError::new_err(err.to_string()),
    }
}

/// `OSError(errno, strerror, filename)` for a raw `errno`.
pub fn os_error(py: Python<'_>, errno: i32, path: Option<&Path>) -> PyErr {
    let strerror = strerror(errno);
    match path {
        Some(path) => match path.into_pyobject(py) {
            Ok(p) => match p.str() {
                Ok(name) => PyOSError::new_err((errno, strerror, name.unbind())),
                Err(e) => e,
            },
            Err(e) => e,
        },
        None => PyOSError::new_err((errno, strerror)),
    }
}

/// The C library's text for `errno`, as `os.strerror` gives it.
pub fn strerror(errno: i32) -> String {
    let text = std::io::Error::from_raw_os_error(errno).to_string();
    // std formats "<strerror> (os error N)"; Python shows the bare text.
    match text.rfind(" (os error ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// A core error as the exception the reference raises in its place.
pub fn core_error(py: Python<'_>, err: &Error) -> PyErr {
    let (class, message) = core_api::classify(err);
    match class {
        ErrorClass::Os { errno, filename } => os_error(py, errno, filename.as_deref()),
        ErrorClass::Value => PyValueError::new_err(message),
        ErrorClass::UnicodeDecode { path } => unicode_decode_error(py, &path, message),
        ErrorClass::Type => PyTypeError::new_err(message),
        ErrorClass::Key => PyKeyError::new_err(message),
        ErrorClass::Runtime => PyRuntimeError::new_err(message),
    }
}

/// The `UnicodeDecodeError` Python raises reading `path` as UTF-8: the file
/// is decoded again by Python itself, so position and reason are Python's.
/// Falls back to a `ValueError` with `message` when the file cannot be read
/// (a member of a zip archive) or now decodes.
fn unicode_decode_error(py: Python<'_>, path: &Path, message: String) -> PyErr {
    if let Ok(bytes) = std::fs::read(path) {
        if let Err(err) = PyBytes::new(py, &bytes).call_method1("decode", ("utf-8",)) {
            return err;
        }
    }
    PyValueError::new_err(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_drops_the_std_suffix() {
        assert_eq!(strerror(2), "No such file or directory");
        assert_eq!(strerror(21), "Is a directory");
    }

    #[test]
    fn verdict_indices_follow_declaration_order() {
        let all = [
            SetupVerdict::Ok,
            SetupVerdict::FirstRun,
            SetupVerdict::StaleAfterUpdate,
            SetupVerdict::StaleAfterDowngrade,
            SetupVerdict::StampCorrupt,
        ];
        let idx: Vec<u8> = all.iter().map(|v| verdict_index(*v)).collect();
        assert_eq!(idx, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn change_indices_follow_declaration_order() {
        let all = [
            PackageChange::Same,
            PackageChange::Upgraded,
            PackageChange::Downgraded,
            PackageChange::NotInstalled,
            PackageChange::NotStamped,
            PackageChange::Unknown,
        ];
        let idx: Vec<u8> = all.iter().map(|c| change_index(*c)).collect();
        assert_eq!(idx, vec![0, 1, 2, 3, 4, 5]);
    }
}
