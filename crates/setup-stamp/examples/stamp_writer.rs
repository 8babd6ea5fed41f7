//! Writes stamps in a loop: the writer process of the reliability tests
//! (kill, concurrency, durability, faults).
//!
//! ```text
//! stamp_writer STAMP_PATH WRITER_ID COUNT [--named | --in-place | --reference] [--status FILE]
//! ```
//!
//! By default the stamp is written with [`write_stamp_file_with`] (the
//! `O_TMPFILE` path; `--named` forces the named-temporary fallback). Two
//! deliberately unsafe methods exist only to show that the tests catch what
//! they guard against: `--in-place` truncates and rewrites the stamp itself
//! (in two halves, syncing in between, as a slow naive writer would), and
//! `--reference` writes like the reference does (`setup.stamp.tmp`, no
//! `fsync`, renamed over the stamp).
//!
//! Write number `seq` (0-based) of writer `w` is the stamp
//! [`stamp_body`]`(w, seq)` describes: every tracked package at version
//! `w.seq.0`, completed at a fixed instant, so a test can tell exactly which
//! write a stamp on disk came from. `COUNT` 0 writes forever (until killed).
//!
//! With `--status FILE`, the writer records where it is in `FILE` before and
//! after every step of every write: one line `SEQ PHASE` at offset 0, written
//! with a single `pwrite`, so it survives a `SIGKILL` and tells the killer
//! whether the kill landed mid-write. Phases are listed in [`PHASES`].
//!
//! Exit status: 0 when all writes succeeded, 1 (with the error on stderr)
//! when one failed, 2 for bad arguments.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use setup_stamp::stamp::{render_stamp, write_stamp_file_with, WriteEvent, WriteOptions};
use setup_stamp::verdict::InstalledPackage;

/// The tracked packages of the reference configuration.
const TRACKED: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];

/// The phases written to the status file, by code (index).
///
/// 0 `idle` (before the first write), 1 `started` (the write call is
/// entered), 2–12 the [`WriteEvent`]s in the order they happen, 13 `done`
/// (the write call returned success).
const PHASES: [&str; 14] = [
    "idle",
    "started",
    "directory-created",
    "stale-removed",
    "temp-created",
    "temp-locked",
    "data-written",
    "file-synced",
    "temp-named",
    "renamed",
    "directory-synced",
    "created-directory-synced",
    "spare",
    "done",
];

fn phase_code(event: &WriteEvent) -> usize {
    match event {
        WriteEvent::DirectoryCreated(_) => 2,
        WriteEvent::StaleRemoved(_) => 3,
        WriteEvent::TempCreated { .. } => 4,
        WriteEvent::TempLocked => 5,
        WriteEvent::DataWritten => 6,
        WriteEvent::FileSynced => 7,
        WriteEvent::TempNamed(_) => 8,
        WriteEvent::Renamed => 9,
        WriteEvent::DirectorySynced => 10,
        WriteEvent::CreatedDirectorySynced(_) => 11,
    }
}

/// The stamp bytes of write `seq` by writer `writer`.
fn stamp_body(writer: u64, seq: u64) -> String {
    let packages: Vec<InstalledPackage> = TRACKED
        .iter()
        .map(|name| InstalledPackage {
            name: (*name).to_owned(),
            version: Some(format!("{writer}.{seq}.0")),
        })
        .collect();
    render_stamp("2026-01-01T00:00:00+00:00", &packages)
}

/// How the stamp is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    /// `write_stamp_file_with`, `O_TMPFILE` first.
    Anonymous,
    /// `write_stamp_file_with`, named temporary.
    Named,
    /// Unsafe: truncate and rewrite the stamp in place.
    InPlace,
    /// Unsafe under concurrency and power loss: the reference's method.
    Reference,
}

struct Args {
    path: PathBuf,
    writer: u64,
    count: u64,
    method: Method,
    status: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut raw = std::env::args_os().skip(1);
    let usage = "usage: stamp_writer STAMP_PATH WRITER_ID COUNT \
                 [--named | --in-place | --reference] [--status FILE]";
    let path = PathBuf::from(raw.next().ok_or(usage)?);
    let number = |v: Option<std::ffi::OsString>| -> Result<u64, String> {
        v.and_then(|s| s.to_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| usage.to_owned())
    };
    let writer = number(raw.next())?;
    let count = number(raw.next())?;
    let mut method = Method::Anonymous;
    let mut status = None;
    while let Some(flag) = raw.next() {
        match flag.to_str() {
            Some("--named") => method = Method::Named,
            Some("--in-place") => method = Method::InPlace,
            Some("--reference") => method = Method::Reference,
            Some("--status") => status = Some(PathBuf::from(raw.next().ok_or(usage)?)),
            _ => return Err(usage.to_owned()),
        }
    }
    Ok(Args {
        path,
        writer,
        count,
        method,
        status,
    })
}

/// Records `seq phase` at offset 0 of the status file in one `pwrite`.
fn record(status: Option<&File>, seq: u64, phase: usize) {
    if let Some(file) = status {
        let line = format!("{seq:012} {phase:02} {:<24}\n", PHASES[phase]);
        // Losing a status line only weakens the statistics, never the checks.
        let _ = file.write_at(line.as_bytes(), 0);
    }
}

/// The unsafe methods; `Err` carries a message.
fn write_unsafely(path: &Path, body: &[u8], method: Method) -> Result<(), String> {
    let fail = |what: &str, p: &Path, e: std::io::Error| format!("{what} {}: {e}", p.display());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail("cannot create", dir, e))?;
    }
    if method == Method::InPlace {
        let mut file = File::create(path).map_err(|e| fail("cannot open", path, e))?;
        let (first, second) = body.split_at(body.len() / 2);
        file.write_all(first)
            .and_then(|()| file.sync_data())
            .and_then(|()| file.write_all(second))
            .map_err(|e| fail("cannot write", path, e))
    } else {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, body).map_err(|e| fail("cannot write", &tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| fail("cannot rename", &tmp, e))
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let status = match &args.status {
        Some(p) => match OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(p)
        {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("cannot open status file {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    record(status.as_ref(), 0, 0);
    let mut seq = 0u64;
    while args.count == 0 || seq < args.count {
        let body = stamp_body(args.writer, seq);
        let hook = |event: &WriteEvent| {
            record(status.as_ref(), seq, phase_code(event));
            Ok(())
        };
        let options = WriteOptions {
            anonymous_temp: args.method == Method::Anonymous,
            file_mode: 0o666,
            hook: Some(&hook),
        };
        record(status.as_ref(), seq, 1);
        let written = match args.method {
            Method::Anonymous | Method::Named => {
                write_stamp_file_with(&args.path, body.as_bytes(), &options)
                    .map_err(|e| e.to_string())
            }
            Method::InPlace | Method::Reference => {
                write_unsafely(&args.path, body.as_bytes(), args.method)
            }
        };
        if let Err(e) = written {
            eprintln!("stamp_writer: {e}");
            return ExitCode::from(1);
        }
        record(status.as_ref(), seq, 13);
        seq += 1;
    }
    ExitCode::SUCCESS
}
