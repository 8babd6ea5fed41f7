//! terok's own start-up verdict, exactly, without starting Python when
//! nothing changed.
//!
//! terok 0.9 decides at start-up with `setup_status(check_setup())`: its
//! setup receipts *and* artifact checks (vault routes, shield and
//! supervisor hooks, the credentials database) and inputs that only terok's
//! code can compute (its validated configuration, the agent roster). This
//! module gives that verdict:
//!
//! 1. [`detect_protocol`]: does the install use the stamp or receipts, and
//!    which owner's check is the verdict;
//! 2. [`TerokStartup::check`]: the answer kept from the last time terok's
//!    own code computed it, if it can be proved current; else terok's code
//!    is run once more (`recorder/`, in terok's interpreter), its answer
//!    taken and kept with everything it read.
//!
//! # The key
//!
//! An answer is kept with a list of [`Observation`]s: every file terok's
//! check read (the bytes it received, by offset), every path it examined
//! or found absent, every directory it listed, every environment variable
//! it consulted, the ids and passwd entries it asked for, the working
//! directory when a relative path was used, and the listing of every
//! search-path directory (the installed distributions); plus the
//! interpreter file, the search path, the effective user and the variables
//! that shape any Python start. [`replay()`] asks every question again: the
//! answer is current only if every answer is the same. A file whose
//! identity (device, inode, size, mtime, ctime) is unchanged, and whose
//! ctime is safely older than the moment it was last verified, is not read
//! again (the kernel moves ctime on every write and no program can set it
//! back); otherwise its bytes are compared. The rules: [`observation`]'s
//! documentation; what terok 0.9.1 reads: `docs/startup-verdict.md`.
//!
//! ```no_run
//! use setup_stamp::environment::HostEnv;
//! use setup_stamp::receipt::TerokOwner;
//! use setup_stamp::startup::TerokStartup;
//!
//! let startup = TerokStartup::new(
//!     TerokOwner::Terok,
//!     "/home/me/.local/share/pipx/venvs/terok/bin/python",
//!     vec!["/home/me/.local/share/pipx/venvs/terok/bin".into() /* , … sys.path */],
//!     HostEnv::from_process(),
//! );
//! let verdict = startup.check()?;
//! println!("{}", verdict.answer.status());
//! # Ok::<(), setup_stamp::startup::StartupError>(())
//! ```

mod cache;
pub mod codec;
mod install;
pub mod observation;
mod owners;
mod protocol;
mod refresh;
pub mod replay;
mod values;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use cache::{
    cache_dir, cache_file, load, recorder_digest, startup_variables, store, Answer, CacheEntry,
    CacheHeader, CheckRecord, Raised, ReceiptRef, Untrusted, CACHE_FORMAT, MAX_CACHE_BYTES,
};
pub use install::{
    check_install, install_protocol, receipt_startup, InstallError, InstallOptions, InstallVerdict,
};
pub use observation::{
    is_per_process, same_fields, unchanged_since, ByteRange, Bytes, Digest, EntryType, Fields,
    Listing, Observation, Outcome, PasswdEntry, PasswdKey, StatRecord, RACY_MARGIN_NS,
};
pub use owners::{group_by_owner, owner_report, OwnerReport, OwnerView};
pub use protocol::{detect_protocol, package_dir, Protocol};
pub use refresh::{
    refresh, RefreshError, RefreshRequest, Refreshed, DEFAULT_REFRESH_TIMEOUT, RECORDER_FORMAT,
};
pub use replay::{replay, Changed, Current, SystemWorld, World};

use crate::environment::HostEnv;
use crate::receipt::TerokOwner;

/// What identifies the interpreter file: a new build or a replaced copy
/// differs in one of these.
const INTERPRETER_FIELDS: Fields = Fields(
    Fields::MODE.0
        | Fields::INO.0
        | Fields::DEV.0
        | Fields::SIZE.0
        | Fields::MTIME.0
        | Fields::CTIME.0,
);

