//! The Python environment: which one the terok frontends run in, and its
//! search path (the `sys.path` whose distributions are compared).
//!
//! # How the environment is found
//!
//! The first rule that applies decides ([`Environment::rule`] says which):
//!
//! 1. `--sys-path DIR...` ([`DiscoveryRequest::sys_path`]): these
//!    directories, in order, as the search path.
//! 2. `--python PATH` ([`DiscoveryRequest::python`]): a virtual environment
//!    directory, or any interpreter (venv or not, symlink, pyenv shim).
//! 3. `$VIRTUAL_ENV`, when it names a virtual environment (otherwise a note
//!    says why it was skipped).
//! 4. The environment owning a tracked package's console script: `terok`,
//!    `terok-executor`, `terok-sandbox`, `terok-shield`, `terok-clearance`
//!    are looked up on `PATH` as the shell does; the first that resolves
//!    decides, and its launcher line leads to the interpreter (`#!/path/python`,
//!    `#!/usr/bin/env python3`, `#!/usr/bin/env -S python3 -I`, pip's
//!    `/bin/sh` trampoline for long paths). This finds pipx
//!    (`~/.local/bin/terok` → `~/.local/share/pipx/venvs/terok`), `uv tool`,
//!    `pip install --user` and plain virtual environments whose `bin` is on
//!    `PATH`. A console script reached through a pyenv shim is followed too.
//! 5. `python3` on `PATH`.
//!
//! If nothing is found the search path is empty (no distribution is
//! installed) and a note says why.
//!
//! # From an interpreter to its search path
//!
//! The search path is the one a console script of that environment sees:
//! the script's own directory first (symlinks resolved; never the current
//! directory), then `PYTHONPATH` (it applies inside virtual environments
//! too), then the standard library, then the site directories in `site.py`'s
//! order, each followed by the directories its `.pth` files add (`import`
//! lines are not executed). Options on the launcher line (`-I`, `-E`, `-s`,
//! `-S`, `-P`) are honoured.
//!
//! * **Virtual environments** are derived statically from `pyvenv.cfg`
//!   (`home`, `version`/`version_info`, `include-system-site-packages`) and
//!   start no process: the base interpreter's standard library is located
//!   from `home` as Python does, the venv's `lib`/`lib64` site-packages are
//!   used, and with system site-packages the user site and the base's
//!   site-packages follow (standard, `lib64` and Debian `dist-packages`
//!   layouts are recognised; `PYTHONHOME` is honoured).
//! * **Any other interpreter** (system Python, Debian's `dist-packages`,
//!   distribution patches) is asked once (`python -S`, at most
//!   [`QUERY_TIMEOUT`]; a hanging interpreter is killed) for what cannot
//!   change while its file stays the same: prefixes, version, standard
//!   library, the site directories it considers, whether the user site is
//!   enabled and the user base. The answer is cached under
//!   `$XDG_CACHE_HOME/setup-stamp` (default `~/.cache/setup-stamp`), keyed
//!   by the interpreter's resolved path, size, modification time and inode
//!   and by `PYTHONHOME`, `PYTHONNOUSERSITE`, `PYTHONUSERBASE` and `HOME`;
//!   a corrupt entry is ignored and rewritten atomically. On every run the
//!   rest is re-derived: the user site counts only if it exists (a first
//!   `pip install --user` is seen at once) and `.pth` files are read again.
//!   A cache hit starts no process.
//! * **Shims.** A pyenv shim is followed by pyenv's own rules
//!   (`PYENV_VERSION`, `.python-version` files, `$PYENV_ROOT/version`,
//!   `system`) on every run, so the shim's path is never cached. Another
//!   shim (a script whose reported `sys.executable` differs from the file
//!   run) is asked each time; its target's answer is cached under the
//!   target. The report's notes say when a shim was followed.
//!
//! # Pointing at another environment
//!
//! Pass `--python /path/to/venv` (or an interpreter such as
//! `/usr/bin/python3`), or `--sys-path DIR...` to give the search path
//! outright; activating a virtual environment (`$VIRTUAL_ENV`) also works.
//! `setup-stamp env` shows the rule that decided, the interpreter, whether
//! the cache was used and the search path in order.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::pyjson::{PyString, Value};

