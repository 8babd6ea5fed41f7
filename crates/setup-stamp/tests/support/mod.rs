//! Shared by the environment tests: CPython 3.12 (found by
//! `setup_stamp_test_support::cpython`, not at a fixed path), virtual
//! environments made with it, and commands run with exactly a host's
//! variables.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use setup_stamp::environment::HostEnv;
use setup_stamp_test_support::{cpython, cpython_missing, required};

/// CPython 3.12 (the reference configuration); only after [`have_python`].
pub fn py312() -> &'static str {
    cpython(12)
        .and_then(Path::to_str)
        .expect("CPython 3.12: call have_python() first")
}

/// The installation prefix of [`py312`] (its `bin` directory's parent).
pub fn py312_prefix() -> &'static Path {
    Path::new(py312()).parent().and_then(Path::parent).unwrap()
}

/// `true` when CPython 3.12 is there; otherwise the skip is recorded (a
/// failure under CI: scripts/test provides it) and the test returns.
#[track_caller]
pub fn have_python() -> bool {
    if cpython(12).and_then(Path::to_str).is_some() {
        return true;
    }
    required(cpython_missing(12));
    false
}

/// `python3.12 -m venv --without-pip` at `dir`.
pub fn make_venv(dir: &Path, system_site: bool) {
    let mut cmd = Command::new(py312());
    cmd.args(["-m", "venv", "--without-pip"]);
    if system_site {
        cmd.arg("--system-site-packages");
    }
    assert!(cmd.arg(dir).status().unwrap().success());
}

/// A command with exactly `host`'s variables and current directory.
pub fn host_command(program: impl AsRef<OsStr>, host: &HostEnv) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear().envs(&host.vars).current_dir(&host.cwd);
    cmd
}

/// Runs `cmd`, which must succeed (its stderr is shown otherwise): its stdout.
pub fn stdout_of(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
