//! `setup_stamp._native`: the compiled half of the Python package `setup_stamp`.
//!
//! The public Python API lives in `python/setup_stamp/__init__.py`, which
//! keeps the reference module's names (and so its monkeypatching points) and
//! calls the functions here for the work. Everything here is private API:
//! verdicts cross the boundary as small integers, reports as tuples.
//!
//! Conversions follow Python's rules: stamp text may hold lone surrogates
//! (WTF-8 in the core) and reaches Python through `surrogatepass` decoding;
//! I/O errors become `OSError(errno, strerror, filename)`, so Python picks
//! the subclass (`FileNotFoundError`, `IsADirectoryError`, ...).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod convert;
pub mod core_api;
pub mod receipt_api;
pub mod startup_api;

use std::path::PathBuf;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::convert::{
    change_index, core_error, ecosystem_arg, installed_arg, io_error, os_error, pystring_to_py,
    verdict_index,
};

/// The search path as a list of paths; entries that are not `str`/`bytes`/
/// path-like are skipped, as `importlib.metadata` ignores them.
fn search_path_arg(search_path: &Bound<'_, PyAny>) -> PyResult<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in search_path.try_iter()? {
        if let Ok(path) = entry?.extract::<PathBuf>() {
            out.push(path);
        }
    }
    Ok(out)
}

/// Verdict (as an index into `SetupVerdict`'s members) for an ecosystem and
/// search path, all work done natively.
#[pyfunction]
#[pyo3(signature = (search_path, ecosystem=None))]
fn needs_setup(
    py: Python<'_>,
    search_path: &Bound<'_, PyAny>,
    ecosystem: Option<&Bound<'_, PyTuple>>,
) -> PyResult<u8> {
    let stamp = core_api::setup_stamp(ecosystem_arg(ecosystem)?, search_path_arg(search_path)?);
    let verdict = py
        .detach(|| core_api::needs_setup(&stamp))
        .map_err(|e| core_error(py, &e))?;
    Ok(verdict_index(verdict))
}

/// The per-package report: `(verdict_index, [(package, stamped, is_installed,
/// installed, change_index), ...])`. `installed` (a list of `(name, version)`
/// pairs) replaces reading the search path when given.
#[pyfunction]
#[pyo3(signature = (search_path, ecosystem=None, installed=None))]
fn check<'py>(
    py: Python<'py>,
    search_path: &Bound<'py, PyAny>,
    ecosystem: Option<&Bound<'py, PyTuple>>,
    installed: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let stamp = core_api::setup_stamp(ecosystem_arg(ecosystem)?, search_path_arg(search_path)?);
    let report = match installed {
        None => py
            .detach(|| core_api::check(&stamp))
            .map_err(|e| core_error(py, &e))?,
        Some(list) => {
            let installed = installed_arg(list)?;
            py.detach(|| core_api::check_with(&stamp, &installed))
                .map_err(|e| core_error(py, &e))?
        }
    };
    let rows = PyList::empty(py);
    for status in &report.packages {
        let stamped = match &status.stamped {
            Some(s) => pystring_to_py(py, s)?.into_any(),
            None => py.None().into_bound(py),
        };
        let (is_installed, version) = match &status.installed {
            Some(v) => (true, v.clone()),
            None => (false, None),
        };
        let row = (
            pystring_to_py(py, &status.package)?,
            stamped,
            is_installed,
            version,
            change_index(status.change),
        );
        rows.append(row)?;
    }
    PyTuple::new(
        py,
        [
            verdict_index(report.verdict).into_pyobject(py)?.into_any(),
            rows.into_any(),
        ],
    )
}

/// Where the stamp lives (a `pathlib.Path`).
#[pyfunction]
#[pyo3(signature = (ecosystem=None))]
fn stamp_path(py: Python<'_>, ecosystem: Option<&Bound<'_, PyTuple>>) -> PyResult<PathBuf> {
    let stamp = core_api::setup_stamp(ecosystem_arg(ecosystem)?, Vec::new());
    py.detach(|| core_api::stamp_path(&stamp))
        .map_err(|e| core_error(py, &e))
}

/// Writes the stamp for the installed tracked packages; returns its path.
#[pyfunction]
#[pyo3(signature = (search_path, ecosystem=None))]
fn write_stamp(
    py: Python<'_>,
    search_path: &Bound<'_, PyAny>,
    ecosystem: Option<&Bound<'_, PyTuple>>,
) -> PyResult<PathBuf> {
    let stamp = core_api::setup_stamp(ecosystem_arg(ecosystem)?, search_path_arg(search_path)?);
    py.detach(|| core_api::write_stamp(&stamp))
        .map_err(|e| core_error(py, &e))
}

/// Writes a stamp at `path` recording `installed` (an iterable of `(name,
/// version)` pairs).
#[pyfunction]
fn write_stamp_file(py: Python<'_>, path: PathBuf, installed: &Bound<'_, PyAny>) -> PyResult<()> {
    let installed = installed_arg(installed)?;
    py.detach(|| core_api::write_stamp_file(&path, &installed))
        .map_err(|e| os_error(py, e.errno as i32, Some(&e.path)))
}

