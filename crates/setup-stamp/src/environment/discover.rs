//! Discovery: which environment the terok frontends run in, and from an
//! interpreter to its search path.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cache::{self, CacheKey, Lookup};
use super::host::HostEnv;
use super::pathsearch::which;
use super::pyenv::{self, ShimTarget};
use super::query::{run_query, InterpreterInfo};
use super::shebang::{parse_shebang, Launcher};
use super::site::abspath;
use super::venv::VirtualEnv;
use super::{
    venv_search_path, CacheStatus, DiscoveryRule, Environment, EnvironmentError, InterpreterFlags,
    SitePlan,
};

/// The tracked package names, in order: their console scripts (of the same
/// names) are looked up on `PATH` by rule 4.
pub const TRACKED_PACKAGES: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];

/// How long an interpreter may take to answer.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// What the caller asks discovery to use (the CLI's `--sys-path` and
/// `--python`, and the tracked names).
///
/// ```
/// use setup_stamp::environment::DiscoveryRequest;
/// let req = DiscoveryRequest::default();
/// assert_eq!(req.tracked_packages[0], "terok");
/// assert!(req.sys_path.is_none() && req.python.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryRequest {
    /// `--sys-path DIR...`: use this search path as is (rule 1).
    pub sys_path: Option<Vec<PathBuf>>,
    /// `--python PATH`: a virtual environment or any interpreter (rule 2).
    pub python: Option<PathBuf>,
    /// Tracked package names, in order: the environment owning the first
    /// console script of one of these names on `PATH` is used (rule 4).
    pub tracked_packages: Vec<String>,
}

