//! Human and JSON renderings of the library's results.
//!
//! JSON goes through the library's Python-compatible encoder, so stamp
//! strings holding lone surrogates survive as `\udXXX` escapes.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::Path;

use setup_stamp::distributions::FoundDistribution;
use setup_stamp::environment::{path_to_pystring, Environment};
use setup_stamp::pyjson::{self, PyString, Value};
use setup_stamp::verdict::{InstalledPackage, PackageChange, PackageStatus};
use setup_stamp::{Check, SetupVerdict, StampState};

/// Whether to colour human output.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    colour: bool,
}

impl Style {
    /// Colour only on a terminal, and never when `NO_COLOR` is set (non-empty).
    pub fn detect() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style {
            colour: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn verdict(self, verdict: SetupVerdict) -> String {
        let code = match verdict {
            SetupVerdict::Ok => "32",
            SetupVerdict::StaleAfterUpdate => "33",
            SetupVerdict::StaleAfterDowngrade => "1;31",
            SetupVerdict::FirstRun | SetupVerdict::StampCorrupt => "1;33",
        };
        self.paint(code, verdict.as_str())
    }
}

/// An error and its causes, joined with `: `.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `path` as one shell word for `rm`: quoted when needed, and a relative
/// path starting with `-` prefixed with `./` so `rm` does not take it for
/// an option.
fn shell_quote(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    let prefix = if bytes.starts_with(b"-") { "./" } else { "" };
    let Ok(text) = std::str::from_utf8(bytes) else {
        // Not UTF-8: bash's $'...' quoting spells every byte exactly.
        let mut quoted = format!("$'{prefix}");
        for &b in bytes {
            if b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b) {
                quoted.push(char::from(b));
            } else {
                let _ = write!(quoted, "\\x{b:02x}");
            }
        }
        quoted.push('\'');
        return quoted;
    };
    let text = format!("{prefix}{text}");
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c))
    {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Text read from a stamp or from metadata, made safe to print on a
/// terminal: control characters (escape sequences, newlines, BEL …) are
/// shown as `\xNN` instead of acting on the terminal or forging lines.
fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

fn version_text(version: &Option<String>) -> String {
    version
        .as_deref()
        .map_or_else(|| "(no version)".to_owned(), terminal_safe)
}

fn status_line(status: &PackageStatus) -> String {
    let stamped = status.stamped.as_ref().map_or_else(
        || "(not stamped)".to_owned(),
        |s| terminal_safe(&s.to_string_lossy()),
    );
    let installed = status
        .installed
        .as_ref()
        .map_or_else(|| "(not installed)".to_owned(), version_text);
    format!(
        "  {}: {} -> {} ({})\n",
        terminal_safe(&status.package.to_string_lossy()),
        stamped,
        installed,
        status.change.as_str()
    )
}

/// `check` for people; `setup_command` is what fixes a missing, stale or
/// corrupt stamp (`terok setup`).
pub fn check_human(check: &Check, style: Style, setup_command: &str, note: Option<&str>) -> String {
    let report = &check.report;
    let mut out = String::new();
    let _ = writeln!(out, "verdict: {}", style.verdict(report.verdict));
    let _ = writeln!(out, "stamp: {}", check.stamp_path.display());
    match &check.stamp {
        StampState::Missing => out.push_str("no setup stamp: setup has not been run\n"),
        StampState::Corrupt(reason) => {
            let _ = writeln!(out, "the stamp is unusable: {reason}");
        }
        StampState::Valid(_) => {}
    }
    let changed: Vec<&PackageStatus> = report
        .packages
        .iter()
        .filter(|s| s.change != PackageChange::Same && s.change != PackageChange::NotStamped)
        .collect();
    if !changed.is_empty() {
        out.push_str("changed since the last setup:\n");
        for status in changed {
            out.push_str(&status_line(status));
        }
    }
    if let Some(note) = note {
        let _ = writeln!(out, "note: {note}");
    }
    match report.verdict {
        SetupVerdict::Ok => {}
        SetupVerdict::StaleAfterDowngrade => {
            out.push_str(
                "Installed packages are older than (or missing from) the last setup; \
                 downgrades are not supported.\n",
            );
            out.push_str("Fix: upgrade the packages back, or remove the stamp at your own risk:\n");
            let _ = writeln!(out, "  rm {}", shell_quote(&check.stamp_path));
        }
        _ => {
            let _ = writeln!(out, "Fix: {}", terminal_safe(setup_command));
        }
    }
    out
}

fn str_value(text: &str) -> Value {
    Value::Str(PyString::from(text))
}

fn optional(version: &Option<String>) -> Value {
    version.as_deref().map_or(Value::Null, str_value)
}

fn object(entries: Vec<(&str, Value)>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(key, value)| (PyString::from(key), value))
            .collect(),
    )
}

