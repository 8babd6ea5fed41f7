//! The reliability guarantees through the real `setup-stamp` binary, with
//! the stamp relocated by `TEROK_ROOT` and the installs given by
//! `--sys-path`:
//!
//! - kill: `setup-stamp write` killed with SIGKILL at random moments never
//!   leaves a stamp that `setup-stamp check` calls `stamp_corrupt`, and
//!   leftovers never outlive the next write;
//! - concurrency: 8 writer processes × 200 `write`s (each writer a
//!   different install) while 4 checkers run `check --json` continuously:
//!   no `stamp_corrupt`, no error, no vanished stamp; the final stamp is one
//!   writer's complete output; no temporary left;
//! - faults: a full disk, a read-only filesystem, a parent that is a file
//!   and an unwritable directory (as `nobody`) make `write` exit 1 with the
//!   path and the cause, and keep the previous stamp.
//!
//! The instrumented versions (which count where each kill landed) are in
//! `reliability_kill.rs`, `reliability_concurrency.rs` and
//! `reliability_faults.rs`.

mod reliability_support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reliability_support::{
    cli_command, env_number, is_root, json_verdict, leftovers, site, uniform_version, Rng,
};

#[test]
fn cli_write_killed_at_random_moments_never_leaves_a_corrupt_stamp() {
    let kills = env_number("RELIABILITY_CLI_KILLS", 40);
    let max_delay_us = env_number("RELIABILITY_MAX_DELAY_US", 25_000);
    let mut rng = Rng::from_env();
    let d = tempfile::tempdir().expect("tempdir");
    let (site_a, site_b) = (d.path().join("site-a"), d.path().join("site-b"));
    site(&site_a, "1.0");
    site(&site_b, "2.0");
    let root = d.path().join("state");
    let stamp = root.join("setup.stamp");

    let (mut changed, mut left_temporary) = (0u64, 0u64);
    let mut left: Vec<String> = Vec::new();
    let mut on_disk = None;
    for round in 0..kills {
        let site = if round % 2 == 0 { &site_a } else { &site_b };
        let mut child = cli_command(&root, site)
            .arg("write")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn setup-stamp write");
        std::thread::sleep(Duration::from_micros(rng.below(max_delay_us)));
        let _ = child.kill();
        let out = child.wait_with_output().expect("wait");
        assert!(
            out.status.success() || out.status.signal() == Some(9),
            "round {round}: write failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let now = fs::read(&stamp).ok();
        if let Some(bytes) = &now {
            assert!(
                uniform_version(bytes).is_some(),
                "round {round}: not a complete stamp: {:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        if now != on_disk {
            changed += 1;
        }
        let check = cli_command(&root, &site_a)
            .args(["check", "--json"])
            .output()
            .expect("run check");
        let verdict = json_verdict(&check.stdout);
        let expected: &[&str] = match &now {
            None => &["first_run"],
            Some(_) => &["ok", "stale_after_downgrade"],
        };
        assert!(
            verdict.as_deref().is_some_and(|v| expected.contains(&v)),
            "round {round}: check said {verdict:?} ({})",
            String::from_utf8_lossy(&check.stderr)
        );
        on_disk = now;
        let extra = if root.exists() {
            leftovers(&root, &["setup.stamp"])
        } else {
            Vec::new()
        };
        let new: Vec<&String> = extra.iter().filter(|n| !left.contains(n)).collect();
        assert!(
            new.len() <= 1 && (new.is_empty() || extra.len() == 1),
            "round {round}: temporaries accumulate: {extra:?}"
        );
        left_temporary += u64::from(!new.is_empty());
        left = extra;
    }
    let out = cli_command(&root, &site_b)
        .arg("write")
        .output()
        .expect("write");
    assert!(out.status.success());
    assert_eq!(leftovers(&root, &["setup.stamp"]), Vec::<String>::new());
    println!(
        "cli kill: kills={kills} stamp_changed_before_kill_or_exit={changed} \
         left_temporary_swept={left_temporary} leftovers_at_end=0"
    );
}

#[test]
fn cli_concurrent_writes_and_checks_never_see_a_corrupt_stamp() {
    let writers = 8u64;
    let writes = env_number("RELIABILITY_WRITES", 200);
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path().join("state");
    let reader_site = d.path().join("site-reader");
    site(&reader_site, "99.0");
    let started = Instant::now();

    let stop = Arc::new(AtomicBool::new(false));
    let checkers: Vec<_> = (0..4)
        .map(|_| {
            let (root, site, stop) = (root.clone(), reader_site.clone(), stop.clone());
            std::thread::spawn(move || {
                let (mut checks, mut stamped) = (0u64, false);
                let mut bad = Vec::new();
                loop {
                    let stopping = stop.load(Ordering::SeqCst);
                    let out = cli_command(&root, &site)
                        .args(["check", "--json"])
                        .output()
                        .expect("run check");
                    checks += 1;
                    match json_verdict(&out.stdout).as_deref() {
                        Some("first_run") if !stamped => {}
                        // The reader's install is newer than every writer's.
                        Some("stale_after_update") => stamped = true,
                        other => bad.push(format!(
                            "{other:?} (exit {:?}): {}",
                            out.status.code(),
                            String::from_utf8_lossy(&out.stderr).trim()
                        )),
                    }
                    if stopping {
                        return (checks, bad);
                    }
                }
            })
        })
        .collect();
    let writer_threads: Vec<_> = (0..writers)
        .map(|w| {
            let site_dir = d.path().join(format!("site-{w}"));
            site(&site_dir, &format!("{}.0", w + 1));
            let root = root.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                for _ in 0..writes {
                    let out = cli_command(&root, &site_dir)
                        .arg("write")
                        .output()
                        .expect("run write");
                    if !out.status.success() {
                        failures.push(String::from_utf8_lossy(&out.stderr).into_owned());
                    }
                }
                failures
            })
        })
        .collect();
    let failures: Vec<String> = writer_threads
        .into_iter()
        .flat_map(|t| t.join().expect("writer"))
        .collect();
    stop.store(true, Ordering::SeqCst);
    let (mut checks, mut bad) = (0, Vec::new());
    for c in checkers {
        let (n, b) = c.join().expect("checker");
        checks += n;
        bad.extend(b);
    }
    println!(
        "cli concurrency: writers={writers} writes_each={writes} checks={checks} \
         corrupt_or_error={} seconds={:.1}",
        bad.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(failures, Vec::<String>::new(), "writes failed");
    assert!(
        bad.is_empty(),
        "checkers saw {} bad stamps, first: {:?}",
        bad.len(),
        &bad[..bad.len().min(3)]
    );
    let last = uniform_version(&fs::read(root.join("setup.stamp")).expect("stamp"));
    assert!(
        last.as_deref()
            .is_some_and(|v| (1..=writers).any(|w| v == format!("{w}.0"))),
        "final stamp is not one writer's output: {last:?}"
    );
    assert_eq!(leftovers(&root, &["setup.stamp"]), Vec::<String>::new());
}

/// Runs `write` and asserts exit status 1 with `setup-stamp: error:`, the
/// `named` path and `cause` in the message.
fn assert_write_fails(cmd: &mut Command, named: &Path, cause: &str) -> String {
    let out = cmd.arg("write").output().expect("run write");
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("setup-stamp: error: "), "{stderr}");
    assert!(stderr.contains(&*named.to_string_lossy()), "{stderr}");
    assert!(stderr.contains(cause), "{stderr}");
    stderr
}

