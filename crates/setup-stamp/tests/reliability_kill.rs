//! Kill test: a writer process killed with `SIGKILL` at random moments never
//! leaves a lost, half-written or corrupt stamp, and never leaves a temporary
//! file behind that the next write does not remove.
//!
//! Each round starts `stamp_writer` writing stamps in a loop into the same
//! directory (alternating the `O_TMPFILE` path and the named fallback), kills
//! it after a random delay, and then checks that the stamp is absent (only
//! before the first complete write), the previous complete stamp, or the new
//! complete stamp: byte for byte one of the two writes that could be on disk
//! according to the writer's status record. Where the kill landed is
//! counted from that record (after the data file existed, after the rename,
//! between writes). After the last round a new write must succeed and leave
//! nothing but the stamp.
//!
//! The suite runs `RELIABILITY_KILLS` rounds (default 50); `scripts/kill-test`
//! runs 500 and more.

mod reliability_support;

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reliability_support::{
    env_number, example, identify, leftovers, phase, read_status, stamp_body, Rng, Status,
};
use setup_stamp::stamp::{read_stamp_file, StampRead};

/// What the kills hit.
#[derive(Debug, Default)]
struct Tally {
    kills: u64,
    /// Killed inside a write call (status `started` … `renamed`+).
    mid_write: u64,
    /// Killed while the data file existed and had not yet replaced the stamp.
    temp_existed: u64,
    /// Killed after the rename, before the write reported success.
    after_rename: u64,
    /// Killed between writes (or before the first).
    between_writes: u64,
    /// Rounds after which the stamp was the in-flight write.
    stamp_new: u64,
    /// Rounds after which the stamp was the previous complete write.
    stamp_previous: u64,
    /// Rounds after which there was no stamp (nothing complete yet).
    stamp_absent: u64,
    /// Kills that left a named temporary (removed by the next write).
    left_temporary: u64,
    /// Complete writes observed in total.
    writes_completed: u64,
}

/// How the rounds write.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    /// `write_stamp_file`: `O_TMPFILE` and the named fallback, alternating.
    Ours,
    /// A naive writer that rewrites the stamp in place (the control).
    InPlace,
}

