//! End-to-end tests of the `setup-stamp` binary: the five verdicts, hostile
//! stamps, `write`/`clear`/`path`/`versions`/`show`/`env`, colour and usage.
//!
//! Every run is isolated: the environment is cleared, `TEROK_ROOT` (or
//! `TEROK_CONFIG_FILE` with `HOME`) points into a temporary directory and the
//! installed distributions come from a generated site-packages passed with
//! `--sys-path` (or a hand-made venv passed with `--python`). Nothing here
//! touches `/var/lib/terok`, `/etc/terok` or the real home. Every run is
//! killed, and the test failed, if it takes longer than five seconds.
//!
//! Cases that need an unprivileged user run the binary as uid 65534 through
//! `setpriv` (from a copy in the world-readable temporary directory) when the
//! tests run as root, and directly otherwise. The colour test needs
//! util-linux `script` for a terminal. When a precondition is missing the
//! skip is recorded (`setup_stamp_test_support::required`), and under CI it
//! is a failure.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use setup_stamp_test_support::required;

const BIN: &str = env!("CARGO_BIN_EXE_setup-stamp");
const TIMEOUT: Duration = Duration::from_secs(5);
const PATH_ENV: &str = "/usr/bin:/bin:/usr/sbin:/sbin";

/// The tracked packages, in the ecosystem's order, with the versions every
/// sandbox starts with.
const DEFAULT_VERSIONS: [(&str, &str); 5] = [
    ("terok", "0.6.0"),
    ("terok-executor", "1.0"),
    ("terok-sandbox", "2.0"),
    ("terok-shield", "0.1"),
    ("terok-clearance", "3.0"),
];

// ---------------------------------------------------------------------------
// Running the binary