/// The Python run with `-c` in terok's interpreter: it loads the
/// [`RECORDER_MODULES`] from its standard input and runs the recorder.
pub const RECORDER_BOOT: &str = include_str!("recorder/boot.py");

/// The recorder's modules (`recorder/*.py`), by module name, in the order
/// they load (each imports only those before it).
pub const RECORDER_MODULES: [(&str, &str); 5] = [
    (
        "_setup_stamp_recorder_state",
        include_str!("recorder/state.py"),
    ),
    ("_setup_stamp_recorder_fs", include_str!("recorder/fs.py")),
    (
        "_setup_stamp_recorder_files",
        include_str!("recorder/files.py"),
    ),
    (
        "_setup_stamp_recorder_process",
        include_str!("recorder/process.py"),
    ),
    (
        "_setup_stamp_recorder_main",
        include_str!("recorder/main.py"),
    ),
];

/// When to run terok's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefreshPolicy {
    /// When the kept answer cannot be proved current (the default).
    #[default]
    WhenChanged,
    /// Always (and keep the new answer).
    Always,
    /// Never: a kept answer that is not current is an error.
    Never,
}

/// Where the answer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerSource {
    /// The kept answer, proved current; no program was started.
    Kept {
        /// The cache file.
        file: PathBuf,
    },
    /// terok's code was run.
    Computed {
        /// Why (no answer kept, or what changed).
        why: String,
        /// The cache file, if there is a cache directory.
        file: Option<PathBuf>,
        /// Whether the new answer was kept, or why not.
        kept: Result<(), String>,
    },
}

/// terok's verdict for one owner.
#[derive(Debug, Clone)]
pub struct StartupVerdict {
    /// The owner whose `check_setup()` this is.
    pub owner: TerokOwner,
    /// terok's interpreter.
    pub interpreter: PathBuf,
    /// terok's answer.
    pub answer: Answer,
    /// The receipts the check read, per owner.
    pub receipts: Vec<ReceiptRef>,
    /// Where the answer came from.
    pub source: AnswerSource,
}

/// Why there is no verdict.
#[derive(Debug)]
pub enum StartupError {
    /// [`RefreshPolicy::Never`] and the kept answer is not current.
    NotCurrent {
        /// Why not.
        why: String,
    },
    /// Running terok's code failed.
    Refresh(RefreshError),
}

impl fmt::Display for StartupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartupError::NotCurrent { why } => {
                write!(
                    f,
                    "no current answer is kept ({why}) and refreshing it was not allowed"
                )
            }
            StartupError::Refresh(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StartupError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartupError::Refresh(e) => Some(e),
            StartupError::NotCurrent { .. } => None,
        }
    }
}

/// One owner's start-up verdict in one environment.
#[derive(Debug, Clone)]
pub struct TerokStartup {
    /// The owner whose check is the verdict.
    pub owner: TerokOwner,
    /// terok's interpreter (as its console scripts name it).
    pub interpreter: PathBuf,
    /// The search path, as `sys.path` (first entry: the console script's
    /// directory).
    pub search_path: Vec<PathBuf>,
    /// The process environment (variables decide the cache directory).
    pub host: HostEnv,
    /// Where answers are kept (default: [`cache_dir`] of `host`).
    pub cache_dir: Option<PathBuf>,
    /// When to run terok's code.
    pub refresh: RefreshPolicy,
    /// How long terok's code may take.
    pub timeout: Duration,
}

impl TerokStartup {
    /// The verdict of `owner` with `interpreter` on `search_path`, kept in
    /// the default cache directory.
    pub fn new(
        owner: TerokOwner,
        interpreter: impl Into<PathBuf>,
        search_path: Vec<PathBuf>,
        host: HostEnv,
    ) -> TerokStartup {
        let cache_dir = cache_dir(&host);
        TerokStartup {
            owner,
            interpreter: interpreter.into(),
            search_path,
            host,
            cache_dir,
            refresh: RefreshPolicy::default(),
            timeout: DEFAULT_REFRESH_TIMEOUT,
        }
    }

