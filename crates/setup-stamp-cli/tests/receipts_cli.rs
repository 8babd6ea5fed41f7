//! End-to-end tests of the receipt commands: `receipt check|write|clear`
//! and `lock -- CMD` (`receipts` and `check` on a receipt-era install:
//! `startup_cli.rs`).
//!
//! Every run has a cleared environment with `HOME`, `XDG_DATA_HOME` and
//! `TEROK_ROOT` in a temporary directory; lock tests name their lock file
//! with `--lock-file`, so nothing touches `/var/lib/terok` even as root.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_setup-stamp");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Lab {
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        Lab {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", self.p("home"))
            .env("XDG_DATA_HOME", self.p("data"))
            .env("XDG_CACHE_HOME", self.p("cache"))
            .env("TEROK_ROOT", self.p("root"))
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = self.cmd(args).output().expect("run setup-stamp");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn json(&self, args: &[&str]) -> (i32, Value) {
        let run = self.run(args);
        let value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}{}", run.stdout, run.stderr));
        (run.code, value)
    }
}

fn receipt_args<'a>(
    action: &'a str,
    path: &'a str,
    version: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "receipt",
        action,
        "--path",
        path,
        "--owner",
        "acme",
        "--version",
        version,
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn check_gives_every_status_with_its_exit_code() {
    let lab = Lab::new();
    let path = lab.p("state/setup.json");
    let path = path.to_str().expect("utf-8");
    let lock = lab.p("lock/setup.lock");
    let lock = lock.to_str().expect("utf-8");
    let check = |version: &str, extra: &[&str]| {
        let mut args = receipt_args("check", path, version, extra);
        args.push("--json");
        lab.json(&args)
    };
    let (code, missing) = check("1.0", &[]);
    assert_eq!(code, 3);
    assert_eq!(missing["status"], "missing");
    assert_eq!(missing["diagnostic"], "Setup receipt is missing");

    let w = lab.run(&receipt_args(
        "write",
        path,
        "1.0",
        &["--input", "k=v=w", "--lock-file", lock],
    ));
    assert_eq!((w.code, w.stderr.as_str()), (0, ""), "{}", w.stdout);

    let (code, ready) = check("1.0.0", &["--input", "k=v=w"]);
    assert_eq!(code, 0);
    assert_eq!(ready["status"], "ready");
    // serde_json's map sorts keys: check the order on the text itself.
    let text = lab.run(&receipt_args(
        "check",
        path,
        "1.0",
        &["--input", "k=v=w", "--json"],
    ));
    assert_eq!(
        text.stdout,
        "{\"owner\": \"acme\", \"component\": \"receipt\", \"status\": \"ready\", \"diagnostic\": \"\"}\n"
    );
    assert_eq!(ready["component"], "receipt");
    assert_eq!(ready["diagnostic"], "");

    let (code, stale) = check("1.0", &["--input", "k=other"]);
    assert_eq!((code, stale["status"].as_str()), (3, Some("stale")));
    assert_eq!(stale["diagnostic"], "Setup version or inputs changed");

    let (code, down) = check("0.9RC1", &["--input", "k=v=w"]);
    assert_eq!((code, down["status"].as_str()), (4, Some("downgrade")));
    assert_eq!(
        down["diagnostic"],
        "Setup belongs to newer acme 1.0; running 0.9rc1"
    );

    let human = lab.run(&receipt_args("check", path, "0.9", &[]));
    assert_eq!(human.code, 4);
    assert_eq!(
        human.stdout,
        "downgrade: Setup belongs to newer acme 1.0; running 0.9\n"
    );

    fs::write(lab.p("state/setup.json"), b"{\"owner\": \"acme\"").expect("write");
    let (code, invalid) = check("1.0", &[]);
    assert_eq!(
        (code, invalid["diagnostic"].as_str()),
        (3, Some("Setup receipt cannot be read"))
    );

    // Where the reference raises (a 4,301-digit number), there is no status.
    fs::write(
        lab.p("state/setup.json"),
        b"{\"owner\": \"acme\", \"version\": \"1.0\", \"inputs\": {}}",
    )
    .expect("write");
    let huge = "1".repeat(4301);
    let r = lab.run(&receipt_args("check", path, &huge, &[]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stderr.contains("4301-digit"), "{}", r.stderr);
}

#[test]
fn write_is_exact_private_and_refuses_a_downgrade() {
    let lab = Lab::new();
    let path = lab.p("setup.json");
    let path_s = path.to_str().expect("utf-8");
    let lock = lab.p("setup.lock");
    let lock = lock.to_str().expect("utf-8");
    let w = lab.run(&receipt_args(
        "write",
        path_s,
        "2.0",
        &[
            "--input",
            "z=é",
            "--input",
            "a=1",
            "--input",
            "a=2",
            "--lock-file",
            lock,
        ],
    ));
    assert_eq!(w.code, 0, "{}", w.stderr);
    assert_eq!(
        fs::read_to_string(&path).expect("read"),
        "{\"inputs\": {\"a\": \"2\", \"z\": \"\\u00e9\"}, \"owner\": \"acme\", \"version\": \"2.0\"}\n"
    );
    let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let before = fs::read(&path).expect("read");
    for action in ["write", "clear"] {
        let r = lab.run(&receipt_args(action, path_s, "1.0", &["--lock-file", lock]));
        assert_eq!(r.code, 4, "{action}: {}", r.stderr);
        assert_eq!(
            r.stderr,
            "setup-stamp: acme/receipt: Setup belongs to newer acme 2.0; running 1.0. \
             Downgrades are not supported.\n"
        );
        assert_eq!(
            fs::read(&path).expect("read"),
            before,
            "{action} changed the receipt"
        );
    }
    let bad = lab.run(&receipt_args("write", path_s, "1.0_1", &["--no-lock"]));
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("Invalid version: '1.0_1'"),
        "{}",
        bad.stderr
    );
    let cleared = lab.run(&receipt_args(
        "clear",
        path_s,
        "2.0",
        &["--lock-file", lock],
    ));
    assert_eq!(
        (cleared.code, cleared.stdout.starts_with("removed ")),
        (0, true)
    );
    let again = lab.run(&receipt_args(
        "clear",
        path_s,
        "2.0",
        &["--lock-file", lock],
    ));
    assert_eq!(
        (again.code, again.stdout.starts_with("no receipt at ")),
        (0, true)
    );
    fs::create_dir(&path).expect("mkdir");
    let dir = lab.run(&receipt_args("clear", path_s, "2.0", &["--no-lock"]));
    assert_eq!(dir.code, 1);
    assert!(dir.stderr.contains("EISDIR"), "{}", dir.stderr);
}

