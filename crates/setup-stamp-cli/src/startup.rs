//! terok's own start-up verdict on a receipt-era install: the options of
//! `check` and `receipts`, and how their answers are printed.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use setup_stamp::environment::path_to_pystring;
use setup_stamp::pyjson::{self, PyString, Value};
use setup_stamp::receipt::{SetupCheck, SetupStatus, StoredReceipt};
use setup_stamp::startup::{
    Answer, AnswerSource, InstallOptions, OwnerReport, RefreshPolicy, StartupVerdict,
};

/// How terok's verdict may be computed (receipt-era installs). The
/// default is what no flag gives.
#[derive(Debug, Args, Clone, Default, PartialEq)]
pub struct StartupArgs {
    /// Run terok's own check even if the kept answer is current.
    #[arg(long, conflicts_with = "no_refresh")]
    pub refresh: bool,
    /// Never run terok's check: a kept answer that is not current is an
    /// error (exit 1).
    #[arg(long)]
    pub no_refresh: bool,
    /// How long terok's check may run, in seconds (default 60).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub refresh_timeout: Option<Duration>,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "{text:?} is not a number of seconds between 0 and 86400"
        )),
    }
}

impl StartupArgs {
    /// The library's options.
    pub fn options(&self) -> InstallOptions {
        InstallOptions {
            refresh: if self.refresh {
                RefreshPolicy::Always
            } else if self.no_refresh {
                RefreshPolicy::Never
            } else {
                RefreshPolicy::WhenChanged
            },
            timeout: self.refresh_timeout,
            cache_dir: None,
        }
    }
}

fn text(s: &str) -> Value {
    Value::Str(PyString::from(s))
}

fn bytes_text(bytes: &[u8]) -> Value {
    use std::os::unix::ffi::OsStrExt;
    Value::Str(path_to_pystring(std::path::Path::new(
        std::ffi::OsStr::from_bytes(bytes),
    )))
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (PyString::from(k), v))
            .collect(),
    )
}

/// One check as JSON: `{"owner", "component", "status", "diagnostic"}`.
pub fn check_value(check: &SetupCheck) -> Value {
    object(vec![
        ("owner", text(&check.owner)),
        ("component", text(&check.component)),
        ("status", text(check.status.as_str())),
        ("diagnostic", text(&check.diagnostic)),
    ])
}

fn error_value(answer: &Answer) -> Value {
    match answer {
        Answer::Raised { error } => object(vec![
            ("type", text(&error.type_name)),
            ("message", text(&error.message)),
        ]),
        Answer::Checks { .. } => Value::Null,
    }
}

fn cache_value(source: &AnswerSource) -> Value {
    let file = |f: &Option<PathBuf>| {
        f.as_deref()
            .map_or(Value::Null, |p| Value::Str(path_to_pystring(p)))
    };
    match source {
        AnswerSource::Kept { file: f } => object(vec![
            ("answer", text("kept")),
            ("file", file(&Some(f.clone()))),
            ("why", Value::Null),
            ("kept", Value::Bool(true)),
            ("not_kept", Value::Null),
        ]),
        AnswerSource::Computed { why, file: f, kept } => object(vec![
            ("answer", text("computed")),
            ("file", file(f)),
            ("why", text(why)),
            ("kept", Value::Bool(kept.is_ok())),
            (
                "not_kept",
                kept.as_ref().err().map_or(Value::Null, |w| text(w)),
            ),
        ]),
    }
}

fn receipts_value(verdict: &StartupVerdict) -> Value {
    Value::Array(
        verdict
            .receipts
            .iter()
            .map(|r| {
                object(vec![
                    ("owner", text(&r.owner)),
                    ("path", bytes_text(r.path.as_bytes())),
                ])
            })
            .collect(),
    )
}

/// `check --json` on a receipt-era install.
pub fn check_json(verdict: &StartupVerdict) -> String {
    let checks = verdict.answer.checks();
    let value = object(vec![
        ("protocol", text("receipts")),
        ("status", text(verdict.answer.status().as_str())),
        (
            "checks",
            Value::Array(checks.iter().map(check_value).collect()),
        ),
        ("owner", text(verdict.owner.name())),
        ("error", error_value(&verdict.answer)),
        (
            "interpreter",
            Value::Str(path_to_pystring(&verdict.interpreter)),
        ),
        ("receipts", receipts_value(verdict)),
        ("cache", cache_value(&verdict.source)),
    ]);
    pyjson::dumps(&value, Some(2), false)
}

fn not_ready_line(check: &SetupCheck) -> String {
    let why = if check.diagnostic.is_empty() {
        check.status.as_str()
    } else {
        &check.diagnostic
    };
    format!("{}/{}: {why}\n", check.owner, check.component)
}

