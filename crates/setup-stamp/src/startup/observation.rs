//! What terok's check read, as the recorder (`recorder/`) reports it, and the pure
//! rules that say whether a fresh look at the same thing is "the same".
//!
//! An [`Observation`] is one thing the check asked the system and what it
//! got back: a file's bytes, a path's metadata, a directory's entries, an
//! environment variable, an id. The answer is kept under the list of them;
//! [`replay()`](super::replay()) asks each question again.
//!
//! What counts as unchanged is decided here, without I/O:
//!
//! * [`same_fields`]: a `stat` result is compared on exactly the fields
//!   the check read from it ([`Fields`]: the recorder hands out results that
//!   note every field read): `os.path.exists` read none (only success or
//!   the errno counts), `Path.is_file()` the mode, `python_identity()` the
//!   device, inode, size and mtime.
//! * [`unchanged_since`]: a file or directory whose `(dev, ino, size,
//!   mtime, ctime)` equals the recorded identity has the recorded content,
//!   unless its ctime is within [`RACY_MARGIN_NS`] of the moment the content
//!   was last verified (git's "racy clean" rule): the kernel moves ctime on
//!   every change of content and no program can set it back, but two
//!   changes within one timestamp tick look alike. Racy entries, and
//!   everything under `/proc` and `/sys` (whose identities belong to the
//!   asking process), are compared by content.

use serde::{Deserialize, Serialize};

pub use super::values::{Bytes, Digest, EntryType, Listing};

/// How close to the verification moment a ctime may be before the identity
/// no longer proves the content (two seconds: more than any file system's
/// timestamp granularity and the lag of the kernel's coarse clock).
pub const RACY_MARGIN_NS: i64 = 2_000_000_000;

/// A `stat` result, as Python's `os.stat_result` gives it. In JSON an
/// array, in field order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StatTuple", into = "StatTuple")]
pub struct StatRecord {
    /// `st_mode`: type and permission bits.
    pub mode: u32,
    /// `st_ino`.
    pub ino: u64,
    /// `st_dev`.
    pub dev: u64,
    /// `st_nlink`.
    pub nlink: u64,
    /// `st_uid`.
    pub uid: u32,
    /// `st_gid`.
    pub gid: u32,
    /// `st_size`.
    pub size: i64,
    /// `st_atime_ns`.
    pub atime_ns: i64,
    /// `st_mtime_ns`.
    pub mtime_ns: i64,
    /// `st_ctime_ns`.
    pub ctime_ns: i64,
    /// `st_rdev`.
    pub rdev: u64,
    /// `st_blksize`.
    pub blksize: i64,
    /// `st_blocks`.
    pub blocks: i64,
}

type StatTuple = (
    u32,
    u64,
    u64,
    u64,
    u32,
    u32,
    i64,
    i64,
    i64,
    i64,
    u64,
    i64,
    i64,
);

impl From<StatTuple> for StatRecord {
    fn from(t: StatTuple) -> Self {
        StatRecord {
            mode: t.0,
            ino: t.1,
            dev: t.2,
            nlink: t.3,
            uid: t.4,
            gid: t.5,
            size: t.6,
            atime_ns: t.7,
            mtime_ns: t.8,
            ctime_ns: t.9,
            rdev: t.10,
            blksize: t.11,
            blocks: t.12,
        }
    }
}

impl From<StatRecord> for StatTuple {
    fn from(s: StatRecord) -> Self {
        (
            s.mode, s.ino, s.dev, s.nlink, s.uid, s.gid, s.size, s.atime_ns, s.mtime_ns,
            s.ctime_ns, s.rdev, s.blksize, s.blocks,
        )
    }
}

const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;

impl StatRecord {
    /// Whether this is a regular file.
    pub fn is_regular(&self) -> bool {
        self.mode & S_IFMT == S_IFREG
    }

    fn same_identity(&self, other: &StatRecord) -> bool {
        (self.dev, self.ino, self.size, self.mtime_ns, self.ctime_ns)
            == (
                other.dev,
                other.ino,
                other.size,
                other.mtime_ns,
                other.ctime_ns,
            )
    }
}