/// What a run produced.
#[derive(Debug)]
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` with stdin closed; kills it and fails the test after five
/// seconds.
fn run(cmd: Command) -> Output {
    run_with_timeout(cmd, TIMEOUT)
}

/// [`run`] with another time limit.
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.read_to_end(&mut bytes);
        bytes
    });
    let err_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.read_to_end(&mut bytes);
        bytes
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    Output {
        // A signal (e.g. a stack overflow's abort) is reported as -signal.
        code: status.code().unwrap_or_else(|| {
            -std::os::unix::process::ExitStatusExt::signal(&status).unwrap_or(0)
        }),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Output {
    /// Asserts the exit code, showing the whole output when it differs.
    #[track_caller]
    fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts an error and nothing else: exit code 1, no stdout, and
    /// stderr beginning `setup-stamp: error: `.
    #[track_caller]
    fn error_only(&self) {
        self.code(1);
        assert_eq!(self.stdout, "");
        assert!(self.stderr.starts_with("setup-stamp: error: "), "{self:?}");
    }

    /// Parses stdout as JSON.
    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The effective uid, from /proc/self/status.
fn euid() -> u32 {
    let status = fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|id| id.parse().ok())
        .expect("Uid line in /proc/self/status")
}

fn find_program(name: &str) -> Option<PathBuf> {
    PATH_ENV
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("chmod {mode:o} {}: {e}", path.display()));
}

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Single-quotes a string for `sh`.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------
// The sandbox: a temporary TEROK_ROOT, HOME and site-packages

struct Sandbox {
    /// Kept for its drop, which removes everything.
    _dir: tempfile::TempDir,
    /// The temporary directory, canonical (no symlinks), so the binary's
    /// paths can be compared exactly.
    base: PathBuf,
}

impl Sandbox {
    /// A sandbox with the default versions installed and no stamp.
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temporary directory");
        let base = dir.path().canonicalize().expect("canonical tempdir");
        for sub in ["home", "root", "site-packages"] {
            fs::create_dir(base.join(sub)).expect("create sandbox directory");
        }
        let sandbox = Sandbox { _dir: dir, base };
        for (name, version) in DEFAULT_VERSIONS {
            sandbox.install(name, Some(version));
        }
        sandbox
    }

    fn home(&self) -> PathBuf {
        self.base.join("home")
    }

    fn root(&self) -> PathBuf {
        self.base.join("root")
    }

    fn stamp(&self) -> PathBuf {
        self.root().join("setup.stamp")
    }

    fn stamp_text(&self) -> String {
        self.stamp().display().to_string()
    }

    fn site_packages(&self) -> PathBuf {
        self.base.join("site-packages")
    }

    /// Installs (or replaces) a distribution: a wheel-style
    /// `<normalised name>-<version>.dist-info/METADATA`. `None` writes
    /// metadata without a `Version` header.
    fn install(&self, name: &str, version: Option<&str>) {
        self.uninstall(name);
        let plain = version.filter(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '+')
        });
        let dir = self.site_packages().join(format!(
            "{}-{}.dist-info",
            name.replace('-', "_"),
            plain.unwrap_or("0")
        ));
        fs::create_dir(&dir).expect("create dist-info");
        let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\n");
        if let Some(version) = version {
            metadata.push_str(&format!("Version: {version}\n"));
        }
        metadata.push_str("Summary: test distribution\n");
        fs::write(dir.join("METADATA"), metadata).expect("write METADATA");
    }

    fn uninstall(&self, name: &str) {
        let prefix = format!("{}-", name.replace('-', "_"));
        for entry in listing(&self.site_packages()) {
            if entry.starts_with(&prefix) && entry.ends_with(".dist-info") {
                fs::remove_dir_all(self.site_packages().join(entry)).expect("uninstall");
            }
        }
    }

    fn write_stamp_bytes(&self, bytes: &[u8]) {
        fs::write(self.stamp(), bytes).expect("write stamp");
    }

    /// The binary with a cleared environment: PATH, HOME and TEROK_ROOT only.
    fn bare(&self) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.env_clear()
            .env("PATH", PATH_ENV)
            .env("HOME", self.home())
            .env("TEROK_ROOT", self.root());
        cmd
    }

    /// The binary with `--sys-path <site-packages>` and `args`.
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = self.bare();
        cmd.arg("--sys-path").arg(self.site_packages()).args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        run(self.cmd(args))
    }

    /// Runs as an unprivileged user: as uid/gid 65534 through `setpriv` when
    /// running as root, directly otherwise. `None` (the skip recorded) when
    /// that is impossible here.
    #[track_caller]
    fn run_unprivileged(&self, args: &[&str]) -> Option<Output> {
        if euid() != 0 {
            return Some(self.run(args));
        }
        let site = self.site_packages();
        let mut full = vec!["--sys-path", site.to_str()?];
        full.extend_from_slice(args);
        let (home, root) = (self.home(), self.root());
        self.run_as_root_as(
            65534,
            &[("HOME", home.as_os_str()), ("TEROK_ROOT", root.as_os_str())],
            &full,
        )
    }

    /// When running as root: runs a copy of the binary as `uid` (and the
    /// same gid, no groups) with only PATH and `envs` set. `None` (the skip
    /// recorded, a failure under CI) when not root or `setpriv` is
    /// unavailable.
    #[track_caller]
    fn run_as_root_as(
        &self,
        uid: u32,
        envs: &[(&str, &std::ffi::OsStr)],
        args: &[&str],
    ) -> Option<Output> {
        if euid() != 0 {
            required("root, to run the binary as another uid");
            return None;
        }
        let Some(setpriv) = find_program("setpriv") else {
            required("setpriv (util-linux), to run the binary as another uid");
            return None;
        };
        let bin_dir = self.base.join("bin");
        let bin = bin_dir.join("setup-stamp");
        if !bin.exists() {
            fs::create_dir_all(&bin_dir).expect("create bin directory");
            fs::copy(BIN, &bin).expect("copy the binary");
            set_mode(&bin_dir, 0o755);
            set_mode(&bin, 0o755);
        }
        // The tempdir is created 0700; the other user must be able to reach
        // the site-packages and (unless a test says otherwise) the root.
        set_mode(&self.base, 0o755);
        let command = || {
            let mut cmd = Command::new(&setpriv);
            cmd.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={uid}"))
                .arg("--clear-groups")
                .arg(&bin)
                .args(args)
                .env_clear()
                .env("PATH", PATH_ENV)
                .envs(envs.iter().copied());
            cmd
        };
        let mut out = run(command());
        // A child forked by another test thread while the copy was open for
        // writing holds that descriptor until it execs: ETXTBSY for a moment.
        for _ in 0..50 {
            if !out.stderr.contains("Text file busy") {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
            out = run(command());
        }
        if out.stderr.starts_with("setpriv:") {
            required(format!("setpriv failed: {}", out.stderr.trim()));
            return None;
        }
        Some(out)
    }
}

// ---------------------------------------------------------------------------
// Expected outputs

/// The human `check` output for the verdicts that say `Fix: terok setup`.
fn human(verdict: &str, stamp: &str, middle: &str) -> String {
    format!("verdict: {verdict}\nstamp: {stamp}\n{middle}Fix: terok setup\n")
}

fn human_downgrade(stamp: &str, changes: &str, rm_arg: &str) -> String {
    format!(
        "verdict: stale_after_downgrade\nstamp: {stamp}\nchanged since the last setup:\n{changes}\
         Installed packages are older than (or missing from) the last setup; downgrades are not supported.\n\
         Fix: upgrade the packages back, or remove the stamp at your own risk:\n  rm {rm_arg}\n"
    )
}

/// `check` exits 4 and prints the downgrade report for `sandbox`'s stamp
/// listing `changes`.
fn assert_check_downgrade(sandbox: &Sandbox, changes: &str) {
    let out = sandbox.run(&["check"]);
    out.code(4);
    let stamp = sandbox.stamp_text();
    assert_eq!(out.stdout, human_downgrade(&stamp, changes, &stamp));
}

/// `check --json` exits 4 with the verdict `stale_after_downgrade`: the report.
fn check_json_downgrade(sandbox: &Sandbox) -> Value {
    let out = sandbox.run(&["check", "--json"]);
    out.code(4);
    let report = out.json();
    assert_eq!(report["verdict"], "stale_after_downgrade");
    report
}

/// The stamp `write` produces for the default versions, `completed_at`
/// replaced by `{AT}`: Python's `json.dumps(..., indent=2, sort_keys=True)`.
const DEFAULT_STAMP: &str = r#"{
  "completed_at": "{AT}",
  "packages": {
    "terok": "0.6.0",
    "terok-clearance": "3.0",
    "terok-executor": "1.0",
    "terok-sandbox": "2.0",
    "terok-shield": "0.1"
  },
  "version": 1
}"#;

/// Replaces the `completed_at` value with `{AT}`, checking its format
/// (`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$`).
#[track_caller]
fn mask_completed_at(stamp: &str) -> String {
    let key = "\"completed_at\": \"";
    let start = stamp.find(key).expect("completed_at in the stamp") + key.len();
    let len = stamp[start..].find('"').expect("end of completed_at");
    let at = &stamp[start..start + len];
    let shape = "dddd-dd-ddTdd:dd:dd+00:00";
    assert_eq!(at.len(), shape.len(), "completed_at {at:?}");
    for (c, s) in at.chars().zip(shape.chars()) {
        match s {
            'd' => assert!(c.is_ascii_digit(), "completed_at {at:?}"),
            _ => assert_eq!(c, s, "completed_at {at:?}"),
        }
    }
    format!("{}{{AT}}{}", &stamp[..start], &stamp[start + len..])
}

/// A sandbox whose stamp was written by `write` over the default versions.
fn stamped_sandbox() -> Sandbox {
    let sandbox = Sandbox::new();
    sandbox.run(&["write"]).code(0);
    sandbox
}

// ---------------------------------------------------------------------------
// The five verdicts, end to end

#[test]
fn write_then_check_is_ok() {
    let sandbox = stamped_sandbox();
    let out = sandbox.run(&["check"]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("verdict: ok\nstamp: {}\n", sandbox.stamp_text())
    );
    assert_eq!(out.stderr, "");

    let out = sandbox.run(&["check", "--json"]);
    out.code(0);
    let stamped = json!({
        "terok": "0.6.0", "terok-clearance": "3.0", "terok-executor": "1.0",
        "terok-sandbox": "2.0", "terok-shield": "0.1"
    });
    let changes: Vec<Value> = [
        ("terok", "0.6.0"),
        ("terok-clearance", "3.0"),
        ("terok-executor", "1.0"),
        ("terok-sandbox", "2.0"),
        ("terok-shield", "0.1"),
    ]
    .iter()
    .map(|(p, v)| json!({"package": p, "stamped": v, "installed": v, "change": "same"}))
    .collect();
    assert_eq!(
        out.json(),
        json!({
            "protocol": "stamp",
            "verdict": "ok",
            "stamp_path": sandbox.stamp_text(),
            "stamped": stamped,
            "installed": stamped,
            "changes": changes,
        })
    );
}

#[test]
fn upgrade_is_stale_after_update() {
    let sandbox = stamped_sandbox();
    sandbox.install("terok-sandbox", Some("2.1"));
    let out = sandbox.run(&["check"]);
    out.code(3);
    assert_eq!(
        out.stdout,
        human(
            "stale_after_update",
            &sandbox.stamp_text(),
            "changed since the last setup:\n  terok-sandbox: 2.0 -> 2.1 (upgraded)\n"
        )
    );

    // The exact JSON: key order, two-space indent, one trailing newline.
    let out = sandbox.run(&["check", "--json"]);
    out.code(3);
    let expected = r#"{
  "protocol": "stamp",
  "verdict": "stale_after_update",
  "stamp_path": "STAMP",
  "stamped": {
    "terok": "0.6.0",
    "terok-clearance": "3.0",
    "terok-executor": "1.0",
    "terok-sandbox": "2.0",
    "terok-shield": "0.1"
  },
  "installed": {
    "terok": "0.6.0",
    "terok-clearance": "3.0",
    "terok-executor": "1.0",
    "terok-sandbox": "2.1",
    "terok-shield": "0.1"
  },
  "changes": [
    {
      "package": "terok",
      "stamped": "0.6.0",
      "installed": "0.6.0",
      "change": "same"
    },
    {
      "package": "terok-clearance",
      "stamped": "3.0",
      "installed": "3.0",
      "change": "same"
    },
    {
      "package": "terok-executor",
      "stamped": "1.0",
      "installed": "1.0",
      "change": "same"
    },
    {
      "package": "terok-sandbox",
      "stamped": "2.0",
      "installed": "2.1",
      "change": "upgraded"
    },
    {
      "package": "terok-shield",
      "stamped": "0.1",
      "installed": "0.1",
      "change": "same"
    }
  ]
}
"#
    .replace("STAMP", &sandbox.stamp_text());
    assert_eq!(out.stdout, expected);
}

#[test]
fn downgrade_is_exit_4_with_the_rm_line() {
    let sandbox = stamped_sandbox();
    sandbox.install("terok", Some("0.5"));
    assert_check_downgrade(&sandbox, "  terok: 0.6.0 -> 0.5 (downgraded)\n");

    let report = check_json_downgrade(&sandbox);
    assert_eq!(report["installed"]["terok"], "0.5");
    assert_eq!(
        report["changes"][0],
        json!({"package": "terok", "stamped": "0.6.0", "installed": "0.5", "change": "downgraded"})
    );
}

#[test]
fn downgrade_and_upgrade_together_is_a_downgrade_listing_both() {
    let sandbox = stamped_sandbox();
    sandbox.install("terok-clearance", Some("2.9"));
    sandbox.install("terok-shield", Some("0.2"));
    assert_check_downgrade(
        &sandbox,
        "  terok-clearance: 3.0 -> 2.9 (downgraded)\n  terok-shield: 0.1 -> 0.2 (upgraded)\n",
    );
}

#[test]
fn removed_package_is_a_downgrade() {
    let sandbox = stamped_sandbox();
    sandbox.uninstall("terok-shield");
    assert_check_downgrade(
        &sandbox,
        "  terok-shield: 0.1 -> (not installed) (not_installed)\n",
    );

    let report = check_json_downgrade(&sandbox);
    assert!(report["installed"].get("terok-shield").is_none());
    let shield = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["package"] == "terok-shield")
        .expect("terok-shield in changes");
    assert_eq!(
        shield,
        &json!({"package": "terok-shield", "stamped": "0.1", "installed": null, "change": "not_installed"})
    );
}

#[test]
fn the_rm_line_is_shell_quoted() {
    let sandbox = Sandbox::new();
    let root = sandbox.base.join("it's a dir");
    let stamp = root.join("setup.stamp");
    let mut write = sandbox.cmd(&["write"]);
    write.env("TEROK_ROOT", &root);
    run(write).code(0);
    sandbox.install("terok", Some("0.1"));
    let mut check = sandbox.cmd(&["check"]);
    check.env("TEROK_ROOT", &root);
    let out = run(check);
    out.code(4);
    let stamp_text = stamp.display().to_string();
    assert_eq!(
        out.stdout,
        human_downgrade(
            &stamp_text,
            "  terok: 0.6.0 -> 0.1 (downgraded)\n",
            &sh_quote(&stamp_text)
        )
    );
    // The line really removes the stamp when given to a shell.
    let rm_line = out.stdout.lines().last().expect("rm line").trim();
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg(rm_line)
        .status()
        .expect("run sh");
    assert!(status.success());
    assert!(!stamp.exists());
}

#[test]
fn the_rm_line_of_a_relative_path_starting_with_a_dash() {
    // TEROK_ROOT=-x gives the relative stamp path -x/setup.stamp, which rm
    // would take for options.
    let sandbox = Sandbox::new();
    fs::create_dir(sandbox.base.join("-x")).expect("create -x");
    let in_base = |args: &[&str]| {
        let mut cmd = sandbox.cmd(args);
        cmd.env("TEROK_ROOT", "-x").current_dir(&sandbox.base);
        run(cmd)
    };
    in_base(&["write"]).code(0);
    sandbox.install("terok", Some("0.1"));
    let out = in_base(&["check"]);
    out.code(4);
    assert_eq!(
        out.stdout,
        human_downgrade(
            "-x/setup.stamp",
            "  terok: 0.6.0 -> 0.1 (downgraded)\n",
            "./-x/setup.stamp"
        )
    );
    let rm_line = out.stdout.lines().last().expect("rm line").trim();
    let status = Command::new("/bin/sh")
        .arg("-c")
        .arg(rm_line)
        .current_dir(&sandbox.base)
        .status()
        .expect("run sh");
    assert!(status.success());
    assert!(!sandbox.base.join("-x/setup.stamp").exists());
}

#[test]
fn no_stamp_is_first_run() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["check"]);
    out.code(3);
    assert_eq!(
        out.stdout,
        human(
            "first_run",
            &sandbox.stamp_text(),
            "no setup stamp: setup has not been run\n"
        )
    );
    assert_eq!(out.stderr, "");

    let out = sandbox.run(&["check", "--json"]);
    out.code(3);
    let report = out.json();
    assert_eq!(report["verdict"], "first_run");
    assert_eq!(report["stamp_path"], sandbox.stamp_text().as_str());
    assert_eq!(report["stamped"], Value::Null);
    assert_eq!(report["installed"]["terok-clearance"], "3.0");
    assert_eq!(report["changes"].as_array().map(Vec::len), Some(5));
    assert!(report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .all(|c| c["change"] == "not_stamped" && c["stamped"].is_null()));
}

#[test]
fn nothing_installed_and_no_stamp_is_first_run() {
    let sandbox = Sandbox::new();
    for (name, _) in DEFAULT_VERSIONS {
        sandbox.uninstall(name);
    }
    let out = sandbox.run(&["check", "--json"]);
    out.code(3);
    let report = out.json();
    assert_eq!(report["verdict"], "first_run");
    assert_eq!(report["installed"], json!({}));
    assert_eq!(report["changes"], json!([]));
}

#[test]
fn empty_packages_is_ok_even_with_nothing_installed() {
    let sandbox = Sandbox::new();
    for (name, _) in DEFAULT_VERSIONS {
        sandbox.uninstall(name);
    }
    sandbox.write_stamp_bytes(br#"{"version": 1, "packages": {}}"#);
    sandbox.run(&["check"]).code(0);
}

#[test]
fn stamped_names_match_exactly() {
    let sandbox = Sandbox::new();
    for stamp in [
        r#"{"version": 1, "packages": {"Terok": "0.6.0"}}"#,
        r#"{"version": 1, "packages": {"terok_sandbox": "2.0"}}"#,
        r#"{"version": 1, "packages": {"terok-unknown": "1"}}"#,
    ] {
        sandbox.write_stamp_bytes(stamp.as_bytes());
        let out = sandbox.run(&["check", "--json"]);
        out.code(4);
        assert_eq!(out.json()["verdict"], "stale_after_downgrade", "{stamp}");
    }
}

#[test]
fn versions_compare_by_pep_440_else_as_text() {
    let sandbox = Sandbox::new();
    for (stamped, code) in [
        ("0.6", 0),      // 0.6 == 0.6.0
        ("v0.6.0", 0),   // the v prefix
        ("0.6.0rc1", 3), // a pre-release is older
        ("0.6.0.post1", 4),
        ("0.10", 4),      // numerically, not as text
        ("x", 4),         // not PEP 440: '0' < 'x'
        (" 0.6.0\\t", 0), // surrounding whitespace (a JSON \t escape) is stripped
    ] {
        sandbox.write_stamp_bytes(
            format!(r#"{{"version": 1, "packages": {{"terok": "{stamped}"}}}}"#).as_bytes(),
        );
        let out = sandbox.run(&["check"]);
        assert_eq!(out.code, code, "stamped {stamped:?}: {out:?}");
    }
    // Numbers in the stamp are compared as their Python str().
    sandbox.write_stamp_bytes(br#"{"version": 1.0, "packages": {"terok-executor": 1.0}}"#);
    sandbox.run(&["check"]).code(0);
    sandbox.write_stamp_bytes(br#"{"version": true, "packages": {"terok-executor": 0.9}}"#);
    sandbox.run(&["check"]).code(3);
}

#[test]
fn a_dist_info_name_is_cut_at_its_first_dash() {
    // importlib.metadata files `terok-sandbox-1.4.dist-info` under `terok`.
    let sandbox = Sandbox::new();
    let site = sandbox.base.join("legacy");
    let dist = site.join("terok-sandbox-1.4.dist-info");
    fs::create_dir_all(&dist).expect("create dist-info");
    fs::write(dist.join("METADATA"), "Name: terok-sandbox\nVersion: 1.4\n").expect("write");
    let mut cmd = sandbox.bare();
    cmd.arg("--sys-path").arg(&site).arg("versions");
    let out = run(cmd);
    out.code(0);
    assert_eq!(out.stdout, "terok 1.4\n");
}

#[test]
fn stamp_order_decides_between_downgrade_and_a_missing_version() {
    // A distribution without a Version header cannot be compared (the
    // reference raises TypeError): no verdict, exit 1 ...
    let sandbox = Sandbox::new();
    sandbox.install("terok", None);
    sandbox.write_stamp_bytes(br#"{"version": 1, "packages": {"terok": "0.6.0"}}"#);
    let out = sandbox.run(&["check"]);
    out.error_only();
    // ... unless a downgrade earlier in the stamp decides first.
    sandbox.write_stamp_bytes(
        br#"{"version": 1, "packages": {"terok-shield": "9", "terok": "0.6.0"}}"#,
    );
    sandbox.run(&["check"]).code(4);
}

// ---------------------------------------------------------------------------
// Corrupt stamps

/// Asserts `stamp_corrupt` with exit 3 in both renderings; returns the
/// reason line's text.
#[track_caller]
fn assert_corrupt(sandbox: &Sandbox) -> String {
    let out = sandbox.run(&["check"]);
    out.code(3);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", out.stdout);
    assert_eq!(lines[0], "verdict: stamp_corrupt");
    assert_eq!(lines[1], format!("stamp: {}", sandbox.stamp_text()));
    let reason = lines[2]
        .strip_prefix("the stamp is unusable: ")
        .unwrap_or_else(|| panic!("reason line: {}", lines[2]))
        .to_owned();
    assert_eq!(lines[3], "Fix: terok setup");

    let out = sandbox.run(&["check", "--json"]);
    out.code(3);
    let report = out.json();
    assert_eq!(report["verdict"], "stamp_corrupt");
    assert_eq!(report["stamped"], Value::Null);
    assert_eq!(report["stamp_path"], sandbox.stamp_text().as_str());
    reason
}

fn corrupt_with(bytes: &[u8]) -> String {
    let sandbox = Sandbox::new();
    sandbox.write_stamp_bytes(bytes);
    assert_corrupt(&sandbox)
}

#[test]
fn corrupt_invalid_json() {
    let reason = corrupt_with(br#"{"version": 1, "packages": {"#);
    assert!(
        reason.starts_with("the stamp is not valid JSON"),
        "{reason}"
    );
}

#[test]
fn corrupt_root_not_object() {
    assert_eq!(
        corrupt_with(br#"[{"version": 1, "packages": {}}]"#),
        "stamp root is not an object: list"
    );
    assert_eq!(corrupt_with(b"1"), "stamp root is not an object: int");
}

#[test]
fn corrupt_schema_version_string() {
    assert_eq!(
        corrupt_with(br#"{"version": "1", "packages": {}}"#),
        "unsupported stamp schema version: '1'"
    );
    assert_eq!(
        corrupt_with(br#"{"packages": {}}"#),
        "unsupported stamp schema version: None"
    );
}

#[test]
fn corrupt_packages_not_object() {
    assert_eq!(
        corrupt_with(br#"{"version": 1, "packages": ["terok"]}"#),
        "stamp packages is not an object: list"
    );
    assert_eq!(
        corrupt_with(br#"{"version": 1}"#),
        "stamp packages is not an object: NoneType"
    );
}

#[test]
fn corrupt_bom() {
    corrupt_with(b"\xef\xbb\xbf{\"version\": 1, \"packages\": {}}");
}

#[test]
fn corrupt_invalid_utf8() {
    corrupt_with(b"{\"version\": 1, \"packages\": {\"terok\": \"\xff\"}}");
    // A UTF-8-encoded surrogate.
    corrupt_with(b"{\"version\": 1, \"packages\": {\"terok\": \"\xed\xa0\x80\"}}");
}

#[test]
fn corrupt_empty_and_whitespace() {
    corrupt_with(b"");
    corrupt_with(b" \n\t");
}

#[test]
fn corrupt_nul_bytes() {
    corrupt_with(b"{\"version\": 1,\0 \"packages\": {}}");
    corrupt_with(b"{\"version\": 1, \"packages\": {}}\0");
    corrupt_with(&[0u8; 4096]);
}

// ---------------------------------------------------------------------------
// Hostile stamps: none may block, crash or be followed anywhere harmful

#[test]
fn hostile_fifo_does_not_block() {
    let sandbox = Sandbox::new();
    let status = Command::new("mkfifo")
        .arg(sandbox.stamp())
        .env_clear()
        .env("PATH", PATH_ENV)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo failed");
    // `run` kills the binary and fails the test after five seconds.
    assert_corrupt(&sandbox);
    // `show` reads the stamp too.
    sandbox.run(&["show"]).code(0);
}

#[test]
fn hostile_socket() {
    let sandbox = Sandbox::new();
    let _listener = UnixListener::bind(sandbox.stamp()).expect("bind socket");
    assert_corrupt(&sandbox);
}

#[test]
fn hostile_directory() {
    let sandbox = Sandbox::new();
    fs::create_dir(sandbox.stamp()).expect("create directory");
    assert_corrupt(&sandbox);
}

#[test]
fn hostile_symlink_to_dev_null() {
    let sandbox = Sandbox::new();
    symlink("/dev/null", sandbox.stamp()).expect("symlink");
    assert_corrupt(&sandbox);
}

#[test]
fn hostile_symlink_to_dev_zero() {
    let sandbox = Sandbox::new();
    symlink("/dev/zero", sandbox.stamp()).expect("symlink");
    assert_corrupt(&sandbox);
}

#[test]
fn symlink_to_a_valid_stamp_is_followed() {
    let sandbox = stamped_sandbox();
    let elsewhere = sandbox.base.join("elsewhere.stamp");
    fs::rename(sandbox.stamp(), &elsewhere).expect("move stamp");
    symlink(&elsewhere, sandbox.stamp()).expect("symlink");
    sandbox.run(&["check"]).code(0);
}

fn assert_first_run(sandbox: &Sandbox) {
    let out = sandbox.run(&["check"]);
    out.code(3);
    assert_eq!(
        out.stdout,
        human(
            "first_run",
            &sandbox.stamp_text(),
            "no setup stamp: setup has not been run\n"
        )
    );
}

#[test]
fn hostile_dangling_symlink_is_first_run() {
    let sandbox = Sandbox::new();
    symlink(sandbox.base.join("nowhere"), sandbox.stamp()).expect("symlink");
    assert_first_run(&sandbox);
}

#[test]
fn hostile_symlink_loop_is_first_run() {
    let sandbox = Sandbox::new();
    symlink("setup.stamp", sandbox.stamp()).expect("symlink");
    assert_first_run(&sandbox);

    let sandbox = Sandbox::new();
    symlink("other", sandbox.stamp()).expect("symlink");
    symlink("setup.stamp", sandbox.root().join("other")).expect("symlink");
    assert_first_run(&sandbox);
}

#[test]
fn hostile_parent_is_a_file_is_first_run() {
    let sandbox = Sandbox::new();
    let file = sandbox.base.join("file");
    fs::write(&file, "not a directory").expect("write file");
    let mut cmd = sandbox.cmd(&["check"]);
    cmd.env("TEROK_ROOT", file.join("sub"));
    let out = run(cmd);
    out.code(3);
    assert_eq!(
        out.stdout,
        human(
            "first_run",
            &file.join("sub/setup.stamp").display().to_string(),
            "no setup stamp: setup has not been run\n"
        )
    );

    // Writing there cannot succeed.
    let mut cmd = sandbox.cmd(&["write"]);
    cmd.env("TEROK_ROOT", file.join("sub"));
    let out = run(cmd);
    out.code(1);
    assert!(out.stderr.contains(&file.display().to_string()), "{out:?}");
}

#[test]
fn over_long_name_is_no_verdict() {
    let sandbox = Sandbox::new();
    let mut cmd = sandbox.cmd(&["check"]);
    cmd.env("TEROK_ROOT", sandbox.base.join("x".repeat(300)));
    let out = run(cmd);
    out.error_only();
}

#[test]
fn hostile_control_characters_are_shown_escaped() {
    // Escape sequences, BEL and newlines in the stamp or the metadata must
    // not reach the terminal raw nor forge output lines.
    let sandbox = Sandbox::new();
    sandbox.write_stamp_bytes(
        br#"{"version": 1, "packages": {"terok": "\u001b[2J\u001b]0;x\u0007", "\u001b[31mterok-evil": "1\n2"}, "completed_at": "\u009b"}"#,
    );
    assert_check_downgrade(&sandbox, "  terok: \\x1b[2J\\x1b]0;x\\x07 -> 0.6.0 (upgraded)\n  \\x1b[31mterok-evil: 1\\x0a2 -> (not installed) (not_installed)\n");
    let out = sandbox.run(&["show"]);
    out.code(0);
    assert!(
        !out.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        out.stdout
    );
    assert!(
        out.stdout.contains("completed_at: \\x9b\n"),
        "{}",
        out.stdout
    );
    // JSON keeps the exact text, escaped the JSON way.
    let out = sandbox.run(&["check", "--json"]);
    assert!(
        out.stdout.contains(r#""stamped": "1\n2""#),
        "{}",
        out.stdout
    );

    sandbox.install("terok-shield", Some("0.1\u{1b}[8m"));
    let out = sandbox.run(&["versions"]);
    out.code(0);
    assert!(
        out.stdout.contains("terok-shield 0.1\\x1b[8m\n"),
        "{}",
        out.stdout
    );
    let out = sandbox.run(&["env"]);
    out.code(0);
    assert!(!out.stdout.contains('\x1b'), "{}", out.stdout);
    let out = sandbox.run(&["versions", "--json"]);
    assert!(
        out.stdout.contains(r#""terok-shield": "0.1\u001b[8m""#),
        "{}",
        out.stdout
    );
}

#[test]
fn hostile_sparse_gigabyte_is_corrupt_and_fast() {
    let sandbox = Sandbox::new();
    let file = fs::File::create(sandbox.stamp()).expect("create stamp");
    file.set_len(1 << 30).expect("extend sparse file");
    drop(file);
    let start = Instant::now();
    assert_corrupt(&sandbox);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
}

/// `{"version": 1, "packages": {"terok": "0.6.0"}, KEY: <value>}` where the
/// value is `depth - 1` nested arrays (the root object is the first level).
fn deep_stamp(key: &str, depth: usize) -> Vec<u8> {
    let inner = depth - 1;
    format!(
        r#"{{"version": 1, "packages": {{"terok": "0.6.0"}}, "{key}": {}{}}}"#,
        "[".repeat(inner),
        "]".repeat(inner)
    )
    .into_bytes()
}

#[test]
fn deep_nesting_of_ten_thousand_levels_is_parsed() {
    let sandbox = Sandbox::new();
    sandbox.write_stamp_bytes(&deep_stamp("extra", 10_000));
    let out = sandbox.run(&["check"]);
    out.code(0);
    sandbox.run(&["show", "--json"]).code(0);

    // Nested objects too.
    let inner = 9_999;
    sandbox.write_stamp_bytes(
        format!(
            r#"{{"version": 1, "packages": {{"terok": "0.6.0"}}, "extra": {}1{}}}"#,
            r#"{"a": "#.repeat(inner),
            "}".repeat(inner)
        )
        .as_bytes(),
    );
    sandbox.run(&["check"]).code(0);
}

#[test]
fn deep_completed_at_does_not_crash() {
    let sandbox = Sandbox::new();
    sandbox.write_stamp_bytes(&deep_stamp("completed_at", 10_000));
    sandbox.run(&["check"]).code(0);
    sandbox.run(&["check", "--json"]).code(0);
    let out = sandbox.run(&["show"]);
    out.code(0);
    assert!(out.stdout.contains("state: valid\n"), "{}", out.stdout);
    // show --json gives a completed_at that is not a string as its Python
    // str(): one flat string, not 10,000 indented levels.
    let out = sandbox.run(&["show", "--json"]);
    out.code(0);
    let shown = out.json();
    assert_eq!(shown["state"], "valid");
    let at = shown["completed_at"].as_str().expect("completed_at text");
    assert_eq!(at, format!("{}{}", "[".repeat(9_999), "]".repeat(9_999)));

    sandbox.write_stamp_bytes(br#"{"version": 1, "packages": {}, "completed_at": [1, "a", null]}"#);
    let out = sandbox.run(&["show", "--json"]);
    out.code(0);
    assert_eq!(out.json()["completed_at"], "[1, 'a', None]");
    let out = sandbox.run(&["show"]);
    assert!(
        out.stdout.contains("\ncompleted_at: [1, 'a', None]\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn deep_schema_version_is_corrupt_not_a_crash() {
    let sandbox = Sandbox::new();
    let inner = 9_999;
    sandbox.write_stamp_bytes(
        format!(
            r#"{{"version": {}{}, "packages": {{}}}}"#,
            "[".repeat(inner),
            "]".repeat(inner)
        )
        .as_bytes(),
    );
    let reason = assert_corrupt(&sandbox);
    assert!(
        reason.starts_with("unsupported stamp schema version: [[["),
        "{}",
        &reason[..reason.len().min(80)]
    );
}

#[test]
fn deep_package_version_is_compared_as_text() {
    // str() of a nested list starts with '[', which sorts after '0': the
    // installed 0.6.0 is "older" (string comparison), a downgrade.
    let sandbox = Sandbox::new();
    let inner = 9_998;
    sandbox.write_stamp_bytes(
        format!(
            r#"{{"version": 1, "packages": {{"terok": {}{}}}}}"#,
            "[".repeat(inner),
            "]".repeat(inner)
        )
        .as_bytes(),
    );
    sandbox.run(&["check"]).code(4);
    sandbox.run(&["check", "--json"]).code(4);
}

#[test]
fn nesting_far_beyond_the_limit_is_corrupt() {
    let sandbox = Sandbox::new();
    sandbox.write_stamp_bytes(&deep_stamp("extra", 100_000));
    let reason = assert_corrupt(&sandbox);
    assert!(
        reason.starts_with("the stamp is not valid JSON"),
        "{reason}"
    );
    // Unclosed brackets, a megabyte of them.
    sandbox.write_stamp_bytes(&vec![b'['; 1 << 20]);
    assert_corrupt(&sandbox);
}

#[test]
fn unreadable_stamp_is_corrupt_for_an_unprivileged_user() {
    let sandbox = stamped_sandbox();
    set_mode(&sandbox.root(), 0o755);
    set_mode(&sandbox.stamp(), 0o000);
    let Some(out) = sandbox.run_unprivileged(&["check"]) else {
        return;
    };
    out.code(3);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "verdict: stamp_corrupt", "{out:?}");
    assert_eq!(lines[1], format!("stamp: {}", sandbox.stamp_text()));
    assert!(lines[2].starts_with("the stamp is unusable: "), "{out:?}");
    assert_eq!(lines[3], "Fix: terok setup");
}

#[test]
fn unsearchable_parent_is_no_verdict_naming_the_path() {
    let sandbox = stamped_sandbox();
    set_mode(&sandbox.root(), 0o000);
    let outs: Option<Vec<Output>> = [&["check"][..], &["check", "--json"], &["show"], &["clear"]]
        .iter()
        .map(|args| sandbox.run_unprivileged(args))
        .collect();
    set_mode(&sandbox.root(), 0o755);
    let Some(outs) = outs else {
        return;
    };
    assert!(sandbox.stamp().is_file(), "clear removed the stamp");
    for out in outs {
        out.error_only();
        assert!(out.stderr.contains(&sandbox.stamp_text()), "{out:?}");
        assert!(out.stderr.contains("ermission denied"), "{out:?}");
    }
}

// ---------------------------------------------------------------------------
// write

#[test]
fn write_prints_the_path_and_writes_pythons_bytes() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["write"]);
    out.code(0);
    assert_eq!(out.stdout, format!("{}\n", sandbox.stamp_text()));
    assert_eq!(out.stderr, "");
    let written = fs::read_to_string(sandbox.stamp()).expect("read stamp");
    assert!(!written.ends_with('\n'), "trailing newline");
    assert_eq!(mask_completed_at(&written), DEFAULT_STAMP);
    assert_eq!(listing(&sandbox.root()), ["setup.stamp"]);
}

#[test]
fn write_escapes_like_python_and_writes_null_for_no_version() {
    let sandbox = Sandbox::new();
    sandbox.install("terok", Some("1.0é\"\\😀/\u{7f}"));
    sandbox.install("terok-shield", None);
    sandbox.uninstall("terok-executor");
    sandbox.run(&["write"]).code(0);
    let written = fs::read_to_string(sandbox.stamp()).expect("read stamp");
    let expected = r#"{
  "completed_at": "{AT}",
  "packages": {
    "terok": "1.0\u00e9\"\\\ud83d\ude00/\u007f",
    "terok-clearance": "3.0",
    "terok-sandbox": "2.0",
    "terok-shield": null
  },
  "version": 1
}"#;
    assert_eq!(mask_completed_at(&written), expected);
}

#[test]
fn write_with_nothing_installed_writes_empty_packages() {
    let sandbox = Sandbox::new();
    for (name, _) in DEFAULT_VERSIONS {
        sandbox.uninstall(name);
    }
    sandbox.run(&["write"]).code(0);
    let written = fs::read_to_string(sandbox.stamp()).expect("read stamp");
    assert_eq!(
        mask_completed_at(&written),
        "{\n  \"completed_at\": \"{AT}\",\n  \"packages\": {},\n  \"version\": 1\n}"
    );
    sandbox.run(&["check"]).code(0);
}

#[test]
fn write_creates_parent_directories() {
    let sandbox = Sandbox::new();
    let root = sandbox.base.join("a/b/c");
    let mut cmd = sandbox.cmd(&["write"]);
    cmd.env("TEROK_ROOT", &root);
    let out = run(cmd);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("{}\n", root.join("setup.stamp").display())
    );
    let written = fs::read_to_string(root.join("setup.stamp")).expect("read stamp");
    assert_eq!(mask_completed_at(&written), DEFAULT_STAMP);
    assert_eq!(listing(&root), ["setup.stamp"]);
}

#[test]
fn write_replaces_an_old_stamp_and_honours_the_umask() {
    let sandbox = Sandbox::new();
    sandbox.write_stamp_bytes(b"old and corrupt");
    for (umask, mode) in [
        ("022", 0o644),
        ("077", 0o600),
        ("000", 0o666),
        ("027", 0o640),
    ] {
        // `sh` sets the umask, then becomes the binary. The stamp is
        // replaced by a new file each time, so it takes the new mode.
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(format!("umask {umask} && exec \"$@\""))
            .arg("sh")
            .arg(BIN)
            .arg("--sys-path")
            .arg(sandbox.site_packages())
            .arg("write")
            .env_clear()
            .env("PATH", PATH_ENV)
            .env("HOME", sandbox.home())
            .env("TEROK_ROOT", sandbox.root());
        run(cmd).code(0);
        assert_eq!(mode_of(&sandbox.stamp()), mode, "umask {umask}");
        let written = fs::read_to_string(sandbox.stamp()).expect("read stamp");
        assert_eq!(mask_completed_at(&written), DEFAULT_STAMP);
    }
    assert_eq!(listing(&sandbox.root()), ["setup.stamp"]);
}

#[test]
fn write_replaces_a_symlink_not_its_target() {
    let sandbox = Sandbox::new();
    let target = sandbox.base.join("target");
    fs::write(&target, "keep me").expect("write target");
    symlink(&target, sandbox.stamp()).expect("symlink");
    sandbox.run(&["write"]).code(0);
    assert_eq!(fs::read_to_string(&target).expect("read target"), "keep me");
    assert!(fs::symlink_metadata(sandbox.stamp())
        .expect("stat stamp")
        .is_file());

    fs::remove_file(sandbox.stamp()).expect("remove stamp");
    symlink("/dev/null", sandbox.stamp()).expect("symlink");
    sandbox.run(&["write"]).code(0);
    assert!(fs::symlink_metadata(sandbox.stamp())
        .expect("stat stamp")
        .is_file());
    sandbox.run(&["check"]).code(0);
}

#[test]
fn write_over_a_directory_fails_naming_the_path() {
    let sandbox = Sandbox::new();
    fs::create_dir(sandbox.stamp()).expect("create directory");
    let out = sandbox.run(&["write"]);
    out.error_only();
    assert!(out.stderr.contains(&sandbox.stamp_text()), "{out:?}");
    assert!(sandbox.stamp().is_dir());
    assert_eq!(
        listing(&sandbox.root()),
        ["setup.stamp"],
        "temporary file left"
    );
}

#[test]
fn write_into_a_read_only_parent_fails_and_keeps_the_old_stamp() {
    let sandbox = stamped_sandbox();
    let before = fs::read(sandbox.stamp()).expect("read stamp");
    set_mode(&sandbox.root(), 0o555);
    let result = sandbox.run_unprivileged(&["write"]);
    set_mode(&sandbox.root(), 0o755);
    let Some(out) = result else {
        return;
    };
    out.error_only();
    assert!(
        out.stderr.contains(&sandbox.root().display().to_string()),
        "{out:?}"
    );
    assert_eq!(fs::read(sandbox.stamp()).expect("read stamp"), before);
    assert_eq!(listing(&sandbox.root()), ["setup.stamp"]);
}

// ---------------------------------------------------------------------------
// clear and path

#[test]
fn clear_says_whether_a_stamp_was_removed() {
    let sandbox = stamped_sandbox();
    let out = sandbox.run(&["clear"]);
    out.code(0);
    assert_eq!(out.stdout, format!("removed {}\n", sandbox.stamp_text()));
    assert!(!sandbox.stamp().exists());
    let out = sandbox.run(&["clear"]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("no stamp at {}\n", sandbox.stamp_text())
    );
    assert_eq!(out.stderr, "");
    assert_first_run(&sandbox);
}

#[test]
fn clear_removes_a_symlink_not_its_target() {
    let sandbox = Sandbox::new();
    let target = sandbox.base.join("target");
    fs::write(&target, "{}").expect("write target");
    symlink(&target, sandbox.stamp()).expect("symlink");
    let out = sandbox.run(&["clear"]);
    out.code(0);
    assert_eq!(out.stdout, format!("removed {}\n", sandbox.stamp_text()));
    assert!(target.exists());
    assert!(fs::symlink_metadata(sandbox.stamp()).is_err());
}

#[test]
fn clear_of_a_directory_fails_naming_the_path() {
    let sandbox = Sandbox::new();
    fs::create_dir(sandbox.stamp()).expect("create directory");
    let out = sandbox.run(&["clear"]);
    out.error_only();
    assert!(out.stderr.contains(&sandbox.stamp_text()), "{out:?}");
    assert!(sandbox.stamp().is_dir());
}

fn path_with(envs: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.env_clear().env("PATH", PATH_ENV).arg("path");
    for (key, value) in envs {
        cmd.env(key, value);
    }
    run(cmd)
}

#[test]
fn path_normalises_terok_root() {
    let sandbox = Sandbox::new();
    let out = path_with(&[
        ("TEROK_ROOT", Path::new("/a//b/./c/")),
        ("HOME", &sandbox.home()),
    ]);
    out.code(0);
    assert_eq!(out.stdout, "/a/b/c/setup.stamp\n");
    assert!(!Path::new("/a/b/c").exists());

    let out = path_with(&[
        ("TEROK_ROOT", Path::new("~/x/../y")),
        ("HOME", Path::new("/h/")),
    ]);
    out.code(0);
    assert_eq!(out.stdout, "/h/x/../y/setup.stamp\n");

    let out = path_with(&[
        ("TEROK_ROOT", Path::new("//srv//t")),
        ("HOME", &sandbox.home()),
    ]);
    out.code(0);
    assert_eq!(out.stdout, "//srv/t/setup.stamp\n");
}

#[test]
fn path_edge_cases_of_terok_root() {
    let sandbox = Sandbox::new();
    let home = sandbox.home();
    for (root, expected) in [
        (".", "setup.stamp\n"),
        ("./", "setup.stamp\n"),
        (" ", " /setup.stamp\n"),
        ("a/../b", "a/../b/setup.stamp\n"),
    ] {
        let out = path_with(&[("TEROK_ROOT", Path::new(root)), ("HOME", &home)]);
        out.code(0);
        assert_eq!(out.stdout, expected, "TEROK_ROOT={root:?}");
    }
    let out = path_with(&[("TEROK_ROOT", Path::new("~")), ("HOME", Path::new("/h//"))]);
    out.code(0);
    assert_eq!(out.stdout, "/h/setup.stamp\n");

    // An empty TEROK_ROOT is not set: the config file decides.
    let config = sandbox.base.join("config.yml");
    fs::write(&config, "paths:\n  root: /srv/terok-state\n").expect("write config");
    let out = path_with(&[
        ("TEROK_ROOT", Path::new("")),
        ("TEROK_CONFIG_FILE", &config),
        ("HOME", &home),
    ]);
    out.code(0);
    assert_eq!(out.stdout, "/srv/terok-state/setup.stamp\n");
}

#[test]
fn path_takes_terok_root_as_written_and_config_root_resolved() {
    let sandbox = Sandbox::new();
    let real = sandbox.base.join("real");
    fs::create_dir(&real).expect("create real");
    let link = sandbox.base.join("link");
    symlink(&real, &link).expect("symlink");
    let config = sandbox.base.join("config.yml");
    fs::write(
        &config,
        format!("paths:\n  root: {}/./sub//state\n", link.display()),
    )
    .expect("write config");

    // The config file's paths.root: realpath'd (symlink followed).
    let out = path_with(&[("TEROK_CONFIG_FILE", &config), ("HOME", &sandbox.home())]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("{}/sub/state/setup.stamp\n", real.display())
    );

    // TEROK_ROOT wins over the config file and is not resolved.
    let root = link.join("here");
    let out = path_with(&[
        ("TEROK_CONFIG_FILE", &config),
        ("TEROK_ROOT", &root),
        ("HOME", &sandbox.home()),
    ]);
    out.code(0);
    assert_eq!(out.stdout, format!("{}/setup.stamp\n", root.display()));

    // And check/write follow the config file too.
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("PATH", PATH_ENV)
        .env("HOME", sandbox.home())
        .env("TEROK_CONFIG_FILE", &config)
        .arg("--sys-path")
        .arg(sandbox.site_packages())
        .arg("write");
    run(cmd).code(0);
    assert!(real.join("sub/state/setup.stamp").is_file());
}

#[test]
fn path_without_root_or_config_root_is_the_platform_default() {
    let sandbox = Sandbox::new();
    let config = sandbox.base.join("empty.yml");
    fs::write(&config, "# nothing\n").expect("write config");
    let data = sandbox.base.join("data");
    let out = path_with(&[
        ("TEROK_CONFIG_FILE", &config),
        ("HOME", &sandbox.home()),
        ("XDG_DATA_HOME", &data),
    ]);
    out.code(0);
    assert_eq!(out.stdout, default_path_line(&data));
}

/// `path`'s line for the platform default with `XDG_DATA_HOME=data`.
fn default_path_line(data: &Path) -> String {
    // Real root is uid 0 outside any user namespace.
    let uid_map = fs::read_to_string("/proc/self/uid_map").unwrap_or_default();
    let rows: Vec<Vec<&str>> = uid_map
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    let real_root = euid() == 0 && (uid_map.is_empty() || rows == [["0", "0", "4294967295"]]);
    if real_root {
        "/var/lib/terok/setup.stamp\n".to_owned()
    } else {
        format!("{}/terok/setup.stamp\n", data.display())
    }
}

#[test]
fn a_broken_config_file_is_ignored_as_a_whole() {
    let sandbox = Sandbox::new();
    let data = sandbox.base.join("data");
    for text in [
        "paths:\n  root: [unclosed\n",
        "paths:\n\troot: /x\n",
        "paths:\n  root: /x\npaths:\n  root: /y\n",
        "- a list\n",
    ] {
        let config = sandbox.base.join("config.yml");
        fs::write(&config, text).expect("write config");
        let out = path_with(&[
            ("TEROK_CONFIG_FILE", &config),
            ("HOME", &sandbox.home()),
            ("XDG_DATA_HOME", &data),
        ]);
        out.code(0);
        assert_eq!(out.stdout, default_path_line(&data), "{text:?}");
    }
}

#[test]
fn path_errors_are_exit_1() {
    let sandbox = Sandbox::new();
    let out = path_with(&[("TEROK_ROOT", Path::new("~nosuchuser-xyz/x"))]);
    out.error_only();
    assert!(out.stderr.contains("nosuchuser-xyz"), "{out:?}");
    // check cannot give a verdict without a path either.
    let mut cmd = sandbox.cmd(&["check"]);
    cmd.env("TEROK_ROOT", "~nosuchuser-xyz");
    run(cmd).code(1);

    // No usable HOME and a uid without a passwd entry: no user data
    // directory (only testable as root).
    let missing = sandbox.base.join("missing.yml");
    let Some(out) = sandbox.run_as_root_as(
        54_321,
        &[("TEROK_CONFIG_FILE", missing.as_os_str())],
        &["path"],
    ) else {
        return;
    };
    out.code(1);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("home") || out.stderr.contains("HOME"),
        "{out:?}"
    );
}

// ---------------------------------------------------------------------------
// versions, show, env, --python

#[test]
fn versions_human_and_json() {
    let sandbox = Sandbox::new();
    sandbox.uninstall("terok-shield");
    let out = sandbox.run(&["versions"]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "terok 0.6.0\nterok-executor 1.0\nterok-sandbox 2.0\nterok-clearance 3.0\n"
    );
    let out = sandbox.run(&["versions", "--json"]);
    out.code(0);
    assert_eq!(
        out.stdout,
        "{\n  \"terok\": \"0.6.0\",\n  \"terok-executor\": \"1.0\",\n  \"terok-sandbox\": \"2.0\",\n  \"terok-clearance\": \"3.0\"\n}\n"
    );

    for (name, _) in DEFAULT_VERSIONS {
        sandbox.uninstall(name);
    }
    let out = sandbox.run(&["versions", "--json"]);
    out.code(0);
    assert_eq!(out.stdout, "{}\n");
}

#[test]
fn versions_follow_the_search_path_order() {
    let sandbox = Sandbox::new();
    let second = sandbox.base.join("second");
    fs::create_dir(&second).expect("create second");
    let dist = second.join("terok-9.0.dist-info");
    fs::create_dir(&dist).expect("create dist-info");
    fs::write(dist.join("METADATA"), "Name: terok\nVersion: 9.0\n").expect("write METADATA");
    let out = sandbox.run(&["--sys-path", second.to_str().expect("utf-8"), "versions"]);
    out.code(0);
    assert!(out.stdout.starts_with("terok 0.6.0\n"), "{}", out.stdout);
    let mut cmd = sandbox.bare();
    cmd.arg("--sys-path")
        .arg(&second)
        .arg("--sys-path")
        .arg(sandbox.site_packages())
        .arg("versions");
    let out = run(cmd);
    out.code(0);
    assert!(out.stdout.starts_with("terok 9.0\n"), "{}", out.stdout);
}

#[test]
fn hostile_metadata_files_do_not_hang() {
    let sandbox = Sandbox::new();
    let site = sandbox.base.join("hostile");
    let dist = site.join("terok_shield-0.1.dist-info");
    fs::create_dir_all(&dist).expect("create dist-info");
    let metadata = dist.join("METADATA");
    let versions = || {
        let mut cmd = sandbox.bare();
        cmd.arg("--sys-path").arg(&site).arg("versions");
        run(cmd)
    };

    // A FIFO with no writer: opened without blocking, read as empty, so
    // the distribution has no version.
    let status = Command::new("mkfifo")
        .arg(&metadata)
        .env_clear()
        .env("PATH", PATH_ENV)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo failed");
    let out = versions();
    out.code(0);
    assert_eq!(out.stdout, "terok-shield (no version)\n");

    // An endless character device: given up after 64 MiB, naming the file
    // (the reference reads it until memory runs out). Reading 64 MiB takes
    // a moment in an unoptimised build on a busy machine: allow 30 s (it
    // used to take many minutes).
    fs::remove_file(&metadata).expect("remove FIFO");
    symlink("/dev/zero", &metadata).expect("symlink");
    let mut cmd = sandbox.bare();
    cmd.arg("--sys-path").arg(&site).arg("versions");
    let out = run_with_timeout(cmd, Duration::from_secs(30));
    out.code(1);
    assert!(
        out.stderr.contains(&metadata.display().to_string()),
        "{out:?}"
    );

    // A symlink loop: Python raises (ELOOP is not among the errors it
    // suppresses), so there is no answer.
    fs::remove_file(&metadata).expect("remove symlink");
    symlink("METADATA", &metadata).expect("symlink");
    versions().code(1);
}

#[test]
fn sys_path_entries_empty_relative_and_missing() {
    let sandbox = stamped_sandbox();
    // '' is the current directory, and relative entries are relative to it.
    for entry in ["", ".", "./"] {
        let mut cmd = sandbox.bare();
        cmd.arg("--sys-path")
            .arg(entry)
            .arg("check")
            .current_dir(sandbox.site_packages());
        assert_eq!(run(cmd).code, 0, "--sys-path {entry:?}");
    }
    let mut cmd = sandbox.bare();
    cmd.args(["--sys-path", "site-packages", "check"])
        .current_dir(&sandbox.base);
    run(cmd).code(0);
    // A missing entry is skipped: nothing is installed, every stamped
    // package is missing.
    let mut cmd = sandbox.bare();
    cmd.arg("--sys-path")
        .arg(sandbox.base.join("nowhere"))
        .arg("check");
    run(cmd).code(4);
}

#[test]
fn a_large_valid_stamp_is_read() {
    let sandbox = Sandbox::new();
    let mut stamp = String::from(r#"{"version": 1, "packages": {"terok": "0.6.0"}, "pad": ""#);
    stamp.push_str(&"x".repeat(1_000_000 - stamp.len() - 2));
    stamp.push_str("\"}");
    assert_eq!(stamp.len(), 1_000_000);
    sandbox.write_stamp_bytes(stamp.as_bytes());
    sandbox.run(&["check"]).code(0);
}

#[test]
fn show_json_parses() {
    let sandbox = stamped_sandbox();
    sandbox.install("terok-executor", Some("1.1"));
    let out = sandbox.run(&["show", "--json"]);
    out.code(0);
    let shown = out.json();
    assert_eq!(shown["state"], "valid");
    assert_eq!(shown["corrupt_reason"], Value::Null);
    let at = shown["completed_at"].as_str().expect("completed_at");
    mask_completed_at(&format!("\"completed_at\": \"{at}\""));
    assert_eq!(shown["report"]["verdict"], "stale_after_update");
    assert_eq!(shown["report"]["stamp_path"], sandbox.stamp_text().as_str());
    assert_eq!(shown["report"]["installed"]["terok-executor"], "1.1");

    let out = sandbox.run(&["show"]);
    out.code(0);
    assert!(out.stdout.starts_with(&format!(
        "stamp: {}\nstate: valid\ncompleted_at: ",
        sandbox.stamp_text()
    )));
    assert!(out.stdout.contains("verdict: stale_after_update\n"));
    assert!(out
        .stdout
        .contains("  terok-executor: 1.0 -> 1.1 (upgraded)\n"));

    fs::remove_file(sandbox.stamp()).expect("remove stamp");
    let out = sandbox.run(&["show", "--json"]);
    out.code(0);
    let shown = out.json();
    assert_eq!(shown["state"], "missing");
    assert_eq!(shown["report"]["verdict"], "first_run");

    sandbox.write_stamp_bytes(b"[]");
    let out = sandbox.run(&["show", "--json"]);
    out.code(0);
    let shown = out.json();
    assert_eq!(shown["state"], "corrupt");
    assert_eq!(shown["corrupt_reason"], "stamp root is not an object: list");
    assert_eq!(shown["report"]["verdict"], "stamp_corrupt");
}

#[test]
fn env_json_names_the_sys_path_rule() {
    let sandbox = Sandbox::new();
    let out = sandbox.run(&["env", "--json"]);
    out.code(0);
    let env = out.json();
    assert_eq!(env["rule"], "sys_path");
    assert_eq!(
        env["search_path"],
        json!([sandbox.site_packages().display().to_string()])
    );
    assert_eq!(env["interpreter"], Value::Null);
    assert_eq!(env["packages"]["terok-sandbox"]["version"], "2.0");
    assert_eq!(
        env["packages"]["terok-sandbox"]["metadata"],
        sandbox
            .site_packages()
            .join("terok_sandbox-2.0.dist-info")
            .display()
            .to_string()
    );

    let out = sandbox.run(&["env"]);
    out.code(0);
    assert!(out.stdout.contains("--sys-path"), "{}", out.stdout);
}

#[test]
fn verbose_prints_the_environment_on_stderr() {
    let sandbox = stamped_sandbox();
    let out = sandbox.run(&["--verbose", "check"]);
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("verdict: ok\nstamp: {}\n", sandbox.stamp_text())
    );
    assert!(
        out.stderr
            .contains(&sandbox.site_packages().display().to_string()),
        "{out:?}"
    );
}

/// A hand-made venv: `pyvenv.cfg` and `lib/python3.12/site-packages`.
fn make_venv(sandbox: &Sandbox) -> PathBuf {
    let venv = sandbox.base.join("venv");
    let site = venv.join("lib/python3.12/site-packages");
    fs::create_dir_all(&site).expect("create venv");
    fs::create_dir_all(venv.join("bin")).expect("create venv bin");
    fs::write(
        venv.join("pyvenv.cfg"),
        "home = /nonexistent/bin\ninclude-system-site-packages = false\nversion = 3.12.1\n",
    )
    .expect("write pyvenv.cfg");
    for (name, version) in [("terok", "0.7.0"), ("terok-shield", "0.2")] {
        let dist = site.join(format!("{}-{version}.dist-info", name.replace('-', "_")));
        fs::create_dir(&dist).expect("create dist-info");
        fs::write(
            dist.join("METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
        )
        .expect("write METADATA");
    }
    venv
}

#[test]
fn python_venv_finds_the_versions() {
    let sandbox = Sandbox::new();
    let venv = make_venv(&sandbox);
    let mut cmd = sandbox.bare();
    cmd.arg("--python").arg(&venv).args(["versions", "--json"]);
    let out = run(cmd);
    out.code(0);
    assert_eq!(
        out.stdout,
        "{\n  \"terok\": \"0.7.0\",\n  \"terok-shield\": \"0.2\"\n}\n"
    );

    let mut cmd = sandbox.bare();
    cmd.arg("--python").arg(&venv).args(["env", "--json"]);
    let out = run(cmd);
    out.code(0);
    let env = out.json();
    assert_eq!(env["rule"], "python");
    assert_eq!(env["virtual_env"], venv.display().to_string());
    let site = venv
        .join("lib/python3.12/site-packages")
        .display()
        .to_string();
    assert!(
        env["search_path"]
            .as_array()
            .expect("search_path")
            .iter()
            .any(|p| p == site.as_str()),
        "{env}"
    );

    // write + check through the venv.
    let mut cmd = sandbox.bare();
    cmd.arg("--python").arg(&venv).arg("write");
    run(cmd).code(0);
    let mut cmd = sandbox.bare();
    cmd.arg("--python").arg(&venv).arg("check");
    run(cmd).code(0);
}

// ---------------------------------------------------------------------------
// Usage, help and colour

#[test]
fn sys_path_and_python_together_is_a_usage_error() {
    let sandbox = Sandbox::new();
    let venv = make_venv(&sandbox);
    let mut cmd = sandbox.cmd(&[]);
    cmd.arg("--python").arg(&venv).arg("check");
    let out = run(cmd);
    out.code(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("cannot be used with"), "{out:?}");
}

#[test]
fn usage_errors_exit_2() {
    let sandbox = Sandbox::new();
    for args in [
        &[][..],
        &["bogus"],
        &["check", "--bogus"],
        &["write", "--json"],
        &["check", "extra"],
        &["--python"],
    ] {
        let out = run({
            let mut cmd = sandbox.bare();
            cmd.args(args);
            cmd
        });
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn version_flag() {
    let out = run({
        let mut cmd = Command::new(BIN);
        cmd.env_clear().arg("--version");
        cmd
    });
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("setup-stamp {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_everywhere_shows_examples() {
    let sandbox = Sandbox::new();
    let out = run({
        let mut cmd = sandbox.bare();
        cmd.arg("--help");
        cmd
    });
    out.code(0);
    assert!(out.stdout.contains("Example"), "{}", out.stdout);
    assert!(out.stdout.contains("Exit codes"), "{}", out.stdout);
    for sub in ["check", "write", "clear", "path", "versions", "show", "env"] {
        for args in [vec![sub, "--help"], vec!["help", sub]] {
            let out = run({
                let mut cmd = sandbox.bare();
                cmd.args(&args);
                cmd
            });
            out.code(0);
            assert!(out.stdout.contains("Example"), "{args:?}:\n{}", out.stdout);
            assert!(out.stdout.contains("Usage: setup-stamp"), "{args:?}");
        }
    }
    // The stamp was neither read nor written.
    assert_eq!(listing(&sandbox.root()), Vec::<String>::new());
}

#[test]
fn piped_output_has_no_colour() {
    let sandbox = Sandbox::new();
    let mut outputs = vec![sandbox.run(&["check"]), sandbox.run(&["show"])];
    sandbox.run(&["write"]).code(0);
    outputs.push(sandbox.run(&["check"]));
    sandbox.install("terok", Some("0.1"));
    outputs.push(sandbox.run(&["check"]));
    for out in outputs {
        assert!(!out.stdout.contains('\x1b'), "{out:?}");
        assert!(!out.stderr.contains('\x1b'), "{out:?}");
    }
}

#[test]
fn colour_on_a_terminal_unless_no_color() {
    let Some(script) = find_program("script") else {
        return required("`script` (util-linux), for a terminal");
    };
    let sandbox = Sandbox::new();
    let command = format!(
        "{} --sys-path {} check",
        sh_quote(BIN),
        sh_quote(&sandbox.site_packages().display().to_string())
    );
    let in_pty = |no_color: Option<&str>| {
        let mut cmd = Command::new(&script);
        cmd.args(["-qec", &command, "/dev/null"])
            .env_clear()
            .env("PATH", PATH_ENV)
            .env("HOME", sandbox.home())
            .env("TEROK_ROOT", sandbox.root());
        if let Some(value) = no_color {
            cmd.env("NO_COLOR", value);
        }
        run(cmd)
    };
    let out = in_pty(None);
    // `script -e` returns the command's exit code: a crash under a
    // terminal fails here, as does any other output.
    out.code(3);
    assert!(
        out.stdout.contains("\x1b[1;33mfirst_run\x1b[0m"),
        "{:?}",
        out.stdout
    );
    // An empty NO_COLOR does not count (no-color.org).
    assert!(in_pty(Some("")).stdout.contains('\x1b'));
    let out = in_pty(Some("1"));
    out.code(3);
    assert!(
        out.stdout.contains("verdict: first_run"),
        "{:?}",
        out.stdout
    );
    assert!(!out.stdout.contains('\x1b'), "{:?}", out.stdout);
}

/// A reader that has gone away does not turn the verdict into an error:
/// with stdout closed, or a pipe whose reader has exited (EPIPE), `check`
/// still exits with the verdict's code and prints no error.
#[test]
fn a_gone_reader_keeps_the_verdict_exit_code() {
    let Some(bash) = find_program("bash") else {
        return required("bash");
    };
    let sandbox = stamped_sandbox();
    sandbox.install("terok", Some("0.5"));
    let site = sandbox.site_packages().display().to_string();
    for args in ["check", "check --json"] {
        let command = format!("{} --sys-path {} {args}", sh_quote(BIN), sh_quote(&site));
        for script in [
            // stdout closed outright (EBADF).
            format!("exec 1>&-; {command}"),
            // The reader exits before the first write (EPIPE).
            format!("{{ sleep 0.3; {command}; }} | true; exit ${{PIPESTATUS[0]}}"),
        ] {
            let shell = Command::new(&bash)
                .arg("-c")
                .arg(&script)
                .env_clear()
                .env("PATH", PATH_ENV)
                .env("HOME", sandbox.home())
                .env("TEROK_ROOT", sandbox.root())
                .output()
                .expect("run bash");
            assert_eq!(shell.status.code(), Some(4), "{script}: {shell:?}");
            assert!(shell.stderr.is_empty(), "{script}: {shell:?}");
        }
    }
}
