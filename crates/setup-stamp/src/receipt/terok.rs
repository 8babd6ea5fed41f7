//! terok's receipt owners, as released in terok 0.9, terok-executor 0.5,
//! terok-sandbox 0.6 and terok-shield 0.9: where each keeps its receipt,
//! which setup inputs it records, and which of those can be recomputed
//! here without running terok's own code.
//!
//! | owner | receipt | inputs (✓ recomputed here) |
//! |---|---|---|
//! | `terok` | `$TEROK_STATE_DIR` or `<state>/core`, resolved, `/setup.json` | `desktop_policy` |
//! | `terok-executor` | `$TEROK_EXECUTOR_STATE_DIR` or `<state>/executor`, `/setup.json` | `routes_path`, `routes_hash` |
//! | `terok-sandbox` | `$TEROK_SANDBOX_STATE_DIR` or `<state>/sandbox`, `/setup.json` | `python` ✓, `credentials`, `host_tools` ✓ |
//! | `terok-shield` | `<state>/shield/setup.json` | `python` ✓, `hooks` ✓, `reader` ✓, `host_tools` ✓ |
//!
//! `<state>` is `namespace_state_dir()` (`TEROK_ROOT`, `paths.root`,
//! platform default). An input that is not recomputed is taken as recorded
//! and reported as *not verified*: the status then says what the real
//! library would say **if** that input is unchanged. Every other rule
//! (owner, key set, versions, recomputed inputs) is checked exactly.

use std::fmt;
use std::path::{Path, PathBuf};

use super::format::{parse_receipt, ReceiptCheckError, StoredReceipt};
use super::status::SetupCheck;
use super::SetupReceipt;
use crate::location::{self, Host, LocationError};
use crate::pyjson::PyString;
use crate::safe_file;

/// A terok package that keeps a setup receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerokOwner {
    /// `terok`.
    Terok,
    /// `terok-executor`.
    Executor,
    /// `terok-sandbox`.
    Sandbox,
    /// `terok-shield`.
    Shield,
}

/// How one recorded input is known here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputSource {
    /// `python_identity()` of the environment's interpreter.
    Python,
    /// The sha256 of the installed `terok_util/host_tools.py` text.
    HostTools,
    /// `str(namespace_state_dir("shield") / "hooks")`.
    ShieldHooks,
    /// `str(namespace_state_dir("shield") / "nflog-reader.py")`.
    ShieldReader,
    /// Only terok's own code can compute it (configuration, rosters).
    NotVerified,
}

impl TerokOwner {
    /// The owners, parents first.
    pub const ALL: [TerokOwner; 4] = [
        TerokOwner::Terok,
        TerokOwner::Executor,
        TerokOwner::Sandbox,
        TerokOwner::Shield,
    ];

    /// The distribution (and owner) name.
    pub fn name(self) -> &'static str {
        match self {
            TerokOwner::Terok => "terok",
            TerokOwner::Executor => "terok-executor",
            TerokOwner::Sandbox => "terok-sandbox",
            TerokOwner::Shield => "terok-shield",
        }
    }

    /// The recorded inputs, in the owner's order, and how each is known.
    pub fn inputs(self) -> &'static [(&'static str, InputSource)] {
        use InputSource::*;
        match self {
            TerokOwner::Terok => &[("desktop_policy", NotVerified)],
            TerokOwner::Executor => &[("routes_path", NotVerified), ("routes_hash", NotVerified)],
            TerokOwner::Sandbox => &[
                ("python", Python),
                ("credentials", NotVerified),
                ("host_tools", HostTools),
            ],
            TerokOwner::Shield => &[
                ("python", Python),
                ("hooks", ShieldHooks),
                ("reader", ShieldReader),
                ("host_tools", HostTools),
            ],
        }
    }

    /// Where the owner keeps its receipt (see the module table).
    ///
    /// ```
    /// use setup_stamp::location::MapHost;
    /// use setup_stamp::receipt::TerokOwner;
    /// let host = MapHost::new(1000).env("TEROK_ROOT", "/t").env("TEROK_SANDBOX_STATE_DIR", "/s/");
    /// assert_eq!(TerokOwner::Sandbox.receipt_path(&host).unwrap().to_str(), Some("/s/setup.json"));
    /// assert_eq!(TerokOwner::Shield.receipt_path(&host).unwrap().to_str(), Some("/t/shield/setup.json"));
    /// assert_eq!(TerokOwner::Executor.receipt_path(&host).unwrap().to_str(), Some("/t/executor/setup.json"));
    /// ```
    pub fn receipt_path(self, host: &dyn Host) -> Result<PathBuf, LocationError> {
        let dir = match self {
            TerokOwner::Terok => match location::env_dir("TEROK_STATE_DIR", host)? {
                Some(dir) => location::resolve_path(&dir, "TEROK_STATE_DIR", host)?,
                None => location::resolve_path(
                    &state_dir(host)?.join("core"),
                    "terok's core state directory",
                    host,
                )?,
            },
            TerokOwner::Executor => match location::env_dir("TEROK_EXECUTOR_STATE_DIR", host)? {
                Some(dir) => dir,
                None => state_dir(host)?.join("executor"),
            },
            TerokOwner::Sandbox => match location::env_dir("TEROK_SANDBOX_STATE_DIR", host)? {
                Some(dir) => dir,
                None => state_dir(host)?.join("sandbox"),
            },
            TerokOwner::Shield => state_dir(host)?.join("shield"),
        };
        Ok(dir.join("setup.json"))
    }
}