mod cache;
mod discover;
mod host;
mod pathsearch;
mod pyenv;
mod pyvenv;
mod query;
mod shebang;
mod site;
#[cfg(test)]
mod test_support;
mod venv;

pub use cache::{cache_dir, KEY_VARIABLES};
pub(crate) use discover::head as script_head;
pub use discover::{
    discover, discover_in, DiscoveryOptions, DiscoveryRequest, QUERY_TIMEOUT, TRACKED_PACKAGES,
};
pub use host::HostEnv;
pub use pathsearch::which;
pub use pyvenv::PyvenvConfig;
pub use query::{InterpreterInfo, QueryFailure};
pub use shebang::{parse_flags, parse_shebang, Launcher, ShebangError};
pub use site::pth_directory_lines;
pub use venv::VirtualEnv;

/// Which discovery rule decided the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryRule {
    /// `--sys-path DIR...`: the search path was given.
    SysPath,
    /// `--python PATH`: a virtual environment directory or an interpreter.
    Python {
        /// The path as given.
        given: PathBuf,
    },
    /// `$VIRTUAL_ENV`.
    VirtualEnvVar {
        /// The variable's value.
        value: PathBuf,
    },
    /// The environment owning a tracked package's console script on `PATH`.
    ConsoleScript {
        /// The tracked name that resolved.
        name: String,
        /// Where it resolved on `PATH`.
        script: PathBuf,
    },
    /// `python3` on `PATH`.
    PythonOnPath {
        /// Where `python3` resolved.
        found: PathBuf,
    },
    /// Nothing was found: the search path is empty.
    Nothing,
}

impl fmt::Display for DiscoveryRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryRule::SysPath => write!(f, "--sys-path (search path given)"),
            DiscoveryRule::Python { given } => write!(f, "--python {}", given.display()),
            DiscoveryRule::VirtualEnvVar { value } => {
                write!(f, "$VIRTUAL_ENV ({})", value.display())
            }
            DiscoveryRule::ConsoleScript { name, script } => {
                write!(f, "console script `{name}` on PATH ({})", script.display())
            }
            DiscoveryRule::PythonOnPath { found } => {
                write!(f, "python3 on PATH ({})", found.display())
            }
            DiscoveryRule::Nothing => write!(f, "none (no Python environment found)"),
        }
    }
}

/// Whether the on-disk interpreter cache was involved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// No interpreter had to be asked (a virtual environment, a given search
    /// path, or nothing found).
    NotNeeded,
    /// The interpreter's facts came from the cache; no process was started.
    Hit {
        /// The cache file.
        file: PathBuf,
    },
    /// The interpreter was asked and its answer stored.
    Written {
        /// The cache file.
        file: PathBuf,
    },
    /// The interpreter was asked; its answer could not be stored (or must
    /// not be, e.g. for a shim).
    NotWritten {
        /// Why.
        reason: String,
    },
}

impl CacheStatus {
    /// `true` when the search path came from the cache without a process.
    pub fn used(&self) -> bool {
        matches!(self, CacheStatus::Hit { .. })
    }

    /// `true` when an interpreter process was started.
    pub fn queried(&self) -> bool {
        matches!(
            self,
            CacheStatus::Written { .. } | CacheStatus::NotWritten { .. }
        )
    }
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheStatus::NotNeeded => write!(f, "not needed (no interpreter was asked)"),
            CacheStatus::Hit { file } => write!(f, "used ({})", file.display()),
            CacheStatus::Written { file } => {
                write!(f, "interpreter asked, answer cached in {}", file.display())
            }
            CacheStatus::NotWritten { reason } => {
                write!(f, "interpreter asked, not cached: {reason}")
            }
        }
    }
}

/// Interpreter options that change `sys.path` (from a console script's
/// shebang line: `-I`, `-E`, `-s`, `-S`, `-P`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InterpreterFlags {
    /// `-I`: isolated (implies `-E`, `-P`, `-s`).
    pub isolated: bool,
    /// `-E`: ignore `PYTHON*` variables.
    pub ignore_env: bool,
    /// `-s`: no user site directory.
    pub no_user_site: bool,
    /// `-S`: no `site` module at all (no site directories).
    pub no_site: bool,
    /// `-P`: no script directory in front of the path.
    pub safe_path: bool,
}