fn shell_word(bytes: &[u8]) -> String {
    let plain = bytes
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(b));
    let text = String::from_utf8_lossy(bytes);
    if plain && !bytes.starts_with(b"-") {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `check` on a receipt-era install, for people: the status, each check
/// that is not ready, and the fix.
pub fn check_human(verdict: &StartupVerdict, setup_command: &str) -> String {
    let status = verdict.answer.status();
    let mut out = format!("status: {status}\n");
    match &verdict.answer {
        Answer::Raised { error } => {
            let _ = writeln!(
                out,
                "{}'s setup check raised {}: {}",
                verdict.owner, error.type_name, error.message
            );
        }
        Answer::Checks { .. } => {
            for check in verdict
                .answer
                .checks()
                .iter()
                .filter(|c| c.status != SetupStatus::Ready)
            {
                out.push_str(&not_ready_line(check));
            }
        }
    }
    match status {
        SetupStatus::Ready => {}
        SetupStatus::Downgrade => {
            out.push_str(
                "Setup was done by newer packages than are installed; downgrades are not supported.\n",
            );
            let newer: Vec<String> = verdict
                .answer
                .checks()
                .iter()
                .filter(|c| c.status == SetupStatus::Downgrade && c.component == "receipt")
                .filter_map(|c| verdict.receipts.iter().find(|r| r.owner == c.owner))
                .map(|r| shell_word(r.path.as_bytes()))
                .collect();
            if newer.is_empty() {
                out.push_str("Fix: upgrade the packages back to the versions that ran setup.\n");
            } else {
                out.push_str(
                    "Fix: upgrade the packages back, or remove the newer receipts at your own risk:\n",
                );
                let _ = writeln!(out, "  rm {}", newer.join(" "));
            }
        }
        _ => {
            let _ = writeln!(out, "Fix: {setup_command}");
        }
    }
    out
}

/// A line for `--verbose`: where the answer came from.
pub fn source_note(verdict: &StartupVerdict) -> String {
    match &verdict.source {
        AnswerSource::Kept { file } => format!(
            "terok's answer: kept in {}, proved current (no program started)\n",
            file.display()
        ),
        AnswerSource::Computed { why, kept, .. } => {
            let fate = match kept {
                Ok(()) => "kept".to_owned(),
                Err(why) => format!("not kept: {why}"),
            };
            format!("terok's answer: computed by terok's code ({why}); {fate}\n")
        }
    }
}

fn stored_value(stored: Option<&StoredReceipt>) -> Value {
    let Some(stored) = stored else {
        return Value::Null;
    };
    Value::Object(vec![
        (PyString::from("owner"), Value::Str(stored.owner.clone())),
        (
            PyString::from("version"),
            Value::Str(stored.version.clone()),
        ),
        (
            PyString::from("inputs"),
            Value::Object(
                stored
                    .inputs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                    .collect(),
            ),
        ),
    ])
}

/// `receipts --json`: the same verdict as `check`, by owner.
pub fn receipts_json(report: &OwnerReport) -> String {
    let verdict = &report.verdict;
    let owners = report
        .owners
        .iter()
        .map(|view| {
            let receipt = view.receipt_check();
            object(vec![
                ("owner", text(&view.owner)),
                (
                    "installed",
                    view.installed.as_deref().map_or(Value::Null, text),
                ),
                (
                    "path",
                    view.receipt
                        .as_deref()
                        .map_or(Value::Null, |p| Value::Str(path_to_pystring(p))),
                ),
                (
                    "status",
                    receipt.map_or(Value::Null, |c| text(c.status.as_str())),
                ),
                (
                    "diagnostic",
                    receipt.map_or(Value::Null, |c| text(&c.diagnostic)),
                ),
                (
                    "checks",
                    Value::Array(view.checks.iter().map(check_value).collect()),
                ),
                ("stored", stored_value(view.stored.as_ref())),
            ])
        })
        .collect();
    let value = object(vec![
        ("protocol", text("receipts")),
        ("status", text(verdict.answer.status().as_str())),
        ("owner", text(verdict.owner.name())),
        ("error", error_value(&verdict.answer)),
        (
            "interpreter",
            Value::Str(path_to_pystring(&verdict.interpreter)),
        ),
        ("owners", Value::Array(owners)),
        ("cache", cache_value(&verdict.source)),
    ]);
    pyjson::dumps(&value, Some(2), false)
}

/// `receipts`, for people.
pub fn receipts_human(report: &OwnerReport) -> String {
    let verdict = &report.verdict;
    let mut out = String::new();
    if let Answer::Raised { error } = &verdict.answer {
        let _ = writeln!(
            out,
            "{}'s setup check raised {}: {}",
            verdict.owner, error.type_name, error.message
        );
    }
    for view in &report.owners {
        let _ = write!(out, "{}", view.owner);
        if let Some(version) = &view.installed {
            let _ = write!(out, " {version}");
        }
        match &view.receipt {
            Some(path) => {
                let _ = writeln!(out, ": {}", path.display());
            }
            None => out.push('\n'),
        }
        for check in &view.checks {
            let _ = write!(out, "  {}: {}", check.component, check.status);
            if !check.diagnostic.is_empty() {
                let _ = write!(out, ": {}", check.diagnostic);
            }
            out.push('\n');
        }
    }
    let _ = writeln!(out, "status: {}", verdict.answer.status());
    out
}
