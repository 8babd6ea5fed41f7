//! The kept answer: one file per interpreter, owner and user, holding terok's
//! answer and everything it was computed from.
//!
//! The file lives in `$XDG_CACHE_HOME/setup-stamp/startup/` (else
//! `~/.cache/setup-stamp/startup/`): a JSON header and the observations in
//! a compact binary form ([`codec`](super::codec)). It is
//! trusted only when it is a regular file owned by the effective user and
//! writable by nobody else (checked on the open handle), no larger than
//! [`MAX_CACHE_BYTES`], of this [`CACHE_FORMAT`] and written by this
//! recorder ([`recorder_digest`]); anything else is ignored and replaced.
//! Writes are atomic and durable (the shared
//! [`safe_file`](crate::safe_file) writer, mode `0o600`), so a reader sees
//! the old entry or the new one, never a mixture.

use std::path::{Path, PathBuf};

use nix::fcntl::{open, OFlag};
use nix::sys::stat::{fstat, Mode};
use serde::{Deserialize, Serialize};

use super::observation::{Bytes, Observation, StatRecord};
use crate::environment::HostEnv;
use crate::receipt::{SetupCheck, SetupStatus};

/// The version of the file format.
pub const CACHE_FORMAT: &str = "setup-stamp startup cache 1";

/// The largest cache file read (terok 0.9.1's is about 100 KiB).
pub const MAX_CACHE_BYTES: u64 = 64 << 20;

/// One receipt an owner's check read, for per-owner reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptRef {
    /// The owner that checked it.
    pub owner: String,
    /// The receipt file.
    pub path: Bytes,
}

/// One check as terok's code returned it (strings as terok gave them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    /// `SetupCheck.owner`.
    pub owner: String,
    /// `SetupCheck.component`.
    pub component: String,
    /// `str(SetupCheck.status)`.
    pub status: String,
    /// `SetupCheck.diagnostic`.
    pub diagnostic: String,
}

/// The exception terok's check raised (what its TUI shows as `invalid`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Raised {
    /// `type(exc).__name__`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// `str(exc)`.
    pub message: String,
}

/// terok's answer: `setup_status(check_setup())`, or what it raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// The checks, in terok's order, and their combined status.
    Checks {
        /// `str(setup_status(checks))`.
        status: String,
        /// The checks.
        checks: Vec<CheckRecord>,
    },
    /// `check_setup()` or `setup_status()` raised.
    Raised {
        /// The exception.
        error: Raised,
    },
}

impl Answer {
    /// The status the TUI acts on: terok's, or `invalid` when it raised.
    ///
    /// ```
    /// use setup_stamp::receipt::SetupStatus;
    /// use setup_stamp::startup::{Answer, Raised};
    /// let raised = Answer::Raised { error: Raised { type_name: "ValueError".into(), message: "x".into() } };
    /// assert_eq!(raised.status(), SetupStatus::Invalid);
    /// ```
    pub fn status(&self) -> SetupStatus {
        match self {
            Answer::Checks { status, .. } => status.parse().unwrap_or(SetupStatus::Invalid),
            Answer::Raised { .. } => SetupStatus::Invalid,
        }
    }

    /// The checks as [`SetupCheck`]s (none when the check raised).
    pub fn checks(&self) -> Vec<SetupCheck> {
        match self {
            Answer::Checks { checks, .. } => checks
                .iter()
                .map(|c| SetupCheck {
                    owner: c.owner.clone(),
                    component: c.component.clone(),
                    status: c.status.parse().unwrap_or(SetupStatus::Invalid),
                    diagnostic: c.diagnostic.clone(),
                })
                .collect(),
            Answer::Raised { .. } => Vec::new(),
        }
    }

    /// Whether every status string is one this crate knows (terok 0.9's
    /// five); an answer with others is not kept.
    pub fn known_statuses(&self) -> bool {
        match self {
            Answer::Checks { status, checks } => {
                status.parse::<SetupStatus>().is_ok()
                    && checks
                        .iter()
                        .all(|c| c.status.parse::<SetupStatus>().is_ok())
            }
            Answer::Raised { .. } => true,
        }
    }
}

/// What the answer is for, and the answer (the cache file's JSON header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheHeader {
    /// [`CACHE_FORMAT`].
    pub format: String,
    /// [`recorder_digest`] of the recorder that computed it.
    pub recorder: String,
    /// The owner whose check this is.
    pub owner: String,
    /// The interpreter, as run.
    pub interpreter: Bytes,
    /// Its `stat` when the answer was computed.
    pub interpreter_stat: StatRecord,
    /// The effective user it was computed for.
    pub euid: u32,
    /// The search path (`sys.path`) it was computed with.
    pub search_path: Vec<Bytes>,
    /// The variables that shape any Python process's start (see
    /// [`startup_variables`]), as they were.
    pub startup_variables: Vec<(Bytes, Bytes)>,
    /// When the run that computed it started (nanoseconds since the epoch).
    pub recorded_ns: i64,
    /// terok's answer.
    pub answer: Answer,
    /// The receipts each owner checked.
    pub receipts: Vec<ReceiptRef>,
}

