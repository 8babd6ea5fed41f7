//! `python_identity()`: which interpreter ran setup, so that a replaced or
//! upgraded Python under a virtual environment makes the receipt stale.
//!
//! The reference computes `json.dumps([sys.executable, sys.version,
//! [st_dev, st_ino, st_size, st_mtime_ns]])` inside the running interpreter.
//! Here it is computed for a discovered interpreter without running it on
//! the hot path: the `stat` is taken directly, and `sys.version` is asked
//! once per interpreter file (at most [`QUERY_TIMEOUT`]) and cached under
//! the interpreter cache directory, keyed by the interpreter's resolved
//! path, size, modification time and inode.

use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::environment::{
    cache_dir, parse_shebang, path_to_pystring, which, DiscoveryRule, Environment, HostEnv,
    Launcher, QueryFailure, QUERY_TIMEOUT,
};
use crate::location::pathlib::PurePath;
use crate::pyjson::{self, PyString, Value};

/// `[st_dev, st_ino, st_size, st_mtime_ns]` of a file (following symlinks).
pub type FileIdentity = (u64, u64, u64, i128);

/// The file identity of `path` as `Path.stat()` gives it; `None` when it
/// cannot be examined (the reference's `OSError` branch).
pub fn file_identity(path: &Path) -> Option<FileIdentity> {
    let meta = std::fs::metadata(path).ok()?;
    Some((
        meta.dev(),
        meta.ino(),
        meta.size(),
        i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
    ))
}

/// The identity text for an interpreter whose `sys.executable` is
/// `executable` (empty when Python could not tell) and whose `sys.version`
/// is `version` (pure: the file identity is given).
///
/// ```
/// use setup_stamp::receipt::format_python_identity;
/// assert_eq!(
///     format_python_identity(b"/v//bin/python", "3.12.1 (main)", Some((2049, 7, 100, 1_700_000_000_123_456_789))),
///     r#"["/v/bin/python", "3.12.1 (main)", [2049, 7, 100, 1700000000123456789]]"#
/// );
/// assert_eq!(format_python_identity(b"", "3.12.1", None), r#"["", "3.12.1", null]"#);
/// ```
pub fn format_python_identity(
    executable: &[u8],
    version: &str,
    identity: Option<FileIdentity>,
) -> String {
    let version = Value::Str(PyString::from(version));
    if executable.is_empty() {
        let items = vec![Value::Str(PyString::default()), version, Value::Null];
        return pyjson::dumps(&Value::Array(items), None, false);
    }
    // `str(Path(sys.executable))`: pathlib's spelling.
    let spelled = PurePath::parse(executable).to_path_buf();
    let identity = identity.map_or(Value::Null, |(dev, ino, size, mtime_ns)| {
        Value::Array(vec![
            Value::Int(dev.to_string()),
            Value::Int(ino.to_string()),
            Value::Int(size.to_string()),
            Value::Int(mtime_ns.to_string()),
        ])
    });
    let items = vec![Value::Str(path_to_pystring(&spelled)), version, identity];
    pyjson::dumps(&Value::Array(items), None, false)
}

/// `python_identity()` as the interpreter at `executable` (its
/// `sys.executable`, e.g. a console script's launcher path) would compute
/// it, with `sys.version` from [`interpreter_sys_version`].
pub fn python_identity_of(executable: &Path, version: &str) -> String {
    let identity = file_identity(executable);
    format_python_identity(executable.as_os_str().as_bytes(), version, identity)
}

/// The `sys.executable` that terok's own commands run with in `env`: the
/// launcher interpreter of the first of `scripts` found in the virtual
/// environment's `bin` (or of the console script discovery followed), else
/// the environment's interpreter. `terok setup` records this interpreter's
/// identity, so this is the one to compare with.
///
/// A launcher that names the interpreter directly (`#!/venv/bin/python3.12`,
/// pip's `/bin/sh` trampoline) gives that path as written; `#!/usr/bin/env
/// python3` gives the program found on `PATH`.
pub fn console_python(env: &Environment, scripts: &[&str]) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let DiscoveryRule::ConsoleScript { script, .. } = &env.rule {
        candidates.push(script.clone());
    }
    if let Some(venv) = &env.virtual_env {
        candidates.extend(scripts.iter().map(|name| venv.join("bin").join(name)));
    }
    for script in candidates {
        let Ok(head) = crate::environment::script_head(&script) else {
            continue;
        };
        match parse_shebang(&head) {
            Ok(Launcher::Direct { interpreter, .. }) => return Some(interpreter),
            Ok(Launcher::Env { program, .. }) => {
                if let Some(found) = which(&program, &HostEnv::from_process(), &[]) {
                    return Some(found);
                }
            }
            Err(_) => {}
        }
    }
    env.interpreter.clone()
}

const MAGIC: &str = "setup-stamp sys.version cache 1";

/// Where `sys.version` came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// The cache file; no process was started.
    Cache(PathBuf),
    /// The interpreter was asked (and the answer stored if possible).
    Asked,
}

/// `sys.version` of the interpreter at `interpreter`: from the cache when
/// the interpreter file is unchanged, else by running it once (`-S -E`, at
/// most [`QUERY_TIMEOUT`]) and caching the answer.
///
/// # Errors
/// The interpreter could not be started, timed out, failed, or answered
/// something that is not a version line.
pub fn interpreter_sys_version(
    interpreter: &Path,
    host: &HostEnv,
) -> Result<(String, VersionSource), QueryFailure> {
    let key = version_key(interpreter);
    let file = match (&key, cache_dir(host)) {
        (Some(key), Some(dir)) => Some(dir.join("sys-version").join(file_name(&key.0))),
        _ => None,
    };
    if let (Some(key), Some(file)) = (&key, &file) {
        if let Some(version) = load(file, key) {
            return Ok((version, VersionSource::Cache(file.clone())));
        }
    }
    let version = ask_sys_version(interpreter, host, QUERY_TIMEOUT)?;
    if let (Some(key), Some(file)) = (&key, &file) {
        // Best effort: a cache that cannot be written only costs a query.
        let _ = store(file, key, &version);
    }
    Ok((version, VersionSource::Asked))
}

