//! Real Python layouts for the command-line tests: a scratch area with its
//! own home, cache and wheel house; test distributions built offline by
//! `crates/setup-stamp/tests/fixtures/environment/make_wheel.py` and
//! installed with the machine's pip; the `setup-stamp` binary and the
//! layout's own interpreter run with exactly the variables a test sets.
//! The interpreters are CPython 3.12 and 3.11 as
//! `setup_stamp_test_support::cpython` finds them (`SETUP_STAMP_PY312`,
//! `SETUP_STAMP_PY311` from `scripts/find-pythons`), never fixed paths.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// CPython 3.11 (with setuptools, for an `.egg-info` install); only after
/// [`have_pythons`].
pub fn py311() -> &'static str {
    interpreter(11)
}

/// CPython 3.12 (the reference configuration); only after [`have_pythons`].
pub fn py312() -> &'static str {
    interpreter(12)
}

fn interpreter(minor: u32) -> &'static str {
    setup_stamp_test_support::cpython(minor)
        .and_then(Path::to_str)
        .unwrap_or_else(|| panic!("CPython 3.{minor}: call have_pythons() first"))
}

/// pyenv's shim directory (`python3` there is a shim), when the
/// interpreters are pyenv's.
pub fn pyenv_shims() -> Option<PathBuf> {
    setup_stamp_test_support::pyenv().map(|p| p.shims())
}

/// The tracked names, in order.
pub const TRACKED: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];

/// Prints what the layout's interpreter reports: its `sys.path` and
/// `importlib.metadata.version` of every tracked name (`null`: not found).
pub const PROBE: &str = r#"import json, sys
from importlib import metadata
versions = {}
for name in ["terok", "terok-executor", "terok-sandbox", "terok-shield", "terok-clearance"]:
    try:
        versions[name] = metadata.version(name)
    except metadata.PackageNotFoundError:
        versions[name] = None
print(json.dumps({"path": sys.path, "versions": versions, "executable": sys.executable}))
"#;

/// The binary under test.
pub fn setup_stamp_bin() -> &'static str {
    env!("CARGO_BIN_EXE_setup-stamp")
}

/// `true` when both interpreters are there; otherwise the skip is
/// recorded (a failure under CI: scripts/test provides them) and the test
/// returns.
#[track_caller]
pub fn have_pythons() -> bool {
    let missing: Vec<String> = [12, 11]
        .into_iter()
        .filter(|minor| setup_stamp_test_support::cpython(*minor).is_none())
        .map(setup_stamp_test_support::cpython_missing)
        .collect();
    if missing.is_empty() {
        return true;
    }
    setup_stamp_test_support::required(missing.join("; "));
    false
}

fn make_wheel() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../setup-stamp/tests/fixtures/environment/make_wheel.py")
}

/// Writes an executable file.
pub fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A command for building a layout: none of the caller's `PYTHON*`,
/// `PIP_*` or `VIRTUAL_ENV` variables, the area's home.
pub fn helper_command(program: impl AsRef<OsStr>, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        let text = name.to_string_lossy();
        if text.starts_with("PYTHON") || text.starts_with("PIP_") || text == "VIRTUAL_ENV" {
            cmd.env_remove(&name);
        }
    }
    cmd.env("HOME", home);
    cmd
}