#[test]
fn cli_write_faults_exit_1_naming_path_and_cause() {
    let d = tempfile::tempdir().expect("tempdir");
    fs::set_permissions(d.path(), fs::Permissions::from_mode(0o755)).expect("chmod");
    let sys = d.path().join("site");
    site(&sys, "1.0");
    fs::set_permissions(&sys, fs::Permissions::from_mode(0o755)).expect("chmod");

    // A parent that is a file.
    let file = d.path().join("file");
    fs::write(&file, b"x").expect("write");
    let msg = assert_write_fails(&mut cli_command(&file, &sys), &file, "File exists");
    println!("cli parent is a file: {msg}");

    if !is_root() {
        return setup_stamp_test_support::required("root, for the tmpfs and nobody cases");
    }
    // Full disk and read-only filesystem on a small tmpfs.
    let point = d.path().join("fs");
    fs::create_dir(&point).expect("mkdir");
    let mounted = Command::new("mount")
        .args([
            "-t",
            "tmpfs",
            "-o",
            "size=64k,mode=0755",
            "setup-stamp-test",
        ])
        .arg(&point)
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        let root = point.join("state");
        let ok = cli_command(&root, &sys)
            .arg("write")
            .output()
            .expect("write");
        assert!(ok.status.success());
        let before = fs::read(root.join("setup.stamp")).expect("stamp");
        let mut filler = fs::File::create(point.join("filler")).expect("filler");
        while std::io::Write::write_all(&mut filler, &[b'x'; 4096]).is_ok() {}
        drop(filler);
        let msg = assert_write_fails(
            &mut cli_command(&root, &sys),
            &root.join("setup.stamp"),
            "No space left on device",
        );
        println!("cli full disk: {msg}");
        assert_eq!(fs::read(root.join("setup.stamp")).expect("stamp"), before);
        assert_eq!(leftovers(&root, &["setup.stamp"]), Vec::<String>::new());
        fs::remove_file(point.join("filler")).expect("rm");
        // Retried: a child another test thread forked while the filler was
        // open holds it until it execs, and the remount is "busy" meanwhile.
        let remounted = (0..100).any(|_| {
            let done = Command::new("mount")
                .args(["-o", "remount,ro"])
                .arg(&point)
                .status()
                .is_ok_and(|s| s.success());
            if !done {
                std::thread::sleep(Duration::from_millis(50));
            }
            done
        });
        if remounted {
            let msg = assert_write_fails(
                &mut cli_command(&root, &sys),
                &root,
                "Read-only file system",
            );
            println!("cli read-only fs: {msg}");
            assert_eq!(fs::read(root.join("setup.stamp")).expect("stamp"), before);
        } else {
            setup_stamp_test_support::required(
                "remounting the tmpfs read-only: the read-only case did not run",
            );
        }
        let _ = Command::new("umount").arg(&point).status();
    } else {
        setup_stamp_test_support::required(
            "mounting a tmpfs (CAP_SYS_ADMIN): the full-disk and read-only cases did not run",
        );
    }

    // An unwritable stamp directory, as nobody.
    let root = d.path().join("owned-by-root");
    let ok = cli_command(&root, &sys)
        .arg("write")
        .output()
        .expect("write");
    assert!(ok.status.success());
    fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).expect("chmod");
    fs::set_permissions(root.join("setup.stamp"), fs::Permissions::from_mode(0o644))
        .expect("chmod");
    let before = fs::read(root.join("setup.stamp")).expect("stamp");
    let mut as_nobody = Command::new("setpriv");
    as_nobody
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(reliability_support::cli())
        .env("TEROK_ROOT", &root)
        .env("HOME", d.path())
        .arg("--sys-path")
        .arg(&sys);
    let msg = assert_write_fails(&mut as_nobody, &root, "Permission denied");
    println!("cli unwritable directory (nobody): {msg}");
    assert_eq!(fs::read(root.join("setup.stamp")).expect("stamp"), before);
}