/// The cache key: resolved path, size, mtime (ns), inode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct VersionKey(PathBuf, u64, i128, u64);

fn version_key(interpreter: &Path) -> Option<VersionKey> {
    let path = std::fs::canonicalize(interpreter).ok()?;
    let (_, ino, size, mtime_ns) = file_identity(&path)?;
    Some(VersionKey(path, size, mtime_ns, ino))
}

fn header(key: &VersionKey) -> String {
    format!(
        "{MAGIC}\nkey.path {}\nkey.size {}\nkey.mtime_ns {}\nkey.inode {}\n",
        crate::hex::encode(key.0.as_os_str().as_bytes()),
        key.1,
        key.2,
        key.3
    )
}

fn file_name(path: &Path) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in path.as_os_str().as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}.txt")
}

fn load(file: &Path, key: &VersionKey) -> Option<String> {
    let text = crate::safe_file::read_regular_file(file, 64 * 1024).ok()?;
    let text = String::from_utf8(text).ok()?;
    let body = text.strip_prefix(&header(key))?;
    let line = body.strip_prefix("version ")?.strip_suffix('\n')?;
    String::from_utf8(crate::hex::decode(line)?).ok()
}

fn store(file: &Path, key: &VersionKey, version: &str) -> Result<(), crate::safe_file::WriteError> {
    let text = format!(
        "{}version {}\n",
        header(key),
        crate::hex::encode(version.as_bytes())
    );
    crate::safe_file::write_file(file, text.as_bytes())
}

/// Runs `interpreter -S -E -c 'import sys; sys.stdout.write(sys.version)'`.
fn ask_sys_version(
    interpreter: &Path,
    host: &HostEnv,
    timeout: Duration,
) -> Result<String, QueryFailure> {
    let mut cmd = Command::new(interpreter);
    cmd.args([
        "-S",
        "-E",
        "-c",
        "import sys; sys.stdout.write(sys.version)",
    ])
    .env_clear()
    .envs(host.vars.iter());
    if host.cwd().is_dir() {
        cmd.current_dir(host.cwd());
    }
    let done = match crate::child::run_bounded(cmd, timeout, 64 * 1024) {
        Ok(done) => done,
        Err(crate::child::RunError::Spawn(e)) => return Err(QueryFailure::Spawn(e)),
        Err(crate::child::RunError::Timeout(t)) => return Err(QueryFailure::Timeout(t)),
    };
    if !done.status.success() {
        return Err(QueryFailure::Exit {
            status: done.status.to_string(),
            stderr: String::new(),
        });
    }
    let out = done.stdout;
    String::from_utf8(out)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| QueryFailure::BadAnswer("sys.version is empty or not UTF-8".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_python_reads_launchers_without_blocking_on_a_fifo() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        nix::unistd::mkfifo(
            &bin.join("terok"),
            nix::sys::stat::Mode::from_bits_truncate(0o755),
        )
        .unwrap();
        std::fs::write(
            bin.join("terok-sandbox"),
            b"#!/v/bin/python3.12\nimport x\n",
        )
        .unwrap();
        let mut env = Environment::nothing("test");
        env.virtual_env = Some(dir.path().to_owned());
        env.interpreter = Some(PathBuf::from("/v/bin/python3"));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(console_python(&env, &["terok", "terok-sandbox"]));
        });
        let found = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("console_python blocked on a FIFO");
        assert_eq!(found, Some(PathBuf::from("/v/bin/python3.12")));
    }

    #[test]
    fn cache_round_trip_and_staleness() {
        let dir = tempfile::tempdir().expect("tempdir");
        let interp = dir.path().join("python");
        std::fs::write(&interp, b"#!/bin/sh\nprintf '3.99.0 (fake)'\n").unwrap();
        let key = version_key(&interp).unwrap();
        let file = dir.path().join("cache/x.txt");
        assert_eq!(load(&file, &key), None);
        store(&file, &key, "3.99.0 (fake)\n[GCC]").unwrap();
        assert_eq!(load(&file, &key).as_deref(), Some("3.99.0 (fake)\n[GCC]"));
        let other = VersionKey(key.0.clone(), key.1 + 1, key.2, key.3);
        assert_eq!(load(&file, &other), None, "a changed interpreter misses");
    }

    #[test]
    fn asks_a_fake_interpreter_once_then_uses_the_cache() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let interp = dir.path().join("python");
        std::fs::write(&interp, b"#!/bin/sh\nprintf '3.99.0 (fake)'\n").unwrap();
        std::fs::set_permissions(&interp, std::fs::Permissions::from_mode(0o755)).unwrap();
        let host = HostEnv::empty(dir.path()).with_var("XDG_CACHE_HOME", dir.path().join("c"));
        let (v, source) = interpreter_sys_version(&interp, &host).unwrap();
        assert_eq!(
            (v.as_str(), source),
            ("3.99.0 (fake)", VersionSource::Asked)
        );
        let (v, source) = interpreter_sys_version(&interp, &host).unwrap();
        assert_eq!(v, "3.99.0 (fake)");
        assert!(matches!(source, VersionSource::Cache(_)), "{source:?}");
    }
}
