//! The receipt commands: `receipt check|write|clear`, `receipts` and
//! `lock -- CMD...` (terok_util.setup's per-owner setup receipts).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use setup_stamp::location::SystemHost;
use setup_stamp::pyjson;
use setup_stamp::receipt::{self, ReceiptWriteError, SetupCheck, SetupLock, SetupReceipt};

/// Set by `setup-stamp lock` for its command: the lock file it holds, so
/// that `receipt write|clear` inside it do not try to take it again (the
/// reference's lock is re-entrant within its holder too).
pub const LOCK_HELD_VAR: &str = "SETUP_STAMP_LOCK_HELD";

/// Which receipt, and what the running owner would certify.
#[derive(Debug, Args)]
pub struct ReceiptSelector {
    /// The receipt file.
    #[arg(long, value_name = "FILE")]
    pub path: PathBuf,
    /// The owner (the package that keeps the receipt).
    #[arg(long, value_name = "NAME")]
    pub owner: String,
    /// The owner's running version (PEP 440).
    #[arg(long, value_name = "VERSION", allow_hyphen_values = true)]
    pub version: String,
    /// A setup input (repeatable; a repeated KEY keeps its last VALUE).
    #[arg(long = "input", value_name = "KEY=VALUE", value_parser = parse_input)]
    pub inputs: Vec<(String, String)>,
}

/// Where the setup lock is, for the commands that take it.
#[derive(Debug, Args)]
pub struct LockOptions {
    /// The lock file (default: `setup.lock` in the namespace's platform
    /// state base, `$XDG_DATA_HOME/NS` or `~/.local/share/NS`;
    /// `/var/lib/NS` for root; `<NS>_ROOT` does not move it).
    #[arg(long, value_name = "FILE")]
    pub lock_file: Option<PathBuf>,
}

/// What `receipt write` and `receipt clear` take: the receipt and the lock.
#[derive(Debug, Args)]
pub struct ReceiptChange {
    #[command(flatten)]
    selector: ReceiptSelector,
    #[command(flatten)]
    lock: LockOptions,
    /// Do not take the setup lock.
    #[arg(long)]
    no_lock: bool,
}

fn parse_input(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) => Ok((key.to_owned(), value.to_owned())),
        None => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// `setup-stamp receipt ...`.
#[derive(Debug, Subcommand)]
pub enum ReceiptAction {
    /// Compare the receipt with the owner, version and inputs; print the
    /// status and diagnostic.
    #[command(after_help = "\
Exit codes: 0 ready; 3 missing, stale, invalid; 4 downgrade; 1 no verdict
could be reached (the reason is printed); 2 usage error.

Example:
  setup-stamp receipt check --path ~/.local/share/terok/sandbox/setup.json \\
      --owner terok-sandbox --version 0.6.0 --input python=... --json")]
    Check {
        #[command(flatten)]
        selector: ReceiptSelector,
        /// Print one JSON object: owner, component, status, diagnostic.
        #[arg(long)]
        json: bool,
    },
    /// Certify successful setup: write the receipt (refused on a downgrade).
    #[command(after_help = "\
Takes the setup lock unless --no-lock (or inside `setup-stamp lock`).
Exit codes: 0 written; 4 refused (the receipt is newer); 1 it could not be
written (the reason is printed); 2 usage error.")]
    Write(ReceiptChange),
    /// Invalidate the receipt: remove it (refused on a downgrade).
    #[command(after_help = "\
Takes the setup lock unless --no-lock (or inside `setup-stamp lock`).
Exit codes: 0 removed or absent; 4 refused (the receipt is newer); 1 it could
not be removed (the reason is printed); 2 usage error.")]
    Clear(ReceiptChange),
}

type CliResult = Result<u8, Box<dyn std::error::Error>>;

impl ReceiptSelector {
    fn receipt(&self) -> SetupReceipt {
        let mut receipt = SetupReceipt::new(&self.path, &self.owner, &self.version);
        for (key, value) in &self.inputs {
            receipt = receipt.with_input(key, value);
        }
        receipt
    }
}

