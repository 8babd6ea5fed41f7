//! A cheap, exact "has the user run setup for what is installed now?" check.
//!
//! After a successful setup run, a small JSON *setup stamp* records the
//! installed versions of an ecosystem's Python packages. Every launch compares
//! it with what is installed now and gets one of five [`SetupVerdict`]s:
//! `ok`, `first_run`, `stale_after_update`, `stale_after_downgrade`,
//! `stamp_corrupt`.
//!
//! This crate reimplements the Python module `terok_sandbox.setup_stamp`
//! exactly — same stamp path, same verdict, same bytes written — while
//! reading distribution metadata from disk the way `importlib.metadata`
//! does, without starting Python, and writing the stamp crash-safely.
//!
//! # Start here
//!
//! [`SetupStamp`] binds an [`Ecosystem`] (the reference one is
//! [`Ecosystem::terok`]) to a search path (the equivalent of `sys.path`) and
//! offers the reference operations:
//!
//! ```no_run
//! use setup_stamp::{SetupStamp, SetupVerdict};
//!
//! let stamp = SetupStamp::terok().with_search_path(["/opt/terok/lib/python3.12/site-packages"]);
//! match stamp.needs_setup()? {
//!     SetupVerdict::Ok => {}
//!     SetupVerdict::StaleAfterUpdate => eprintln!("updated since the last setup"),
//!     SetupVerdict::StaleAfterDowngrade => eprintln!("downgraded: refusing to start"),
//!     SetupVerdict::FirstRun | SetupVerdict::StampCorrupt => eprintln!("run `terok setup`"),
//! }
//! # Ok::<(), setup_stamp::Error>(())
//! ```
//!
//! To find the search path the way a terok frontend's interpreter would, use
//! [`environment::discover`].
//!
//! # The modules, one concept each
//!
//! | module | concept | I/O |
//! |---|---|---|
//! | [`verdict`] | the five verdicts and the comparison of a stamp with an install | pure |
//! | [`version`] | PEP 440 ordering with the reference's fallback to string order | pure |
//! | [`stamp`] | the stamp file: its JSON format, bounded reading, crash-safe writing | format pure, file I/O |
//! | [`pyjson`] | Python's `json.loads`, `str()` and `json.dumps`, exactly | pure |
//! | [`location`] | where the stamp lives: `TEROK_ROOT`, layered `config.yml`, XDG defaults | pure rules over a [`location::Host`] |
//! | [`distributions`] | `importlib.metadata.version` over an explicit search path | directory listings and metadata reads |
//! | [`environment`] | from a venv or interpreter to its search path, and discovery | static for venvs, cached queries otherwise |
//! | [`receipt`] | per-owner setup receipts (`terok_util.setup`): status, check, write, lock | pure rules, receipt and lock files |
//! | [`startup`] | which protocol an install uses; terok's own start-up verdict, computed by terok's code and kept under everything it read | runs terok's interpreter when the key changed; replays the key natively |
//! | [`safe_file`] | bounded non-blocking reads, durable atomic writes (stamp and receipts) | file I/O |
//!
//! The behaviour each module matches is written down rule by rule in the
//! project's `SPEC.md`; deliberate differences are in `SPEC-DIFFERENCES.md`.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod distributions;
pub mod environment;
pub mod location;
pub mod pyjson;
pub mod receipt;
pub mod safe_file;
pub mod stamp;
pub mod startup;
pub mod verdict;
pub mod version;

mod child;
mod ecosystem;
mod hex;
mod passwd;

pub use ecosystem::{
    Check, Ecosystem, Error, SetupStamp, StampState, STAMP_FILE_NAME, TEROK_NAMESPACE,
    TEROK_TRACKED_PACKAGES,
};
pub use verdict::SetupVerdict;
