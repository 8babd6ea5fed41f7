//! Where the stamp lives: `<NS>_ROOT`, layered `config.yml`, platform defaults.
//!
//! This reproduces terok_util's `namespace_state_dir()` (Python 3.12, platformdirs
//! 4.14, ruamel.yaml 0.19.1) for any namespace: for `terok` the variables are
//! `TEROK_ROOT` and `TEROK_CONFIG_FILE`, for `foo-bar` they are `FOO_BAR_ROOT` and
//! `FOO_BAR_CONFIG_FILE` (upper case, other characters than letters and digits
//! become `_`).
//!
//! 1. `<NS>_ROOT` when non-empty: `~` expansion and pathlib normalisation only; no
//!    config file is read.
//! 2. `str(paths.root)` from the layered config when non-empty: `~` expansion, then
//!    a non-strict `realpath` ([`realpath`]). Config errors of any kind in any layer
//!    drop the whole section ([`config`]); they are reported in
//!    [`StateDir::config_error`], never as an error.
//! 3. `/var/lib/<ns>` for real root ([`root`]), else platformdirs'
//!    `user_data_dir(<ns>)` ([`xdg`]).
//!
//! Entry points: [`stamp_path`] (the stamp file's path), [`resolve_state_dir`] (the
//! directory plus the [`Rule`] that decided, the config files consulted and why the
//! config was ignored). Everything read from the process goes through [`Host`]:
//! [`SystemHost`] for the real process, [`MapHost`] for tests. The pure rules live
//! in [`pathlib`] (pathlib parsing, `normpath`, `expanduser`), [`xdg`], [`root`],
//! [`config::deep_merge`] and [`yaml`] (ruamel's safe loader on saphyr-parser
//! events, with Python `str()` of the values in [`value`]).
//!
//! Where we knowingly differ from the reference (all outside anything a sane config
//! contains) is listed in the [`yaml`] module documentation: a few YAML texts ruamel
//! and saphyr read differently, recursive aliases, surrogate escapes, nesting limits,
//! and hash-ordered sets and merged dicts. A relative `paths.root` or
//! `<NS>_CONFIG_FILE` is looked up from [`Host::current_dir`] (the process's current
//! directory for [`SystemHost`]).
//!
//! ```
//! use setup_stamp::location::{resolve_state_dir, MapHost, Rule};
//! let host = MapHost::new(1000).env("TEROK_ROOT", "~/state/./x//").env("HOME", "/home/u");
//! let dir = resolve_state_dir("terok", &host).unwrap();
//! assert_eq!(dir.path, std::path::PathBuf::from("/home/u/state/x"));
//! assert!(matches!(dir.rule, Rule::RootEnv { .. }));
//! ```

pub mod config;
pub mod host;
pub mod pathlib;
pub mod realpath;
pub mod root;
mod state;
pub mod value;
pub mod xdg;
pub mod yaml;

use std::ffi::OsString;
use std::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

pub use config::{ConfigError, ConfigFile, Scope};
pub use host::{Host, MapHost, SystemHost};
pub use state::{env_dir, platform_state_base, resolve_path};

use config::{env_prefix, expand_message, no_home_message, read_paths_root, text_bytes};
use pathlib::{expanduser, ExpandError, PurePath};
use realpath::RealpathError;
use root::{is_real_root, UidMapNotAscii};
use xdg::{user_dir, NoHomeError, XdgKind};

/// The rule that chose the state directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The `<NS>_ROOT` environment variable.
    RootEnv {
        /// The variable's name, e.g. `TEROK_ROOT`.
        var: String,
        /// Its raw value.
        value: OsString,
    },
    /// `paths.root` of the layered config.
    ConfigFile {
        /// The highest-priority file that has a `paths` key.
        file: Option<PathBuf>,
        /// `str()` of the merged value, before `~` expansion and `realpath`.
        value: String,
    },
    /// Real root's default `/var/lib/<ns>`.
    SystemDefault,
    /// platformdirs' `user_data_dir(<ns>)`.
    UserDefault,
}

