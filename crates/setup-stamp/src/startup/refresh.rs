//! Computing the answer with terok's own code: running the recorder in
//! terok's interpreter and turning its report into a [`CacheEntry`].

use std::ffi::OsStr;
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use super::cache::{recorder_digest, Answer, CacheEntry, CacheHeader, ReceiptRef, CACHE_FORMAT};
use super::observation::{Bytes, Observation};
use super::replay::{environment_snapshot, now_ns, stat_record};

/// The format the recorder writes.
pub const RECORDER_FORMAT: &str = "setup-stamp startup observations 1";

/// How long terok's check may take by default (its first call costs about
/// half a second; a loaded machine or a cold disk several).
pub const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::from_secs(60);

/// The most output read from the recorder.
const MAX_REPORT_BYTES: u64 = 256 << 20;

/// Where and how to run terok's check.
#[derive(Debug, Clone)]
pub struct RefreshRequest<'a> {
    /// The owner whose check to run (`terok`, `terok-executor`, …).
    pub owner: &'a str,
    /// terok's interpreter (the one its console scripts name).
    pub interpreter: &'a Path,
    /// The search path the answer is for (`sys.path`, first entry the
    /// console script's directory); the interpreter must agree with it for
    /// the answer to be kept.
    pub search_path: &'a [PathBuf],
    /// The variables that shape Python's start, as they are now.
    pub startup_variables: Vec<(Bytes, Bytes)>,
    /// The deadline.
    pub timeout: Duration,
}

/// terok's answer, and whether it may be kept.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// The entry (answer and observations).
    pub entry: CacheEntry,
    /// Why the answer must not be kept (empty: it may).
    pub not_kept: Vec<String>,
}

/// Why terok's check gave no answer.
#[derive(Debug)]
pub enum RefreshError {
    /// The interpreter could not be started.
    Spawn {
        /// The interpreter.
        interpreter: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// It did not finish in time (it was killed).
    Timeout {
        /// The interpreter.
        interpreter: PathBuf,
        /// The limit.
        limit: Duration,
    },
    /// It ended without a report.
    Failed {
        /// The interpreter.
        interpreter: PathBuf,
        /// How it ended.
        status: String,
        /// The end of its error output.
        stderr: String,
    },
    /// terok's check could not be loaded (not installed there, or another
    /// layout than terok 0.9's).
    Unavailable {
        /// The interpreter.
        interpreter: PathBuf,
        /// What Python said.
        message: String,
    },
    /// terok's check ended the interpreter instead of returning or raising
    /// an `Exception` (`SystemExit`, `KeyboardInterrupt`): the TUI would
    /// have stopped too.
    Aborted {
        /// The interpreter.
        interpreter: PathBuf,
        /// The exception, `Type: message`.
        message: String,
    },
    /// The report is not what this version of the recorder writes.
    BadReport {
        /// The interpreter.
        interpreter: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefreshError::Spawn { interpreter, cause } => {
                write!(
                    f,
                    "cannot run terok's interpreter {}: {cause}",
                    interpreter.display()
                )
            }
            RefreshError::Timeout { interpreter, limit } => write!(
                f,
                "terok's setup check in {} did not finish within {} s (stopped)",
                interpreter.display(),
                limit.as_secs_f64()
            ),
            RefreshError::Failed {
                interpreter,
                status,
                stderr,
            } => {
                write!(
                    f,
                    "terok's setup check in {} failed ({status})",
                    interpreter.display()
                )?;
                if !stderr.is_empty() {
                    write!(f, ": {stderr}")?;
                }
                Ok(())
            }
            RefreshError::Unavailable {
                interpreter,
                message,
            } => write!(
                f,
                "terok's setup check cannot be loaded in {}: {message}",
                interpreter.display()
            ),
            RefreshError::Aborted {
                interpreter,
                message,
            } => write!(
                f,
                "terok's setup check in {} stopped instead of answering ({message})",
                interpreter.display()
            ),
            RefreshError::BadReport {
                interpreter,
                detail,
            } => write!(
                f,
                "unexpected report from terok's setup check in {}: {detail}",
                interpreter.display()
            ),
        }
    }
}

impl std::error::Error for RefreshError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RefreshError::Spawn { cause, .. } => Some(cause),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct ChildIdentity {
    path: Vec<Bytes>,
    euid: u32,
}

