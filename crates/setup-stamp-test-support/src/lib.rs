//! Shared by the integration tests: what a test needs from the machine, what
//! happens when it is not there, and the CPython interpreters the tests run.
//!
//! No test passes by returning early without saying so. A test whose
//! precondition is missing calls [`required`] or [`optional`] and returns:
//!
//! * [`required`]: something the test command provides. `.ci/run` installs
//!   it (strace, zsh, fish, groff, systemd-analyze, Debian's `python3`),
//!   `scripts/test` finds or builds it (CPython 3.12 and 3.11 through
//!   `scripts/find-pythons`, the venvs, the binary), or the CI machine is
//!   documented to give it (root, tmpfs mounts, ptrace, user namespaces:
//!   see `.ci/run`). Under `CI=true` its absence **fails** the test, with a
//!   message naming what is missing.
//! * [`optional`]: a configuration the run chose and the test cannot change
//!   (the dynamic libgcc on request, `SETUP_STAMP_DYNAMIC_LIBGCC`). Never a
//!   failure.
//!
//! Either way the skip is *recorded*: one line, `test<TAB>kind<TAB>what`, is
//! appended to the file named by `SETUP_STAMP_SKIP_LOG` (`scripts/test` sets
//! it and ends with "N checks skipped: ..."), and a note goes to stderr
//! (shown by `cargo test -- --nocapture`).

#![warn(missing_docs)]

use std::collections::BTreeMap;
use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The variable naming the file skips are appended to.
pub const SKIP_LOG: &str = "SETUP_STAMP_SKIP_LOG";

/// `true` when running under CI (`CI=true` or `CI=1`).
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A precondition the test command provides is missing: under CI this
/// panics (the test fails, naming `what`); elsewhere the skip is recorded
/// and the caller returns.
#[track_caller]
pub fn required(what: impl Display) {
    let what = what.to_string();
    if under_ci() {
        panic!(
            "required precondition missing under CI=true: {what} ({}; see .ci/run)",
            std::panic::Location::caller()
        );
    }
    record("required", &what);
}

/// A genuinely optional precondition is missing: the skip is recorded (and
/// counted by `scripts/test`), under CI too, and the caller returns.
#[track_caller]
pub fn optional(what: impl Display) {
    record("optional", &what.to_string());
}

/// The running test, as `binary::test` (libtest names each test's thread
/// after the test).
fn test_name() -> String {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .map(|stem| match stem.rsplit_once('-') {
            Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_owned(),
            _ => stem,
        })
        .unwrap_or_else(|| "?".to_owned());
    let thread = std::thread::current();
    format!("{binary}::{}", thread.name().unwrap_or("?"))
}

#[track_caller]
fn record(kind: &str, what: &str) {
    let test = test_name();
    let what = what.replace(['\n', '\t'], " ");
    eprintln!(
        "{test}: skipped ({kind}): {what} ({})",
        std::panic::Location::caller()
    );
    let Some(log) = std::env::var_os(SKIP_LOG) else {
        return;
    };
    // One write per line: appends from parallel tests do not interleave.
    let line = format!("{test}\t{kind}\t{what}\n");
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!(
            "cannot record the skip in {}: {e}",
            Path::new(&log).display()
        );
    }
}

// ---------------------------------------------------------------------------
// CPython interpreters

/// CPython 3.`minor` for the tests (the environment tests use 3.12, the
/// reference configuration, and 3.11): the path in `SETUP_STAMP_PY3<minor>`
/// (`scripts/test` sets it from `scripts/find-pythons`), else the first of
/// `python3.<minor>` on `PATH` and `$PYENV_ROOT` (or `~/.pyenv`)
/// `/versions/3.<minor>*/bin/python3.<minor>` that is that version, as its
/// own `sys.executable` (so a pyenv shim is resolved). `None` when there is
/// none; the test then calls [`required`].
pub fn cpython(minor: u32) -> Option<&'static Path> {
    static FOUND: Mutex<BTreeMap<u32, Option<&'static Path>>> = Mutex::new(BTreeMap::new());
    let mut found = FOUND.lock().unwrap_or_else(|e| e.into_inner());
    *found
        .entry(minor)
        .or_insert_with(|| locate(minor).map(|p| &*Box::leak(p.into_boxed_path())))
}