/// Whether `path` is in a pseudo file system whose inode numbers and
/// timestamps belong to the asking process (`/proc`, `/sys`).
///
/// ```
/// use setup_stamp::startup::is_per_process;
/// assert!(is_per_process(b"/proc/self/uid_map"));
/// assert!(!is_per_process(b"/procedure"));
/// ```
pub fn is_per_process(path: &[u8]) -> bool {
    ["/proc", "/sys"].iter().any(|root| {
        path.strip_prefix(root.as_bytes())
            .is_some_and(|rest| rest.is_empty() || rest[0] == b'/')
    })
}

/// Which fields of a `stat` result the check read (a bit set, in JSON the
/// names: `mode`, `ino`, `dev`, `nlink`, `uid`, `gid`, `size`, `atime`,
/// `mtime`, `ctime`, `rdev`, `blksize`, `blocks`).
///
/// ```
/// use setup_stamp::startup::Fields;
/// let f: Fields = serde_json::from_str(r#"["mode", "size"]"#).unwrap();
/// assert!(f.contains(Fields::MODE) && !f.contains(Fields::MTIME));
/// assert_eq!(serde_json::to_string(&f).unwrap(), r#"["mode","size"]"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct Fields(pub u16);

const FIELD_NAMES: [&str; 13] = [
    "mode", "ino", "dev", "nlink", "uid", "gid", "size", "atime", "mtime", "ctime", "rdev",
    "blksize", "blocks",
];

impl Fields {
    /// `st_mode`.
    pub const MODE: Fields = Fields(1);
    /// `st_ino`.
    pub const INO: Fields = Fields(1 << 1);
    /// `st_dev`.
    pub const DEV: Fields = Fields(1 << 2);
    /// `st_size`.
    pub const SIZE: Fields = Fields(1 << 6);
    /// `st_mtime`, `st_mtime_ns`.
    pub const MTIME: Fields = Fields(1 << 8);
    /// `st_ctime`, `st_ctime_ns`.
    pub const CTIME: Fields = Fields(1 << 9);
    /// Every field.
    pub const ALL: Fields = Fields((1 << 13) - 1);

    /// Whether every field of `other` is in `self`.
    pub fn contains(self, other: Fields) -> bool {
        self.0 & other.0 == other.0
    }

    fn has(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }
}

impl TryFrom<Vec<String>> for Fields {
    type Error = String;
    fn try_from(names: Vec<String>) -> Result<Self, String> {
        let mut bits = 0u16;
        for name in names {
            let index = FIELD_NAMES
                .iter()
                .position(|n| *n == name)
                .ok_or_else(|| format!("unknown stat field {name:?}"))?;
            bits |= 1 << index;
        }
        Ok(Fields(bits))
    }
}

impl From<Fields> for Vec<String> {
    fn from(fields: Fields) -> Self {
        FIELD_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| fields.has(*i))
            .map(|(_, n)| (*n).to_owned())
            .collect()
    }
}

/// Whether two `stat` results agree on the `used` fields (see the module
/// documentation).
///
/// ```
/// use setup_stamp::startup::{same_fields, Fields, StatRecord};
/// let file = StatRecord { mode: 0o100644, ino: 7, dev: 1, nlink: 1, uid: 1000, gid: 1000,
///                         size: 10, atime_ns: 1, mtime_ns: 1, ctime_ns: 1, rdev: 0,
///                         blksize: 4096, blocks: 8 };
/// let touched = StatRecord { atime_ns: 9, mtime_ns: 9, ctime_ns: 9, ..file };
/// assert!(same_fields(&file, &touched, Fields::MODE));     // is_file()
/// assert!(!same_fields(&file, &touched, Fields::MTIME));   // getmtime()
/// assert!(same_fields(&file, &StatRecord { mode: 0o040755, ..file }, Fields::default()));
/// ```
pub fn same_fields(recorded: &StatRecord, current: &StatRecord, used: Fields) -> bool {
    let pairs: [(i128, i128); 13] = [
        (recorded.mode.into(), current.mode.into()),
        (recorded.ino.into(), current.ino.into()),
        (recorded.dev.into(), current.dev.into()),
        (recorded.nlink.into(), current.nlink.into()),
        (recorded.uid.into(), current.uid.into()),
        (recorded.gid.into(), current.gid.into()),
        (recorded.size.into(), current.size.into()),
        (recorded.atime_ns.into(), current.atime_ns.into()),
        (recorded.mtime_ns.into(), current.mtime_ns.into()),
        (recorded.ctime_ns.into(), current.ctime_ns.into()),
        (recorded.rdev.into(), current.rdev.into()),
        (recorded.blksize.into(), current.blksize.into()),
        (recorded.blocks.into(), current.blocks.into()),
    ];
    pairs
        .iter()
        .enumerate()
        .all(|(i, (a, b))| !used.has(i) || a == b)
}