/// Removes the stamp; `True` if a file was removed.
#[pyfunction]
#[pyo3(signature = (ecosystem=None))]
fn clear_stamp(py: Python<'_>, ecosystem: Option<&Bound<'_, PyTuple>>) -> PyResult<bool> {
    let stamp = core_api::setup_stamp(ecosystem_arg(ecosystem)?, Vec::new());
    py.detach(|| core_api::clear_stamp(&stamp))
        .map_err(|e| core_error(py, &e))
}

/// `{name: version}` of the tracked packages found on `search_path`, in
/// tracked order; `version` is `None` for metadata without a `Version`.
#[pyfunction]
#[pyo3(signature = (search_path, ecosystem=None))]
fn installed_versions<'py>(
    py: Python<'py>,
    search_path: &Bound<'py, PyAny>,
    ecosystem: Option<&Bound<'py, PyTuple>>,
) -> PyResult<Bound<'py, PyDict>> {
    let stamp = core_api::setup_stamp(ecosystem_arg(ecosystem)?, search_path_arg(search_path)?);
    let found = py
        .detach(|| core_api::installed_versions(&stamp))
        .map_err(|e| core_error(py, &e))?;
    let out = PyDict::new(py);
    for package in found {
        out.set_item(package.name, package.version)?;
    }
    Ok(out)
}

/// Reads and parses a stamp file.
///
/// Returns `(0, [(key, value), ...])` on success. Parse failures the Python
/// layer turns into the reference's exceptions come back as data:
/// `(1, raw_bytes)` not UTF-8; `(2, raw_bytes, message, line, column)` a
/// JSON grammar error; `(3,)` nested too deep; `(4, message)` a plain
/// `ValueError` (shape, schema, over-long integer). I/O errors are raised as `OSError`.
#[pyfunction]
fn read_stamp<'py>(py: Python<'py>, path: PathBuf) -> PyResult<Bound<'py, PyTuple>> {
    let bytes = py
        .detach(|| core_api::read_file(&path))
        .map_err(|e| io_error(py, &e, Some(&path)))?;
    let tuple = match core_api::parse_stamp(&bytes) {
        Ok(packages) => {
            let pairs = PyList::empty(py);
            for (key, value) in &packages {
                pairs.append((pystring_to_py(py, key)?, pystring_to_py(py, value)?))?;
            }
            (0u8, pairs).into_pyobject(py)?
        }
        Err(core_api::StampFailure::NotUtf8) => {
            (1u8, pyo3::types::PyBytes::new(py, &bytes)).into_pyobject(py)?
        }
        Err(core_api::StampFailure::Json {
            message,
            line,
            column,
        }) => (
            2u8,
            pyo3::types::PyBytes::new(py, &bytes),
            message,
            line,
            column,
        )
            .into_pyobject(py)?,
        Err(core_api::StampFailure::TooDeep) => (3u8,).into_pyobject(py)?,
        Err(core_api::StampFailure::Shape(message)) => (4u8, message).into_pyobject(py)?,
    };
    Ok(tuple)
}

/// `-1`, `0` or `1` for `a` against `b`: PEP 440 when both are valid
/// versions, else code-point order. Both must be `str` (else `TypeError`, as
/// `packaging.version.Version` raises).
#[pyfunction]
fn compare_versions(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<i8> {
    let (a, b) = (text_arg(a)?, text_arg(b)?);
    let ordering = match (a.to_str(), b.to_str()) {
        (Ok(a), Ok(b)) => core_api::compare_versions(a, b)
            .map_err(|e| PyValueError::new_err(core_api::version_error_message(&e)))?,
        // A lone surrogate is never part of a valid version, so the
        // reference falls back to comparing the strings themselves.
        _ => a.compare(b)?,
    };
    Ok(ordering as i8)
}

/// `obj` as a Python `str`, or the `TypeError` `packaging` raises for it.
fn text_arg<'a, 'py>(obj: &'a Bound<'py, PyAny>) -> PyResult<&'a Bound<'py, PyString>> {
    obj.cast::<PyString>().map_err(|_| {
        let type_name = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "object".to_owned());
        PyTypeError::new_err(format!(
            "expected string or bytes-like object, got '{type_name}'"
        ))
    })
}

/// The module `setup_stamp._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(needs_setup, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(stamp_path, m)?)?;
    m.add_function(wrap_pyfunction!(write_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(write_stamp_file, m)?)?;
    m.add_function(wrap_pyfunction!(clear_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(installed_versions, m)?)?;
    m.add_function(wrap_pyfunction!(read_stamp, m)?)?;
    m.add_function(wrap_pyfunction!(compare_versions, m)?)?;
    receipt_api::register(m)?;
    startup_api::register(m)?;
    m.add(
        "TEROK_TRACKED",
        PyTuple::new(m.py(), core_api::TEROK_TRACKED)?,
    )?;
    m.add("TEROK_NAMESPACE", core_api::TEROK_NAMESPACE)?;
    m.add("TEROK_FILE_NAME", core_api::TEROK_FILE_NAME)?;
    // Lets benchmarks refuse an unoptimised build.
    m.add("OPTIMIZED", !cfg!(debug_assertions))?;
    // "static" when GCC's unwinder is linked in (no libgcc_s at import).
    m.add("UNWINDER", env!("SETUP_STAMP_UNWINDER"))?;
    Ok(())
}