/// A Python environment and the search path its console scripts see: the
/// result of [`discover`](fn@discover), and the report `setup-stamp env` prints (its
/// [`Display`](fmt::Display) form and [`Environment::to_json_value`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    /// Which discovery rule decided.
    pub rule: DiscoveryRule,
    /// The interpreter, when one was found (after following shims).
    pub interpreter: Option<PathBuf>,
    /// The virtual environment's prefix, when the interpreter is in one.
    pub virtual_env: Option<PathBuf>,
    /// The search path (the equivalent of `sys.path`), in order.
    pub search_path: Vec<PathBuf>,
    /// Whether the interpreter cache was used.
    pub cache: CacheStatus,
    /// Remarks worth showing (shims followed, parts derived statically, why
    /// nothing was found, candidates skipped).
    pub notes: Vec<String>,
    /// The tracked package names of the request, in order (for reports).
    pub tracked_packages: Vec<String>,
}

impl Environment {
    /// `true` when the interpreter's facts came from the cache (no process
    /// was started).
    pub fn cache_used(&self) -> bool {
        self.cache.used()
    }

    /// An empty search path: nothing was found (`reason` goes to the notes).
    pub fn nothing(reason: impl Into<String>) -> Environment {
        Environment {
            rule: DiscoveryRule::Nothing,
            interpreter: None,
            virtual_env: None,
            search_path: Vec::new(),
            cache: CacheStatus::NotNeeded,
            notes: vec![reason.into()],
            tracked_packages: Vec::new(),
        }
    }

    /// The report as a JSON object (keys in this order): `rule` (`sys_path`,
    /// `python`, `virtual_env_var`, `console_script`, `python_on_path`,
    /// `none`), `found_by` (the rule in words), `rule_path` (the path the
    /// rule used, or null), `interpreter`, `virtual_env`, `cache`
    /// (`not_needed`, `hit`, `written`, `not_written`), `cache_used`,
    /// `cache_detail` (the file or the reason, or null), `search_path`,
    /// `notes`. Paths that are not UTF-8 are written as Python would
    /// (surrogate escapes).
    pub fn to_json_value(&self) -> Value {
        let path = |p: &Path| Value::Str(path_to_pystring(p));
        let opt_path = |p: &Option<PathBuf>| p.as_deref().map_or(Value::Null, path);
        let text = |t: &str| Value::Str(PyString::from(t));
        let (rule, rule_path) = match &self.rule {
            DiscoveryRule::SysPath => ("sys_path", None),
            DiscoveryRule::Python { given } => ("python", Some(given)),
            DiscoveryRule::VirtualEnvVar { value } => ("virtual_env_var", Some(value)),
            DiscoveryRule::ConsoleScript { script, .. } => ("console_script", Some(script)),
            DiscoveryRule::PythonOnPath { found } => ("python_on_path", Some(found)),
            DiscoveryRule::Nothing => ("none", None),
        };
        let (cache, detail) = match &self.cache {
            CacheStatus::NotNeeded => ("not_needed", Value::Null),
            CacheStatus::Hit { file } => ("hit", path(file)),
            CacheStatus::Written { file } => ("written", path(file)),
            CacheStatus::NotWritten { reason } => ("not_written", text(reason)),
        };
        let entries: Vec<(&str, Value)> = vec![
            ("rule", text(rule)),
            ("found_by", text(&self.rule.to_string())),
            ("rule_path", rule_path.map_or(Value::Null, |p| path(p))),
            ("interpreter", opt_path(&self.interpreter)),
            ("virtual_env", opt_path(&self.virtual_env)),
            ("cache", text(cache)),
            ("cache_used", Value::Bool(self.cache_used())),
            ("cache_detail", detail),
            (
                "search_path",
                Value::Array(self.search_path.iter().map(|p| path(p)).collect()),
            ),
            (
                "notes",
                Value::Array(self.notes.iter().map(|n| text(n)).collect()),
            ),
        ];
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (PyString::from(k), v))
                .collect(),
        )
    }
}