#[test]
fn a_fifo_at_the_path_is_invalid_at_once() {
    let lab = Lab::new();
    let fifo = lab.p("setup.json");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).expect("mkfifo");
    let mut child = lab
        .cmd(&receipt_args(
            "check",
            fifo.to_str().expect("utf-8"),
            "1.0",
            &["--json"],
        ))
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("check blocked on a FIFO");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let out = child.wait_with_output().expect("output");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["diagnostic"], "Setup receipt cannot be read");
}

#[test]
fn the_lock_excludes_others_but_not_its_own_command() {
    let lab = Lab::new();
    let lock = lab.p("locks/setup.lock");
    let lock_s = lock.to_str().expect("utf-8");
    let receipt = lab.p("setup.json");
    let receipt_s = receipt.to_str().expect("utf-8");
    let started = lab.p("started");
    let mut holder = lab
        .cmd(&[
            "lock",
            "--lock-file",
            lock_s,
            "--",
            "sh",
            "-c",
            "touch \"$1\"; sleep 30",
            "sh",
            started.to_str().expect("utf-8"),
        ])
        .spawn()
        .expect("spawn holder");
    let start = Instant::now();
    while !started.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the holder never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let busy = lab.run(&receipt_args(
        "write",
        receipt_s,
        "1.0",
        &["--lock-file", lock_s],
    ));
    assert_eq!(busy.code, 1);
    assert_eq!(
        busy.stderr,
        "setup-stamp: error: Another setup operation is already running. Retry after it finishes.\n"
    );
    assert!(!receipt.exists());
    let second = lab.run(&["lock", "--lock-file", lock_s, "--", "true"]);
    assert_eq!(second.code, 1);
    let unlocked = lab.run(&receipt_args("write", receipt_s, "1.0", &["--no-lock"]));
    assert_eq!(unlocked.code, 0, "{}", unlocked.stderr);
    let _ = holder.kill();
    let _ = holder.wait();

    // Inside `lock`, the receipt commands use the held lock.
    let nested = lab.run(&[
        "lock",
        "--lock-file",
        lock_s,
        "--",
        BIN,
        "receipt",
        "write",
        "--path",
        receipt_s,
        "--owner",
        "acme",
        "--version",
        "1.1",
        "--lock-file",
        lock_s,
    ]);
    assert_eq!(nested.code, 0, "{}", nested.stderr);
    assert!(fs::read_to_string(&receipt)
        .expect("read")
        .contains("\"1.1\""));
    let mode = fs::metadata(&lock).expect("lock file").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn lock_passes_the_command_status_on() {
    let lab = Lab::new();
    let lock = lab.p("setup.lock");
    let lock = lock.to_str().expect("utf-8");
    assert_eq!(
        lab.run(&["lock", "--lock-file", lock, "--", "sh", "-c", "exit 7"])
            .code,
        7
    );
    assert_eq!(
        lab.run(&[
            "lock",
            "--lock-file",
            lock,
            "--",
            "sh",
            "-c",
            "kill -TERM $$"
        ])
        .code,
        143
    );
    let missing = lab.run(&["lock", "--lock-file", lock, "--", "/nonexistent/cmd"]);
    assert_eq!(missing.code, 127);
    assert!(
        missing.stderr.contains("cannot run /nonexistent/cmd"),
        "{}",
        missing.stderr
    );
    assert_eq!(
        lab.run(&["lock", "--lock-file", lock]).code,
        2,
        "a command is required"
    );
}

/// The inputs value of a complete receipt, or a panic with what was found.
fn complete_receipt_input(bytes: &[u8], context: &str) -> String {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{context}: not UTF-8"));
    assert!(
        text.ends_with("}\n"),
        "{context}: incomplete receipt {text:?}"
    );
    let value: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{context}: {e}: {text:?}"));
    value["inputs"]["round"]
        .as_str()
        .expect("round input")
        .to_owned()
}

#[test]
fn write_killed_at_random_moments_leaves_the_old_or_the_new_receipt() {
    let lab = Lab::new();
    let path = lab.p("state/setup.json");
    let path_s = path.to_str().expect("utf-8");
    let lock = lab.p("setup.lock");
    let lock_s = lock.to_str().expect("utf-8");
    let kills = std::env::var("RELIABILITY_CLI_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60u64);
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64 ^ u64::from(std::process::id());
    let (mut changed, mut left_temporary) = (0, 0);
    let mut last: Option<String> = None;
    for round in 0..kills {
        let value = format!("round={}", if round % 2 == 0 { "a" } else { "b" });
        let mut child = lab
            .cmd(&receipt_args(
                "write",
                path_s,
                "1.0",
                &["--input", &value, "--lock-file", lock_s],
            ))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 4000));
        let _ = child.kill();
        let _ = child.wait();
        let now = fs::read(&path).ok();
        if let Some(bytes) = &now {
            let input = complete_receipt_input(bytes, &format!("round {round}"));
            if last.as_deref() != Some(input.as_str()) {
                changed += 1;
            }
            last = Some(input);
            let (_, check) = lab.json(&receipt_args(
                "check",
                path_s,
                "1.0",
                &[
                    "--input",
                    &format!("round={}", last.as_deref().unwrap_or_default()),
                    "--json",
                ],
            ));
            assert_eq!(check["status"], "ready", "round {round}");
        }
        // A writer killed between naming its temporary and the rename
        // leaves that one file; the next write sweeps it.
        let names: Vec<String> = fs::read_dir(lab.p("state"))
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        let temporaries = names.iter().filter(|n| *n != "setup.json").count();
        assert!(temporaries <= 1, "round {round}: {names:?}");
        left_temporary += temporaries;
    }
    let done = lab.run(&receipt_args(
        "write",
        path_s,
        "1.0",
        &["--input", "round=z", "--lock-file", lock_s],
    ));
    assert_eq!(done.code, 0, "{}", done.stderr);
    let names: Vec<_> = fs::read_dir(lab.p("state"))
        .expect("ls")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        names,
        ["setup.json"],
        "the last write left temporaries behind"
    );
    eprintln!(
        "{kills} kills of `receipt write`: the receipt changed {changed} times, never incomplete; \
         a named temporary was present after {left_temporary} kills, swept by the next write"
    );
}

