//! Directories beside the state directory: the platform state base (which
//! ignores `<NS>_ROOT` and `paths.root`; the setup lock lives there) and the
//! building blocks of per-package state directories (`Path(env).expanduser()`,
//! `Path.resolve()`), as terok's packages compose them for their receipts.

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::host::Host;
use super::pathlib::{expanduser, PurePath};
use super::realpath::{self, RealpathError};
use super::root::is_real_root;
use super::xdg::{user_dir, XdgKind};
use super::LocationError;

/// terok_util's `_platform_state_base()`: `/var/lib/<ns>` for real root,
/// platformdirs' `user_data_dir(<ns>)` otherwise; `<NS>_ROOT` and
/// `paths.root` are not consulted.
///
/// ```
/// use setup_stamp::location::{platform_state_base, MapHost};
/// let host = MapHost::new(1000).env("HOME", "/home/u").env("TEROK_ROOT", "/elsewhere");
/// assert_eq!(platform_state_base("terok", &host).unwrap().to_str(), Some("/home/u/.local/share/terok"));
/// ```
pub fn platform_state_base(namespace: &str, host: &dyn Host) -> Result<PathBuf, LocationError> {
    if is_real_root(host).map_err(|_| LocationError::UidMap)? {
        return Ok(PurePath::parse(format!("/var/lib/{namespace}").as_bytes()).to_path_buf());
    }
    let dir = user_dir(XdgKind::Data, namespace, host).map_err(LocationError::NoHome)?;
    Ok(PurePath::parse(&dir).to_path_buf())
}

/// `Path(os.getenv(var)).expanduser()` when the variable is set and not
/// empty (a package's own state-directory override), else `None`.
///
/// ```
/// use setup_stamp::location::{env_dir, MapHost};
/// let host = MapHost::new(1000).env("HOME", "/home/u").env("X_DIR", "~/x//y/");
/// assert_eq!(env_dir("X_DIR", &host).unwrap().unwrap().to_str(), Some("/home/u/x/y"));
/// assert!(env_dir("UNSET_DIR", &host).unwrap().is_none());
/// ```
pub fn env_dir(var: &str, host: &dyn Host) -> Result<Option<PathBuf>, LocationError> {
    let Some(value) = host.var_os(var).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let parsed = PurePath::parse(value.as_bytes());
    let path = expanduser(&parsed, host).map_err(|cause| LocationError::Expand {
        origin: var.to_owned(),
        path: parsed.to_path_buf(),
        cause,
    })?;
    Ok(Some(path.to_path_buf()))
}

/// `Path(path).resolve()` (non-strict): absolute, symlinks followed
/// component by component, a missing tail kept as written. `origin` names
/// where the path came from, for errors (`TEROK_STATE_DIR`).
///
/// ```
/// use setup_stamp::location::{resolve_path, MapHost};
/// let host = MapHost::new(1000);
/// let p = resolve_path(std::path::Path::new("/nonexistent/a/../b/./c"), "X_DIR", &host).unwrap();
/// assert_eq!(p.to_str(), Some("/nonexistent/b/c"));
/// ```
pub fn resolve_path(path: &Path, origin: &str, host: &dyn Host) -> Result<PathBuf, LocationError> {
    let text = PurePath::parse(path.as_os_str().as_bytes()).to_bytes();
    let resolved = realpath::resolve(&text, host).map_err(|e| match e {
        RealpathError::SymlinkLoop(looping) => LocationError::SymlinkLoop {
            origin: origin.to_owned(),
            value: path.to_string_lossy().into_owned(),
            path: looping,
        },
        RealpathError::ReadLink(path, source) => LocationError::ReadLink { path, source },
        RealpathError::CurrentDir(source) => LocationError::CurrentDir { source },
    })?;
    Ok(PurePath::parse(&resolved).to_path_buf())
}