/// The variable `scripts/test` sets for CPython 3.`minor`.
pub fn cpython_var(minor: u32) -> String {
    format!("SETUP_STAMP_PY3{minor}")
}

/// How a missing CPython 3.`minor` is described to [`required`].
pub fn cpython_missing(minor: u32) -> String {
    format!(
        "CPython 3.{minor} (${}, set by scripts/test from scripts/find-pythons; \
         or python3.{minor} on PATH, or pyenv's versions/3.{minor}*)",
        cpython_var(minor)
    )
}

fn locate(minor: u32) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(cpython_var(minor)).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let name = format!("python3.{minor}");
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(&name)).collect())
        .unwrap_or_default();
    let root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")));
    if let Some(versions) = root.map(|r| r.join("versions")) {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&versions)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("3.{minor}"))
            })
            .map(|e| e.path().join("bin").join(&name))
            .collect();
        dirs.sort();
        candidates.extend(dirs);
    }
    let probe = format!(
        "import sys; print(sys.executable); sys.exit(sys.implementation.name != 'cpython' \
         or sys.version_info[:2] != (3, {minor}))"
    );
    candidates
        .into_iter()
        .filter(|c| c.is_file())
        .find_map(|candidate| {
            let out = Command::new(&candidate)
                .args(["-I", "-c", &probe])
                .output()
                .ok()?;
            let exe = String::from_utf8(out.stdout).ok()?;
            let exe = PathBuf::from(exe.trim());
            (out.status.success() && exe.is_absolute()).then_some(exe)
        })
}

/// A pyenv installation holding both interpreters of [`cpython`] 3.12 and
/// 3.11, with its shims.
#[derive(Debug, Clone)]
pub struct Pyenv {
    /// `PYENV_ROOT`.
    pub root: PathBuf,
    /// The version name of CPython 3.12 (`versions/<name>`), e.g. `3.12.1`.
    pub v312: String,
    /// The version name of CPython 3.11, e.g. `3.11.7`.
    pub v311: String,
}

impl Pyenv {
    /// `<root>/shims`.
    pub fn shims(&self) -> PathBuf {
        self.root.join("shims")
    }

    /// `<root>/versions/<version>/bin`.
    pub fn bin(&self, version: &str) -> PathBuf {
        self.root.join("versions").join(version).join("bin")
    }
}

/// The pyenv installation the interpreters of [`cpython`] belong to, when
/// both live in one (`<root>/versions/<name>/bin/python3.X`) and it has its
/// shims and `libexec/pyenv`; `None` otherwise (the test then calls
/// [`required`] with [`PYENV_MISSING`]).
pub fn pyenv() -> Option<&'static Pyenv> {
    static FOUND: OnceLock<Option<Pyenv>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let split = |p: &Path| {
                let version_dir = p.parent()?.parent()?;
                let versions = version_dir.parent()?;
                (versions.file_name()? == "versions").then_some(())?;
                Some((
                    versions.parent()?.to_path_buf(),
                    version_dir.file_name()?.to_str()?.to_owned(),
                ))
            };
            let (root, v312) = split(cpython(12)?)?;
            let (root311, v311) = split(cpython(11)?)?;
            let usable = root == root311
                && root.join("shims/python3").is_file()
                && root.join("libexec/pyenv").is_file();
            usable.then_some(Pyenv { root, v312, v311 })
        })
        .as_ref()
}

/// How a missing [`pyenv`] is described to [`required`].
pub const PYENV_MISSING: &str = "pyenv holding both CPython 3.12 and 3.11 (its shims and \
    libexec/pyenv; the interpreters found are not under one pyenv root)";