/// Whether `current` proves that the object still holds what it held when
/// it was verified at `verified_ns` with identity `recorded` (module
/// documentation: git's racy-clean rule). `false` means "compare content".
///
/// ```
/// use setup_stamp::startup::{unchanged_since, StatRecord, RACY_MARGIN_NS};
/// let old = StatRecord { mode: 0o100644, ino: 7, dev: 1, nlink: 1, uid: 0, gid: 0, size: 10,
///                        atime_ns: 1, mtime_ns: 1_000, ctime_ns: 1_000, rdev: 0,
///                        blksize: 4096, blocks: 8 };
/// assert!(unchanged_since(b"/etc/x", &old, &old, 1_001 + RACY_MARGIN_NS));
/// assert!(!unchanged_since(b"/etc/x", &old, &old, 1_000)); // same tick: racy
/// assert!(!unchanged_since(b"/etc/x", &old, &StatRecord { ctime_ns: 5_000, ..old }, i64::MAX));
/// ```
pub fn unchanged_since(
    path: &[u8],
    recorded: &StatRecord,
    current: &StatRecord,
    verified_ns: i64,
) -> bool {
    !is_per_process(path)
        && recorded.same_identity(current)
        && recorded.mode == current.mode
        && recorded.ctime_ns < verified_ns.saturating_sub(RACY_MARGIN_NS)
}

/// The outcome of a call that either gives a value or fails with an errno.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome<T> {
    /// It succeeded with this.
    Ok(T),
    /// It failed with this `errno`.
    Errno(i32),
}

/// A contiguous run of a file's bytes that the check received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ByteRange {
    /// Where it starts.
    pub offset: u64,
    /// How many bytes.
    pub length: u64,
    /// Their sha256 (lower-case hex in JSON).
    pub sha256: Digest,
}

/// Which passwd entry was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswdKey {
    /// `pwd.getpwuid(uid)`.
    Uid(u32),
    /// `pwd.getpwnam(name)`.
    Name(Bytes),
}

/// The fields of a passwd entry a program sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswdEntry {
    /// `pw_name`.
    pub name: Bytes,
    /// `pw_uid`.
    pub uid: u32,
    /// `pw_gid`.
    pub gid: u32,
    /// `pw_dir`.
    pub dir: Bytes,
    /// `pw_shell`.
    pub shell: Bytes,
}

