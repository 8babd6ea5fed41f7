//! End to end: `check` and `receipts` on a receipt-era install, against a
//! small stand-in for terok (a virtual environment whose `terok` package's
//! `check_setup()` does what a state file says), run by a real Python.
//!
//! What is proved here: the protocol is detected; terok's answer is computed
//! by terok's code in terok's interpreter, kept, and proved current on the
//! next call without starting a program; every kind of change refreshes it
//! (content edits that keep size and mtime, variables, absent files
//! appearing, listings); what cannot be replayed is answered but not kept;
//! an untrusted or damaged cache is ignored; failures and time limits are
//! errors, never guesses. The real terok 0.9.1 is the differential suite's
//! (`tests/differential/test_startup_terok.py`).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_setup-stamp");

/// The Python to build the stand-in with: CPython 3.12 (terok's minimum),
/// as the test command finds it.
fn python() -> Option<PathBuf> {
    let found = setup_stamp_test_support::cpython(12).map(Path::to_path_buf);
    if found.is_none() {
        setup_stamp_test_support::required(setup_stamp_test_support::cpython_missing(12));
    }
    found
}

const UTIL_INIT: &str = "from .setup import SetupCheck, SetupReceipt, SetupStatus, setup_status\n";

const UTIL_SETUP: &str = r#"
import enum, json, dataclasses

class SetupStatus(str, enum.Enum):
    READY = "ready"
    MISSING = "missing"
    STALE = "stale"
    DOWNGRADE = "downgrade"
    INVALID = "invalid"
    def __str__(self):
        return self.value

@dataclasses.dataclass(frozen=True)
class SetupCheck:
    owner: str
    component: str
    status: SetupStatus
    diagnostic: str = ""

class SetupReceipt:
    def __init__(self, path, owner):
        self.path, self.owner = path, owner
    def check(self):
        try:
            data = json.loads(open(self.path).read())
        except FileNotFoundError:
            return SetupCheck(self.owner, "receipt", SetupStatus.MISSING, "Setup receipt is missing")
        return SetupCheck(self.owner, "receipt", SetupStatus(data["status"]), data.get("why", ""))

def setup_status(checks):
    statuses = {c.status for c in checks}
    for s in (SetupStatus.DOWNGRADE, SetupStatus.INVALID, SetupStatus.MISSING, SetupStatus.STALE):
        if s in statuses:
            return s
    return SetupStatus.READY
"#;

/// terok's check in the stand-in: the receipt (a JSON file), an artifact
/// whose presence matters, a variable, and a mode file that can make it
/// raise, sleep, start a program or exit.
const TEROK_SETUP: &str = r#"
import os, pathlib, subprocess, sys, time
from terok_util import SetupCheck, SetupReceipt, SetupStatus

STATE = pathlib.Path(os.environ["FAKE_STATE"])

def check_setup():
    mode = (STATE / "mode").read_text().strip() if (STATE / "mode").exists() else ""
    if mode == "raise":
        raise ValueError("config.yml: tui.desktop_entry must be one of auto, skip")
    if mode == "sleep":
        time.sleep(60)
    if mode == "spawn":
        subprocess.run(["true"])
    if mode == "exit":
        sys.exit(7)
    checks = [SetupReceipt(str(STATE / "terok.json"), "terok").check()]
    artifact = STATE / "artifact"
    checks.append(SetupCheck("terok", "artifact",
                             SetupStatus.READY if artifact.is_file() else SetupStatus.MISSING,
                             "" if artifact.is_file() else "Artifact is missing"))
    checks.append(SetupReceipt(str(STATE / "sandbox.json"), "terok-sandbox").check())
    if os.environ.get("FAKE_STALE"):
        checks.append(SetupCheck("terok-sandbox", "input", SetupStatus.STALE, "An input changed"))
    return tuple(checks)
"#;

