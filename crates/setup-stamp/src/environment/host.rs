//! The process environment that discovery reads: variables and the current
//! directory, captured once so that tests can supply their own.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// Environment variables and working directory that discovery depends on.
///
/// [`HostEnv::from_process`] captures the real ones; tests build their own.
///
/// ```
/// use setup_stamp::environment::HostEnv;
/// let host = HostEnv::empty("/tmp").with_var("VIRTUAL_ENV", "/opt/venv");
/// assert_eq!(host.var_nonempty("VIRTUAL_ENV").unwrap(), "/opt/venv");
/// assert!(host.var("PATH").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEnv {
    /// Environment variables.
    pub vars: BTreeMap<OsString, OsString>,
    /// The current directory (relative paths and `PYTHONPATH` entries are
    /// resolved against it, as Python does).
    pub cwd: PathBuf,
}

impl HostEnv {
    /// The variables and current directory of this process. An unreadable
    /// current directory falls back to `$PWD`, then `/`.
    pub fn from_process() -> HostEnv {
        let vars: BTreeMap<OsString, OsString> = std::env::vars_os().collect();
        let cwd = std::env::current_dir()
            .ok()
            .or_else(|| vars.get(OsStr::new("PWD")).map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("/"));
        HostEnv { vars, cwd }
    }

    /// No variables at all, with the given current directory.
    pub fn empty(cwd: impl Into<PathBuf>) -> HostEnv {
        HostEnv {
            vars: BTreeMap::new(),
            cwd: cwd.into(),
        }
    }

    /// Sets a variable (builder style).
    pub fn with_var(mut self, name: impl Into<OsString>, value: impl Into<OsString>) -> HostEnv {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Removes a variable (builder style).
    pub fn without_var(mut self, name: impl AsRef<OsStr>) -> HostEnv {
        self.vars.remove(name.as_ref());
        self
    }

    /// A variable's value, if set (possibly empty).
    pub fn var(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(OsStr::new(name)).map(OsString::as_os_str)
    }

    /// A variable's value if set and non-empty (how Python reads most of its
    /// `PYTHON*` variables).
    pub fn var_nonempty(&self, name: &str) -> Option<&OsStr> {
        self.var(name).filter(|v| !v.is_empty())
    }

    /// The current directory.
    pub fn cwd(&self) -> &Path {
        &self.cwd
    }

    /// `os.path.expanduser("~")` as Python computes it: `$HOME` if set
    /// (trailing slashes removed, an empty result becomes `/`), else the
    /// passwd home of the real uid.
    pub fn home(&self) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        let home: PathBuf = match self.var("HOME") {
            Some(h) => PathBuf::from(h),
            None => PathBuf::from(crate::passwd::home_of_uid(nix::unistd::getuid().as_raw())?),
        };
        let bytes = home.as_os_str().as_bytes();
        let end = bytes.iter().rposition(|b| *b != b'/').map_or(0, |i| i + 1);
        let trimmed = &bytes[..end];
        Some(if trimmed.is_empty() {
            PathBuf::from("/")
        } else {
            PathBuf::from(OsStr::from_bytes(trimmed))
        })
    }

    /// `os.path.expanduser("~/" + rest)`: `HOME=''` gives `/rest`.
    pub(crate) fn expand_home(&self, rest: &str) -> Option<PathBuf> {
        let home = self.home()?;
        let mut s = home.into_os_string();
        if s.as_os_str() == "/" {
            s = OsString::new();
        }
        s.push("/");
        s.push(rest);
        Some(PathBuf::from(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_forms() {
        let h = HostEnv::empty("/").with_var("HOME", "/root//");
        assert_eq!(h.home().unwrap(), PathBuf::from("/root"));
        assert_eq!(
            h.expand_home(".local").unwrap(),
            PathBuf::from("/root/.local")
        );
        let h = HostEnv::empty("/").with_var("HOME", "");
        assert_eq!(h.home().unwrap(), PathBuf::from("/"));
        assert_eq!(h.expand_home(".local").unwrap(), PathBuf::from("/.local"));
        let h = HostEnv::empty("/").with_var("HOME", "rel");
        assert_eq!(
            h.expand_home(".local").unwrap(),
            PathBuf::from("rel/.local")
        );
    }
}