    /// The cache file of this verdict, if there is a cache directory.
    pub fn cache_file(&self) -> Option<PathBuf> {
        let euid = nix::unistd::geteuid().as_raw();
        self.cache_dir
            .as_deref()
            .map(|dir| cache_file(dir, self.owner.name(), &self.interpreter, euid))
    }

    /// Whether `entry` is this verdict's and still current; updates
    /// identities in `entry` that moved while the content stayed.
    pub fn validate(
        &self,
        entry: &mut CacheEntry,
        world: &mut dyn World,
    ) -> Result<Current, String> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = |p: &Path| Bytes(p.as_os_str().as_bytes().to_vec());
        let header = &entry.header;
        if header.owner != self.owner.name() || header.interpreter != bytes(&self.interpreter) {
            return Err("the kept answer is for another owner or interpreter".into());
        }
        if header.euid != nix::unistd::geteuid().as_raw() {
            return Err("the kept answer is for another user".into());
        }
        let search_path: Vec<Bytes> = self.search_path.iter().map(|p| bytes(p)).collect();
        if header.search_path != search_path {
            return Err("the search path changed".into());
        }
        if header.startup_variables != startup_variables(&self.host) {
            return Err("a Python or locale variable changed".into());
        }
        let interpreter = bytes(&self.interpreter);
        match world.stat(&interpreter.0, true) {
            Outcome::Ok(now) if same_fields(&header.interpreter_stat, &now, INTERPRETER_FIELDS) => {
            }
            _ => {
                return Err(format!(
                    "the interpreter {} changed",
                    self.interpreter.display()
                ))
            }
        }
        let recorded_ns = header.recorded_ns;
        replay(&mut entry.observations, recorded_ns, world).map_err(|changed| changed.what)
    }

    /// terok's verdict: kept if current, else computed by terok's code.
    pub fn check(&self) -> Result<StartupVerdict, StartupError> {
        let file = self.cache_file();
        let euid = nix::unistd::geteuid().as_raw();
        let why = match (&file, self.refresh) {
            (_, RefreshPolicy::Always) => "a refresh was asked for".to_owned(),
            (None, _) => "there is no cache directory (no home directory)".to_owned(),
            (Some(file), _) => match load(file, euid) {
                Ok(mut entry) => match self.validate(&mut entry, &mut SystemWorld) {
                    Ok(current) => {
                        if current.updated {
                            // Best effort: the next check is only cheaper.
                            let _ = store(file, &entry);
                        }
                        return Ok(self.verdict(entry, AnswerSource::Kept { file: file.clone() }));
                    }
                    Err(why) => why,
                },
                Err(untrusted) => untrusted.to_string(),
            },
        };
        if self.refresh == RefreshPolicy::Never {
            return Err(StartupError::NotCurrent { why });
        }
        let refreshed = refresh(&RefreshRequest {
            owner: self.owner.name(),
            interpreter: &self.interpreter,
            search_path: &self.search_path,
            startup_variables: startup_variables(&self.host),
            timeout: self.timeout,
        })
        .map_err(StartupError::Refresh)?;
        let kept = match (&file, refreshed.not_kept.is_empty()) {
            (Some(file), true) => {
                store(file, &refreshed.entry).map_err(|e| format!("cannot keep it: {e}"))
            }
            (None, _) => Err("there is no cache directory".to_owned()),
            (Some(_), false) => Err(refreshed.not_kept.join("; ")),
        };
        let source = AnswerSource::Computed { why, file, kept };
        Ok(self.verdict(refreshed.entry, source))
    }

    fn verdict(&self, entry: CacheEntry, source: AnswerSource) -> StartupVerdict {
        StartupVerdict {
            owner: self.owner,
            interpreter: self.interpreter.clone(),
            answer: entry.header.answer,
            receipts: entry.header.receipts,
            source,
        }
    }
}
