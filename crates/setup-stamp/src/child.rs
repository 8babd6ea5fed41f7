//! Running a helper program with a deadline and bounded output.
//!
//! Shared by everything that asks an interpreter something (its search
//! path, its `sys.version`, terok's own setup check): the child gets no
//! input, its output is read on threads (so a full pipe cannot stall it) up
//! to a limit, and a child still running at the deadline is killed with
//! its whole process group, so nothing it started outlives the question.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A child that ran to its end.
#[derive(Debug)]
pub(crate) struct Finished {
    /// How it ended.
    pub status: ExitStatus,
    /// Its standard output (at most the limit).
    pub stdout: Vec<u8>,
    /// Its standard error (at most the limit).
    pub stderr: Vec<u8>,
}

/// Why a child gave no result.
#[derive(Debug)]
pub(crate) enum RunError {
    /// It could not be started.
    Spawn(std::io::Error),
    /// It was still running at the deadline and was killed.
    Timeout(Duration),
}

fn drain(pipe: Option<impl Read + Send + 'static>, limit: u64) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(pipe) = pipe {
            let _ = pipe.take(limit).read_to_end(&mut buf);
        }
        let _ = tx.send(buf);
    });
    rx
}

/// Runs `command` (its standard input closed, in a process group of its
/// own) for at most `timeout`, keeping at most `limit` bytes of each output.
pub(crate) fn run_bounded(
    command: Command,
    timeout: Duration,
    limit: u64,
) -> Result<Finished, RunError> {
    run_bounded_with_input(command, &[], timeout, limit)
}

/// [`run_bounded`], with `input` on the child's standard input (written on
/// a thread, then closed; a child that does not read it just sees a broken
/// pipe).
pub(crate) fn run_bounded_with_input(
    mut command: Command,
    input: &[u8],
    timeout: Duration,
    limit: u64,
) -> Result<Finished, RunError> {
    command
        .stdin(if input.is_empty() {
            Stdio::null()
        } else {
            Stdio::piped()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn().map_err(RunError::Spawn)?;
    if let Some(mut stdin) = child.stdin.take() {
        let input = input.to_vec();
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = stdin.write_all(&input);
        });
    }
    let stdout = drain(child.stdout.take(), limit);
    let stderr = drain(child.stderr.take(), limit);
    let start = Instant::now();
    let mut pause = Duration::from_micros(200);
    loop {
        if exited_unreaped(&child) {
            break;
        }
        if start.elapsed() >= timeout {
            kill_group(&mut child);
            let _ = child.wait();
            return Err(RunError::Timeout(timeout));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(5));
    }
    // What the child started may keep the pipes open: the group is killed
    // while the child is not yet reaped (so its id cannot have been reused),
    // and the output is waited for only a moment longer.
    kill_group(&mut child);
    let status = child.wait().map_err(RunError::Spawn)?;
    let left = timeout.saturating_sub(start.elapsed()) + Duration::from_millis(100);
    Ok(Finished {
        status,
        stdout: stdout.recv_timeout(left).unwrap_or_default(),
        stderr: stderr
            .recv_timeout(Duration::from_millis(100))
            .unwrap_or_default(),
    })
}

fn pid_of(child: &std::process::Child) -> Option<nix::unistd::Pid> {
    i32::try_from(child.id())
        .ok()
        .map(nix::unistd::Pid::from_raw)
}

/// Whether the child has ended, leaving it to be reaped by `wait`.
fn exited_unreaped(child: &std::process::Child) -> bool {
    use nix::sys::wait::{waitid, Id, WaitPidFlag, WaitStatus};
    let Some(pid) = pid_of(child) else {
        return true;
    };
    let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
    !matches!(
        waitid(Id::Pid(pid), flags),
        Ok(WaitStatus::StillAlive) | Err(nix::errno::Errno::EINTR)
    )
}

/// Kills the child's process group (the child is its leader, not reaped
/// yet) and the child itself.
fn kill_group(child: &mut std::process::Child) {
    if let Some(pid) = pid_of(child) {
        let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
    }
    let _ = child.kill();
}

/// The last `n` non-blank lines of `bytes`, joined with ` | ` (for error
/// messages about a child's standard error).
pub(crate) fn last_lines(bytes: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script);
        c
    }

    #[test]
    fn output_status_and_limits() {
        let done = run_bounded(
            sh("echo out; echo err >&2; exit 3"),
            Duration::from_secs(10),
            1 << 20,
        )
        .unwrap();
        assert_eq!(done.status.code(), Some(3));
        assert_eq!(done.stdout, b"out\n");
        assert_eq!(done.stderr, b"err\n");
        let capped = run_bounded(sh("yes | head -c 100000"), Duration::from_secs(10), 10).unwrap();
        assert_eq!(capped.stdout.len(), 10);
    }

    #[test]
    fn a_hanging_child_and_its_children_are_killed() {
        let t = Instant::now();
        let r = run_bounded(
            sh("sleep 30 & sleep 30"),
            Duration::from_millis(300),
            1 << 20,
        );
        assert!(matches!(r, Err(RunError::Timeout(_))), "{r:?}");
        assert!(t.elapsed() < Duration::from_secs(5));
        // A child that exits while its own child keeps the pipe open.
        let t = Instant::now();
        let r = run_bounded(sh("sleep 30 & echo done"), Duration::from_secs(5), 1 << 20).unwrap();
        assert_eq!(r.stdout, b"done\n");
        assert!(t.elapsed() < Duration::from_secs(5));
        assert!(matches!(
            run_bounded(Command::new("/no/such/program"), Duration::from_secs(1), 10),
            Err(RunError::Spawn(_))
        ));
    }

    #[test]
    fn last_lines_skips_blanks() {
        assert_eq!(last_lines(b"a\n\nb\n  \nc\n", 2), "b | c");
        assert_eq!(last_lines(b"", 3), "");
    }
}