/// A path as Python's `str` of it: UTF-8 decoded, each undecodable byte as
/// the lone surrogate U+DC80..U+DCFF (`surrogateescape`).
pub fn path_to_pystring(path: &Path) -> PyString {
    use std::os::unix::ffi::OsStrExt;
    let mut out = PyString::default();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            out.push_code_point(u32::from(c));
        }
        for &b in chunk.invalid() {
            out.push_code_point(0xDC00 + u32::from(b));
        }
    }
    out
}

/// The environment report, as `setup-stamp env` prints it: one line per
/// field, the search path one entry per line, then the notes.
impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "found by: {}", self.rule)?;
        match &self.interpreter {
            Some(i) => writeln!(f, "interpreter: {}", i.display())?,
            None => writeln!(f, "interpreter: none")?,
        }
        if let Some(v) = &self.virtual_env {
            writeln!(f, "virtual environment: {}", v.display())?;
        }
        writeln!(f, "cache: {}", self.cache)?;
        if self.search_path.is_empty() {
            writeln!(f, "search path: (empty)")?;
        } else {
            writeln!(f, "search path:")?;
            for e in &self.search_path {
                writeln!(f, "  {}", e.display())?;
            }
        }
        for n in &self.notes {
            writeln!(f, "note: {n}")?;
        }
        Ok(())
    }
}

/// Why no search path could be derived.
#[derive(Debug)]
pub enum EnvironmentError {
    /// The given path does not exist (or cannot be examined).
    NotFound {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The path is neither a virtual environment nor inside one, and it
    /// could not be used as an interpreter.
    NotAVirtualEnvironment {
        /// The path.
        path: PathBuf,
    },
    /// A `pyvenv.cfg` could not be read.
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A `pyvenv.cfg` could not be parsed (Python would not start either).
    InvalidConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The Python version of a virtual environment could not be determined
    /// (no `version`/`version_info` in `pyvenv.cfg`, no single `lib/pythonX.Y`).
    UnknownVersion {
        /// The `pyvenv.cfg`.
        path: PathBuf,
    },
    /// An interpreter that had to be asked did not answer properly.
    Query {
        /// The interpreter.
        interpreter: PathBuf,
        /// What went wrong.
        failure: QueryFailure,
    },
}

impl fmt::Display for EnvironmentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvironmentError::NotFound { path, source } => {
                write!(f, "{}: {source}", path.display())
            }
            EnvironmentError::NotAVirtualEnvironment { path } => write!(
                f,
                "{}: not a virtual environment (no pyvenv.cfg beside it or one level up)",
                path.display()
            ),
            EnvironmentError::ReadConfig { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            EnvironmentError::InvalidConfig { path, reason } => {
                write!(f, "invalid {}: {reason}", path.display())
            }
            EnvironmentError::UnknownVersion { path } => write!(
                f,
                "{}: cannot tell the Python version (no version or version_info key, and not exactly one lib/pythonX.Y directory)",
                path.display()
            ),
            EnvironmentError::Query {
                interpreter,
                failure,
            } => write!(
                f,
                "cannot ask the Python interpreter {} for its search path: {failure}",
                interpreter.display()
            ),
        }
    }
}

impl std::error::Error for EnvironmentError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EnvironmentError::NotFound { source, .. }
            | EnvironmentError::ReadConfig { source, .. } => Some(source),
            EnvironmentError::Query {
                failure: QueryFailure::Spawn(e),
                ..
            } => Some(e),
            _ => None,
        }
    }
}

/// What `site.py` would put on the path after the initial entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SitePlan {
    /// `(major, minor)` of the interpreter.
    pub version: (u32, u32),
    /// Standard-library entries (initial `sys.path`, after `PYTHONPATH`).
    pub stdlib: Vec<PathBuf>,
    /// A venv's own site-packages (added before the user site).
    pub first_site_dirs: Vec<PathBuf>,
    /// The user site directory, when enabled (added only if it exists).
    pub user_site: Option<PathBuf>,
    /// Global site directories (added when they exist).
    pub site_dirs: Vec<PathBuf>,
}