/// A kept answer: the header, and everything terok's check read, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// What the answer is for, and the answer.
    pub header: CacheHeader,
    /// Everything terok's check read, in order.
    pub observations: Vec<Observation>,
}

/// A digest of the recorder's sources (64-bit FNV-1a, computed at build
/// time, as hex): a changed recorder records differently, so its entries
/// are not reused. (A version tag, not a security measure: the cache's
/// trust rests on its owner and mode.)
pub fn recorder_digest() -> String {
    format!("{RECORDER_DIGEST:016x}")
}

const RECORDER_DIGEST: u64 = {
    let mut hash = fnv1a(0xcbf2_9ce4_8422_2325, super::RECORDER_BOOT.as_bytes());
    let mut i = 0;
    while i < super::RECORDER_MODULES.len() {
        hash = fnv1a(hash, super::RECORDER_MODULES[i].0.as_bytes());
        hash = fnv1a(hash, super::RECORDER_MODULES[i].1.as_bytes());
        i += 1;
    }
    hash
};

const fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The variables any Python process reads at start (`PYTHON*`, and the
/// locale's `LANG`, `LANGUAGE`, `LC_*`, which choose the default text
/// encoding), sorted by name.
///
/// ```
/// use setup_stamp::environment::HostEnv;
/// use setup_stamp::startup::startup_variables;
/// let host = HostEnv::empty("/").with_var("LANG", "C.UTF-8").with_var("HOME", "/h")
///     .with_var("PYTHONPATH", "/x");
/// let names: Vec<String> = startup_variables(&host).iter().map(|(k, _)| k.display().into_owned()).collect();
/// assert_eq!(names, ["LANG", "PYTHONPATH"]);
/// ```
pub fn startup_variables(host: &HostEnv) -> Vec<(Bytes, Bytes)> {
    use std::os::unix::ffi::OsStrExt;
    host.vars
        .iter()
        .filter(|(name, _)| {
            let name = name.as_bytes();
            name.starts_with(b"PYTHON")
                || name.starts_with(b"LC_")
                || name == b"LANG"
                || name == b"LANGUAGE"
        })
        .map(|(k, v)| (Bytes(k.as_bytes().to_vec()), Bytes(v.as_bytes().to_vec())))
        .collect()
}

/// The directory of the kept answers (`None` without a home directory).
pub fn cache_dir(host: &HostEnv) -> Option<PathBuf> {
    crate::environment::cache_dir(host).map(|dir| dir.join("startup"))
}

/// The file for `owner`'s answer with `interpreter` for user `euid`.
///
/// ```
/// use std::path::Path;
/// use setup_stamp::startup::cache_file;
/// let file = cache_file(Path::new("/c"), "terok", Path::new("/v/bin/python"), 1000);
/// assert!(file.starts_with("/c") && file.to_str().unwrap().ends_with(".json"));
/// assert_ne!(file, cache_file(Path::new("/c"), "terok", Path::new("/v/bin/python"), 0));
/// ```
pub fn cache_file(dir: &Path, owner: &str, interpreter: &Path, euid: u32) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let mut key = Vec::new();
    key.extend_from_slice(owner.as_bytes());
    key.push(0);
    key.extend_from_slice(interpreter.as_os_str().as_bytes());
    key.push(0);
    key.extend_from_slice(euid.to_string().as_bytes());
    let digest = crate::receipt::sha256_hex(&key);
    dir.join(format!("{owner}-{}.json", &digest[..16]))
}

/// Why a cache file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untrusted {
    /// There is none.
    Missing,
    /// It is not a regular file, not owned by the user, or writable by
    /// others.
    Unsafe(String),
    /// It cannot be read, or is not an entry of this format and recorder.
    Unusable(String),
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Untrusted::Missing => f.write_str("no answer kept yet"),
            Untrusted::Unsafe(why) | Untrusted::Unusable(why) => f.write_str(why),
        }
    }
}

