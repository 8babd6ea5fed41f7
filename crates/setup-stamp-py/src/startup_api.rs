//! The start-up half of `setup_stamp._native`: terok's own verdict
//! (`setup_status(check_setup())`), kept and proved current, for
//! `setup_stamp.startup`.
//!
//! The verdict crosses the boundary as a tuple:
//! `(owner, status, checks, error, source)` where `checks` is a list of
//! `(owner, component, status, diagnostic)` strings, `error` is `None` or
//! `(type_name, message)` of what terok's check raised, and `source` is
//! `("kept", file)` or `("computed", why, file, kept, not_kept)`. When there
//! is no verdict, `StartupUnavailable` (defined by the Python layer and
//! passed in) is raised with the reason.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

use setup_stamp::environment::HostEnv;
use setup_stamp::receipt::TerokOwner;
use setup_stamp::startup::{
    install_protocol, AnswerSource, Protocol, RefreshPolicy, StartupVerdict, TerokStartup,
};
use setup_stamp::SetupStamp;

/// `(owner, component, status, diagnostic)`.
type CheckTuple = (String, String, String, String);

/// `("kept", file)` or `("computed", why, file, kept, not_kept)`, flattened.
type SourceTuple = (
    String,
    Option<String>,
    Option<PathBuf>,
    bool,
    Option<String>,
);

/// What [`terok_verdict`] returns.
type VerdictTuple = (
    String,
    String,
    Vec<CheckTuple>,
    Option<(String, String)>,
    SourceTuple,
);

fn owner_named(name: &str) -> PyResult<TerokOwner> {
    TerokOwner::ALL
        .into_iter()
        .find(|o| o.name() == name)
        .ok_or_else(|| PyValueError::new_err(format!("{name:?} is not a terok receipt owner")))
}

fn policy_named(name: &str) -> PyResult<RefreshPolicy> {
    Ok(match name {
        "when_changed" => RefreshPolicy::WhenChanged,
        "always" => RefreshPolicy::Always,
        "never" => RefreshPolicy::Never,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown refresh policy {other:?}"
            )))
        }
    })
}

fn verdict_tuple(verdict: StartupVerdict) -> VerdictTuple {
    let checks = verdict
        .answer
        .checks()
        .into_iter()
        .map(|c| {
            (
                c.owner,
                c.component,
                c.status.as_str().to_owned(),
                c.diagnostic,
            )
        })
        .collect();
    let error = match &verdict.answer {
        setup_stamp::startup::Answer::Raised { error } => {
            Some((error.type_name.clone(), error.message.clone()))
        }
        setup_stamp::startup::Answer::Checks { .. } => None,
    };
    let source = match verdict.source {
        AnswerSource::Kept { file } => ("kept".to_owned(), None, Some(file), true, None),
        AnswerSource::Computed { why, file, kept } => (
            "computed".to_owned(),
            Some(why),
            file,
            kept.is_ok(),
            kept.err(),
        ),
    };
    (
        verdict.owner.name().to_owned(),
        verdict.answer.status().as_str().to_owned(),
        checks,
        error,
        source,
    )
}

/// The top-most receipt owner installed on `search_path`, or `None` when
/// the install does not use receipts.
#[pyfunction]
pub fn receipt_owner(py: Python<'_>, search_path: Vec<PathBuf>) -> Option<&'static str> {
    let stamp = SetupStamp::terok().with_search_path(search_path);
    match py.detach(|| install_protocol(&stamp)) {
        Protocol::Receipts { owner } => Some(owner.name()),
        Protocol::Stamp => None,
    }
}

/// terok's verdict of `owner` run by `interpreter` with `search_path`.
#[pyfunction]
#[pyo3(signature = (owner, interpreter, search_path, refresh="when_changed", timeout=None, cache_dir=None))]
pub fn terok_verdict(
    py: Python<'_>,
    owner: &str,
    interpreter: PathBuf,
    search_path: Vec<PathBuf>,
    refresh: &str,
    timeout: Option<f64>,
    cache_dir: Option<PathBuf>,
) -> PyResult<VerdictTuple> {
    let owner = owner_named(owner)?;
    let mut startup = TerokStartup::new(owner, interpreter, search_path, HostEnv::from_process());
    startup.refresh = policy_named(refresh)?;
    if let Some(seconds) = timeout {
        if !(seconds.is_finite() && seconds > 0.0) {
            return Err(PyValueError::new_err(
                "timeout must be a positive number of seconds",
            ));
        }
        startup.timeout = Duration::from_secs_f64(seconds);
    }
    if cache_dir.is_some() {
        startup.cache_dir = cache_dir;
    }
    let verdict = py
        .detach(|| startup.check())
        .map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok(verdict_tuple(verdict))
}

/// Adds the start-up functions to `_native`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(receipt_owner, m)?)?;
    m.add_function(wrap_pyfunction!(terok_verdict, m)?)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_owners_and_policies() {
        assert_eq!(owner_named("terok-sandbox").ok(), Some(TerokOwner::Sandbox));
        assert_eq!(policy_named("never").ok(), Some(RefreshPolicy::Never));
    }
}