fn installed_object(installed: &[InstalledPackage]) -> Value {
    Value::Object(
        installed
            .iter()
            .map(|p| (PyString::from(p.name.as_str()), optional(&p.version)))
            .collect(),
    )
}

fn check_value(check: &Check) -> Value {
    let stamped = match &check.stamp {
        StampState::Valid(contents) => Value::Object(
            contents
                .packages
                .iter()
                .map(|(name, version)| (name.clone(), Value::Str(version.clone())))
                .collect(),
        ),
        _ => Value::Null,
    };
    let installed = Value::Object(
        check
            .report
            .packages
            .iter()
            .filter_map(|s| {
                let version = s.installed.as_ref()?;
                Some((s.package.clone(), optional(version)))
            })
            .collect(),
    );
    let changes = Value::Array(
        check
            .report
            .packages
            .iter()
            .map(|s| {
                object(vec![
                    ("package", Value::Str(s.package.clone())),
                    ("stamped", s.stamped.clone().map_or(Value::Null, Value::Str)),
                    (
                        "installed",
                        s.installed.as_ref().map_or(Value::Null, optional),
                    ),
                    ("change", str_value(s.change.as_str())),
                ])
            })
            .collect(),
    );
    object(vec![
        ("verdict", str_value(check.report.verdict.as_str())),
        (
            "stamp_path",
            Value::Str(path_to_pystring(&check.stamp_path)),
        ),
        ("stamped", stamped),
        ("installed", installed),
        ("changes", changes),
    ])
}

/// `check --json` for the stamp (`"protocol": "stamp"` first; `note` when
/// [`nothing_installed`] has something to say).
pub fn check_json(check: &Check, note: Option<&str>) -> String {
    let mut value = check_value(check);
    if let Value::Object(entries) = &mut value {
        entries.insert(0, (PyString::from("protocol"), str_value("stamp")));
        if let Some(note) = note {
            entries.push((PyString::from("note"), str_value(note)));
        }
    }
    pyjson::dumps(&value, Some(2), false)
}

/// When none of the tracked packages is installed in the environment that
/// was examined, that is most likely the real problem (the wrong
/// environment), whatever the verdict: which environment, and how to point
/// at another. `None` when some tracked package is installed.
pub fn nothing_installed(check: &Check, env: &Environment, tracked: &[String]) -> Option<String> {
    if check.report.packages.iter().any(|p| p.installed.is_some()) {
        return None;
    }
    let what = match env.interpreter.as_deref() {
        Some(python) => format!("{} (interpreter {})", env.rule, python.display()),
        None => env.rule.to_string(),
    };
    Some(format!(
        "none of the tracked packages ({}) is installed in the environment examined: {what}; \
         point at the right one with --python PATH (its virtual environment or interpreter), \
         and see `setup-stamp env` for what was examined",
        tracked.join(", ")
    ))
}