/// One thing terok's check asked the system, and the answer it got. In
/// JSON `{"<kind>": {fields}}` (`{"stat": {"path": …, …}}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Observation {
    /// `os.stat` / `os.lstat` (`follow: false`), every call of it merged.
    Stat {
        /// The path as given.
        path: Bytes,
        /// Whether symbolic links were followed.
        follow: bool,
        /// The metadata, or the errno.
        result: Outcome<StatRecord>,
        /// The fields the check read from it.
        used: Fields,
    },
    /// `os.access`.
    Access {
        /// The path as given.
        path: Bytes,
        /// `F_OK`/`R_OK`/`W_OK`/`X_OK` bits.
        mode: i32,
        /// `effective_ids=`.
        effective_ids: bool,
        /// `follow_symlinks=`.
        follow: bool,
        /// What it returned.
        result: bool,
    },
    /// `os.readlink`.
    Readlink {
        /// The path as given.
        path: Bytes,
        /// The target, or the errno.
        result: Outcome<Bytes>,
    },
    /// `os.listdir`: the names, in the order the system gave them.
    Listdir {
        /// The path as given.
        path: Bytes,
        /// The directory's metadata just before it was listed.
        identity: Option<StatRecord>,
        /// The names, or the errno.
        result: Outcome<Listing>,
        /// When the content was last verified under `identity`, if later
        /// than the recording (nanoseconds since the epoch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        checked_ns: Option<i64>,
    },
    /// `os.scandir`: names and entry types, in order.
    Scandir {
        /// The path as given.
        path: Bytes,
        /// The directory's metadata just before it was listed.
        identity: Option<StatRecord>,
        /// The entries, or the errno.
        result: Outcome<Listing>,
        /// When the content was last verified under `identity`, if later
        /// than the recording (nanoseconds since the epoch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        checked_ns: Option<i64>,
    },
    /// A file opened for reading and the bytes it delivered.
    Read {
        /// The path as given.
        path: Bytes,
        /// `fstat` of the opened file.
        identity: StatRecord,
        /// What was delivered, merged into runs.
        ranges: Vec<ByteRange>,
        /// Where a short read showed the end of the file, if one did.
        eof: Option<u64>,
        /// When the content was last verified under `identity`, if later
        /// than the recording (nanoseconds since the epoch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        checked_ns: Option<i64>,
    },
    /// A file read whole outside the observed `open` (found by the audit hook).
    File {
        /// The path as given.
        path: Bytes,
        /// `fstat` of the opened file.
        identity: StatRecord,
        /// sha256 of the whole content.
        sha256: Digest,
        /// Its length.
        size: u64,
        /// When the content was last verified under `identity`, if later
        /// than the recording (nanoseconds since the epoch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        checked_ns: Option<i64>,
    },
    /// An `open` for reading that failed.
    Open {
        /// The path as given.
        path: Bytes,
        /// The errno.
        errno: i32,
    },
    /// One environment variable (`None`: unset).
    Env {
        /// Its name.
        name: Bytes,
        /// Its value.
        value: Option<Bytes>,
    },
    /// The whole environment was read (iterated or copied); `vars` is filled
    /// in with the environment the check ran in.
    Environment {
        /// Every variable, sorted by name.
        #[serde(default)]
        vars: Vec<(Bytes, Bytes)>,
    },
    /// `os.getuid()`, `geteuid()`, `getgid()` or `getegid()`.
    Id {
        /// Which (`getuid`, `geteuid`, `getgid`, `getegid`).
        name: String,
        /// Its value.
        value: u32,
    },
    /// `os.getgroups()`, sorted.
    Groups {
        /// The supplementary groups.
        value: Vec<u32>,
    },
    /// `pwd.getpwuid` / `pwd.getpwnam` (`None`: no such entry).
    Passwd {
        /// What was asked for.
        key: PasswdKey,
        /// The entry.
        entry: Option<PasswdEntry>,
    },
    /// `os.getcwd()` (also recorded whenever a relative path was used).
    Cwd {
        /// The directory, or the errno.
        result: Outcome<Bytes>,
    },
    /// `os.getcwd()` from a module's top-level code while it was imported:
    /// kept for the record, not part of the key (see `docs/startup-verdict.md`).
    ImportCwd {
        /// The directory, or the errno.
        result: Outcome<Bytes>,
    },
}