struct Install {
    dir: tempfile::TempDir,
    venv: PathBuf,
    site: PathBuf,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Install {
    /// A venv holding the stand-in terok 9.9, terok-sandbox 9.9 and
    /// terok-util 0.4 (with `setup`), its `terok` console script, and a
    /// ready state.
    fn new(python: &Path) -> Install {
        let dir = tempfile::tempdir().expect("tempdir");
        let venv = dir.path().join("venv");
        let made = Command::new(python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&venv)
            .status()
            .expect("python -m venv");
        assert!(made.success());
        let lib = venv.join("lib");
        let site = fs::read_dir(&lib)
            .expect("venv lib")
            .filter_map(Result::ok)
            .map(|e| e.path().join("site-packages"))
            .find(|p| p.is_dir())
            .expect("site-packages");
        let write = |rel: &str, text: &str| {
            let path = site.join(rel);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, text).expect("write");
        };
        for (dist, name, version) in [
            ("terok", "terok", "9.9"),
            ("terok_sandbox", "terok-sandbox", "9.9"),
            ("terok_util", "terok-util", "0.4.0"),
        ] {
            write(
                &format!("{dist}-{version}.dist-info/METADATA"),
                &format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"),
            );
        }
        write("terok_util/__init__.py", UTIL_INIT);
        write("terok_util/setup.py", UTIL_SETUP);
        write("terok_sandbox/__init__.py", "");
        for pkg in ["terok", "terok/lib", "terok/lib/api"] {
            write(&format!("{pkg}/__init__.py"), "");
        }
        write("terok/lib/api/setup.py", TEROK_SETUP);
        let script = venv.join("bin/terok");
        fs::write(
            &script,
            format!("#!{}\nimport sys\n", venv.join("bin/python").display()),
        )
        .expect("script");
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
        let install = Install { dir, venv, site };
        fs::create_dir_all(install.state()).expect("state");
        install.receipt("terok", "ready", "");
        install.receipt("sandbox", "ready", "");
        fs::write(install.state().join("artifact"), "x").expect("artifact");
        install
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    fn receipt(&self, name: &str, status: &str, why: &str) {
        let text = format!("{{\"status\": \"{status}\", \"why\": \"{why}\"}}");
        fs::write(self.state().join(format!("{name}.json")), text).expect("receipt");
    }

    fn mode(&self, mode: &str) {
        fs::write(self.state().join("mode"), mode).expect("mode");
    }

    fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache/setup-stamp/startup")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env(
                "PATH",
                format!("{}:/usr/bin:/bin", self.venv.join("bin").display()),
            )
            .env("HOME", self.dir.path().join("home"))
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env("TEROK_ROOT", self.dir.path().join("root"))
            .env("FAKE_STATE", self.state())
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    fn run_with(&self, args: &[&str], tweak: impl FnOnce(&mut Command)) -> Run {
        let mut cmd = self.command(args);
        tweak(&mut cmd);
        let out = cmd.output().expect("run setup-stamp");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, |_| {})
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let run = self.run(args);
        let value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}\n{}", run.stdout, run.stderr));
        (run.code, value)
    }

    /// `check --json`, and where its answer came from.
    fn check(&self) -> (i32, Value, String) {
        let (code, value) = self.json(&["check", "--json"]);
        let source = value["cache"]["answer"].as_str().unwrap_or("").to_owned();
        (code, value, source)
    }
}

/// Sets `path`'s modification time.
fn touch(path: &Path, when: std::time::SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .expect("open")
        .set_modified(when)
        .expect("utime");
}