/// `versions` for people.
pub fn versions_human(installed: &[InstalledPackage]) -> String {
    if installed.is_empty() {
        return "no tracked package is installed\n".to_owned();
    }
    installed
        .iter()
        .map(|p| format!("{} {}\n", p.name, version_text(&p.version)))
        .collect()
}

/// `versions --json`.
pub fn versions_json(installed: &[InstalledPackage]) -> String {
    pyjson::dumps(&installed_object(installed), Some(2), false)
}

/// `show` for people.
pub fn show_human(check: &Check, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "stamp: {}", check.stamp_path.display());
    match &check.stamp {
        StampState::Missing => out.push_str("state: missing\n"),
        StampState::Corrupt(reason) => {
            let _ = writeln!(out, "state: corrupt ({reason})");
        }
        StampState::Valid(contents) => {
            out.push_str("state: valid\n");
            if let Some(at) = &contents.completed_at {
                let _ = writeln!(
                    out,
                    "completed_at: {}",
                    terminal_safe(&at.to_string_lossy())
                );
            }
            out.push_str("packages:\n");
            for (name, version) in &contents.packages {
                let _ = writeln!(
                    out,
                    "  {}: {}",
                    terminal_safe(&name.to_string_lossy()),
                    terminal_safe(&version.to_string_lossy())
                );
            }
        }
    }
    let _ = writeln!(out, "verdict: {}", style.verdict(check.report.verdict));
    for status in &check.report.packages {
        out.push_str(&status_line(status));
    }
    out
}

/// `show --json`.
///
/// `completed_at` is the stamp's string as is, any other value its Python
/// `str()` (as `show` prints it), and `null` when absent. The reference never
/// checks it, so a stamp may nest it 10,000 levels deep: as a JSON value,
/// indented, it would print about 100 MB.
pub fn show_json(check: &Check) -> String {
    let (state, reason, completed_at) = match &check.stamp {
        StampState::Missing => ("missing", Value::Null, Value::Null),
        StampState::Corrupt(reason) => ("corrupt", str_value(reason), Value::Null),
        StampState::Valid(contents) => (
            "valid",
            Value::Null,
            contents
                .completed_at
                .clone()
                .map_or(Value::Null, Value::Str),
        ),
    };
    let value = object(vec![
        ("state", str_value(state)),
        ("corrupt_reason", reason),
        ("completed_at", completed_at),
        ("report", check_value(check)),
    ]);
    pyjson::dumps(&value, Some(2), false)
}

fn found_value(found: &[Option<FoundDistribution>], names: &[String]) -> Value {
    Value::Object(
        names
            .iter()
            .zip(found)
            .map(|(name, found)| {
                let value = match found {
                    Some(found) => object(vec![
                        ("version", optional(&found.version)),
                        (
                            "metadata",
                            Value::Str(path_to_pystring(&found.metadata_dir)),
                        ),
                    ]),
                    None => Value::Null,
                };
                (PyString::from(name.as_str()), value)
            })
            .collect(),
    )
}

/// `env` for people (also printed by `--verbose`).
pub fn environment_human(env: &Environment, found: Option<&[Option<FoundDistribution>]>) -> String {
    let mut out = env.to_string();
    if let Some(found) = found {
        out.push_str("tracked packages:\n");
        for (name, found) in env.tracked_packages.iter().zip(found) {
            match found {
                Some(found) => {
                    let _ = writeln!(
                        out,
                        "  {name} {} ({})",
                        version_text(&found.version),
                        found.metadata_dir.display()
                    );
                }
                None => {
                    let _ = writeln!(out, "  {name}: not found");
                }
            }
        }
    }
    out
}

/// `env --json`.
pub fn environment_json(env: &Environment, found: Option<&[Option<FoundDistribution>]>) -> String {
    let mut value = env.to_json_value();
    if let (Value::Object(entries), Some(found)) = (&mut value, found) {
        entries.push((
            PyString::from("packages"),
            found_value(found, &env.tracked_packages),
        ));
    }
    pyjson::dumps(&value, Some(2), false)
}
