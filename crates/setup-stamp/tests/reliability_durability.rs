//! Durability, observed from outside with `strace`: before a write reports
//! success, the data file was `fsync`ed after its last byte was written and
//! before it was renamed over the stamp, and the stamp's directory was
//! `fsync`ed after the rename (see RELIABILITY.md for why both are needed on
//! ext4, xfs, btrfs and NFS).
//!
//! The same order is proven in-process through the write hook by
//! `stamp_file.rs::file_and_directory_are_synced_before_success`; this test
//! checks the real system calls of a real process, for both the `O_TMPFILE`
//! path and the named fallback, and that the checker rejects the reference's
//! method (which never syncs). Where `strace` is missing or cannot trace,
//! the skip is recorded (`setup_stamp_test_support::required`: a failure
//! under CI).

mod reliability_support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use reliability_support::{example, stamp_body};

/// One traced system call.
#[derive(Debug)]
struct Call {
    name: String,
    args: String,
    ret: String,
}

fn parse_trace(text: &str) -> Vec<Call> {
    text.lines()
        .filter_map(|line| {
            // "PID name(args) = ret"
            let rest = line.split_once(' ')?.1.trim_start();
            let (name, rest) = rest.split_once('(')?;
            let (args, ret) = rest.rsplit_once(" = ")?;
            let args = args.trim_end().strip_suffix(')')?;
            Some(Call {
                name: name.to_owned(),
                args: args.to_owned(),
                ret: ret.split_whitespace().next()?.to_owned(),
            })
        })
        .collect()
}

/// The first argument (a descriptor) of a call.
fn first_arg(call: &Call) -> &str {
    call.args.split(',').next().unwrap_or("").trim()
}

/// Checks the sync order in a trace of one stamp write; `Err` says what is
/// missing.
fn check_sync_order(calls: &[Call], stamp_dir: &Path) -> Result<String, String> {
    let rename = calls
        .iter()
        .rposition(|c| {
            c.name.starts_with("rename")
                && c.ret == "0"
                && c.args.trim_end_matches(", 0").ends_with("setup.stamp\"")
        })
        .ok_or("no rename onto the stamp")?;
    let data = calls[..rename]
        .iter()
        .rposition(|c| c.name == "write" && c.args.contains("completed_at"))
        .ok_or("no write of the stamp data before the rename")?;
    let data_fd = first_arg(&calls[data]);
    calls[data + 1..rename]
        .iter()
        .find(|c| {
            (c.name == "fsync" || c.name == "fdatasync") && first_arg(c) == data_fd && c.ret == "0"
        })
        .ok_or("the data file was not synced between its last write and the rename")?;
    // Which descriptor names which path, at each point of the trace.
    let dir = format!("\"{}\"", stamp_dir.display());
    let mut open: HashMap<String, String> = HashMap::new();
    for (i, c) in calls.iter().enumerate() {
        if c.name == "openat" || c.name == "open" {
            let path = c
                .args
                .split(", ")
                .find(|a| a.starts_with('"'))
                .unwrap_or("")
                .to_owned();
            open.insert(c.ret.clone(), path);
        }
        if i > rename
            && c.name == "fsync"
            && c.ret == "0"
            && open.get(first_arg(c)).map(String::as_str) == Some(dir.as_str())
        {
            return Ok(format!(
                "write(fd {data_fd}) → fsync(fd {data_fd}) → {} → fsync(dir fd {})",
                calls[rename].name,
                first_arg(c)
            ));
        }
    }
    Err("the directory was not synced after the rename".to_owned())
}

/// Traces one `stamp_writer` write; `None` (the skip recorded, a failure
/// under CI) when strace cannot run here.
#[track_caller]
fn traced_write(flag: Option<&str>) -> Option<(Vec<Call>, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let stamp_dir = dir.path().join("state");
    std::fs::create_dir(&stamp_dir).expect("mkdir");
    let trace = dir.path().join("trace");
    let mut cmd = Command::new("strace");
    cmd.args(["-f", "-qq", "-s", "64", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=open,openat,write,fsync,fdatasync,rename,renameat,renameat2",
        ])
        .arg(example("stamp_writer"))
        .arg(stamp_dir.join("setup.stamp"))
        .args(["7", "1"]);
    if let Some(flag) = flag {
        cmd.arg(flag);
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => {
            setup_stamp_test_support::required(format!(
                "strace (.ci/run installs it): cannot run it: {e}"
            ));
            return None;
        }
    };
    if !out.status.success() {
        setup_stamp_test_support::required(format!(
            "tracing with strace (ptrace): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
        return None;
    }
    assert_eq!(
        std::fs::read(stamp_dir.join("setup.stamp")).expect("stamp"),
        stamp_body(7, 0).as_bytes()
    );
    let text = std::fs::read_to_string(&trace).expect("trace");
    Some((parse_trace(&text), dir))
}

#[test]
fn data_and_directory_are_fsynced_around_the_rename() {
    for flag in [None, Some("--named")] {
        let Some((calls, dir)) = traced_write(flag) else {
            return;
        };
        match check_sync_order(&calls, &dir.path().join("state")) {
            Ok(order) => println!("durability ({flag:?}): {order}"),
            Err(e) => panic!("{flag:?}: {e}: {calls:#?}"),
        }
    }
}

#[test]
fn the_durability_check_rejects_the_reference_method() {
    let Some((calls, dir)) = traced_write(Some("--reference")) else {
        return;
    };
    let verdict = check_sync_order(&calls, &dir.path().join("state"));
    assert_eq!(
        verdict,
        Err("the data file was not synced between its last write and the rename".to_owned())
    );
}