#[test]
fn concurrent_writers_and_readers_never_see_a_partial_receipt() {
    let lab = Lab::new();
    let path = lab.p("setup.json");
    let path_s = path.to_str().expect("utf-8").to_owned();
    let writers: Vec<_> = (0..4)
        .map(|i| {
            let path_s = path_s.clone();
            std::thread::spawn(move || {
                for _ in 0..40 {
                    let status = Command::new(BIN)
                        .env_clear()
                        .env("PATH", "/usr/bin:/bin")
                        .args(["receipt", "write", "--no-lock", "--path", &path_s])
                        .args(["--owner", "acme", "--version", "1.0"])
                        .args(["--input", &format!("round=w{i}")])
                        .stdout(Stdio::null())
                        .status()
                        .expect("write");
                    assert!(status.success());
                }
            })
        })
        .collect();
    let mut reads = 0;
    while writers.iter().any(|w| !w.is_finished()) {
        if let Ok(bytes) = fs::read(&path) {
            complete_receipt_input(&bytes, "concurrent read");
            reads += 1;
        }
    }
    for w in writers {
        w.join().expect("writer");
    }
    assert!(reads > 0);
    let names: Vec<_> = fs::read_dir(lab.dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        !names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")),
        "temporaries left: {names:?}"
    );
}

