//! Shared by the environment tests: pyenv's CPython 3.12, virtual
//! environments made with it, and commands run with exactly a host's
//! variables.

#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use setup_stamp::environment::HostEnv;

/// pyenv's CPython 3.12 (the reference configuration).
pub const PY312: &str = "/root/.pyenv/versions/3.12.1/bin/python3.12";

/// `true` when [`PY312`] exists (the tests needing it are skipped otherwise).
pub fn have_python() -> bool {
    Path::new(PY312).exists()
}

/// `python3.12 -m venv --without-pip` at `dir`.
pub fn make_venv(dir: &Path, system_site: bool) {
    let mut cmd = Command::new(PY312);
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
