//! The receipt commands: `receipt check|write|clear`, `receipts` and
//! `lock -- CMD...` (terok_util.setup's per-owner setup receipts).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use setup_stamp::distributions::FoundDistribution;
use setup_stamp::environment::{path_to_pystring, Environment, HostEnv};
use setup_stamp::location::SystemHost;
use setup_stamp::pyjson::{self, PyString, Value};
use setup_stamp::receipt::{
    self, check_owner, host_tools_hash, setup_status, OwnerReport, ReceiptWriteError, SetupCheck,
    SetupLock, SetupReceipt, SetupStatus, TerokOwner,
};

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
Exit codes: 0 ready; 3 missing, stale or invalid; 4 downgrade; 1 error.

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
Exit codes: 0 written; 4 refused (the receipt is newer); 1 error.")]
    Write(ReceiptChange),
    /// Invalidate the receipt: remove it (refused on a downgrade).
    #[command(after_help = "\
Takes the setup lock unless --no-lock (or inside `setup-stamp lock`).
Exit codes: 0 removed or absent; 4 refused (the receipt is newer); 1 error.")]
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

fn check_value(check: &SetupCheck) -> Value {
    let text = |s: &str| Value::Str(PyString::from(s));
    Value::Object(vec![
        (PyString::from("owner"), text(&check.owner)),
        (PyString::from("component"), text(&check.component)),
        (PyString::from("status"), text(check.status.as_str())),
        (PyString::from("diagnostic"), text(&check.diagnostic)),
    ])
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
                writeln!(out, "{}", pyjson::dumps(&check_value(&check), None, false))?;
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

/// The receipts of the terok owners installed in `env`.
pub struct ReceiptsReport {
    /// The interpreter whose identity is the `python` input, if any.
    pub interpreter: Option<PathBuf>,
    /// The `python` input computed here, or why not.
    pub python: Result<String, String>,
    /// The `host_tools` input computed here.
    pub host_tools: Option<String>,
    /// Installed owners, checked.
    pub owners: Vec<OwnerReport>,
    /// Owners not installed.
    pub not_installed: Vec<TerokOwner>,
    /// Owners installed without a version in their metadata.
    pub no_version: Vec<TerokOwner>,
    /// Whether the installed terok-util has the receipt module.
    pub in_use: bool,
}

impl ReceiptsReport {
    fn checks(&self) -> impl Iterator<Item = &SetupCheck> {
        self.owners.iter().filter_map(|o| o.check.as_ref().ok())
    }

    /// The combined status (`setup_status` of every owner's check).
    pub fn status(&self) -> SetupStatus {
        setup_status(self.checks())
    }
}

/// Checks every installed terok owner's receipt.
pub fn receipts_report(env: &Environment) -> Result<ReceiptsReport, Box<dyn std::error::Error>> {
    let names: Vec<&str> = TerokOwner::ALL.iter().map(|o| o.name()).collect();
    let found = setup_stamp::distributions::find_distributions(&env.search_path, &names)?;
    let host = HostEnv::from_process();
    let scripts: Vec<&str> = TerokOwner::ALL.iter().map(|o| o.name()).collect();
    let executable = receipt::console_python(env, &scripts);
    let python = match &executable {
        Some(interpreter) => receipt::interpreter_sys_version(interpreter, &host)
            .map(|(version, _)| receipt::python_identity_of(interpreter, &version))
            .map_err(|e| format!("cannot ask {} for sys.version: {e}", interpreter.display())),
        None => Err("no interpreter (the search path was given)".to_owned()),
    };
    let known = receipt::KnownInputs {
        python: python.as_ref().ok().cloned(),
        host_tools: host_tools_hash(&env.search_path),
    };
    let mut report = ReceiptsReport {
        interpreter: executable,
        python,
        host_tools: known.host_tools.clone(),
        owners: Vec::new(),
        not_installed: Vec::new(),
        no_version: Vec::new(),
        in_use: receipt::receipts_in_use(&env.search_path),
    };
    for owner in TerokOwner::ALL {
        let dist = names
            .iter()
            .position(|n| *n == owner.name())
            .and_then(|i| found.get(i))
            .and_then(Option::as_ref);
        match dist {
            None => report.not_installed.push(owner),
            Some(FoundDistribution { version: None, .. }) => report.no_version.push(owner),
            Some(FoundDistribution {
                version: Some(version),
                ..
            }) => {
                let path = owner.receipt_path(&SystemHost)?;
                report
                    .owners
                    .push(check_owner(owner, path, version, &known, &SystemHost));
            }
        }
    }
    Ok(report)
}

fn opt_text(text: Option<&str>) -> Value {
    text.map_or(Value::Null, |t| Value::Str(PyString::from(t)))
}

/// `receipts --json`.
pub fn receipts_json(report: &ReceiptsReport) -> String {
    let key = PyString::from;
    let owners = report
        .owners
        .iter()
        .map(|o| {
            let (status, diagnostic, error) = match &o.check {
                Ok(c) => (
                    opt_text(Some(c.status.as_str())),
                    opt_text(Some(&c.diagnostic)),
                    Value::Null,
                ),
                Err(e) => (Value::Null, Value::Null, opt_text(Some(&e.to_string()))),
            };
            let stored = o.stored.as_ref().map_or(Value::Null, |s| {
                Value::Object(vec![
                    (key("owner"), Value::Str(s.owner.clone())),
                    (key("version"), Value::Str(s.version.clone())),
                    (
                        key("inputs"),
                        Value::Object(
                            s.inputs
                                .iter()
                                .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                                .collect(),
                        ),
                    ),
                ])
            });
            let inputs = o
                .inputs
                .iter()
                .map(|i| {
                    Value::Object(vec![
                        (key("key"), opt_text(Some(i.key))),
                        (
                            key("recorded"),
                            i.recorded.clone().map_or(Value::Null, Value::Str),
                        ),
                        (key("current"), opt_text(i.current.as_deref())),
                        (key("verified"), Value::Bool(i.current.is_some())),
                        (key("matches"), i.matches().map_or(Value::Null, Value::Bool)),
                    ])
                })
                .collect();
            let not_verified = o.not_verified();
            Value::Object(vec![
                (key("owner"), opt_text(Some(o.owner.name()))),
                (key("installed"), opt_text(Some(&o.installed_version))),
                (key("path"), Value::Str(path_to_pystring(&o.path))),
                (key("status"), status),
                (key("diagnostic"), diagnostic),
                (key("error"), error),
                (key("complete"), Value::Bool(not_verified.is_empty())),
                (
                    key("not_verified"),
                    Value::Array(not_verified.iter().map(|k| opt_text(Some(k))).collect()),
                ),
                (key("stored"), stored),
                (key("inputs"), Value::Array(inputs)),
            ])
        })
        .collect();
    let names = |owners: &[TerokOwner]| {
        Value::Array(owners.iter().map(|o| opt_text(Some(o.name()))).collect())
    };
    let value = Value::Object(vec![
        (key("status"), opt_text(Some(report.status().as_str()))),
        (key("receipts_in_use"), Value::Bool(report.in_use)),
        (
            key("interpreter"),
            report
                .interpreter
                .as_deref()
                .map_or(Value::Null, |p| Value::Str(path_to_pystring(p))),
        ),
        (
            key("python_identity"),
            opt_text(report.python.as_deref().ok()),
        ),
        (key("host_tools"), opt_text(report.host_tools.as_deref())),
        (key("owners"), Value::Array(owners)),
        (key("not_installed"), names(&report.not_installed)),
        (key("no_version"), names(&report.no_version)),
    ]);
    pyjson::dumps(&value, Some(2), false)
}

/// `receipts` for people.
pub fn receipts_human(report: &ReceiptsReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if report.owners.is_empty() {
        out.push_str("no terok package with a setup receipt is installed\n");
    } else if !report.in_use {
        out.push_str(
            "Note: the installed terok-util has no setup receipts (terok_util/setup.py): \
             this install uses the setup stamp; run `setup-stamp check`\n",
        );
    }
    for o in &report.owners {
        let _ = writeln!(
            out,
            "{} {}: {}",
            o.owner,
            o.installed_version,
            o.path.display()
        );
        match &o.check {
            Ok(c) => {
                let _ = writeln!(out, "  {}", status_line(c));
            }
            Err(e) => {
                let _ = writeln!(out, "  error: {e}");
            }
        }
        if let Some(s) = &o.stored {
            let _ = writeln!(
                out,
                "  recorded: {} {}",
                s.owner.to_string_lossy(),
                s.version.to_string_lossy()
            );
        }
        for i in &o.inputs {
            let recorded = i
                .recorded
                .as_ref()
                .map_or_else(|| "(absent)".to_owned(), |r| r.to_string_lossy());
            let mark = match i.matches() {
                Some(true) => "verified, unchanged".to_owned(),
                Some(false) => format!(
                    "verified, CHANGED (now {})",
                    i.current.as_deref().unwrap_or_default()
                ),
                None => "not verified here".to_owned(),
            };
            let _ = writeln!(out, "  input {} = {recorded}  [{mark}]", i.key);
        }
        let unverified = o.not_verified();
        if !unverified.is_empty()
            && o.check
                .as_ref()
                .is_ok_and(|c| c.status == SetupStatus::Ready)
        {
            let _ = writeln!(
                out,
                "  ready on what is checked here; {} taken as recorded",
                unverified.join(", ")
            );
        }
    }
    for owner in &report.no_version {
        let _ = writeln!(
            out,
            "{owner}: installed without a version; cannot be checked"
        );
    }
    if !report.not_installed.is_empty() {
        let names: Vec<&str> = report.not_installed.iter().map(|o| o.name()).collect();
        let _ = writeln!(out, "not installed: {}", names.join(", "));
    }
    if let Err(why) = &report.python {
        let _ = writeln!(out, "python input not verified: {why}");
    }
    let _ = writeln!(out, "status: {}", report.status());
    out
}

/// Whether terok-sandbox is installed without the `setup_stamp` module
/// (0.6.0 and later use per-owner receipts instead of the stamp).
pub fn sandbox_uses_receipts(
    found: &[Option<FoundDistribution>],
    names: &[String],
) -> Option<String> {
    let i = names.iter().position(|n| n == "terok-sandbox")?;
    let dist = found.get(i)?.as_ref()?;
    let package = dist.search_entry.join("terok_sandbox");
    let has_module = package.join("setup_stamp.py").is_file()
        || package.join("setup_stamp").join("__init__.py").is_file();
    (package.is_dir() && !has_module).then(|| dist.version.clone().unwrap_or_default())
}
