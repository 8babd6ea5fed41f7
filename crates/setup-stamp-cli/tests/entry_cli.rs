//! What the process entry guarantees before the command runs (src/entry.rs:
//! on `*-linux-gnu` the binary starts without the Rust runtime's start-up),
//! checked on the real binary: closed standard descriptors are on
//! `/dev/null`, and children start with them and with `SIGPIPE` at its
//! default action.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_setup-stamp");

/// `sh -c script` with `$0` the binary and a minimal environment.
fn sh(script: &str, dir: &Path) -> Output {
    Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .arg(BIN)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir.join("home"))
        .env("TEROK_ROOT", dir.join("root"))
        .current_dir(dir)
        .output()
        .expect("run /bin/sh")
}

#[test]
fn a_closed_stdout_is_not_reused_for_the_stamp() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("site/terok-1.0.dist-info")).unwrap();
    std::fs::write(
        dir.path().join("site/terok-1.0.dist-info/METADATA"),
        "Metadata-Version: 2.1\nName: terok\nVersion: 1.0\n",
    )
    .unwrap();
    // Were descriptor 1 left closed, the stamp's temporary file could open
    // as descriptor 1 and receive the printed path.
    let out = sh(r#"exec 1>&-; "$0" --sys-path site write"#, dir.path());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stamp = std::fs::read_to_string(dir.path().join("root/setup.stamp")).unwrap();
    assert!(
        stamp.starts_with('{') && stamp.trim_end().ends_with('}'),
        "{stamp}"
    );
    assert!(!stamp.contains("setup.stamp"), "{stamp}");
    let out = sh(r#""$0" --sys-path site check"#, dir.path());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn every_standard_descriptor_closed_still_gives_the_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("site")).unwrap();
    let out = sh(
        r#"exec 0<&- 1>&- 2>&-; "$0" --sys-path site check; echo $? >status"#,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let status = std::fs::read_to_string(dir.path().join("status")).unwrap();
    assert_eq!(status.trim(), "3", "first_run");
}

#[test]
fn children_get_dev_null_for_closed_descriptors_and_the_default_sigpipe() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The child (a shell, which tests its own descriptor 1 without touching
    // it) reports it and its ignored signals on stderr.
    let out = sh(
        r#"exec 1>&-; "$0" lock --lock-file setup.lock -- /bin/sh -c \
             'if [ /proc/$$/fd/1 -ef /dev/null ]; then echo null >&2; else echo other >&2; fi
              grep "^SigIgn:" /proc/$$/status >&2'"#,
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut lines = stderr.lines();
    assert_eq!(lines.next(), Some("null"), "{stderr}");
    let ignored = lines
        .next()
        .and_then(|line| line.strip_prefix("SigIgn:"))
        .map(|mask| u64::from_str_radix(mask.trim(), 16).expect("a hex mask"))
        .expect("a SigIgn line");
    const SIGPIPE: u32 = 13;
    assert_eq!(ignored & (1 << (SIGPIPE - 1)), 0, "{stderr}");
}
