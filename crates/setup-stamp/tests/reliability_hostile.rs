//! Hostile stamps: whatever sits at the stamp path, reading it gives the
//! verdict SPEC.md prescribes (`first_run` for what `stat` cannot reach,
//! `stamp_corrupt` for anything that is not a well-formed stamp) quickly,
//! without blocking, panicking, overflowing the stack or using unbounded
//! memory.
//!
//! Every case is read twice: in-process on a thread with Rust's default
//! 2 MiB stack (timed; the figures are printed for RELIABILITY.md), and in a
//! fresh `stamp_reader --once` process whose peak resident memory is
//! checked. The time bound asserted is generous (1 s, against a target of
//! 10 ms) because test machines are noisy. `stamp_file.rs` holds the
//! per-kind unit tests; this file is about the bounds.

mod reliability_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reliability_support::{cli_command, example, json_verdict};
use setup_stamp::stamp::{read_stamp_file, StampRead};

/// The verdict the reference gives for what `read_stamp_file` returned
/// (before comparing versions: a valid stamp goes on to the comparison).
fn verdict(read: &StampRead) -> &'static str {
    match read {
        StampRead::Missing => "first_run",
        StampRead::Corrupt(_) => "stamp_corrupt",
        StampRead::Valid(_) => "compare",
    }
}

/// The valid cases whose stamp lists no package: `ok` against an empty
/// install (every other valid case lists `terok` or more: a downgrade).
const LISTS_NO_PACKAGE: [&str; 2] = ["nesting-10000-in-other-key", "completed-at-nesting-10000"];

/// The asserted bound on one read (the target is 10 ms; see the module doc).
const TIME_BOUND: Duration = Duration::from_secs(1);
/// The asserted bound on a reader process's peak resident memory.
const MEMORY_BOUND_KIB: u64 = 64 * 1024;
/// Stack of the in-process reading thread: Rust's default for new threads.
const THREAD_STACK: usize = 2 << 20;

/// Reads `path` on a fresh thread with a `stack`-byte stack, failing if that
/// takes more than 10 s (a hang); returns the verdict, the reason (for a
/// corrupt stamp) and the time taken, dropping the stamp on that thread.
fn timed_read(path: &Path, stack: usize) -> (&'static str, String, Duration) {
    let (tx, rx) = mpsc::channel();
    let owned = path.to_owned();
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(move || {
            let start = Instant::now();
            let read = read_stamp_file(&owned).expect("read_stamp_file");
            let took = start.elapsed();
            let reason = match &read {
                StampRead::Corrupt(r) => r.to_string(),
                _ => String::new(),
            };
            let _ = tx.send((verdict(&read), reason, took));
        })
        .expect("spawn");
    rx.recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("reading {} blocked or crashed", path.display()))
}