/// Reads and parses `file` if it can be trusted (module documentation).
pub fn load(file: &Path, euid: u32) -> Result<CacheEntry, Untrusted> {
    let flags = OFlag::O_RDONLY
        | OFlag::O_NONBLOCK
        | OFlag::O_NOCTTY
        | OFlag::O_CLOEXEC
        | OFlag::O_NOFOLLOW;
    let fd = match open(file, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(nix::errno::Errno::ENOENT) => return Err(Untrusted::Missing),
        Err(e) => {
            return Err(Untrusted::Unsafe(format!(
                "the kept answer cannot be opened: {e}"
            )))
        }
    };
    let st =
        fstat(&fd).map_err(|e| Untrusted::Unusable(format!("cannot stat the kept answer: {e}")))?;
    if st.st_mode & 0o170_000 != 0o100_000 {
        return Err(Untrusted::Unsafe(
            "the kept answer is not a regular file".into(),
        ));
    }
    if st.st_uid != euid {
        return Err(Untrusted::Unsafe(format!(
            "the kept answer belongs to uid {}, not {euid}",
            st.st_uid
        )));
    }
    if st.st_mode & 0o022 != 0 {
        return Err(Untrusted::Unsafe(format!(
            "the kept answer is writable by others (mode {:o})",
            st.st_mode & 0o7777
        )));
    }
    let bytes = crate::safe_file::read_open_file(fd, MAX_CACHE_BYTES)
        .map_err(|e| Untrusted::Unusable(format!("the kept answer cannot be read: {e}")))?;
    let entry = super::codec::decode(&bytes)
        .map_err(|e| Untrusted::Unusable(format!("the kept answer is damaged: {e}")))?;
    if entry.header.format != CACHE_FORMAT || entry.header.recorder != recorder_digest() {
        return Err(Untrusted::Unusable(
            "the kept answer is from another version".into(),
        ));
    }
    Ok(entry)
}

/// Writes `entry` to `file` atomically and durably, mode `0o600`, creating
/// the directory (mode `0o700`) if needed.
pub fn store(file: &Path, entry: &CacheEntry) -> Result<(), String> {
    if let Some(dir) = file.parent() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let bytes = super::codec::encode(entry)?;
    let options = crate::safe_file::WriteOptions {
        file_mode: 0o600,
        ..Default::default()
    };
    crate::safe_file::write_file_with(file, &bytes, &options).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> CacheEntry {
        CacheEntry {
            header: CacheHeader {
                format: CACHE_FORMAT.into(),
                recorder: recorder_digest(),
                owner: "terok".into(),
                interpreter: Bytes::from("/v/bin/python"),
                interpreter_stat: StatRecord {
                    mode: 0o100_755,
                    ino: 1,
                    dev: 2,
                    nlink: 1,
                    uid: 0,
                    gid: 0,
                    size: 3,
                    atime_ns: 4,
                    mtime_ns: 4,
                    ctime_ns: 5,
                    rdev: 0,
                    blksize: 4096,
                    blocks: 0,
                },
                euid: nix::unistd::geteuid().as_raw(),
                search_path: vec![Bytes::from("/v/lib")],
                startup_variables: vec![],
                recorded_ns: 6,
                answer: Answer::Checks {
                    status: "ready".into(),
                    checks: vec![],
                },
                receipts: vec![],
            },
            observations: vec![Observation::Env {
                name: Bytes::from("HOME"),
                value: None,
            }],
        }
    }

    #[test]
    fn round_trip_and_trust() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("deep").join("terok.json");
        let euid = nix::unistd::geteuid().as_raw();
        assert_eq!(load(&file, euid), Err(Untrusted::Missing));
        store(&file, &entry()).unwrap();
        assert_eq!(load(&file, euid).unwrap(), entry());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(matches!(load(&file, euid + 1), Err(Untrusted::Unsafe(_))));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o622)).unwrap();
        assert!(matches!(load(&file, euid), Err(Untrusted::Unsafe(_))));
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::write(&file, b"setup-stamp startup cache 1\n{").unwrap();
        assert!(matches!(load(&file, euid), Err(Untrusted::Unusable(_))));
        let mut other = entry();
        other.header.recorder = "0".into();
        store(&file, &other).unwrap();
        assert!(matches!(load(&file, euid), Err(Untrusted::Unusable(_))));
        // A symbolic link or a FIFO at the path is not followed or waited on.
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(matches!(load(&link, euid), Err(Untrusted::Unsafe(_))));
        let fifo = dir.path().join("fifo.json");
        nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o600)).unwrap();
        assert!(matches!(load(&fifo, euid), Err(Untrusted::Unsafe(_))));
    }

    #[test]
    fn answers() {
        let checks = Answer::Checks {
            status: "stale".into(),
            checks: vec![CheckRecord {
                owner: "terok".into(),
                component: "receipt".into(),
                status: "stale".into(),
                diagnostic: "d".into(),
            }],
        };
        assert_eq!(checks.status(), SetupStatus::Stale);
        assert_eq!(checks.checks()[0].status, SetupStatus::Stale);
        assert!(checks.known_statuses());
        let odd = Answer::Checks {
            status: "weird".into(),
            checks: vec![],
        };
        assert!(!odd.known_statuses());
        let text = r#"{"error":{"type":"ValueError","message":"bad"}}"#;
        let raised: Answer = serde_json::from_str(text).unwrap();
        assert_eq!(raised.status(), SetupStatus::Invalid);
        assert!(raised.checks().is_empty());
    }
}