impl fmt::Display for Rule {
    /// A short explanation for a CLI, e.g. ``set by TEROK_ROOT="/x"``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::RootEnv { var, value } => {
                write!(f, "set by {var}={:?}", value.to_string_lossy())
            }
            Rule::ConfigFile {
                file: Some(file),
                value,
            } => write!(f, "paths.root {value:?} from {}", file.display()),
            Rule::ConfigFile { file: None, value } => write!(f, "paths.root {value:?}"),
            Rule::SystemDefault => f.write_str("default for root"),
            Rule::UserDefault => f.write_str("default user data directory"),
        }
    }
}

/// The resolved state directory and how it was chosen.
#[derive(Debug)]
pub struct StateDir {
    /// The directory, exactly `str(namespace_state_dir())`.
    pub path: PathBuf,
    /// The rule that decided.
    pub rule: Rule,
    /// The config files consulted (empty when `<NS>_ROOT` decided).
    pub config_files: Vec<ConfigFile>,
    /// Why the config's `paths` section was ignored, if it was.
    pub config_error: Option<ConfigError>,
}

/// Why the state directory cannot be determined (the reference raises).
#[derive(Debug)]
pub enum LocationError {
    /// `~` in `<NS>_ROOT` or in `paths.root` could not be expanded.
    Expand {
        /// Where the path came from (`TEROK_ROOT` or `paths.root`).
        origin: String,
        /// The path as given.
        path: PathBuf,
        /// The cause.
        cause: ExpandError,
    },
    /// `paths.root` contains a NUL character.
    NulInPath {
        /// The value.
        value: String,
    },
    /// `paths.root` (or another path being resolved) leads into a symlink
    /// loop.
    SymlinkLoop {
        /// What was resolved: `paths.root`, or the variable that gave it.
        origin: String,
        /// The value being resolved.
        value: String,
        /// The path that still loops after resolution.
        path: PathBuf,
    },
    /// A symlink in `paths.root` could not be read.
    ReadLink {
        /// The symlink.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// `paths.root` is relative and the current directory is unknown.
    CurrentDir {
        /// The cause.
        source: io::Error,
    },
    /// No absolute home directory for the default user data directory.
    NoHome(NoHomeError),
    /// `/proc/self/uid_map` is not ASCII.
    UidMap,
}

impl fmt::Display for LocationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocationError::Expand {
                origin,
                path,
                cause,
            } => write!(
                f,
                "cannot expand {origin} {}: {}",
                path.display(),
                expand_message(cause)
            ),
            LocationError::NulInPath { value } => {
                write!(f, "paths.root {value:?} contains a NUL character")
            }
            LocationError::SymlinkLoop {
                origin,
                value,
                path,
            } => write!(
                f,
                "{origin} {value:?}: symlink loop from {}",
                path.display()
            ),
            LocationError::ReadLink { path, source } => {
                write!(f, "cannot read symlink {}: {source}", path.display())
            }
            LocationError::CurrentDir { source } => {
                write!(f, "cannot determine the current directory: {source}")
            }
            LocationError::NoHome(e) => write!(
                f,
                "cannot determine the user data directory: {}",
                no_home_message(e)
            ),
            LocationError::UidMap => f.write_str("/proc/self/uid_map is not ASCII"),
        }
    }
}

impl std::error::Error for LocationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LocationError::ReadLink { source, .. } | LocationError::CurrentDir { source } => {
                Some(source)
            }
            _ => None,
        }
    }
}

