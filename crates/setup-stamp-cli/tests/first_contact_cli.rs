//! What a new user meets first: `check` in an environment without the
//! tracked packages, `receipts` with nothing to answer for or with options
//! that do not apply, and the exit codes as `--help` and the manual page
//! state them.

use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_setup-stamp");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(dir: &std::path::Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let out = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.join("home"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("TEROK_ROOT", dir.join("root"))
        .envs(vars.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run setup-stamp");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn check_names_the_environment_when_nothing_tracked_is_in_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("empty-site");
    std::fs::create_dir(&site).expect("mkdir");
    let site = site.to_str().expect("utf-8");
    let human = run(dir.path(), &["--sys-path", site, "check"], &[]);
    assert_eq!(human.code, 3, "{}", human.stderr);
    assert!(
        human.stdout.starts_with("verdict: first_run\n"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(
            "note: none of the tracked packages (terok, terok-executor, terok-sandbox, \
             terok-shield, terok-clearance) is installed in the environment examined: \
             --sys-path (search path given); point at the right one with --python PATH"
        ),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("`setup-stamp env`"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.ends_with("Fix: terok setup\n"),
        "{}",
        human.stdout
    );
    let json = run(dir.path(), &["--sys-path", site, "check", "--json"], &[]);
    assert_eq!(json.code, 3);
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(report["verdict"], "first_run");
    assert!(report["note"]
        .as_str()
        .unwrap_or("")
        .contains("--python PATH"));

    // With a tracked package installed, no note.
    let info = dir.path().join("empty-site/terok-1.0.dist-info");
    std::fs::create_dir(&info).expect("mkdir");
    std::fs::write(info.join("METADATA"), "Name: terok\nVersion: 1.0\n").expect("write");
    let some = run(dir.path(), &["--sys-path", site, "check", "--json"], &[]);
    let report: serde_json::Value = serde_json::from_str(&some.stdout).expect("json");
    assert!(report.get("note").is_none(), "{report}");
}

#[test]
fn receipts_with_nothing_to_answer_for_is_no_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    std::fs::create_dir(&site).expect("mkdir");
    let r = run(
        dir.path(),
        &["--sys-path", site.to_str().expect("utf-8"), "receipts"],
        &[],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, ""), "{}", r.stderr);
    assert!(
        r.stderr.contains("no terok package with a setup receipt"),
        "{}",
        r.stderr
    );
}

#[test]
fn receipts_refuses_options_that_do_not_apply() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (args, vars) in [
        (vec!["--namespace", "acme", "receipts"], vec![]),
        (vec!["--package", "other", "receipts"], vec![]),
        (vec!["--stamp-file", "x.stamp", "receipts"], vec![]),
        (vec!["receipts"], vec![("SETUP_STAMP_NAMESPACE", "acme")]),
        (vec!["receipts"], vec![("SETUP_STAMP_PACKAGES", "a,b")]),
    ] {
        let r = run(dir.path(), &args, &vars);
        assert_eq!(r.code, 2, "{args:?} {vars:?}: {}{}", r.stdout, r.stderr);
        assert!(r.stderr.contains("do not apply"), "{}", r.stderr);
    }
}

#[test]
fn every_help_states_the_exit_codes_alike() {
    let dir = tempfile::tempdir().expect("tempdir");
    let no_verdict = "1 no verdict could be reached (the reason is printed)";
    let usage = "2 usage error";
    let top = run(dir.path(), &["--help"], &[]).stdout;
    assert!(
        top.contains("1  no verdict could be reached (the reason is printed)"),
        "{top}"
    );
    assert!(top.contains("2  usage error"), "{top}");
    for command in [
        &["check", "--help"][..],
        &["receipts", "--help"],
        &["receipt", "check", "--help"],
    ] {
        let help = run(dir.path(), command, &[]).stdout.replace('\n', " ");
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains(no_verdict), "{command:?}: {help}");
        assert!(help.contains(usage), "{command:?}: {help}");
        assert!(!help.contains("1 error"), "{command:?}: {help}");
    }
    let receipts = run(dir.path(), &["receipts", "--help"], &[]).stdout;
    assert!(receipts.contains("do not apply"), "{receipts}");
    assert!(
        receipts.contains("owners [{owner, installed, path, status"),
        "{receipts}"
    );
    let check = run(dir.path(), &["check", "--help"], &[]).stdout;
    assert!(
        check.contains("checks [{owner, component, status"),
        "{check}"
    );
    let man = run(dir.path(), &["man"], &[]).stdout;
    assert!(
        man.contains("no verdict could be reached"),
        "the manual page states exit 1 alike"
    );
    assert!(man.contains("usage error"));
}