impl Observation {
    /// What this is about, for messages (`file /x`, `variable HOME`).
    pub fn subject(&self) -> String {
        match self {
            Observation::Stat { path, .. } => format!("metadata of {}", path.display()),
            Observation::Access { path, .. } => format!("access to {}", path.display()),
            Observation::Readlink { path, .. } => format!("link {}", path.display()),
            Observation::Listdir { path, .. } | Observation::Scandir { path, .. } => {
                format!("directory {}", path.display())
            }
            Observation::Read { path, .. } | Observation::File { path, .. } => {
                format!("file {}", path.display())
            }
            Observation::Open { path, .. } => format!("absent file {}", path.display()),
            Observation::Env { name, .. } => format!("variable {}", name.display()),
            Observation::Environment { .. } => "the environment".to_owned(),
            Observation::Id { name, .. } => format!("{name}()"),
            Observation::Groups { .. } => "getgroups()".to_owned(),
            Observation::Passwd { key, .. } => match key {
                PasswdKey::Uid(uid) => format!("passwd entry of uid {uid}"),
                PasswdKey::Name(name) => format!("passwd entry of {}", name.display()),
            },
            Observation::Cwd { .. } => "the working directory".to_owned(),
            Observation::ImportCwd { .. } => "the working directory at an import".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(ctime_ns: i64) -> StatRecord {
        StatRecord {
            mode: 0o100_644,
            ino: 5,
            dev: 9,
            nlink: 1,
            uid: 1000,
            gid: 1000,
            size: 12,
            atime_ns: 1,
            mtime_ns: 1_000,
            ctime_ns,
            rdev: 0,
            blksize: 4096,
            blocks: 8,
        }
    }

    #[test]
    fn only_the_fields_read_are_compared() {
        let a = file(1_000);
        assert!(same_fields(&a, &a, Fields::ALL));
        for (changed, field) in [
            (StatRecord { size: 13, ..a }, Fields::SIZE),
            (StatRecord { mtime_ns: 2, ..a }, Fields::MTIME),
            (StatRecord { ctime_ns: 2, ..a }, Fields::CTIME),
            (StatRecord { ino: 6, ..a }, Fields::INO),
            (
                StatRecord {
                    mode: 0o100_600,
                    ..a
                },
                Fields::MODE,
            ),
        ] {
            assert!(!same_fields(&a, &changed, Fields::ALL), "{changed:?}");
            assert!(!same_fields(&a, &changed, field), "{changed:?}");
            assert!(
                same_fields(&a, &changed, Fields(Fields::ALL.0 & !field.0)),
                "{changed:?}"
            );
        }
        assert!(same_fields(
            &a,
            &StatRecord {
                mode: 0,
                ino: 0,
                ..a
            },
            Fields::default()
        ));
        assert!(serde_json::from_str::<Fields>(r#"["mode", "bogus"]"#).is_err());
    }

    #[test]
    fn per_process_files_are_compared_by_content() {
        let p = file(1);
        assert!(!unchanged_since(b"/proc/self/uid_map", &p, &p, i64::MAX));
        assert!(is_per_process(b"/sys"));
    }

    #[test]
    fn racy_identities_prove_nothing() {
        let a = file(10 * RACY_MARGIN_NS);
        assert!(unchanged_since(b"/f", &a, &a, 12 * RACY_MARGIN_NS));
        assert!(!unchanged_since(b"/f", &a, &a, 11 * RACY_MARGIN_NS));
        assert!(!unchanged_since(
            b"/f",
            &a,
            &StatRecord { size: 1, ..a },
            i64::MAX
        ));
        assert!(!unchanged_since(
            b"/f",
            &a,
            &StatRecord {
                mode: 0o100_600,
                ..a
            },
            i64::MAX
        ));
    }

    #[test]
    fn observations_round_trip_through_json() {
        let text = r#"[
          {"stat":{"path":"/x","follow":true,"result":{"errno":2},"used":[]}},
          {"scandir":{"path":{"hex":"2fff"},"identity":null,"result":{"ok":[["a","dir"]]}}},
          {"read":{"path":"/r","identity":[33188,1,2,1,0,0,3,4,4,5,0,4096,8],"ranges":[{"offset":0,
            "length":3,"sha256":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}],"eof":3}},
          {"env":{"name":"HOME","value":null}},
          {"environment":{}},
          {"passwd":{"key":{"uid":7},"entry":null}},
          {"cwd":{"result":{"ok":"/w"}}}
        ]"#;
        let parsed: Vec<Observation> = serde_json::from_str(text).unwrap();
        assert_eq!(parsed.len(), 7);
        assert_eq!(
            parsed[1],
            Observation::Scandir {
                path: Bytes(b"/\xff".to_vec()),
                identity: None,
                result: Outcome::Ok(Listing::typed([(&b"a"[..], EntryType::Dir)])),
                checked_ns: None,
            }
        );
        let again: Vec<Observation> =
            serde_json::from_str(&serde_json::to_string(&parsed).unwrap()).unwrap();
        assert_eq!(again, parsed);
        assert!(serde_json::from_str::<Observation>(r#"{"bogus":{}}"#).is_err());
        assert!(serde_json::from_str::<Bytes>(r#"{"hex":"abc"}"#).is_err());
    }
}
