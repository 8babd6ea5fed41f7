//! Concurrency: 8 writer processes × 200 writes each into one stamp while 4
//! reader processes read it continuously. No reader ever sees a corrupt
//! stamp (nor a missing one once a stamp existed), every write succeeds, the
//! final stamp is one writer's complete last write, and no temporary file is
//! left behind.
//!
//! Half of the writers take the `O_TMPFILE` path and half the named
//! fallback, so the stale-temporary sweep runs against live writers'
//! temporaries all the time. `RELIABILITY_WRITES` changes the writes per
//! writer. A control run with the reference's method (fixed
//! `setup.stamp.tmp`) shows the test catches the clobbering it guards
//! against.

mod reliability_support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use reliability_support::{env_number, example, identify, leftovers, stamp_body};

const WRITERS: u64 = 8;
const READERS: usize = 4;

/// What the readers saw, summed.
#[derive(Debug, Default)]
struct Reads {
    reads: u64,
    missing: u64,
    valid: u64,
    corrupt: u64,
    errors: u64,
    missing_after_valid: u64,
    first_bad: Vec<String>,
}

/// The outcome of one run.
#[derive(Debug)]
struct Run {
    reads: Reads,
    /// Writers that exited with a failure, with their stderr.
    failed_writers: Vec<String>,
    /// The final stamp's identity.
    last: Option<(u64, u64)>,
    /// Files left next to the stamp.
    extra: Vec<String>,
    seconds: f64,
}

fn spawn_readers(path: &Path, stop: &Path) -> Vec<Child> {
    (0..READERS)
        .map(|_| {
            Command::new(example("stamp_reader"))
                .arg(path)
                .arg("--until")
                .arg(stop)
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn stamp_reader")
        })
        .collect()
}

fn collect_reads(readers: Vec<Child>) -> Reads {
    let mut sum = Reads::default();
    for reader in readers {
        let out = reader.wait_with_output().expect("wait reader");
        let text = String::from_utf8_lossy(&out.stdout);
        for field in text.split_whitespace() {
            let Some((key, value)) = field.split_once('=') else {
                continue;
            };
            let n: u64 = value.parse().unwrap_or(0);
            match key {
                "reads" => sum.reads += n,
                "missing" => sum.missing += n,
                "valid" => sum.valid += n,
                "corrupt" => sum.corrupt += n,
                "errors" => sum.errors += n,
                "missing_after_valid" => sum.missing_after_valid += n,
                _ => {}
            }
        }
        if let Some(line) = text.lines().find(|l| l.starts_with("first_bad=")) {
            sum.first_bad.push(line.to_owned());
        }
    }
    sum
}

fn run(writes: u64, flags: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let stamp_dir = dir.path().join("state");
    let path = stamp_dir.join("setup.stamp");
    let stop = dir.path().join("stop");
    let started = Instant::now();
    let readers = spawn_readers(&path, &stop);
    let writers: Vec<Child> = (0..WRITERS)
        .map(|w| {
            let mut cmd = Command::new(example("stamp_writer"));
            cmd.arg(&path)
                .arg(w.to_string())
                .arg(writes.to_string())
                .stderr(Stdio::piped());
            // Each writer takes the flag at index w % len, if any.
            if let Some(flag) = flags.get(w as usize % flags.len().max(1)) {
                if !flag.is_empty() {
                    cmd.arg(flag);
                }
            }
            cmd.spawn().expect("spawn stamp_writer")
        })
        .collect();
    let mut failed_writers = Vec::new();
    for (w, writer) in writers.into_iter().enumerate() {
        let out = writer.wait_with_output().expect("wait writer");
        if !out.status.success() {
            failed_writers.push(format!(
                "writer {w}: {:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    std::fs::write(&stop, b"").expect("stop file");
    let reads = collect_reads(readers);
    let last = std::fs::read(&path).ok().as_deref().and_then(identify);
    let extra = if stamp_dir.exists() {
        leftovers(&stamp_dir, &["setup.stamp"])
    } else {
        Vec::new()
    };
    Run {
        reads,
        failed_writers,
        last,
        extra,
        seconds: started.elapsed().as_secs_f64(),
    }
}

#[test]
fn concurrent_writer_and_reader_processes_never_see_a_corrupt_stamp() {
    let writes = env_number("RELIABILITY_WRITES", 200);
    let r = run(writes, &["", "--named"]);
    println!(
        "concurrency: writers={WRITERS} writes_each={writes} writes_total={} readers={READERS} \
         reads={} valid={} missing_before_first={} corrupt={} errors={} leftovers={} seconds={:.1}",
        WRITERS * writes,
        r.reads.reads,
        r.reads.valid,
        r.reads.missing,
        r.reads.corrupt,
        r.reads.errors,
        r.extra.len(),
        r.seconds
    );
    assert_eq!(r.failed_writers, Vec::<String>::new(), "writes failed");
    assert_eq!(r.reads.corrupt, 0, "{:?}", r.reads.first_bad);
    assert_eq!(r.reads.errors, 0, "{:?}", r.reads.first_bad);
    assert_eq!(r.reads.missing_after_valid, 0, "the stamp vanished");
    assert!(r.reads.valid > 0, "the readers never saw a stamp");
    // The last rename was some writer's last write.
    let Some((w, seq)) = r.last else {
        panic!("the final stamp is not one writer's complete output");
    };
    assert!(w < WRITERS && seq == writes - 1, "final stamp {w}.{seq}");
    assert_eq!(
        stamp_body(w, seq).len(),
        stamp_body(0, writes - 1).len(),
        "sanity"
    );
    assert_eq!(r.extra, Vec::<String>::new(), "temporaries left behind");
}

/// The control: writers using the reference's fixed `setup.stamp.tmp`
/// clobber each other, and this harness notices (a corrupt or vanished
/// stamp seen by a reader, a failed writer, or a final stamp that is not a
/// complete last write).
#[test]
fn the_concurrency_harness_catches_the_reference_method() {
    let mut caught = Vec::new();
    for _ in 0..5 {
        let r = run(100, &["--reference"]);
        if r.reads.corrupt > 0 {
            caught.push(format!("corrupt reads: {}", r.reads.corrupt));
        }
        if r.reads.missing_after_valid > 0 {
            caught.push(format!("vanished: {}", r.reads.missing_after_valid));
        }
        if !r.failed_writers.is_empty() {
            caught.push(format!("failed writers: {}", r.failed_writers.len()));
        }
        if !matches!(r.last, Some((_, 99))) {
            caught.push(format!("final stamp {:?}", r.last));
        }
        if !caught.is_empty() {
            break;
        }
    }
    eprintln!("caught: {caught:?}");
    assert!(
        !caught.is_empty(),
        "the reference method passed the concurrency test"
    );
}
