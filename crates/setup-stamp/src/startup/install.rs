//! One verdict for any terok install: the stamp's where the install still
//! uses it, terok's own composed checks where it uses receipts.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::{detect_protocol, Protocol, RefreshPolicy, StartupError, StartupVerdict, TerokStartup};
use crate::distributions::distributions_present;
use crate::environment::{Environment, HostEnv};
use crate::receipt::{console_python, TerokOwner};
use crate::{Check, Ecosystem, SetupStamp};

/// How to answer on a receipt-era install.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// When to run terok's code.
    pub refresh: RefreshPolicy,
    /// How long it may take (default [`DEFAULT_REFRESH_TIMEOUT`](super::DEFAULT_REFRESH_TIMEOUT)).
    pub timeout: Option<Duration>,
    /// Where answers are kept (default: `$XDG_CACHE_HOME/setup-stamp/startup`).
    pub cache_dir: Option<PathBuf>,
}

/// The verdict of an install, in its own protocol.
#[derive(Debug, Clone)]
pub enum InstallVerdict {
    /// The aggregate stamp (terok-sandbox 0.4–0.5, or another ecosystem).
    Stamp(Check),
    /// terok's `setup_status(check_setup())`.
    Receipts(StartupVerdict),
}

/// Why an install has no verdict.
#[derive(Debug)]
pub enum InstallError {
    /// The stamp check failed.
    Stamp(crate::Error),
    /// The install uses receipts, but no interpreter is known to run
    /// terok's check in (only a search path was given).
    NoInterpreter {
        /// The owner whose check is the verdict.
        owner: TerokOwner,
    },
    /// terok's check gave no answer.
    Startup(StartupError),
    /// A per-owner report was asked of an install whose terok-sandbox still
    /// uses the setup stamp.
    StampEra,
    /// A per-owner report was asked where no terok receipt owner (with
    /// terok-util 0.4's `setup`) is installed.
    NoReceiptOwner,
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallError::Stamp(e) => e.fmt(f),
            InstallError::NoInterpreter { owner } => write!(
                f,
                "this install uses setup receipts ({owner}): its verdict is computed by terok's \
                 own code, which needs terok's interpreter; give --python (or leave out --sys-path)"
            ),
            InstallError::Startup(e) => e.fmt(f),
            InstallError::StampEra => f.write_str(
                "this install's terok-sandbox uses the setup stamp, not receipts: run `setup-stamp check`",
            ),
            InstallError::NoReceiptOwner => f.write_str(
                "no terok package with a setup receipt (terok-util 0.4 or later and one of terok, \
                 terok-executor, terok-sandbox, terok-shield) is installed in the environment \
                 found (see `setup-stamp env`)",
            ),
        }
    }
}

impl std::error::Error for InstallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InstallError::Stamp(e) => Some(e),
            InstallError::Startup(e) => Some(e),
            InstallError::NoInterpreter { .. }
            | InstallError::StampEra
            | InstallError::NoReceiptOwner => None,
        }
    }
}

/// Which protocol the install that `stamp` describes uses (another
/// ecosystem's always uses the stamp). Looks only at what is importable
/// and which distributions exist: no metadata is read.
pub fn install_protocol(stamp: &SetupStamp) -> Protocol {
    if stamp.ecosystem != Ecosystem::terok() {
        return Protocol::Stamp;
    }
    let owners: Vec<&str> = TerokOwner::ALL.iter().map(|o| o.name()).collect();
    let mut present: Option<Vec<bool>> = None;
    detect_protocol(&stamp.search_path, |owner| {
        let present =
            present.get_or_insert_with(|| distributions_present(&stamp.search_path, &owners));
        owners
            .iter()
            .position(|n| *n == owner.name())
            .and_then(|i| present.get(i).copied())
            .unwrap_or(false)
    })
}

/// The verdict of the install that `stamp` (its ecosystem and search path)
/// and `env` (its interpreter) describe.
pub fn check_install(
    stamp: &SetupStamp,
    env: &Environment,
    host: &HostEnv,
    options: &InstallOptions,
) -> Result<InstallVerdict, InstallError> {
    let owner = match install_protocol(stamp) {
        Protocol::Stamp => {
            return stamp
                .check()
                .map(InstallVerdict::Stamp)
                .map_err(InstallError::Stamp)
        }
        Protocol::Receipts { owner } => owner,
    };
    let startup = receipt_startup(owner, env, host, options)?;
    startup
        .check()
        .map(InstallVerdict::Receipts)
        .map_err(InstallError::Startup)
}

/// The [`TerokStartup`] of `owner` in `env`: terok's interpreter is the one
/// the owner's console script (else another owner's) names.
pub fn receipt_startup(
    owner: TerokOwner,
    env: &Environment,
    host: &HostEnv,
    options: &InstallOptions,
) -> Result<TerokStartup, InstallError> {
    let mut scripts: Vec<&str> = vec![owner.name()];
    scripts.extend(
        TerokOwner::ALL
            .iter()
            .map(|o| o.name())
            .filter(|n| *n != owner.name()),
    );
    if env.interpreter.is_none() {
        return Err(InstallError::NoInterpreter { owner });
    }
    let interpreter = console_python(env, &scripts).ok_or(InstallError::NoInterpreter { owner })?;
    let mut startup = TerokStartup::new(owner, interpreter, env.search_path.clone(), host.clone());
    startup.refresh = options.refresh;
    if let Some(timeout) = options.timeout {
        startup.timeout = timeout;
    }
    if let Some(dir) = &options.cache_dir {
        startup.cache_dir = Some(dir.clone());
    }
    Ok(startup)
}