/// The setup lock file: `--lock-file`, or `setup.lock` in the namespace's
/// platform state base.
pub fn lock_path(
    options: &LockOptions,
    namespace: &str,
) -> Result<PathBuf, Box<dyn std::error::Error>> {
    match &options.lock_file {
        Some(path) => Ok(path.clone()),
        None => Ok(receipt::setup_lock_path(namespace, &SystemHost)?),
    }
}

/// Takes the lock unless told not to or already inside `setup-stamp lock`
/// for the same file.
fn maybe_lock(
    options: &LockOptions,
    no_lock: bool,
    namespace: &str,
) -> Result<Option<SetupLock>, Box<dyn std::error::Error>> {
    if no_lock {
        return Ok(None);
    }
    let path = lock_path(options, namespace)?;
    if std::env::var_os(LOCK_HELD_VAR).is_some_and(|held| Path::new(&held) == path) {
        return Ok(None);
    }
    Ok(Some(SetupLock::try_acquire(&path)?))
}

fn refused_or(error: ReceiptWriteError) -> CliResult {
    match error {
        ReceiptWriteError::Refused(e) => {
            eprintln!("setup-stamp: {e}");
            Ok(4)
        }
        other => Err(Box::new(other)),
    }
}

fn status_line(check: &SetupCheck) -> String {
    if check.diagnostic.is_empty() {
        check.status.as_str().to_owned()
    } else {
        format!("{}: {}", check.status, check.diagnostic)
    }
}

/// Runs `setup-stamp receipt ...`.
pub fn run_receipt(action: &ReceiptAction, out: &mut impl Write, namespace: &str) -> CliResult {
    match action {
        ReceiptAction::Check { selector, json } => {
            let check = selector.receipt().check()?;
            if *json {
                writeln!(
                    out,
                    "{}",
                    pyjson::dumps(&crate::startup::check_value(&check), None, false)
                )?;
            } else {
                writeln!(out, "{}", status_line(&check))?;
            }
            Ok(check.status.exit_code())
        }
        ReceiptAction::Write(ReceiptChange {
            selector,
            lock,
            no_lock,
        }) => {
            let _held = maybe_lock(lock, *no_lock, namespace)?;
            match selector.receipt().write() {
                Ok(()) => {
                    crate::write_path_line(out, "wrote ", &selector.path)?;
                    Ok(0)
                }
                Err(e) => refused_or(e),
            }
        }
        ReceiptAction::Clear(ReceiptChange {
            selector,
            lock,
            no_lock,
        }) => {
            let _held = maybe_lock(lock, *no_lock, namespace)?;
            match selector.receipt().clear() {
                Ok(true) => {
                    crate::write_path_line(out, "removed ", &selector.path)?;
                    Ok(0)
                }
                Ok(false) => {
                    crate::write_path_line(out, "no receipt at ", &selector.path)?;
                    Ok(0)
                }
                Err(e) => refused_or(e),
            }
        }
    }
}

/// Runs `setup-stamp lock -- CMD...`: the command's exit code (128 + the
/// signal when it was killed; 127 when it cannot be found, 126 when it
/// cannot be run).
pub fn run_lock(options: &LockOptions, command: &[OsString], namespace: &str) -> CliResult {
    let path = lock_path(options, namespace)?;
    let _held = SetupLock::try_acquire(&path)?;
    let Some((program, args)) = command.split_first() else {
        return Ok(0);
    };
    let status = std::process::Command::new(program)
        .args(args)
        .env(LOCK_HELD_VAR, &path)
        .status();
    match status {
        Ok(status) => {
            use std::os::unix::process::ExitStatusExt;
            Ok(match (status.code(), status.signal()) {
                (Some(code), _) => u8::try_from(code).unwrap_or(1),
                (None, Some(signal)) => u8::try_from(128 + signal).unwrap_or(255),
                (None, None) => 1,
            })
        }
        Err(e) => {
            eprintln!(
                "setup-stamp: cannot run {}: {e}",
                Path::new(program).display()
            );
            Ok(if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            })
        }
    }
}