fn check(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scratch area: `home`, `cache`, `wheels`, `work` (the current
/// directory of every run), `bin`, `stamp` (`TEROK_ROOT`).
pub struct Lab {
    _tmp: tempfile::TempDir,
    /// The area's resolved path.
    pub root: PathBuf,
}

impl Lab {
    /// A new, empty area.
    pub fn new() -> Lab {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for d in ["home", "cache", "wheels", "work", "bin", "stamp"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        Lab { _tmp: tmp, root }
    }

    /// A new area, or `None` (the skip recorded) when the interpreters
    /// are missing (see [`have_pythons`]).
    #[track_caller]
    pub fn for_test() -> Option<Lab> {
        have_pythons().then(Lab::new)
    }

    /// A path inside the area.
    pub fn p(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Builds a wheel of `name` `version` whose console `scripts` print
    /// what [`PROBE`] prints.
    pub fn wheel(&self, name: &str, version: &str, scripts: &[&str]) -> PathBuf {
        let out = helper_command(py312(), &self.p("home"))
            .arg(make_wheel())
            .arg(self.p("wheels"))
            .args([name, version])
            .args(scripts)
            .output()
            .unwrap();
        check(&out, "make_wheel.py");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    }

    /// `python -m venv --without-pip` at `rel`.
    pub fn venv(&self, python: &str, rel: &str, system_site: bool) -> PathBuf {
        let dir = self.p(rel);
        let mut cmd = helper_command(python, &self.p("home"));
        cmd.args(["-m", "venv", "--without-pip"]);
        if system_site {
            cmd.arg("--system-site-packages");
        }
        check(&cmd.arg(&dir).output().unwrap(), "python -m venv");
        dir
    }

    /// `python -m pip ARGS` offline, with the area's home and nothing
    /// inherited that changes where pip installs (see [`helper_command`]).
    pub fn pip<I, S>(&self, python: &str, args: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = helper_command(python, &self.p("home"))
            .args(["-m", "pip"])
            .args(args)
            .args([
                "--no-index",
                "--no-deps",
                "--disable-pip-version-check",
                "--no-input",
                "-q",
            ])
            .env("PIP_NO_CACHE_DIR", "1")
            .current_dir(self.p("work"))
            .output()
            .unwrap();
        check(&out, "pip");
    }

    /// Installs `wheels` into the virtual environment `venv` (pip of
    /// `python`, the venv's base).
    pub fn install(&self, python: &str, venv: &Path, wheels: &[PathBuf]) {
        let mut args: Vec<OsString> = vec![
            "--python".into(),
            venv.join("bin/python").into(),
            "install".into(),
        ];
        args.extend(wheels.iter().map(|w| w.clone().into_os_string()));
        self.pip(python, args);
    }

    /// `python -m venv --without-pip` at `rel`, with `wheels` installed.
    pub fn venv_with(
        &self,
        python: &str,
        rel: &str,
        system_site: bool,
        wheels: &[PathBuf],
    ) -> PathBuf {
        let venv = self.venv(python, rel, system_site);
        self.install(python, &venv, wheels);
        venv
    }

    /// `pip install --user` into the area's home.
    pub fn install_user(&self, python: &str, wheels: &[PathBuf]) {
        let mut args: Vec<OsString> = vec!["install".into(), "--user".into()];
        args.extend(wheels.iter().map(|w| w.clone().into_os_string()));
        self.pip(python, args);
    }

    /// `pip install --target DIR`.
    pub fn install_target(&self, python: &str, dir: &Path, wheels: &[PathBuf]) {
        let mut args: Vec<OsString> = vec!["install".into(), "--target".into(), dir.into()];
        args.extend(wheels.iter().map(|w| w.clone().into_os_string()));
        self.pip(python, args);
    }

    /// The variables of a run: `PATH` as given, the area's `HOME`,
    /// `XDG_CACHE_HOME` and `TEROK_ROOT`; nothing else.
    pub fn env(&self, path: &str) -> Env {
        Env {
            vars: BTreeMap::new(),
            cwd: self.p("work"),
        }
        .with("PATH", path)
        .with("HOME", self.p("home"))
        .with("XDG_CACHE_HOME", self.p("cache"))
        .with("TEROK_ROOT", self.p("stamp"))
    }
}

/// What a layout's own interpreter reported (see [`PROBE`]).
#[derive(Debug, Clone)]
pub struct Seen {
    /// Its `sys.path`.
    pub path: Vec<PathBuf>,
    /// `importlib.metadata.version` of each tracked name; `None`: not found.
    pub versions: BTreeMap<String, Option<String>>,
    /// Its `sys.executable`.
    pub executable: PathBuf,
}

impl Seen {
    /// The found names and their versions (what `versions --json` lists).
    pub fn found(&self) -> BTreeMap<String, String> {
        self.versions
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
            .collect()
    }
}

fn json_str(value: &serde_json::Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_owned()
}

/// The exact process environment of one run.
#[derive(Debug, Clone)]
pub struct Env {
    /// The variables (nothing else is inherited).
    pub vars: BTreeMap<OsString, OsString>,
    /// The current directory.
    pub cwd: PathBuf,
}

impl Env {
    /// With one more variable.
    pub fn with(mut self, name: &str, value: impl Into<OsString>) -> Env {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// A command with exactly these variables and directory.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.env_clear().envs(&self.vars).current_dir(&self.cwd);
        cmd
    }

    /// Runs `setup-stamp ARGS`; returns the output whatever the exit code.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command(setup_stamp_bin()).args(args).output().unwrap()
    }

    /// Runs `setup-stamp ARGS`, which must succeed, and parses its stdout.
    pub fn cli_json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cli(args);
        check(&out, &format!("setup-stamp {}", args.join(" ")));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `setup-stamp versions --json`, no search-path flags.
    pub fn versions(&self) -> BTreeMap<String, String> {
        let value = self.cli_json(&["versions", "--json"]);
        let object = value.as_object().unwrap();
        object
            .iter()
            .map(|(k, v)| (k.clone(), json_str(v)))
            .collect()
    }

    /// `setup-stamp env --json`, no search-path flags.
    pub fn report(&self) -> Report {
        Report(self.cli_json(&["env", "--json"]))
    }

    /// Runs a shell command line (found on this `PATH`) that prints what
    /// [`PROBE`] prints: a console script of the layout, or an interpreter
    /// given [`PROBE`] with [`Env::probe`].
    pub fn run(&self, command_line: &str) -> Seen {
        let out = self
            .command("/bin/sh")
            .args(["-c", &format!("exec {command_line}")])
            .output()
            .unwrap();
        check(&out, command_line);
        parse_seen(&out.stdout)
    }

    /// Runs `command_line` as [`Env::run`] does and checks the versions
    /// with [`assert_versions_match`]: what the layout saw, and the
    /// `env --json` report.
    pub fn run_matching(&self, command_line: &str, expected: &[(&str, &str)]) -> (Seen, Report) {
        let seen = self.run(command_line);
        let report = assert_versions_match(self, &seen, expected);
        (seen, report)
    }

    /// Runs `python -c PROBE` (`python` looked up on this `PATH` when it
    /// has no slash).
    pub fn probe(&self, python: &str) -> Seen {
        let out = self
            .command("/bin/sh")
            .args(["-c", "exec \"$0\" -c \"$1\"", python, PROBE])
            .output()
            .unwrap();
        check(&out, &format!("{python} -c PROBE"));
        parse_seen(&out.stdout)
    }
}

fn parse_seen(stdout: &[u8]) -> Seen {
    let v: serde_json::Value = serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(stdout)));
    Seen {
        path: v["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| PathBuf::from(json_str(e)))
            .collect(),
        versions: v["versions"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_owned)))
            .collect(),
        executable: PathBuf::from(json_str(&v["executable"])),
    }
}

