//! What the resolution reads from the running process, behind a trait.
//!
//! Everything [`resolve_state_dir`](super::resolve_state_dir) needs to know about the
//! process (environment, uids, `/proc/self/uid_map`, the passwd database, the current
//! directory) goes through [`Host`], so the pure rules can be tested with [`MapHost`].
//! File-system reads of config files and `realpath` use the real file system.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::path::PathBuf;

/// The process facts that the stamp location depends on.
pub trait Host {
    /// The value of an environment variable, or `None` when it is unset
    /// (an empty value is `Some("")`).
    fn var_os(&self, name: &str) -> Option<OsString>;
    /// The effective user id (`geteuid`).
    fn effective_uid(&self) -> u32;
    /// The real user id (`getuid`); used for passwd home look-ups, like Python.
    fn real_uid(&self) -> u32;
    /// The content of `/proc/self/uid_map`, or `None` when it cannot be read.
    fn uid_map(&self) -> Option<Vec<u8>>;
    /// The passwd home directory (`pw_dir`) of a uid, or `None` when there is no entry.
    fn home_of_uid(&self, uid: u32) -> Option<OsString>;
    /// The passwd home directory (`pw_dir`) of a user name, or `None` when unknown.
    fn home_of_user(&self, name: &OsStr) -> Option<OsString>;
    /// The current working directory (`getcwd`).
    fn current_dir(&self) -> io::Result<PathBuf>;
}

/// The real process: `std::env`, `nix` for uids, the passwd database as Python
/// reads it (`getpwuid_r`/`getpwnam_r`; see the crate's `passwd` module).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemHost;

impl Host for SystemHost {
    fn var_os(&self, name: &str) -> Option<OsString> {
        std::env::var_os(name)
    }

    fn effective_uid(&self) -> u32 {
        nix::unistd::geteuid().as_raw()
    }

    fn real_uid(&self) -> u32 {
        nix::unistd::getuid().as_raw()
    }

    fn uid_map(&self) -> Option<Vec<u8>> {
        std::fs::read("/proc/self/uid_map").ok()
    }

    fn home_of_uid(&self, uid: u32) -> Option<OsString> {
        crate::passwd::home_of_uid(uid)
    }

    fn home_of_user(&self, name: &OsStr) -> Option<OsString> {
        crate::passwd::home_of_name(name)
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        std::env::current_dir()
    }
}

/// A scripted [`Host`] for tests: every answer comes from its public fields.
///
/// ```
/// use setup_stamp::location::{stamp_path, MapHost};
/// let host = MapHost::new(1000).env("HOME", "/home/u");
/// assert_eq!(
///     stamp_path("terok", "setup.stamp", &host).unwrap(),
///     std::path::PathBuf::from("/home/u/.local/share/terok/setup.stamp"),
/// );
/// ```
#[derive(Debug, Clone, Default)]
pub struct MapHost {
    /// Environment variables.
    pub env: BTreeMap<String, OsString>,
    /// Effective uid.
    pub euid: u32,
    /// Real uid.
    pub ruid: u32,
    /// `/proc/self/uid_map` content; `None` means unreadable.
    pub uid_map: Option<Vec<u8>>,
    /// passwd homes by uid.
    pub homes_by_uid: BTreeMap<u32, OsString>,
    /// passwd homes by user name.
    pub homes_by_name: BTreeMap<OsString, OsString>,
    /// The current directory; `None` makes `current_dir` fail with `ENOENT`.
    pub cwd: Option<PathBuf>,
}

impl MapHost {
    /// A host running as `uid` (real and effective) with an empty environment, the
    /// initial user namespace's uid map, no passwd entries and `/` as current directory.
    pub fn new(uid: u32) -> Self {
        MapHost {
            euid: uid,
            ruid: uid,
            uid_map: Some(b"         0          0 4294967295\n".to_vec()),
            cwd: Some(PathBuf::from("/")),
            ..MapHost::default()
        }
    }

    /// Sets an environment variable (builder style).
    pub fn env(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.env.insert(name.to_owned(), value.into());
        self
    }

    /// Adds a passwd entry (builder style).
    pub fn user(mut self, name: &str, uid: u32, home: impl Into<OsString>) -> Self {
        let home = home.into();
        self.homes_by_uid.insert(uid, home.clone());
        self.homes_by_name.insert(OsString::from(name), home);
        self
    }
}

impl Host for MapHost {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.env.get(name).cloned()
    }

    fn effective_uid(&self) -> u32 {
        self.euid
    }

    fn real_uid(&self) -> u32 {
        self.ruid
    }

    fn uid_map(&self) -> Option<Vec<u8>> {
        self.uid_map.clone()
    }

    fn home_of_uid(&self, uid: u32) -> Option<OsString> {
        self.homes_by_uid.get(&uid).cloned()
    }

    fn home_of_user(&self, name: &OsStr) -> Option<OsString> {
        self.homes_by_name.get(name).cloned()
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        self.cwd
            .clone()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
}

/// Wraps a [`Host`] and remembers passwd look-ups by uid, so one resolution reads
/// the passwd database at most once even when both the config and the data
/// directory fall back to it.
pub(crate) struct MemoHost<'a> {
    inner: &'a dyn Host,
    homes: RefCell<Vec<(u32, Option<OsString>)>>,
}

impl<'a> MemoHost<'a> {
    pub(crate) fn new(inner: &'a dyn Host) -> Self {
        MemoHost {
            inner,
            homes: RefCell::new(Vec::new()),
        }
    }
}

impl Host for MemoHost<'_> {
    fn var_os(&self, name: &str) -> Option<OsString> {
        self.inner.var_os(name)
    }

    fn effective_uid(&self) -> u32 {
        self.inner.effective_uid()
    }

    fn real_uid(&self) -> u32 {
        self.inner.real_uid()
    }

    fn uid_map(&self) -> Option<Vec<u8>> {
        self.inner.uid_map()
    }

    fn home_of_uid(&self, uid: u32) -> Option<OsString> {
        if let Some((_, home)) = self.homes.borrow().iter().find(|(u, _)| *u == uid) {
            return home.clone();
        }
        let home = self.inner.home_of_uid(uid);
        self.homes.borrow_mut().push((uid, home.clone()));
        home
    }

    fn home_of_user(&self, name: &OsStr) -> Option<OsString> {
        self.inner.home_of_user(name)
    }

    fn current_dir(&self) -> io::Result<PathBuf> {
        self.inner.current_dir()
    }
}