impl fmt::Display for TerokOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// `namespace_state_dir()` for terok.
fn state_dir(host: &dyn Host) -> Result<PathBuf, LocationError> {
    Ok(location::resolve_state_dir(crate::TEROK_NAMESPACE, host)?.path)
}

/// What can be recomputed in this environment (`None`: not available, so
/// the input is reported as not verified).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KnownInputs {
    /// `python_identity()` of the environment's interpreter.
    pub python: Option<String>,
    /// sha256 (hex) of the installed `terok_util/host_tools.py` text.
    pub host_tools: Option<String>,
}

/// One recorded input, compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputReport {
    /// The input's key.
    pub key: &'static str,
    /// What the receipt records (`None`: the key is absent).
    pub recorded: Option<PyString>,
    /// The value recomputed here (`None`: not verified here).
    pub current: Option<String>,
}

impl InputReport {
    /// `Some(true)` when recomputed and equal, `Some(false)` when recomputed
    /// and different (or absent), `None` when not verified.
    pub fn matches(&self) -> Option<bool> {
        let current = self.current.as_ref()?;
        Some(
            self.recorded
                .as_ref()
                .is_some_and(|r| r.as_wtf8() == current.as_bytes()),
        )
    }
}

/// One owner's receipt, checked.
#[derive(Debug)]
pub struct OwnerReport {
    /// The owner.
    pub owner: TerokOwner,
    /// The receipt path.
    pub path: PathBuf,
    /// The installed version (the running owner's).
    pub installed_version: String,
    /// The receipt as stored, when it parses as one.
    pub stored: Option<StoredReceipt>,
    /// The owner's inputs, compared.
    pub inputs: Vec<InputReport>,
    /// The status and diagnostic, as the real library would give them when
    /// the not-verified inputs are unchanged.
    pub check: Result<SetupCheck, ReceiptCheckError>,
}

impl OwnerReport {
    /// The keys that were taken as recorded, not recomputed.
    pub fn not_verified(&self) -> Vec<&'static str> {
        self.inputs
            .iter()
            .filter(|i| i.current.is_none())
            .map(|i| i.key)
            .collect()
    }
}