#[test]
fn deeply_nested_or_huge_receipts_are_invalid_without_a_crash() {
    let lab = Lab::new();
    let path = lab.p("setup.json");
    let path_s = path.to_str().expect("utf-8");
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let nested_inputs = format!(
        "{{\"owner\": \"acme\", \"version\": \"1.0\", \"inputs\": {{\"k\": {}\"v\"{}}}}}",
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    for (what, content) in [
        ("200,000 levels", deep.into_bytes()),
        ("nested inputs", nested_inputs.into_bytes()),
        ("2 MiB", vec![b' '; 2 << 20]),
    ] {
        fs::write(&path, &content).expect("write");
        let (code, check) = lab.json(&receipt_args("check", path_s, "1.0", &["--json"]));
        assert_eq!(
            (code, check["status"].as_str()),
            (3, Some("invalid")),
            "{what}"
        );
    }
}

#[test]
fn the_default_lock_follows_the_namespace() {
    let lab = Lab::new();
    // Not as real root: uid 0 outside a user namespace would use /var/lib.
    if nix::unistd::geteuid().is_root() {
        let probe = Command::new("unshare")
            .args(["--user", "--map-root-user", "true"])
            .status();
        if !probe.is_ok_and(|s| s.success()) {
            return setup_stamp_test_support::required("user namespaces (unshare --user), as root");
        }
    }
    let run = |args: &[&str]| {
        let mut cmd = if nix::unistd::geteuid().is_root() {
            let mut c = Command::new("unshare");
            c.args(["--user", "--map-root-user", BIN]);
            c
        } else {
            Command::new(BIN)
        };
        let out = cmd
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", lab.p("home"))
            .env("XDG_DATA_HOME", lab.p("data"))
            .env("TEROK_ROOT", lab.p("root"))
            .output()
            .expect("run");
        out.status.code()
    };
    assert_eq!(run(&["lock", "--", "true"]), Some(0));
    assert!(lab.p("data/terok/setup.lock").exists());
    assert_eq!(run(&["--namespace", "acme", "lock", "--", "true"]), Some(0));
    assert!(lab.p("data/acme/setup.lock").exists());
    // TEROK_ROOT does not move the lock.
    assert!(!lab.p("root/setup.lock").exists());
}