fn is_dir(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

impl SitePlan {
    /// The full `sys.path`: script directory, `PYTHONPATH`, standard
    /// library, then each existing site directory with its `.pth` files.
    pub(crate) fn assemble(
        &self,
        script_dir: Option<&Path>,
        host: &HostEnv,
        flags: &InterpreterFlags,
    ) -> Vec<PathBuf> {
        let ignore_env = flags.ignore_env || flags.isolated;
        let safe_path = flags.isolated
            || flags.safe_path
            || (!ignore_env && host.var_nonempty("PYTHONSAFEPATH").is_some());
        let mut b = site::PathBuilder::new(host.cwd(), self.version);
        if let Some(dir) = script_dir.filter(|_| !safe_path) {
            b.push_initial(dir);
        }
        if !ignore_env {
            if let Some(pp) = host.var_nonempty("PYTHONPATH") {
                use std::os::unix::ffi::OsStrExt;
                for entry in pp.as_bytes().split(|c| *c == b':') {
                    b.push_initial(Path::new(std::ffi::OsStr::from_bytes(entry)));
                }
            }
        }
        for entry in &self.stdlib {
            b.push_initial(entry);
        }
        if flags.no_site {
            return b.entries;
        }
        // Relative directories (a relative PYTHONUSERBASE) are taken from
        // the host's current directory, as Python would.
        let first = self.first_site_dirs.iter();
        let user = self.user_site.iter();
        for dir in first.chain(user).chain(self.site_dirs.iter()) {
            let dir = site::abspath(host.cwd(), dir);
            if is_dir(&dir) {
                b.add_site_dir(&dir);
            }
        }
        b.entries
    }
}

/// The search path of a virtual environment, derived statically (no process
/// is started), for the host's environment variables and directory.
fn venv_search_path(
    venv: &VirtualEnv,
    host: &HostEnv,
    flags: &InterpreterFlags,
    script_dir: Option<&Path>,
    source: DiscoveryRule,
) -> Result<Environment, EnvironmentError> {
    let mut notes = Vec::new();
    let plan = venv::venv_plan(venv, host, flags, &mut notes)?;
    if venv.config.include_system_site_packages {
        notes.push(
            "system site-packages included; the base interpreter's site directories were derived statically (standard, lib64 and Debian layouts are recognised)".into(),
        );
    }
    let default_script_dir = venv.root.join("bin");
    let script_dir = script_dir.unwrap_or(&default_script_dir);
    Ok(Environment {
        search_path: plan.assemble(Some(script_dir), host, flags),
        interpreter: venv.interpreter.clone(),
        virtual_env: Some(venv.root.clone()),
        rule: source,
        cache: CacheStatus::NotNeeded,
        notes,
        tracked_packages: Vec::new(),
    })
}

/// The search path of the Python environment at `path`: a virtual
/// environment directory, or any interpreter (`bin/python`, `bin/python3.12`,
/// symlinks, a system Python, a pyenv shim), for this process's environment
/// variables and current directory.
///
/// A virtual environment is derived statically from `pyvenv.cfg` and starts
/// no process: the first entry is the environment's `bin` directory (where
/// its console scripts live), then `PYTHONPATH`, the base interpreter's
/// standard library, the venv's site-packages with the directories its
/// `.pth` files add, and — with `include-system-site-packages = true` — the
/// user site and the base interpreter's site-packages. Any other
/// interpreter is asked once (at most [`QUERY_TIMEOUT`]) and its answer
/// cached (see [`discover`](fn@discover)).
pub fn search_path_for_python(path: &Path) -> Result<Environment, EnvironmentError> {
    search_path_for_python_in(path, &HostEnv::from_process())
}

/// [`search_path_for_python`] for a given host environment.
pub fn search_path_for_python_in(
    path: &Path,
    host: &HostEnv,
) -> Result<Environment, EnvironmentError> {
    let request = DiscoveryRequest {
        python: Some(path.to_path_buf()),
        ..DiscoveryRequest::default()
    };
    discover_in(&request, host, &DiscoveryOptions::default())
}

/// The search path of the virtual environment at `path` only, never
/// starting a process: a path that is not part of a virtual environment
/// gives [`EnvironmentError::NotAVirtualEnvironment`].
pub fn venv_search_path_in(path: &Path, host: &HostEnv) -> Result<Environment, EnvironmentError> {
    match VirtualEnv::find(path, host.cwd())? {
        Some(venv) => venv_search_path(
            &venv,
            host,
            &InterpreterFlags::default(),
            None,
            DiscoveryRule::Python {
                given: path.to_path_buf(),
            },
        ),
        None => Err(EnvironmentError::NotAVirtualEnvironment {
            path: path.to_path_buf(),
        }),
    }
}

/// The fallback search path: the site-packages of `$VIRTUAL_ENV` when it is
/// set and names a virtual environment, else an empty path (with a note
/// saying why). No process is started.
pub fn default_search_path() -> Environment {
    default_search_path_in(&HostEnv::from_process())
}

/// [`default_search_path`] for a given host environment.
pub fn default_search_path_in(host: &HostEnv) -> Environment {
    let Some(value) = host.var_nonempty("VIRTUAL_ENV") else {
        return Environment::nothing("VIRTUAL_ENV is not set");
    };
    let value = PathBuf::from(value);
    match VirtualEnv::find(&value, host.cwd()) {
        Ok(Some(venv)) => match venv_search_path(
            &venv,
            host,
            &InterpreterFlags::default(),
            None,
            DiscoveryRule::VirtualEnvVar {
                value: value.clone(),
            },
        ) {
            Ok(sp) => sp,
            Err(e) => Environment::nothing(format!("VIRTUAL_ENV ignored: {e}")),
        },
        Ok(None) => Environment::nothing(format!(
            "VIRTUAL_ENV ignored: {} is not a virtual environment",
            value.display()
        )),
        Err(e) => Environment::nothing(format!("VIRTUAL_ENV ignored: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Environment {
        Environment {
            rule: DiscoveryRule::ConsoleScript {
                name: "terok".into(),
                script: PathBuf::from("/home/u/.local/bin/terok"),
            },
            interpreter: Some(PathBuf::from("/v/bin/python")),
            virtual_env: Some(PathBuf::from("/v")),
            search_path: vec![
                PathBuf::from("/v/bin"),
                PathBuf::from("/v/lib/python3.12/site-packages"),
            ],
            cache: CacheStatus::NotNeeded,
            notes: vec!["a note".into()],
            tracked_packages: vec!["terok".into()],
        }
    }

    #[test]
    fn display_report() {
        let text = sample().to_string();
        assert_eq!(
            text,
            "found by: console script `terok` on PATH (/home/u/.local/bin/terok)\n\
             interpreter: /v/bin/python\n\
             virtual environment: /v\n\
             cache: not needed (no interpreter was asked)\n\
             search path:\n  /v/bin\n  /v/lib/python3.12/site-packages\n\
             note: a note\n"
        );
        let nothing = Environment::nothing("no python3 on PATH").to_string();
        assert!(nothing.contains("search path: (empty)"));
        assert!(nothing.contains("note: no python3 on PATH"));
    }

    #[test]
    fn json_report() {
        let Value::Object(entries) = sample().to_json_value() else {
            panic!("not an object");
        };
        let keys: Vec<String> = entries.iter().map(|(k, _)| k.to_string_lossy()).collect();
        assert_eq!(
            keys,
            [
                "rule",
                "found_by",
                "rule_path",
                "interpreter",
                "virtual_env",
                "cache",
                "cache_used",
                "cache_detail",
                "search_path",
                "notes"
            ]
        );
        assert_eq!(entries[0].1, Value::Str(PyString::from("console_script")));
        assert_eq!(entries[6].1, Value::Bool(false));
        assert_eq!(entries[7].1, Value::Null);
        let Value::Array(sp) = &entries[8].1 else {
            panic!("search_path is not an array");
        };
        assert_eq!(sp.len(), 2);
    }

    #[test]
    fn non_utf8_paths_as_python_str() {
        use std::os::unix::ffi::OsStrExt;
        let p = Path::new(std::ffi::OsStr::from_bytes(b"/a\xffb/\xc3\xa9"));
        let s = path_to_pystring(p);
        let cps: Vec<u32> = s.code_points().collect();
        assert_eq!(cps, [0x2f, 0x61, 0xdcff, 0x62, 0x2f, 0xe9]);
    }

    #[test]
    fn cache_status_flags() {
        let hit = CacheStatus::Hit {
            file: PathBuf::from("/c"),
        };
        assert!(hit.used() && !hit.queried());
        let written = CacheStatus::Written {
            file: PathBuf::from("/c"),
        };
        assert!(!written.used() && written.queried());
        assert!(!CacheStatus::NotNeeded.queried());
    }
}