/// Runs `kills` kill rounds in a fresh directory; `Err` describes the
/// first violated guarantee.
fn kill_rounds(kills: u64, method: Method, rng: &mut Rng) -> Result<Tally, String> {
    // Up to this long between start and kill: startup takes a millisecond
    // or two, a durable write a few milliseconds.
    let max_delay_us = env_number("RELIABILITY_MAX_DELAY_US", 25_000);
    let writer = example("stamp_writer");
    let dir = tempfile::tempdir().expect("tempdir");
    let stamp_dir = dir.path().join("state");
    let path = stamp_dir.join("setup.stamp");
    let status_path = dir.path().join("status");

    let mut tally = Tally::default();
    // The complete write currently on disk, if any.
    let mut on_disk: Option<(u64, u64)> = None;
    // Temporaries left by earlier kills, not yet swept.
    let mut left: Vec<String> = Vec::new();
    for round in 0..kills {
        let named = round % 2 == 1;
        std::fs::write(&status_path, b"").expect("reset status");
        let mut cmd = Command::new(&writer);
        cmd.arg(&path)
            .arg(round.to_string())
            .arg("0")
            .arg("--status")
            .arg(&status_path)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        match method {
            Method::Ours if named => {
                cmd.arg("--named");
            }
            Method::Ours => {}
            Method::InPlace => {
                cmd.arg("--in-place");
            }
        }
        let mut child = cmd.spawn().expect("spawn stamp_writer");
        // A quarter of the kills aim at start-up and the first write; the
        // rest wait until the writer is writing (start-up time varies a lot
        // on a loaded machine), then a random time more.
        let delay = if rng.below(4) == 0 {
            rng.below(3_000)
        } else {
            let deadline = Instant::now() + Duration::from_secs(10);
            while read_status(&status_path).is_none_or(|s| s.phase == phase::IDLE)
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_micros(200));
            }
            rng.below(max_delay_us)
        };
        std::thread::sleep(Duration::from_micros(delay));
        child.kill().expect("SIGKILL the writer");
        let out = child.wait_with_output().expect("wait");
        if out.status.signal() != Some(9) {
            return Err(format!(
                "round {round}: the writer ended on its own ({:?}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        tally.kills += 1;

        // Where did the kill land? The record is written after each step,
        // so the writer may be at most one step further than recorded.
        let status = read_status(&status_path).unwrap_or(Status {
            seq: 0,
            phase: phase::IDLE,
        });
        let (previous, in_flight) = match status.phase {
            phase::IDLE => (on_disk, None),
            phase::DONE => (Some((round, status.seq)), None),
            _ => (
                status.seq.checked_sub(1).map(|s| (round, s)).or(on_disk),
                Some((round, status.seq)),
            ),
        };
        tally.writes_completed += match status.phase {
            phase::DONE => status.seq + 1,
            phase::IDLE => 0,
            _ => status.seq,
        };
        match status.phase {
            phase::IDLE | phase::DONE => tally.between_writes += 1,
            p => {
                tally.mid_write += 1;
                if (phase::TEMP_CREATED..phase::RENAMED).contains(&p) {
                    tally.temp_existed += 1;
                }
                if p >= phase::RENAMED {
                    tally.after_rename += 1;
                }
            }
        }

        // The stamp is exactly one of the writes that may be there.
        let read = read_stamp_file(&path).expect("read the stamp");
        let bytes = std::fs::read(&path).ok();
        match (&read, previous) {
            (StampRead::Missing, None) => tally.stamp_absent += 1,
            (StampRead::Valid(_), _) => {
                let found = bytes.as_deref().and_then(identify);
                if found == in_flight && in_flight.is_some() {
                    tally.stamp_new += 1;
                } else if found == previous {
                    tally.stamp_previous += 1;
                } else {
                    return Err(format!(
                        "round {round} ({status:?}): stamp is {found:?}, expected {previous:?} or {in_flight:?}"
                    ));
                }
                on_disk = found;
            }
            _ => {
                return Err(format!(
                    "round {round} ({status:?}): stamp {read:?}, expected {previous:?} or {in_flight:?}"
                ))
            }
        }

        // (A kill before the directory was created leaves no directory.)
        let extra = if stamp_dir.exists() {
            leftovers(&stamp_dir, &["setup.stamp"])
        } else {
            Vec::new()
        };
        let new: Vec<&String> = extra.iter().filter(|n| !left.contains(n)).collect();
        // An anonymous data file has no name before it is synced: a kill up
        // to then adds nothing (an earlier kill's leftover may still wait
        // for a sweep this writer did not finish).
        if method == Method::Ours
            && !named
            && status.phase != phase::IDLE
            && status.phase < phase::FILE_SYNCED
            && !new.is_empty()
        {
            return Err(format!(
                "round {round} ({status:?}): anonymous temporary left: {new:?}"
            ));
        }
        // A writer sweeps before it creates its own temporary, so a new
        // leftover means the old ones are gone: they never accumulate.
        if new.len() > 1 || (!new.is_empty() && extra.len() > 1) {
            return Err(format!(
                "round {round}: stale temporaries accumulate: {extra:?} (before: {left:?})"
            ));
        }
        if !new.is_empty() {
            tally.left_temporary += 1;
        }
        left = extra;
    }

    // A later write succeeds, and sweeps what the last kill left.
    let out = Command::new(&writer)
        .arg(&path)
        .args(["999999", "1"])
        .output()
        .expect("run stamp_writer");
    if !out.status.success() {
        return Err(format!(
            "a write after the kills failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if std::fs::read(&path).ok().as_deref() != Some(stamp_body(999_999, 0).as_bytes()) {
        return Err("the write after the kills did not land".to_owned());
    }
    let extra = leftovers(&stamp_dir, &["setup.stamp"]);
    if !extra.is_empty() {
        return Err(format!(
            "temporaries left after the kills and a final write: {extra:?}"
        ));
    }
    Ok(tally)
}

#[test]
fn sigkilled_writers_never_leave_a_corrupt_stamp_or_a_temporary() {
    let kills = env_number("RELIABILITY_KILLS", 50);
    let mut rng = Rng::from_env();
    let started = Instant::now();
    let tally = kill_rounds(kills, Method::Ours, &mut rng).unwrap_or_else(|e| panic!("{e}"));
    let secs = started.elapsed().as_secs_f64();
    eprintln!("{tally:?}");
    println!(
        "kill-test: kills={} mid_write={} temp_existed={} after_rename={} between_writes={} \
         stamp_new={} stamp_previous={} stamp_absent={} left_temporary_swept={} \
         writes_completed={} leftovers_at_end=0 seconds={secs:.1}",
        tally.kills,
        tally.mid_write,
        tally.temp_existed,
        tally.after_rename,
        tally.between_writes,
        tally.stamp_new,
        tally.stamp_previous,
        tally.stamp_absent,
        tally.left_temporary,
        tally.writes_completed,
    );
    // The test is only meaningful if kills really land inside writes.
    assert!(
        tally.temp_existed * 5 >= tally.kills,
        "too few kills landed mid-write: {tally:?}"
    );
}

/// The control: the same rounds against a writer that rewrites the stamp in
/// place must be caught (an empty or half-written stamp), or the kill test
/// could not tell a safe writer from an unsafe one.
#[test]
fn the_kill_harness_catches_an_in_place_writer() {
    let mut rng = Rng::from_env();
    match kill_rounds(60, Method::InPlace, &mut rng) {
        Err(e) => eprintln!("caught as expected: {e}"),
        Ok(tally) => panic!("an in-place writer survived 60 kills: {tally:?}"),
    }
}
