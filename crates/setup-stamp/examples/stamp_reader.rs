//! Reads a stamp, once or in a loop: the reader process of the reliability
//! tests.
//!
//! ```text
//! stamp_reader STAMP_PATH --once
//! stamp_reader STAMP_PATH --until STOP_FILE
//! ```
//!
//! `--once` reads the stamp a single time and prints one line
//! `class=<missing|valid|corrupt|error> verdict=<…> micros=<N> hwm_kib=<N>`
//! followed by `reason=<…>`: the class of [`read_stamp_file`]'s answer, the
//! verdict the reference gives before comparing versions (`first_run` for a
//! missing stamp, `stamp_corrupt` for a corrupt one, `compare` for a valid
//! one, `error` when it raises), the time the read took and the process's
//! peak resident memory.
//!
//! `--until` reads continuously until `STOP_FILE` exists, then prints
//! `reads=N missing=N valid=N corrupt=N errors=N missing_after_valid=N` and,
//! for the first bad read, `first_bad=<reason>`. A read is bad when it is
//! corrupt, fails, or finds no stamp after one was seen (a stamp that is
//! replaced must never vanish). Exit status 0 if no read was bad, 1
//! otherwise, 2 for bad arguments.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use setup_stamp::stamp::{read_stamp_file, StampRead};

/// Peak resident set size of this process in KiB (`VmHWM`), 0 if unknown.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn once(path: &Path) -> ExitCode {
    let start = Instant::now();
    let read = read_stamp_file(path);
    let micros = start.elapsed().as_micros();
    let (class, verdict, reason) = match &read {
        Ok(StampRead::Missing) => ("missing", "first_run", String::new()),
        Ok(StampRead::Valid(_)) => ("valid", "compare", String::new()),
        Ok(StampRead::Corrupt(r)) => ("corrupt", "stamp_corrupt", r.to_string()),
        Err(e) => ("error", "error", e.to_string()),
    };
    println!(
        "class={class} verdict={verdict} micros={micros} hwm_kib={}",
        peak_rss_kib()
    );
    println!("reason={reason}");
    ExitCode::SUCCESS
}

fn until(path: &Path, stop: &Path) -> ExitCode {
    let (mut reads, mut missing, mut valid, mut corrupt, mut errors) = (0u64, 0u64, 0u64, 0, 0);
    let mut missing_after_valid = 0u64;
    let mut first_bad = None;
    loop {
        // Check the stop file first so that the last read follows the
        // writers' last write.
        let stopping = stop.exists();
        reads += 1;
        match read_stamp_file(path) {
            Ok(StampRead::Missing) => {
                missing += 1;
                if valid > 0 {
                    missing_after_valid += 1;
                    first_bad.get_or_insert_with(|| "the stamp vanished".to_owned());
                }
            }
            Ok(StampRead::Valid(_)) => valid += 1,
            Ok(StampRead::Corrupt(r)) => {
                corrupt += 1;
                first_bad.get_or_insert_with(|| r.to_string());
            }
            Err(e) => {
                errors += 1;
                first_bad.get_or_insert_with(|| e.to_string());
            }
        }
        if stopping {
            break;
        }
    }
    println!(
        "reads={reads} missing={missing} valid={valid} corrupt={corrupt} errors={errors} \
         missing_after_valid={missing_after_valid}"
    );
    if let Some(bad) = first_bad {
        println!("first_bad={bad}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let usage = "usage: stamp_reader STAMP_PATH (--once | --until STOP_FILE)";
    match args.as_slice() {
        [path, flag] if flag == "--once" => once(Path::new(path)),
        [path, flag, stop] if flag == "--until" => until(Path::new(path), &PathBuf::from(stop)),
        _ => {
            eprintln!("{usage}");
            ExitCode::from(2)
        }
    }
}