impl Default for DiscoveryRequest {
    fn default() -> Self {
        DiscoveryRequest {
            sys_path: None,
            python: None,
            tracked_packages: TRACKED_PACKAGES.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// How discovery may ask interpreters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryOptions {
    /// How long an interpreter may take to answer ([`QUERY_TIMEOUT`]).
    pub timeout: Duration,
    /// Where the interpreter cache lives; `None`: [`cache_dir`](super::cache_dir)
    /// of the host.
    pub cache_dir: Option<PathBuf>,
    /// `false`: never read or write the cache (always ask).
    pub use_cache: bool,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions {
            timeout: QUERY_TIMEOUT,
            cache_dir: None,
            use_cache: true,
        }
    }
}

/// Reads the first bytes of a file (enough for any launcher line). Opened
/// non-blocking: a FIFO planted as a script reads as empty at once instead
/// of waiting for a writer, and at most 2 KiB are read from anything.
pub(crate) fn head(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)?;
    let mut buf = Vec::with_capacity(1024);
    file.take(2048).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Finds the environment the terok frontends run in, for this process's
/// variables and current directory, with the default options. See
/// [`discover_in`].
pub fn discover(request: &DiscoveryRequest) -> Result<Environment, EnvironmentError> {
    discover_in(
        request,
        &HostEnv::from_process(),
        &DiscoveryOptions::default(),
    )
}

/// Finds the environment, trying the rules in order; the result says which
/// rule decided:
///
/// 1. `request.sys_path`: the search path as given.
/// 2. `request.python`: a virtual environment directory or any interpreter.
/// 3. `$VIRTUAL_ENV`, when it names a virtual environment (else a note).
/// 4. The environment owning the console script of the first tracked name
///    that resolves on `PATH` (its launcher line leads to the interpreter).
/// 5. `python3` on `PATH`.
///
/// Nothing found is not an error: the search path is empty and a note says
/// why. Errors are for an interpreter that was found (or given) but cannot
/// be used: missing, broken, hanging (after `options.timeout`).
///
/// Virtual environments are derived statically; other interpreters are
/// asked once and their answer cached (a cache hit starts no process).
pub fn discover_in(
    request: &DiscoveryRequest,
    host: &HostEnv,
    options: &DiscoveryOptions,
) -> Result<Environment, EnvironmentError> {
    let mut env = discover_rules(request, host, options)?;
    env.tracked_packages = request.tracked_packages.clone();
    Ok(env)
}

fn discover_rules(
    request: &DiscoveryRequest,
    host: &HostEnv,
    options: &DiscoveryOptions,
) -> Result<Environment, EnvironmentError> {
    if let Some(entries) = &request.sys_path {
        return Ok(Environment {
            search_path: entries.clone(),
            interpreter: None,
            virtual_env: None,
            rule: DiscoveryRule::SysPath,
            cache: CacheStatus::NotNeeded,
            notes: Vec::new(),
            tracked_packages: Vec::new(),
        });
    }
    let mut notes = Vec::new();
    if let Some(python) = &request.python {
        let source = DiscoveryRule::Python {
            given: python.clone(),
        };
        return interpreter_search_path(
            python,
            options,
            host,
            InterpreterFlags::default(),
            None,
            source,
        )
        .map(|sp| notes_first(notes, sp));
    }
    if let Some(value) = host.var_nonempty("VIRTUAL_ENV") {
        let value = PathBuf::from(value);
        match VirtualEnv::find(&value, host.cwd()) {
            Ok(Some(venv)) => {
                return venv_search_path(
                    &venv,
                    host,
                    &InterpreterFlags::default(),
                    None,
                    DiscoveryRule::VirtualEnvVar { value },
                )
            }
            Ok(None) => notes.push(format!(
                "VIRTUAL_ENV={} ignored: not a virtual environment",
                value.display()
            )),
            Err(e) => notes.push(format!("VIRTUAL_ENV={} ignored: {e}", value.display())),
        }
    }
    for name in &request.tracked_packages {
        let Some(script) = which(OsStr::new(name), host, &[]) else {
            continue;
        };
        match console_script_interpreter(&script, host) {
            Ok((interpreter, flags, script_dir, mut script_notes)) => {
                notes.append(&mut script_notes);
                let source = DiscoveryRule::ConsoleScript {
                    name: name.clone(),
                    script: script.clone(),
                };
                return interpreter_search_path(
                    &interpreter,
                    options,
                    host,
                    flags,
                    Some(&script_dir),
                    source,
                )
                .map(|sp| notes_first(notes, sp));
            }
            Err(why) => notes.push(format!(
                "console script {} ({}) skipped: {why}",
                name,
                script.display()
            )),
        }
    }
    if let Some(python3) = which(OsStr::new("python3"), host, &[]) {
        let source = DiscoveryRule::PythonOnPath {
            found: python3.clone(),
        };
        return interpreter_search_path(
            &python3,
            options,
            host,
            InterpreterFlags::default(),
            None,
            source,
        )
        .map(|sp| notes_first(notes, sp));
    }
    let tried = request.tracked_packages.join(", ");
    let sp = Environment::nothing(if tried.is_empty() {
        "no VIRTUAL_ENV and no python3 on PATH".to_owned()
    } else {
        format!("no VIRTUAL_ENV, none of {tried} on PATH, and no python3 on PATH")
    });
    Ok(notes_first(notes, sp))
}

/// `sp` with the `earlier` notes (of the rules tried before) ahead of its own.
fn notes_first(mut earlier: Vec<String>, mut sp: Environment) -> Environment {
    earlier.append(&mut sp.notes);
    sp.notes = earlier;
    sp
}

/// Follows the pyenv shim `shim` found at `from` statically: the command
/// it runs, noted in `notes`, or why pyenv's choice cannot be decided.
fn follow_shim(
    from: &Path,
    shim: &pyenv::PyenvShim,
    host: &HostEnv,
    notes: &mut Vec<String>,
) -> Result<PathBuf, String> {
    match pyenv::resolve(shim, host) {
        ShimTarget::Resolved {
            target,
            version,
            origin,
        } => {
            notes.push(format!(
                "{} is a pyenv shim: followed to {} (version {version}, set by {origin})",
                from.display(),
                target.display()
            ));
            Ok(target)
        }
        ShimTarget::Unresolved(why) => Err(why),
    }
}

/// From a console script found on `PATH` to the interpreter its launcher
/// line names, the options given there, and the directory Python puts
/// first on the path (the script's directory, symlinks resolved).
fn console_script_interpreter(
    script: &Path,
    host: &HostEnv,
) -> Result<(PathBuf, InterpreterFlags, PathBuf, Vec<String>), String> {
    let mut notes = Vec::new();
    let mut script = script.to_path_buf();
    // A console script installed into a pyenv version is reached through a
    // pyenv shim of the same name.
    for _ in 0..4 {
        let bytes = head(&script).map_err(|e| e.to_string())?;
        let Some(shim) = pyenv::detect(&script, &bytes) else {
            break;
        };
        script = follow_shim(&script, &shim, host, &mut notes)
            .map_err(|why| format!("pyenv shim that cannot be followed: {why}"))?;
    }
    let real = std::fs::canonicalize(&script).map_err(|e| e.to_string())?;
    let bytes = head(&real).map_err(|e| e.to_string())?;
    let launcher = parse_shebang(&bytes).map_err(|e| e.to_string())?;
    let flags = launcher.flags();
    let script_dir = real.parent().unwrap_or(Path::new("/")).to_path_buf();
    let interpreter = match &launcher {
        Launcher::Direct { interpreter, .. } => abspath(host.cwd(), interpreter),
        Launcher::Env { program, .. } => which(program, host, &[]).ok_or_else(|| {
            format!(
                "its launcher runs `{}` from PATH, which is not found",
                program.to_string_lossy()
            )
        })?,
    };
    Ok((interpreter, flags, script_dir, notes))
}

/// The search path of any interpreter (a virtual environment's, a pyenv
/// shim, a system Python), for a script in `script_dir` run with `flags`.
pub(crate) fn interpreter_search_path(
    path: &Path,
    options: &DiscoveryOptions,
    host: &HostEnv,
    flags: InterpreterFlags,
    script_dir: Option<&Path>,
    source: DiscoveryRule,
) -> Result<Environment, EnvironmentError> {
    let mut notes = Vec::new();
    let mut path = abspath(host.cwd(), path);
    // Follow pyenv shims statically, each time (never cached under the shim).
    let mut shim_unresolved = None;
    for _ in 0..4 {
        if let Some(venv) = VirtualEnv::find(&path, host.cwd())? {
            let sp = venv_search_path(&venv, host, &flags, script_dir, source)?;
            return Ok(notes_first(notes, sp));
        }
        if path.is_dir() {
            return Err(EnvironmentError::NotAVirtualEnvironment { path });
        }
        let bytes = head(&path).map_err(|source| EnvironmentError::NotFound {
            path: path.clone(),
            source,
        })?;
        let Some(shim) = pyenv::detect(&path, &bytes) else {
            break;
        };
        match follow_shim(&path, &shim, host, &mut notes) {
            Ok(target) => path = target,
            Err(why) => {
                shim_unresolved = Some(why);
                break;
            }
        }
    }
    let cache_dir = options
        .cache_dir
        .clone()
        .or_else(|| cache::cache_dir(host))
        .filter(|_| options.use_cache);
    let key = if shim_unresolved.is_some() {
        None
    } else {
        CacheKey::new(&path, host, &flags)
    };
    if let (Some(dir), Some(key)) = (&cache_dir, &key) {
        match cache::load(dir, key) {
            Lookup::Hit(info) => {
                let file = cache::entry_path(dir, key);
                return Ok(finish(
                    &info,
                    &path,
                    host,
                    &flags,
                    script_dir,
                    source,
                    CacheStatus::Hit { file },
                    notes,
                ));
            }
            Lookup::Miss => {}
            Lookup::Corrupt(why) => notes.push(format!("corrupt cache entry ignored: {why}")),
        }
    }
    let info = run_query(&path, host, &flags, options.timeout).map_err(|failure| {
        EnvironmentError::Query {
            interpreter: path.clone(),
            failure,
        }
    })?;
    let real = (!info.executable.as_os_str().is_empty()).then(|| info.executable.clone());
    let is_shim = real.as_deref().is_some_and(|r| !same_file(r, &path));
    if let (true, Some(real)) = (is_shim, &real) {
        notes.push(format!(
            "{} is a shim for {}{}; followed by asking it (not cached under the shim)",
            path.display(),
            real.display(),
            shim_unresolved
                .as_deref()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default()
        ));
        if let Some(venv) = VirtualEnv::find(real, host.cwd())? {
            let mut sp = venv_search_path(&venv, host, &flags, script_dir, source)?;
            sp.cache = CacheStatus::NotWritten {
                reason: "a shim: its target is a virtual environment, derived statically".into(),
            };
            return Ok(notes_first(notes, sp));
        }
    }
    if info.prefix != info.base_prefix {
        notes.push(format!(
            "the interpreter reports a virtual environment ({}) without a pyvenv.cfg found beside it",
            info.prefix.display()
        ));
    }
    // Store under the real interpreter (for a shim, the file it runs).
    let store_path = if is_shim {
        real.clone()
    } else {
        Some(path.clone())
    };
    let status = match (&cache_dir, store_path) {
        (None, _) if !options.use_cache => CacheStatus::NotWritten {
            reason: "cache disabled".into(),
        },
        (None, _) => CacheStatus::NotWritten {
            reason: "no cache directory (no home directory)".into(),
        },
        (Some(dir), Some(p)) => match CacheKey::new(&p, host, &flags) {
            Some(key) => match cache::store(dir, &key, &info) {
                Ok(file) if is_shim => CacheStatus::NotWritten {
                    reason: format!(
                        "a shim; the answer was cached for its target in {}",
                        file.display()
                    ),
                },
                Ok(file) => CacheStatus::Written { file },
                Err(e) => CacheStatus::NotWritten {
                    reason: format!("cannot write under {}: {e}", dir.display()),
                },
            },
            None => CacheStatus::NotWritten {
                reason: format!("cannot examine {}", p.display()),
            },
        },
        (Some(_), None) => CacheStatus::NotWritten {
            reason: "the interpreter does not know its own path".into(),
        },
    };
    let interpreter = if is_shim { real.unwrap_or(path) } else { path };
    Ok(finish(
        &info,
        &interpreter,
        host,
        &flags,
        script_dir,
        source,
        status,
        notes,
    ))
}

fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// Builds the search path from an interpreter's facts plus what is
/// re-derived on every run (user site existence, `.pth` files).
#[allow(clippy::too_many_arguments)]
fn finish(
    info: &InterpreterInfo,
    interpreter: &Path,
    host: &HostEnv,
    flags: &InterpreterFlags,
    script_dir: Option<&Path>,
    source: DiscoveryRule,
    cache: CacheStatus,
    notes: Vec<String>,
) -> Environment {
    let plan = plan_from_info(info);
    let default_dir = interpreter.parent().map(Path::to_path_buf);
    let script_dir = script_dir.map(Path::to_path_buf).or(default_dir);
    Environment {
        search_path: plan.assemble(script_dir.as_deref(), host, flags),
        interpreter: Some(interpreter.to_path_buf()),
        virtual_env: None,
        rule: source,
        cache,
        notes,
        tracked_packages: Vec::new(),
    }
}

/// The site plan of a (non-venv) interpreter from its answer.
pub(crate) fn plan_from_info(info: &InterpreterInfo) -> SitePlan {
    SitePlan {
        version: (info.version.0, info.version.1),
        stdlib: info.stdlib.clone(),
        first_site_dirs: Vec::new(),
        user_site: info.user_site.clone().filter(|_| info.user_site_enabled),
        site_dirs: info.site_dirs.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environment::test_support::write_exe as exe;

    /// A virtual environment needing no real interpreter (static only).
    fn fake_venv(dir: &Path) {
        std::fs::create_dir_all(dir.join("lib/python3.12/site-packages")).unwrap();
        std::fs::write(
            dir.join("pyvenv.cfg"),
            "home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = 3.12.0\n",
        )
        .unwrap();
        exe(&dir.join("bin/python3"), "");
        exe(&dir.join("bin/python"), "");
    }

    fn run(req: &DiscoveryRequest, host: &HostEnv) -> Environment {
        let opts = DiscoveryOptions {
            use_cache: false,
            ..DiscoveryOptions::default()
        };
        discover_in(req, host, &opts).unwrap()
    }

    #[test]
    fn rule_precedence() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        for v in ["given", "active", "tool", "onpath"] {
            fake_venv(&t.join(v));
        }
        exe(
            &t.join("bin/terok-shield"),
            &format!("#!{}\n", t.join("tool/bin/python").display()),
        );
        let path = format!(
            "{}:{}",
            t.join("bin").display(),
            t.join("onpath/bin").display()
        );
        let host = HostEnv::empty(t)
            .with_var("PATH", path)
            .with_var("VIRTUAL_ENV", t.join("active"));
        let given = DiscoveryRequest {
            python: Some(t.join("given")),
            ..DiscoveryRequest::default()
        };
        // 1: --sys-path beats everything.
        let sys_path = DiscoveryRequest {
            sys_path: Some(vec![PathBuf::from("/x")]),
            ..given.clone()
        };
        let env = run(&sys_path, &host);
        assert_eq!(env.rule, DiscoveryRule::SysPath);
        assert_eq!(env.search_path, vec![PathBuf::from("/x")]);
        assert_eq!(env.tracked_packages[0], "terok");
        // 2: --python beats VIRTUAL_ENV.
        let env = run(&given, &host);
        assert_eq!(env.virtual_env.as_deref(), Some(t.join("given").as_path()));
        assert!(env.notes.iter().any(|n| n.contains("standard library")));
        // 3: VIRTUAL_ENV beats console scripts.
        let env = run(&DiscoveryRequest::default(), &host);
        assert_eq!(
            env.rule,
            DiscoveryRule::VirtualEnvVar {
                value: t.join("active")
            }
        );
        // 4: the console script's environment beats python3 on PATH.
        let host = host.without_var("VIRTUAL_ENV");
        let env = run(&DiscoveryRequest::default(), &host);
        assert_eq!(
            env.rule,
            DiscoveryRule::ConsoleScript {
                name: "terok-shield".into(),
                script: t.join("bin/terok-shield")
            }
        );
        assert_eq!(env.virtual_env.as_deref(), Some(t.join("tool").as_path()));
        assert_eq!(env.search_path[0], t.join("bin"));
        // An earlier tracked name whose launcher is not understood is
        // skipped with a note.
        exe(&t.join("bin/terok"), "\x7fELF");
        let env = run(&DiscoveryRequest::default(), &host);
        assert_eq!(env.virtual_env.as_deref(), Some(t.join("tool").as_path()));
        assert!(
            env.notes
                .iter()
                .any(|n| n.contains("console script terok ")),
            "{env}"
        );
        // 5: python3 on PATH.
        let req = DiscoveryRequest {
            tracked_packages: Vec::new(),
            ..DiscoveryRequest::default()
        };
        let env = run(&req, &host);
        assert_eq!(
            env.rule,
            DiscoveryRule::PythonOnPath {
                found: t.join("onpath/bin/python3")
            }
        );
        assert_eq!(env.search_path[0], t.join("onpath/bin"));
        // Nothing.
        let host = HostEnv::empty(t).with_var("PATH", t.join("empty"));
        let env = run(&DiscoveryRequest::default(), &host);
        assert_eq!(env.rule, DiscoveryRule::Nothing);
        assert!(env.search_path.is_empty());
    }

    #[test]
    fn invalid_virtual_env_is_noted() {
        let tmp = tempfile::tempdir().unwrap();
        let host = HostEnv::empty(tmp.path())
            .with_var("PATH", tmp.path())
            .with_var("VIRTUAL_ENV", tmp.path().join("gone"));
        let env = run(&DiscoveryRequest::default(), &host);
        assert_eq!(env.rule, DiscoveryRule::Nothing);
        assert!(env.notes[0].starts_with("VIRTUAL_ENV="), "{env}");
    }

    #[test]
    fn given_directory_that_is_not_a_venv() {
        let tmp = tempfile::tempdir().unwrap();
        let req = DiscoveryRequest {
            python: Some(tmp.path().to_path_buf()),
            ..DiscoveryRequest::default()
        };
        let host = HostEnv::empty(tmp.path());
        let err = discover_in(&req, &host, &DiscoveryOptions::default()).unwrap_err();
        assert!(matches!(
            err,
            EnvironmentError::NotAVirtualEnvironment { .. }
        ));
    }

    #[test]
    fn fake_interpreter_answer_is_cached_and_rederived() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let user_site = t.join("home/.local/lib/python3.12/site-packages");
        let answer = InterpreterInfo {
            executable: t.join("py/bin/python3"),
            prefix: t.join("py"),
            base_prefix: t.join("py"),
            version: (3, 12, 0),
            platlibdir: "lib".into(),
            stdlib: vec![t.join("py/lib/python3.12")],
            site_dirs: vec![t.join("py/lib/python3.12/site-packages")],
            user_site_enabled: true,
            user_base: Some(t.join("home/.local")),
            user_site: Some(user_site.clone()),
        };
        std::fs::create_dir_all(t.join("py/lib/python3.12/site-packages")).unwrap();
        let script = format!("#!/bin/sh\ncat <<'EOF'\n{}EOF\n", answer.to_lines());
        exe(&t.join("py/bin/python3"), &script);
        let host = HostEnv::empty(t)
            .with_var("HOME", t.join("home"))
            .with_var("XDG_CACHE_HOME", t.join("cache"))
            .with_var(
                "PATH",
                format!("{}:/usr/bin:/bin", t.join("py/bin").display()),
            );
        let opts = DiscoveryOptions::default();
        let env = discover_in(&DiscoveryRequest::default(), &host, &opts).unwrap();
        assert!(matches!(env.cache, CacheStatus::Written { .. }), "{env}");
        assert_eq!(
            env.search_path,
            vec![
                t.join("py/bin"),
                t.join("py/lib/python3.12"),
                t.join("py/lib/python3.12/site-packages")
            ]
        );
        // The user site appears once it exists, with its .pth entries.
        std::fs::create_dir_all(&user_site).unwrap();
        std::fs::create_dir_all(t.join("extra")).unwrap();
        std::fs::write(user_site.join("x.pth"), "../../../../../extra\n").unwrap();
        let env = discover_in(&DiscoveryRequest::default(), &host, &opts).unwrap();
        assert!(env.cache_used(), "{env}");
        assert_eq!(
            env.search_path[2..],
            [
                user_site.clone(),
                t.join("extra"),
                t.join("py/lib/python3.12/site-packages")
            ]
        );
        // Another key variable: asked again.
        let host2 = host.clone().with_var("PYTHONNOUSERSITE", "1");
        let env = discover_in(&DiscoveryRequest::default(), &host2, &opts).unwrap();
        assert!(env.cache.queried());
        // The interpreter changes: asked again.
        exe(&t.join("py/bin/python3"), &format!("{script}\n"));
        let env = discover_in(&DiscoveryRequest::default(), &host, &opts).unwrap();
        assert!(env.cache.queried());
    }
}