/// Runs `stamp_reader --once` on `path`: (verdict, peak KiB).
fn reader_process(path: &Path) -> (String, u64) {
    let out = Command::new(example("stamp_reader"))
        .arg(path)
        .arg("--once")
        .output()
        .expect("run stamp_reader");
    assert!(
        out.status.success(),
        "stamp_reader failed on {}: {:?} {}",
        path.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |key: &str| {
        text.split_whitespace()
            .find_map(|f| f.strip_prefix(key))
            .unwrap_or("")
            .to_owned()
    };
    (field("verdict="), field("hwm_kib=").parse().unwrap_or(0))
}

fn nested(open: &str, close: &str, depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// Builds every hostile case in `dir`: (name, path, expected verdict).
fn cases(dir: &Path) -> Vec<(&'static str, PathBuf, &'static str)> {
    let mut out = Vec::new();
    let mut file = |name: &'static str, bytes: &[u8], expect: &'static str| {
        let path = dir.join(name);
        fs::write(&path, bytes).expect("write case");
        out.push((name, path, expect));
    };
    let stamp = |packages_value: &str| {
        format!(r#"{{"version": 1, "packages": {{"terok": {packages_value}}}}}"#)
    };
    file("valid", stamp("\"0.6.0\"").as_bytes(), "compare");
    file("empty", b"", "stamp_corrupt");
    file("nul-bytes", &[0u8; 4096], "stamp_corrupt");
    file(
        "nul-inside-string",
        stamp("\"0.6\u{0}.0\"").as_bytes(),
        "stamp_corrupt",
    );
    file(
        "nul-after-stamp",
        format!("{}\u{0}", stamp("\"1\"")).as_bytes(),
        "stamp_corrupt",
    );
    file(
        "invalid-utf8",
        b"{\"version\": 1, \"packages\": {\"terok\": \"\xff\xfe\"}}",
        "stamp_corrupt",
    );
    file(
        "utf8-bom",
        format!("\u{feff}{}", stamp("\"1\"")).as_bytes(),
        "stamp_corrupt",
    );
    file(
        "utf16",
        &"{}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
        "stamp_corrupt",
    );
    // Root depth 10,000: parsed, then not an object.
    file(
        "nesting-10000-root",
        nested("[", "]", 10_000, "").as_bytes(),
        "stamp_corrupt",
    );
    // Total depth 10,000 with the stamp's two objects: a valid stamp whose
    // value is rendered with Python's str().
    file(
        "nesting-10000-in-packages",
        stamp(&nested("[", "]", 9_998, "")).as_bytes(),
        "compare",
    );
    file(
        "nesting-10000-objects",
        stamp(&nested(r#"{"a": "#, "}", 9_998, "1")).as_bytes(),
        "compare",
    );
    file(
        "nesting-10000-in-version",
        format!(
            r#"{{"version": {}, "packages": {{}}}}"#,
            nested(r#"{"a": "#, "}", 9_999, "1")
        )
        .as_bytes(),
        "stamp_corrupt",
    );
    file(
        "nesting-10000-in-other-key",
        format!(
            r#"{{"version": 1, "packages": {{}}, "x": {}}}"#,
            nested(r#"{"a": "#, "}", 9_999, "1")
        )
        .as_bytes(),
        "compare",
    );
    file(
        "completed-at-nesting-10000",
        format!(
            r#"{{"version": 1, "packages": {{}}, "completed_at": {}}}"#,
            nested(r#"{"a": "#, "}", 9_999, "1")
        )
        .as_bytes(),
        "compare",
    );
    file(
        "nesting-10001",
        nested("[", "]", 10_001, "").as_bytes(),
        "stamp_corrupt",
    );
    file(
        "nesting-100000",
        nested("[", "]", 100_000, "").as_bytes(),
        "stamp_corrupt",
    );
    file(
        "open-brackets-1mib",
        "[".repeat(1 << 20).as_bytes(),
        "stamp_corrupt",
    );
    file(
        "whitespace-1mib",
        format!("{}{}", " ".repeat((1 << 20) - 64), stamp("\"1\"")).as_bytes(),
        "compare",
    );
    file(
        "int-4301-digits",
        stamp(&"9".repeat(4301)).as_bytes(),
        "stamp_corrupt",
    );
    file(
        "int-4300-digits",
        stamp(&"9".repeat(4300)).as_bytes(),
        "compare",
    );
    let many: Vec<String> = (0..60_000).map(|i| format!("\"k{i}\": \"1\"")).collect();
    file(
        "sixty-thousand-packages",
        format!(r#"{{"version": 1, "packages": {{{}}}}}"#, many.join(",")).as_bytes(),
        "compare",
    );
    let dups = r#""terok": "1","#.repeat(60_000);
    file(
        "sixty-thousand-duplicate-keys",
        format!(r#"{{"version": 1, "packages": {{{dups} "terok": "2"}}}}"#).as_bytes(),
        "compare",
    );
    file(
        "long-string-1mib",
        stamp(&format!("\"{}\"", "x".repeat((1 << 20) - 64))).as_bytes(),
        "compare",
    );
    file(
        "escapes-1mib",
        stamp(&format!("\"{}\"", r"\ud800".repeat(170_000))).as_bytes(),
        "compare",
    );

    // Not regular files, and paths stat cannot reach.
    let sparse = dir.join("sparse-1gib");
    fs::File::create(&sparse)
        .and_then(|f| f.set_len(1 << 30))
        .expect("sparse file");
    out.push(("sparse-1gib", sparse, "stamp_corrupt"));
    let d = dir.join("directory");
    fs::create_dir(&d).expect("mkdir");
    out.push(("directory", d, "stamp_corrupt"));
    let fifo = dir.join("fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).expect("mkfifo");
    out.push(("fifo", fifo, "stamp_corrupt"));
    let socket = dir.join("socket");
    std::mem::forget(UnixListener::bind(&socket).expect("bind"));
    out.push(("socket", socket, "stamp_corrupt"));
    for (name, target) in [
        ("symlink-dev-null", "/dev/null"),
        ("symlink-dev-zero", "/dev/zero"),
        ("symlink-dev-full", "/dev/full"),
        ("symlink-dev-urandom", "/dev/urandom"),
    ] {
        let link = dir.join(name);
        symlink(target, &link).expect("symlink");
        out.push((name, link, "stamp_corrupt"));
    }
    let loop_a = dir.join("loop-a");
    symlink(dir.join("loop-b"), &loop_a).expect("symlink");
    symlink(&loop_a, dir.join("loop-b")).expect("symlink");
    out.push(("symlink-loop", loop_a, "first_run"));
    let dangling = dir.join("dangling");
    symlink(dir.join("nowhere"), &dangling).expect("symlink");
    out.push(("dangling-symlink", dangling, "first_run"));
    out.push((
        "parent-is-file",
        dir.join("valid").join("setup.stamp"),
        "first_run",
    ));
    out.push((
        "parent-is-char-device",
        "/dev/null/setup.stamp".into(),
        "first_run",
    ));
    out
}

#[test]
fn hostile_stamps_get_their_verdict_fast_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut slowest = Duration::ZERO;
    let mut report = Vec::new();
    example("stamp_reader");
    for (name, path, expect) in cases(dir.path()) {
        // A deep `completed_at` is handed to the caller, whose drop of it
        // recurses (pyjson's `Value`): give it a main thread's stack.
        let stack = if name.starts_with("completed-at") {
            8 << 20
        } else {
            THREAD_STACK
        };
        let (got, reason, took) = timed_read(&path, stack);
        assert_eq!(got, expect, "{name}: {reason}");
        let (process_verdict, hwm_kib) = reader_process(&path);
        assert_eq!(process_verdict, expect, "{name} (process)");
        assert!(took < TIME_BOUND, "{name}: took {took:?}");
        assert!(
            hwm_kib < MEMORY_BOUND_KIB,
            "{name}: peak memory {hwm_kib} KiB"
        );
        slowest = slowest.max(took);
        report.push(format!(
            "  {name:<32} {expect:<14} {:>8.3} ms {:>7} KiB",
            took.as_secs_f64() * 1000.0,
            hwm_kib
        ));
    }
    println!("hostile stamps (verdict, in-process read time, reader peak RSS):");
    for line in &report {
        println!("{line}");
    }
    println!("slowest: {:.3} ms", slowest.as_secs_f64() * 1000.0);
}

/// The same cases through `setup-stamp check --json` (the stamp relocated
/// with `TEROK_ROOT`, nothing installed): the verdict, exit status 3 for
/// `first_run` and `stamp_corrupt`, and the whole process's time.
#[test]
fn hostile_stamps_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases_dir = dir.path().join("cases");
    fs::create_dir(&cases_dir).expect("mkdir");
    let empty_site = dir.path().join("site");
    fs::create_dir(&empty_site).expect("mkdir");
    let mut report = Vec::new();
    // Build (or find) the binary before anything is timed.
    reliability_support::cli();
    for (name, path, expect) in cases(&cases_dir) {
        // TEROK_ROOT names the directory of `setup.stamp`: point it at the
        // case through a symlink (which every verdict looks through), or at
        // the parent where the case already is a `setup.stamp` path.
        let root = if path.file_name().is_some_and(|n| n == "setup.stamp") {
            path.parent().expect("parent").to_owned()
        } else {
            let root = dir.path().join("roots").join(name);
            fs::create_dir_all(&root).expect("mkdir");
            symlink(&path, root.join("setup.stamp")).expect("symlink");
            root
        };
        let start = Instant::now();
        let out = cli_command(&root, &empty_site)
            .args(["check", "--json"])
            .output()
            .expect("run setup-stamp check");
        let took = start.elapsed();
        let verdict = json_verdict(&out.stdout).unwrap_or_default();
        let want = match expect {
            // A valid stamp is compared with an empty install: a stamped
            // package that is not installed is a downgrade.
            "compare" if LISTS_NO_PACKAGE.contains(&name) => "ok",
            "compare" => "stale_after_downgrade",
            v => v,
        };
        assert_eq!(
            verdict,
            want,
            "{name} ({})",
            String::from_utf8_lossy(&out.stderr)
        );
        let code = match want {
            "ok" => 0,
            "stale_after_downgrade" => 4,
            _ => 3,
        };
        assert_eq!(out.status.code(), Some(code), "{name}");
        // A whole (unoptimised) process, rendering up to 60,000 packages.
        assert!(took < TIME_BOUND * 5, "{name}: took {took:?}");
        report.push(format!(
            "  {name:<32} {verdict:<22} {:>8.3} ms",
            took.as_secs_f64() * 1000.0
        ));
    }
    println!("hostile stamps through `setup-stamp check --json` (verdict, process time):");
    for line in &report {
        println!("{line}");
    }
}