#[derive(Deserialize)]
struct Report {
    format: String,
    #[serde(default)]
    fatal: Option<String>,
    #[serde(default)]
    aborted: Option<String>,
    #[serde(default)]
    identity: Option<ChildIdentity>,
    #[serde(default)]
    answer: Option<Answer>,
    #[serde(default)]
    receipts: Vec<ReceiptRef>,
    #[serde(default)]
    uncacheable: Vec<String>,
    #[serde(default)]
    observations: Vec<Observation>,
}

fn path_bytes(path: &Path) -> Bytes {
    Bytes(path.as_os_str().as_bytes().to_vec())
}

/// Runs terok's check once in its interpreter, observing what it reads.
pub fn refresh(request: &RefreshRequest<'_>) -> Result<Refreshed, RefreshError> {
    let interpreter = request.interpreter.to_path_buf();
    let started = now_ns();
    let environment = environment_snapshot();
    let interpreter_stat = nix::sys::stat::stat(request.interpreter)
        .map(|st| stat_record(&st))
        .map_err(|e| RefreshError::Spawn {
            interpreter: interpreter.clone(),
            cause: std::io::Error::from(e),
        })?;
    let first = request
        .search_path
        .first()
        .map(|p| p.as_os_str())
        .unwrap_or(OsStr::new(""));
    let mut command = Command::new(request.interpreter);
    command
        .arg("-c")
        .arg(super::RECORDER_BOOT)
        .arg(request.owner)
        .arg(first);
    // The modules, `name NUL source NUL …`, on the recorder's standard input.
    let mut modules = Vec::new();
    for (name, source) in super::RECORDER_MODULES {
        for part in [name, source] {
            modules.extend_from_slice(part.as_bytes());
            modules.push(0);
        }
    }
    let limit = MAX_REPORT_BYTES;
    let done = crate::child::run_bounded_with_input(command, &modules, request.timeout, limit)
        .map_err(|e| match e {
            crate::child::RunError::Spawn(cause) => RefreshError::Spawn {
                interpreter: interpreter.clone(),
                cause,
            },
            crate::child::RunError::Timeout(limit) => RefreshError::Timeout {
                interpreter: interpreter.clone(),
                limit,
            },
        })?;
    let stderr = crate::child::last_lines(&done.stderr, 3);
    if !done.status.success() || done.stdout.is_empty() {
        return Err(RefreshError::Failed {
            interpreter,
            status: done.status.to_string(),
            stderr,
        });
    }
    let bad = |detail: String| RefreshError::BadReport {
        interpreter: interpreter.clone(),
        detail,
    };
    let report: Report = serde_json::from_slice(&done.stdout).map_err(|e| bad(e.to_string()))?;
    if report.format != RECORDER_FORMAT {
        return Err(bad(format!("format {:?}", report.format)));
    }
    if let Some(message) = report.fatal {
        return Err(RefreshError::Unavailable {
            interpreter,
            message,
        });
    }
    if let Some(message) = report.aborted {
        return Err(RefreshError::Aborted {
            interpreter,
            message,
        });
    }
    let (Some(identity), Some(answer)) = (report.identity, report.answer) else {
        return Err(bad("no identity or answer".into()));
    };
    let search_path: Vec<Bytes> = request.search_path.iter().map(|p| path_bytes(p)).collect();
    let mut not_kept = report.uncacheable;
    if identity.path != search_path {
        not_kept.push(format!(
            "the interpreter's sys.path ({}) is not the search path found here ({})",
            join(&identity.path),
            join(&search_path)
        ));
    }
    let euid = nix::unistd::geteuid().as_raw();
    if identity.euid != euid {
        not_kept.push(format!("it ran as uid {}, not {euid}", identity.euid));
    }
    if !answer.known_statuses() {
        not_kept.push("terok answered with a status this version does not know".into());
    }
    let observations = report
        .observations
        .into_iter()
        .map(|o| match o {
            Observation::Environment { .. } => Observation::Environment {
                vars: environment.clone(),
            },
            other => other,
        })
        .collect();
    let header = CacheHeader {
        format: CACHE_FORMAT.to_owned(),
        recorder: recorder_digest(),
        owner: request.owner.to_owned(),
        interpreter: path_bytes(request.interpreter),
        interpreter_stat,
        euid,
        search_path,
        startup_variables: request.startup_variables.clone(),
        recorded_ns: started,
        answer,
        receipts: report.receipts,
    };
    let entry = CacheEntry {
        header,
        observations,
    };
    Ok(Refreshed { entry, not_kept })
}

fn join(paths: &[Bytes]) -> String {
    paths
        .iter()
        .map(|p| p.display().into_owned())
        .collect::<Vec<_>>()
        .join(":")
}