fn statuses(report: &Value) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                format!(
                    "{}/{}",
                    c["owner"].as_str().unwrap_or(""),
                    c["component"].as_str().unwrap_or("")
                ),
                c["status"].as_str().unwrap_or("").to_owned(),
                c["diagnostic"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

macro_rules! install {
    () => {
        match python() {
            Some(python) => Install::new(&python),
            None => return,
        }
    };
}

#[test]
fn a_ready_install_is_computed_once_then_kept() {
    let install = install!();
    let (code, first, source) = install.check();
    assert_eq!((code, source.as_str()), (0, "computed"), "{first}");
    assert_eq!(first["protocol"], "receipts");
    assert_eq!(first["status"], "ready");
    assert_eq!(first["owner"], "terok");
    assert_eq!(first["error"], Value::Null);
    assert_eq!(first["cache"]["kept"], true);
    assert_eq!(
        statuses(&first),
        [
            ("terok/receipt".into(), "ready".into(), String::new()),
            ("terok/artifact".into(), "ready".into(), String::new()),
            (
                "terok-sandbox/receipt".into(),
                "ready".into(),
                String::new()
            ),
        ]
    );
    let keys: Vec<&String> = first.as_object().expect("object").keys().collect();
    for key in ["protocol", "status", "checks"] {
        assert!(keys.iter().any(|k| k.as_str() == key), "{key} in {keys:?}");
    }
    let (code, second, source) = install.check();
    assert_eq!((code, source.as_str()), (0, "kept"), "{second}");
    assert_eq!(statuses(&second), statuses(&first));
    assert_eq!(second["receipts"][0]["owner"], "terok");
    // The kept answer is private to the user.
    let file = second["cache"]["file"].as_str().expect("file");
    let mode = fs::metadata(file).expect("cache file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let human = install.run(&["check"]);
    assert_eq!(
        (human.code, human.stdout.as_str()),
        (0, "status: ready\n"),
        "{}",
        human.stderr
    );
}

#[test]
fn every_kind_of_change_is_seen() {
    let install = install!();
    assert_eq!(install.check().0, 0);

    // Same size, same mtime: the content is compared.
    let receipt = install.state().join("sandbox.json");
    let mtime = fs::metadata(&receipt)
        .expect("stat")
        .modified()
        .expect("mtime");
    install.receipt("sandbox", "stale", "");
    fs::File::options()
        .write(true)
        .open(&receipt)
        .expect("open")
        .set_modified(mtime)
        .expect("utime");
    let text = fs::read_to_string(&receipt).expect("read");
    assert_eq!(text.len(), r#"{"status": "ready", "why": ""}"#.len());
    let (code, report, source) = install.check();
    assert_eq!((code, source.as_str()), (3, "computed"), "{report}");
    assert_eq!(report["status"], "stale");
    assert_eq!(install.check().2, "kept");

    // An artifact removed, then back: both seen.
    fs::remove_file(install.state().join("artifact")).expect("rm");
    let (code, report, source) = install.check();
    assert_eq!((code, source.as_str()), (3, "computed"));
    assert_eq!(report["status"], "missing");
    fs::write(install.state().join("artifact"), "y").expect("artifact");
    install.receipt("sandbox", "ready", "");
    assert_eq!(install.check().0, 0);

    // A variable the check consults.
    let run = install.run_with(&["check", "--json"], |c| {
        c.env("FAKE_STALE", "1");
    });
    let report: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(
        (run.code, report["cache"]["answer"].as_str()),
        (3, Some("computed"))
    );
    assert_eq!(report["checks"][3]["diagnostic"], "An input changed");
    // A variable it does not consult changes nothing.
    let run = install.run_with(&["check", "--json"], |c| {
        c.env("FAKE_STALE", "1").env("UNRELATED", "x");
    });
    let report: Value = serde_json::from_str(&run.stdout).expect("json");
    assert_eq!(report["cache"]["answer"], "kept");

    // A touched but unchanged file: still current.
    touch(&receipt, std::time::SystemTime::now());
    assert_eq!(install.check().2, "computed", "FAKE_STALE is gone again");
    touch(&receipt, std::time::SystemTime::now());
    let (code, _, source) = install.check();
    assert_eq!((code, source.as_str()), (0, "kept"));

    // A new distribution in site-packages (a listing of the search path).
    fs::create_dir_all(install.site.join("other-1.0.dist-info")).expect("mkdir");
    assert_eq!(install.check().2, "computed");
    assert_eq!(install.check().2, "kept");
}

#[test]
fn what_terok_raises_is_invalid_and_the_fix_is_named() {
    let install = install!();
    install.mode("raise");
    let (code, report, _) = install.check();
    assert_eq!(code, 3, "{report}");
    assert_eq!(report["status"], "invalid");
    assert_eq!(report["checks"], serde_json::json!([]));
    assert_eq!(report["error"]["type"], "ValueError");
    assert_eq!(
        report["error"]["message"],
        "config.yml: tui.desktop_entry must be one of auto, skip"
    );
    assert_eq!(install.check().2, "kept", "a raised answer is kept too");
    let human = install.run(&["check"]);
    assert_eq!(
        human.stdout,
        "status: invalid\nterok's setup check raised ValueError: config.yml: \
         tui.desktop_entry must be one of auto, skip\nFix: terok setup\n"
    );
    install.mode("");
    install.receipt("terok", "stale", "Setup version or inputs changed");
    let human = install.run(&["--setup-command", "acme setup", "check"]);
    assert_eq!(human.code, 3);
    assert_eq!(
        human.stdout,
        "status: stale\nterok/receipt: Setup version or inputs changed\nFix: acme setup\n"
    );
}

#[test]
fn a_downgrade_is_exit_4_and_names_the_newer_receipt() {
    let install = install!();
    install.receipt(
        "sandbox",
        "downgrade",
        "Setup receipt is newer than the installed package",
    );
    let human = install.run(&["check"]);
    assert_eq!(human.code, 4, "{}{}", human.stdout, human.stderr);
    let receipt = install.state().join("sandbox.json");
    assert!(
        human
            .stdout
            .starts_with("status: downgrade\nterok-sandbox/receipt: Setup receipt is newer"),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains(&format!("  rm {}\n", receipt.display())),
        "{}",
        human.stdout
    );
    let (code, report) = install.json(&["receipts", "--json"]);
    assert_eq!(code, 4);
    let owners: Vec<&str> = report["owners"]
        .as_array()
        .expect("owners")
        .iter()
        .map(|o| o["owner"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(owners, ["terok", "terok-sandbox"]);
    let sandbox = &report["owners"][1];
    assert_eq!(sandbox["status"], "downgrade");
    assert_eq!(sandbox["installed"], "9.9");
    assert_eq!(sandbox["path"], receipt.to_str().expect("utf-8"));
    assert_eq!(
        report["owners"][0]["checks"].as_array().map(Vec::len),
        Some(2)
    );
    let human = install.run(&["receipts"]);
    assert!(human.stdout.contains("terok 9.9: "), "{}", human.stdout);
    assert!(
        human.stdout.contains("  artifact: ready\n"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.ends_with("status: downgrade\n"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains("not verified"), "{}", human.stdout);
}

#[test]
fn what_cannot_be_replayed_is_answered_but_not_kept() {
    let install = install!();
    install.mode("spawn");
    let (code, report, source) = install.check();
    assert_eq!((code, source.as_str()), (0, "computed"), "{report}");
    assert_eq!(report["cache"]["kept"], false);
    let why = report["cache"]["not_kept"].as_str().expect("why");
    assert!(why.contains("starts a program"), "{why}");
    assert_eq!(install.check().2, "computed");
}

#[test]
fn refresh_policies() {
    let install = install!();
    let never = install.run(&["check", "--no-refresh"]);
    assert_eq!(never.code, 1);
    assert!(
        never.stderr.contains("refreshing it was not allowed"),
        "{}",
        never.stderr
    );
    assert_eq!(install.check().0, 0);
    let (code, report) = install.json(&["check", "--json", "--no-refresh"]);
    assert_eq!(
        (code, report["cache"]["answer"].as_str()),
        (0, Some("kept"))
    );
    let (code, report) = install.json(&["check", "--json", "--refresh"]);
    assert_eq!(
        (code, report["cache"]["answer"].as_str()),
        (0, Some("computed"))
    );
    let both = install.run(&["check", "--refresh", "--no-refresh"]);
    assert_eq!(both.code, 2);
    let bad = install.run(&["check", "--refresh-timeout", "0"]);
    assert_eq!(bad.code, 2);
}

#[test]
fn a_slow_or_stopping_check_is_an_error_not_a_guess() {
    let install = install!();
    assert_eq!(install.check().0, 0);
    install.mode("sleep");
    let t = Instant::now();
    let slow = install.run(&["check", "--refresh-timeout", "1"]);
    assert_eq!(slow.code, 1, "{}", slow.stdout);
    assert!(
        slow.stderr.contains("did not finish within 1 s"),
        "{}",
        slow.stderr
    );
    assert!(t.elapsed() < Duration::from_secs(20));
    assert_eq!(slow.stdout, "");
    install.mode("exit");
    let stopped = install.run(&["check"]);
    assert_eq!(stopped.code, 1);
    assert!(
        stopped.stderr.contains("SystemExit: 7"),
        "{}",
        stopped.stderr
    );
    // The kept answer is for the old state and was not used.
    install.mode("");
    assert_eq!(install.check().0, 0);
}

#[test]
fn an_untrusted_or_damaged_cache_is_ignored_and_replaced() {
    let install = install!();
    let (_, report, _) = install.check();
    let file = PathBuf::from(report["cache"]["file"].as_str().expect("file"));
    // Writable by others: not trusted.
    fs::set_permissions(&file, fs::Permissions::from_mode(0o666)).expect("chmod");
    let (_, report, source) = install.check();
    assert_eq!(source, "computed");
    assert!(report["cache"]["why"]
        .as_str()
        .unwrap_or("")
        .contains("writable by others"));
    let mode = fs::metadata(&file).expect("stat").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(install.check().2, "kept");
    // Garbage, a truncated file, a directory, a FIFO: never a crash or a hang.
    let good = fs::read(&file).expect("read");
    for damage in [
        b"garbage".to_vec(),
        good[..good.len() / 2].to_vec(),
        Vec::new(),
    ] {
        fs::write(&file, &damage).expect("write");
        let (code, _, source) = install.check();
        assert_eq!((code, source.as_str()), (0, "computed"));
    }
    fs::remove_file(&file).expect("rm");
    nix::unistd::mkfifo(&file, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("mkfifo");
    let (code, report, _) = install.check();
    assert_eq!(code, 0);
    assert_eq!(
        report["cache"]["kept"], true,
        "the FIFO is replaced: {report}"
    );
    // A cache directory that cannot be written: answered, not kept.
    let dir = install.cache_dir();
    fs::remove_dir_all(&dir).expect("rm");
    fs::create_dir_all(dir.parent().expect("parent")).expect("mkdir");
    fs::write(&dir, "not a directory").expect("block");
    let (code, report, _) = install.check();
    assert_eq!(code, 0);
    assert_eq!(report["cache"]["kept"], false);
}

#[test]
fn receipts_and_check_need_terok_s_interpreter() {
    let install = install!();
    let site = install.site.to_str().expect("utf-8").to_owned();
    let r = install.run(&["--sys-path", &site, "check"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("needs terok's interpreter"),
        "{}",
        r.stderr
    );
    // With --python the venv's interpreter is used.
    let venv = install.venv.to_str().expect("utf-8").to_owned();
    let (code, report) = install.json(&["--python", &venv, "check", "--json"]);
    assert_eq!(
        (code, report["status"].as_str()),
        (0, Some("ready")),
        "{report}"
    );
}

#[test]
fn a_stamp_era_sandbox_keeps_the_stamp() {
    let install = install!();
    fs::write(install.site.join("terok_sandbox/setup_stamp.py"), "").expect("write");
    let (code, report) = install.json(&["check", "--json"]);
    assert_eq!(code, 3);
    assert_eq!(report["protocol"], "stamp");
    assert_eq!(report["verdict"], "first_run");
    let r = install.run(&["receipts"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("uses the setup stamp"), "{}", r.stderr);
}

#[test]
fn the_warm_path_starts_no_program() {
    let install = install!();
    assert_eq!(install.check().0, 0);
    let strace = Path::new("/usr/bin/strace");
    if !strace.is_file() {
        setup_stamp_test_support::required("strace (/usr/bin/strace)");
        return;
    }
    let log = install.dir.path().join("strace.log");
    let run = install.run_with(&["check", "--json"], |c| {
        let mut traced = Command::new(strace);
        traced
            .args(["-f", "-qq", "-e", "trace=process", "-o"])
            .arg(&log)
            .arg(BIN);
        let args: Vec<_> = c.get_args().map(|a| a.to_owned()).collect();
        traced.args(args);
        for (k, v) in c.get_envs() {
            if let Some(v) = v {
                traced.env(k, v);
            }
        }
        traced.env_clear();
        for (k, v) in c.get_envs() {
            if let Some(v) = v {
                traced.env(k, v);
            }
        }
        traced.current_dir(install.dir.path());
        *c = traced;
    });
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", run.stdout, run.stderr));
    assert_eq!(report["cache"]["answer"], "kept");
    let trace = fs::read_to_string(&log).expect("strace log");
    let started: Vec<&str> = trace
        .lines()
        .filter(|l| {
            l.contains("execve(")
                || l.contains("clone")
                || l.contains("fork")
                || l.contains("spawn")
        })
        .collect();
    assert_eq!(started.len(), 1, "only the binary's own exec: {started:?}");
    assert!(started[0].contains("execve("), "{started:?}");
}

#[test]
fn a_killed_refresh_leaves_the_old_answer_or_the_new_one() {
    let install = install!();
    assert_eq!(install.check().0, 0);
    let kills: u64 = std::env::var("RELIABILITY_CLI_KILLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20);
    let mut states = std::collections::BTreeMap::<&str, u32>::new();
    for i in 0..kills {
        // Alternate the state so that a completed refresh changes the answer.
        install.receipt("sandbox", if i % 2 == 0 { "stale" } else { "ready" }, "");
        let mut child = install
            .command(&["check", "--refresh"])
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(i * 37 % 400));
        let _ = child.kill();
        let _ = child.wait();
        // Whatever the moment: the kept answer is whole, or absent for this
        // state; never damaged, never a guess.
        let run = install.run(&["check", "--json", "--no-refresh"]);
        match run.code {
            0 | 3 => {
                let report: Value = serde_json::from_str(&run.stdout).expect("json");
                assert_eq!(report["cache"]["answer"], "kept");
                let want = if i % 2 == 0 { "stale" } else { "ready" };
                assert_eq!(
                    report["status"], want,
                    "a kept answer for another state: {report}"
                );
                *states.entry("kept").or_default() += 1;
            }
            1 => {
                assert!(!run.stderr.contains("damaged"), "{}", run.stderr);
                assert!(
                    run.stderr.contains("refreshing it was not allowed"),
                    "{}",
                    run.stderr
                );
                *states.entry("not current").or_default() += 1;
            }
            other => panic!("exit {other}: {}{}", run.stdout, run.stderr),
        }
        let temporaries = fs::read_dir(install.cache_dir())
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                    .count()
            })
            .unwrap_or(0);
        assert!(temporaries <= 1, "temporaries pile up: {temporaries}");
    }
    eprintln!("{kills} killed refreshes: {states:?}");
}