/// Resolves the namespace's state directory (`namespace_state_dir()`), saying which
/// rule decided. With no config file present this costs one `stat` per candidate
/// file; passwd is read only when `HOME` is not absolute.
pub fn resolve_state_dir(namespace: &str, host: &dyn Host) -> Result<StateDir, LocationError> {
    let memo = host::MemoHost::new(host);
    let host: &dyn Host = &memo;
    let prefix = env_prefix(namespace);
    let root_var = format!("{prefix}_ROOT");
    if let Some(value) = host.var_os(&root_var).filter(|v| !v.is_empty()) {
        let parsed = PurePath::parse(value.as_bytes());
        let path = expanduser(&parsed, host).map_err(|cause| LocationError::Expand {
            origin: root_var.clone(),
            path: parsed.to_path_buf(),
            cause,
        })?;
        return Ok(StateDir {
            path: path.to_path_buf(),
            rule: Rule::RootEnv {
                var: root_var,
                value,
            },
            config_files: Vec::new(),
            config_error: None,
        });
    }

    let mut cached: Option<Result<bool, UidMapNotAscii>> = None;
    let mut real_root = || cached.get_or_insert_with(|| is_real_root(host)).clone();
    let outcome = read_paths_root(namespace, host, &mut real_root);
    let (root, config_error) = match outcome.root {
        Ok(root) => (root, None),
        Err(e) => (None, Some(e)),
    };
    if let Some(value) = root.filter(|v| !v.is_empty()) {
        let path = resolve_config_root(&value, host)?;
        return Ok(StateDir {
            path,
            rule: Rule::ConfigFile {
                file: outcome.paths_file,
                value,
            },
            config_files: outcome.files,
            config_error,
        });
    }

    let (path, rule) = if real_root().map_err(|_| LocationError::UidMap)? {
        (
            PurePath::parse(format!("/var/lib/{namespace}").as_bytes()).to_path_buf(),
            Rule::SystemDefault,
        )
    } else {
        let dir = user_dir(XdgKind::Data, namespace, host).map_err(LocationError::NoHome)?;
        (PurePath::parse(&dir).to_path_buf(), Rule::UserDefault)
    };
    Ok(StateDir {
        path,
        rule,
        config_files: outcome.files,
        config_error,
    })
}

/// `Path(value).expanduser().resolve()` for `paths.root`.
fn resolve_config_root(value: &str, host: &dyn Host) -> Result<PathBuf, LocationError> {
    if value.contains('\0') {
        return Err(LocationError::NulInPath {
            value: value.to_owned(),
        });
    }
    let parsed = PurePath::parse(&text_bytes(value));
    let expanded = expanduser(&parsed, host).map_err(|cause| LocationError::Expand {
        origin: "paths.root".to_owned(),
        path: parsed.to_path_buf(),
        cause,
    })?;
    let resolved = realpath::resolve(&expanded.to_bytes(), host).map_err(|e| match e {
        RealpathError::SymlinkLoop(path) => LocationError::SymlinkLoop {
            origin: "paths.root".to_owned(),
            value: value.to_owned(),
            path,
        },
        RealpathError::ReadLink(path, source) => LocationError::ReadLink { path, source },
        RealpathError::CurrentDir(source) => LocationError::CurrentDir { source },
    })?;
    Ok(PurePath::parse(&resolved).to_path_buf())
}

/// The stamp's path: `str(namespace_state_dir(namespace) / file_name)`.
///
/// ```
/// use setup_stamp::location::{stamp_path, MapHost};
/// let host = MapHost::new(1000).env("TEROK_ROOT", ".");
/// assert_eq!(stamp_path("terok", "setup.stamp", &host).unwrap().to_str(), Some("setup.stamp"));
/// let host = MapHost::new(0).env("FOO_BAR_CONFIG_FILE", "/nonexistent/c.yml");
/// assert_eq!(
///     stamp_path("foo-bar", "setup.stamp", &host).unwrap().to_str(),
///     Some("/var/lib/foo-bar/setup.stamp"),
/// );
/// ```
pub fn stamp_path(
    namespace: &str,
    file_name: &str,
    host: &dyn Host,
) -> Result<PathBuf, LocationError> {
    let dir = resolve_state_dir(namespace, host)?;
    let base = PurePath::parse(dir.path.as_os_str().as_bytes());
    Ok(base.join(file_name.as_bytes()).to_path_buf())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fixture_tests;