/// Checks `owner`'s receipt at `path` against `installed_version` and the
/// inputs known here.
pub fn check_owner(
    owner: TerokOwner,
    path: PathBuf,
    installed_version: &str,
    known: &KnownInputs,
    host: &dyn Host,
) -> OwnerReport {
    // One read serves both the report and the comparison.
    let bytes = super::file::read_receipt(&path);
    let stored = bytes.as_ref().ok().and_then(|b| parse_receipt(b).ok());
    let recorded = |key: &str| -> Option<PyString> {
        stored.as_ref().and_then(|s| {
            s.inputs
                .iter()
                .find(|(k, _)| k.as_wtf8() == key.as_bytes())
                .map(|(_, v)| v.clone())
        })
    };
    let shield_dir = || state_dir(host).ok().map(|d| d.join("shield"));
    let path_text = |p: PathBuf| p.to_str().map(str::to_owned);
    let inputs: Vec<InputReport> = owner
        .inputs()
        .iter()
        .map(|&(key, source)| InputReport {
            key,
            recorded: recorded(key),
            current: match source {
                InputSource::Python => known.python.clone(),
                InputSource::HostTools => known.host_tools.clone(),
                InputSource::ShieldHooks => shield_dir().and_then(|d| path_text(d.join("hooks"))),
                InputSource::ShieldReader => {
                    shield_dir().and_then(|d| path_text(d.join("nflog-reader.py")))
                }
                InputSource::NotVerified => None,
            },
        })
        .collect();
    // Not-verified inputs stand in as recorded; an absent one still makes
    // the key sets differ, as it would in the real library.
    let mut receipt = SetupReceipt::new(&path, owner.name(), installed_version);
    for input in &inputs {
        let value = match (&input.current, &input.recorded) {
            (Some(current), _) => current.clone(),
            (None, Some(recorded)) => match recorded.as_str() {
                Some(text) => text.to_owned(),
                None => String::from("\u{FFFD}"),
            },
            (None, None) => String::new(),
        };
        receipt = receipt.with_input(input.key, value);
    }
    // (A recorded value with a lone surrogate is stood in for by U+FFFD,
    // which makes the receipt stale: whether it is unchanged cannot be told.)
    let check = receipt.compare(super::file::stored(&bytes));
    OwnerReport {
        owner,
        path,
        installed_version: installed_version.to_owned(),
        stored,
        inputs,
        check,
    }
}

/// The sha256 (hex) of `terok_util/host_tools.py` as terok_util's
/// `host_tools_source()` reads it: the first search-path entry holding the
/// `terok_util` package, the text decoded as UTF-8 with universal newlines,
/// encoded back as UTF-8. `None` when it is not installed or not readable.
///
/// ```
/// use setup_stamp::receipt::{host_tools_hash, sha256_hex};
/// let dir = std::env::temp_dir().join(format!("setup-stamp-doc-ht-{}", std::process::id()));
/// std::fs::create_dir_all(dir.join("terok_util")).unwrap();
/// std::fs::write(dir.join("terok_util/__init__.py"), "").unwrap();
/// std::fs::write(dir.join("terok_util/host_tools.py"), "x = 1\r\n").unwrap();
/// // Universal newlines: the hash is the one of "x = 1\n".
/// assert_eq!(host_tools_hash(&[dir.clone()]), Some(sha256_hex(b"x = 1\n")));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn host_tools_hash(search_path: &[PathBuf]) -> Option<String> {
    let package = terok_util_package(search_path)?;
    let bytes = safe_file::read_regular_file(&package.join("host_tools.py"), 16 << 20).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    Some(sha256_hex(text.as_bytes()))
}

/// The directory of the `terok_util` package Python would import: the
/// first search-path entry holding `terok_util/__init__.py`.
fn terok_util_package(search_path: &[PathBuf]) -> Option<PathBuf> {
    search_path
        .iter()
        .map(|entry| {
            if entry.as_os_str().is_empty() {
                Path::new(".").join("terok_util")
            } else {
                entry.join("terok_util")
            }
        })
        .find(|dir| dir.join("__init__.py").is_file())
}

/// Whether the environment's terok-util has the receipt module
/// (`terok_util/setup.py`, terok-util 0.4 and later): if not, the installed
/// terok still uses the aggregate setup stamp.
///
/// ```
/// use setup_stamp::receipt::receipts_in_use;
/// assert!(!receipts_in_use(&[std::env::temp_dir().join("no-such-site")]));
/// ```
pub fn receipts_in_use(search_path: &[PathBuf]) -> bool {
    terok_util_package(search_path).is_some_and(|dir| dir.join("setup.py").is_file())
}

/// The sha256 of `bytes`, as lower-case hex (`hashlib.sha256(...).hexdigest()`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::hex::encode(&Sha256::digest(bytes))
}