/// `setup-stamp env --json`.
#[derive(Debug, Clone)]
pub struct Report(pub serde_json::Value);

impl Report {
    /// `rule`: which discovery rule decided.
    pub fn rule(&self) -> String {
        json_str(&self.0["rule"])
    }

    /// `rule_path`.
    pub fn rule_path(&self) -> Option<PathBuf> {
        self.0["rule_path"].as_str().map(PathBuf::from)
    }

    /// `interpreter`.
    pub fn interpreter(&self) -> Option<PathBuf> {
        self.0["interpreter"].as_str().map(PathBuf::from)
    }

    /// `virtual_env`.
    pub fn virtual_env(&self) -> Option<PathBuf> {
        self.0["virtual_env"].as_str().map(PathBuf::from)
    }

    /// `cache` (`not_needed`, `hit`, `written`, `not_written`).
    pub fn cache(&self) -> String {
        json_str(&self.0["cache"])
    }

    /// `cache_used`.
    pub fn cache_used(&self) -> bool {
        self.0["cache_used"].as_bool().unwrap()
    }

    /// `search_path`.
    pub fn search_path(&self) -> Vec<PathBuf> {
        self.0["search_path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| PathBuf::from(json_str(e)))
            .collect()
    }

    /// Where `name` was found: its metadata directory (or file), or `None`.
    pub fn found_at(&self, name: &str) -> Option<PathBuf> {
        let entry = &self.0["packages"][name];
        if entry.is_null() {
            return None;
        }
        Some(PathBuf::from(json_str(&entry["metadata"])))
    }

    /// The version `env` reports for `name`.
    pub fn version_of(&self, name: &str) -> Option<String> {
        self.0["packages"][name]["version"]
            .as_str()
            .map(str::to_owned)
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:#}", self.0)
    }
}

/// Compares `versions --json` (no flags) with what the layout's
/// interpreter reported, name by name, and checks the layout holds the
/// `expected` versions (so that the comparison is not vacuous). Returns
/// the `env --json` report.
pub fn assert_versions_match(env: &Env, seen: &Seen, expected: &[(&str, &str)]) -> Report {
    let ours = env.versions();
    let theirs = seen.found();
    let report = env.report();
    let mismatches: Vec<String> = TRACKED
        .iter()
        .filter(|n| ours.get(**n) != theirs.get(**n))
        .map(|n| {
            format!(
                "{n}: setup-stamp {:?}, Python {:?}",
                ours.get(*n),
                theirs.get(*n)
            )
        })
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} mismatch(es):\n{}\nPython's sys.path: {:#?}\nsetup-stamp env --json: {report}",
        mismatches.len(),
        mismatches.join("\n"),
        seen.path
    );
    let expected: BTreeMap<String, String> = expected
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    assert_eq!(theirs, expected, "the layout is not what the test built");
    for name in TRACKED {
        assert_eq!(
            report.version_of(name),
            theirs.get(name).cloned(),
            "env --json disagrees for {name}: {report}"
        );
    }
    report
}
