//! Asking every recorded question again: is the kept answer still current?
//!
//! [`replay`] walks the observations in the order terok's check made them
//! and asks a [`World`] each question again; the first answer that differs
//! ends the walk with a [`Changed`]. The rules for "differs" live in
//! [`observation`](super::observation); this module is the walk, and
//! [`SystemWorld`] is the real system (tests supply their own worlds).
//!
//! A file or directory whose identity proves it unchanged is not read again;
//! one whose identity moved but whose content is the same (a `touch`) is
//! still current, and the walk reports that the identity can be updated so
//! that the next replay is cheap again.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

use nix::errno::Errno;
use nix::fcntl::{open, OFlag};
use nix::sys::stat::{fstat, lstat, stat, FileStat, Mode};

use super::observation::{
    same_fields, unchanged_since, ByteRange, Bytes, Digest, EntryType, Listing, Observation,
    Outcome, PasswdEntry, PasswdKey, StatRecord,
};

/// What reading a file for a replay gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRead {
    /// `open` failed with this errno (`EISDIR` for a directory, as
    /// Python's `FileIO` reports it).
    Failed(i32),
    /// Something other than a regular file or a directory is there.
    NotRegular,
    /// The file's `fstat`, and the bytes asked for (shorter at the end).
    Read {
        /// `fstat` of the opened file.
        identity: StatRecord,
        /// One chunk per requested `(offset, length)`.
        chunks: Vec<Vec<u8>>,
    },
}

/// The system as replay sees it: every question an [`Observation`] can ask.
pub trait World {
    /// `stat`/`lstat`.
    fn stat(&mut self, path: &[u8], follow: bool) -> Outcome<StatRecord>;
    /// `faccessat`: whether access is allowed.
    fn access(&mut self, path: &[u8], mode: i32, effective_ids: bool, follow: bool) -> bool;
    /// `readlink`.
    fn readlink(&mut self, path: &[u8]) -> Outcome<Bytes>;
    /// The directory's entries in system order, with their types.
    fn list(&mut self, path: &[u8]) -> Outcome<Listing>;
    /// Opens for reading (never blocking) and reads the `(offset, length)`
    /// chunks; a length of `u64::MAX` reads to the end.
    fn read(&mut self, path: &[u8], chunks: &[(u64, u64)]) -> FileRead;
    /// An environment variable.
    fn var(&mut self, name: &[u8]) -> Option<Bytes>;
    /// Every environment variable, sorted by name.
    fn vars(&mut self) -> Vec<(Bytes, Bytes)>;
    /// `getuid`, `geteuid`, `getgid` or `getegid` (`None` for another name).
    fn id(&mut self, name: &str) -> Option<u32>;
    /// `getgroups`, sorted.
    fn groups(&mut self) -> Vec<u32>;
    /// A passwd entry.
    fn passwd(&mut self, key: &PasswdKey) -> Option<PasswdEntry>;
    /// `getcwd`.
    fn cwd(&mut self) -> Outcome<Bytes>;
    /// The current time, nanoseconds since the epoch (the clock file
    /// timestamps use).
    fn now_ns(&mut self) -> i64;
}

/// The first observation that no longer holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Its index in the list.
    pub index: usize,
    /// What it was about and how it changed, for people.
    pub what: String,
}

/// A replay that found everything current.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Current {
    /// Whether some identities were updated (content verified unchanged
    /// under a new identity): the caller may store the updated list.
    pub updated: bool,
}

/// Replays `observations` against `world`. `recorded_ns` is when the
/// content of an observation without its own `checked_ns` was verified
/// (the start of the run that recorded it). Identities that moved while
/// the content stayed are updated in place.
pub fn replay(
    observations: &mut [Observation],
    recorded_ns: i64,
    world: &mut dyn World,
) -> Result<Current, Changed> {
    let started_ns = world.now_ns();
    let capacity = observations.len();
    let mut walk = Walk {
        world,
        stats: [
            Memo::with_capacity_and_hasher(capacity / 4, Default::default()),
            Memo::with_capacity_and_hasher(capacity, Default::default()),
        ],
        recorded_ns,
        started_ns,
        updated: false,
    };
    for (index, observation) in observations.iter_mut().enumerate() {
        walk.check(observation).map_err(|how| Changed {
            index,
            what: format!("{} {how}", observation.subject()),
        })?;
    }
    Ok(Current {
        updated: walk.updated,
    })
}

/// FNV-1a: the memo's keys are short paths, hashed by the hundred on the
/// hot path, where SipHash's flood protection buys nothing.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = hash;
    }
}

/// `stat` results already asked for in this replay, by path.
type Memo = HashMap<Vec<u8>, Outcome<StatRecord>, std::hash::BuildHasherDefault<Fnv>>;

struct Walk<'w> {
    world: &'w mut dyn World,
    /// Following symbolic links, and not.
    stats: [Memo; 2],
    recorded_ns: i64,
    /// Taken before any question of this replay was asked: content verified
    /// now was verified no earlier than this.
    started_ns: i64,
    updated: bool,
}

fn outcome_name<T>(outcome: &Outcome<T>) -> String {
    match outcome {
        Outcome::Ok(_) => "found".to_owned(),
        Outcome::Errno(e) => Errno::from_raw(*e).desc().to_owned(),
    }
}

impl Walk<'_> {
    fn stat(&mut self, path: &[u8], follow: bool) -> Outcome<StatRecord> {
        let memo = &mut self.stats[usize::from(follow)];
        if let Some(known) = memo.get(path) {
            return known.clone();
        }
        let fresh = self.world.stat(path, follow);
        memo.insert(path.to_vec(), fresh.clone());
        fresh
    }

    fn proven(&mut self, path: &[u8], identity: &StatRecord, checked: &Option<i64>) -> bool {
        match self.stat(path, true) {
            Outcome::Ok(current) => unchanged_since(
                path,
                identity,
                &current,
                checked.unwrap_or(self.recorded_ns),
            ),
            Outcome::Errno(_) => false,
        }
    }

    fn check(&mut self, observation: &mut Observation) -> Result<(), String> {
        match observation {
            Observation::Stat {
                path,
                follow,
                result,
                used,
            } => match (&*result, self.stat(&path.0, *follow)) {
                (Outcome::Ok(was), Outcome::Ok(now)) if same_fields(was, &now, *used) => Ok(()),
                (Outcome::Errno(was), Outcome::Errno(now)) if *was == now => Ok(()),
                (Outcome::Ok(_), Outcome::Ok(_)) => Err("changed".to_owned()),
                (was, now) => Err(format!(
                    "was {}, is {}",
                    outcome_name(was),
                    outcome_name(&now)
                )),
            },
            Observation::Access {
                path,
                mode,
                effective_ids,
                follow,
                result,
            } => {
                let now = self.world.access(&path.0, *mode, *effective_ids, *follow);
                (now == *result)
                    .then_some(())
                    .ok_or_else(|| format!("was {result}, is {now}"))
            }
            Observation::Readlink { path, result } => {
                let now = self.world.readlink(&path.0);
                (now == *result)
                    .then_some(())
                    .ok_or_else(|| "changed".to_owned())
            }
            Observation::Listdir {
                path,
                identity,
                result,
                checked_ns,
            } => self.listing(path, identity, checked_ns, result, false),
            Observation::Scandir {
                path,
                identity,
                result,
                checked_ns,
            } => self.listing(path, identity, checked_ns, result, true),
            Observation::Read {
                path,
                identity,
                ranges,
                eof,
                checked_ns,
            } => self.read(path, identity, checked_ns, ranges, *eof),
            Observation::File {
                path,
                identity,
                sha256,
                size,
                checked_ns,
            } => {
                if self.proven(&path.0, identity, checked_ns) {
                    return Ok(());
                }
                match self.world.read(&path.0, &[(0, u64::MAX)]) {
                    FileRead::Read {
                        identity: now,
                        chunks,
                    } if chunks.len() == 1
                        && chunks[0].len() as u64 == *size
                        && Digest::of(&chunks[0]) == *sha256 =>
                    {
                        self.refresh_identity(identity, checked_ns, now, &path.0);
                        Ok(())
                    }
                    FileRead::Read { .. } => Err("changed".to_owned()),
                    FileRead::Failed(e) => {
                        Err(format!("cannot be read: {}", Errno::from_raw(e).desc()))
                    }
                    FileRead::NotRegular => Err("is no longer a regular file".to_owned()),
                }
            }
            Observation::Open { path, errno } => {
                // ENOENT is decided by path lookup alone, as `stat` decides it.
                if *errno == Errno::ENOENT as i32 {
                    return match self.stat(&path.0, true) {
                        Outcome::Errno(e) if e == *errno => Ok(()),
                        now => Err(format!("is {}", outcome_name(&now))),
                    };
                }
                match self.world.read(&path.0, &[]) {
                    FileRead::Failed(e) if e == *errno => Ok(()),
                    FileRead::Failed(e) => {
                        Err(format!("now fails with {}", Errno::from_raw(e).desc()))
                    }
                    _ => Err("can now be opened".to_owned()),
                }
            }
            Observation::Env { name, value } => {
                let now = self.world.var(&name.0);
                (now == *value)
                    .then_some(())
                    .ok_or_else(|| "changed".to_owned())
            }
            Observation::Environment { vars } => {
                let now = self.world.vars();
                (now == *vars)
                    .then_some(())
                    .ok_or_else(|| "changed".to_owned())
            }
            Observation::Id { name, value } => match self.world.id(name) {
                Some(now) if now == *value => Ok(()),
                now => Err(format!("was {value}, is {now:?}")),
            },
            Observation::Groups { value } => {
                let now = self.world.groups();
                (now == *value)
                    .then_some(())
                    .ok_or_else(|| "changed".to_owned())
            }
            Observation::Passwd { key, entry } => {
                let now = self.world.passwd(key);
                (now == *entry)
                    .then_some(())
                    .ok_or_else(|| "changed".to_owned())
            }
            Observation::Cwd { result } => {
                let now = self.world.cwd();
                (now == *result)
                    .then_some(())
                    .ok_or_else(|| "changed".to_owned())
            }
            Observation::ImportCwd { .. } => Ok(()),
        }
    }

    /// After the content was verified in this replay, `now` (taken no
    /// later than the content was read) becomes its identity, verified at
    /// the replay's start.
    fn refresh_identity(
        &mut self,
        identity: &mut StatRecord,
        checked_ns: &mut Option<i64>,
        now: StatRecord,
        path: &[u8],
    ) {
        if super::observation::is_per_process(path) {
            return;
        }
        let racy_before = !unchanged_since(
            path,
            identity,
            identity,
            checked_ns.unwrap_or(self.recorded_ns),
        );
        // Worth storing when the identity moved, or when this verification
        // is the first one late enough to make it proof (a rewrite of the
        // cache while the file is still within the racy margin buys nothing).
        let proof_now = unchanged_since(path, &now, &now, self.started_ns);
        if *identity != now || (racy_before && proof_now) {
            *identity = now;
            *checked_ns = Some(self.started_ns);
            self.updated = true;
        }
    }

    /// A listing (`typed`: with entry types, as `os.scandir` sees them).
    fn listing(
        &mut self,
        path: &Bytes,
        identity: &mut Option<StatRecord>,
        checked_ns: &mut Option<i64>,
        recorded: &Outcome<Listing>,
        typed: bool,
    ) -> Result<(), String> {
        if let (Outcome::Ok(_), Some(id)) = (recorded, identity.as_ref()) {
            if self.proven(&path.0, id, checked_ns) {
                return Ok(());
            }
        }
        let before_stat = self.stat(&path.0, true);
        let now = self.world.list(&path.0);
        let same = match (recorded, &now) {
            (Outcome::Ok(was), Outcome::Ok(now)) if typed => was.as_bytes() == now.as_bytes(),
            (Outcome::Ok(was), Outcome::Ok(now)) => was.as_bytes() == now.names().as_bytes(),
            (Outcome::Errno(was), Outcome::Errno(now)) => was == now,
            _ => false,
        };
        if !same {
            return Err(match (recorded, &now) {
                (Outcome::Ok(_), Outcome::Ok(_)) => "has other entries".to_owned(),
                (was, now) => format!("was {}, is {}", outcome_name(was), outcome_name(now)),
            });
        }
        if let (Some(id), Outcome::Ok(current)) = (identity.as_mut(), before_stat) {
            self.refresh_identity(id, checked_ns, current, &path.0);
        }
        Ok(())
    }

    fn read(
        &mut self,
        path: &Bytes,
        identity: &mut StatRecord,
        checked_ns: &mut Option<i64>,
        ranges: &[ByteRange],
        eof: Option<u64>,
    ) -> Result<(), String> {
        if self.proven(&path.0, identity, checked_ns) {
            return Ok(());
        }
        let mut wanted: Vec<(u64, u64)> = ranges.iter().map(|r| (r.offset, r.length)).collect();
        if let Some(end) = eof {
            wanted.push((end, 1));
        }
        match self.world.read(&path.0, &wanted) {
            FileRead::Read {
                identity: now,
                chunks,
            } => {
                for (range, chunk) in ranges.iter().zip(&chunks) {
                    if chunk.len() as u64 != range.length || Digest::of(chunk) != range.sha256 {
                        return Err("changed".to_owned());
                    }
                }
                if eof.is_some() && chunks.last().is_none_or(|tail| !tail.is_empty()) {
                    return Err("grew".to_owned());
                }
                self.refresh_identity(identity, checked_ns, now, &path.0);
                Ok(())
            }
            FileRead::Failed(e) => Err(format!("cannot be read: {}", Errno::from_raw(e).desc())),
            FileRead::NotRegular => Err("is no longer a regular file".to_owned()),
        }
    }
}

/// The real system.
#[derive(Debug, Default)]
pub struct SystemWorld;

fn os(path: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(path))
}

/// A [`StatRecord`] of a `stat(2)` result, with Python's nanosecond fields.
pub fn stat_record(st: &FileStat) -> StatRecord {
    let ns = |sec: i64, nsec: i64| sec.saturating_mul(1_000_000_000).saturating_add(nsec);
    StatRecord {
        mode: st.st_mode,
        ino: st.st_ino,
        dev: st.st_dev,
        nlink: st.st_nlink,
        uid: st.st_uid,
        gid: st.st_gid,
        size: st.st_size,
        atime_ns: ns(st.st_atime, st.st_atime_nsec),
        mtime_ns: ns(st.st_mtime, st.st_mtime_nsec),
        ctime_ns: ns(st.st_ctime, st.st_ctime_nsec),
        rdev: st.st_rdev,
        blksize: st.st_blksize,
        blocks: st.st_blocks,
    }
}

fn read_chunk(fd: &std::os::fd::OwnedFd, offset: u64, length: u64) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; usize::try_from(length.min(1 << 16)).unwrap_or(1 << 16)];
    let mut at = offset;
    while (out.len() as u64) < length {
        let want =
            usize::try_from((length - out.len() as u64).min(buf.len() as u64)).unwrap_or(buf.len());
        let offset = i64::try_from(at).map_err(|_| Errno::EOVERFLOW)?;
        let n = match nix::sys::uio::pread(fd, &mut buf[..want], offset) {
            Ok(n) => n,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        at += n as u64;
    }
    Ok(out)
}

impl World for SystemWorld {
    fn stat(&mut self, path: &[u8], follow: bool) -> Outcome<StatRecord> {
        let result = if follow {
            stat(os(path))
        } else {
            lstat(os(path))
        };
        match result {
            Ok(st) => Outcome::Ok(stat_record(&st)),
            Err(e) => Outcome::Errno(e as i32),
        }
    }

    fn access(&mut self, path: &[u8], mode: i32, effective_ids: bool, follow: bool) -> bool {
        use nix::fcntl::AtFlags;
        use nix::unistd::AccessFlags;
        let mut flags = AtFlags::empty();
        if effective_ids {
            flags |= AtFlags::AT_EACCESS;
        }
        if !follow {
            flags |= AtFlags::AT_SYMLINK_NOFOLLOW;
        }
        nix::unistd::faccessat(
            nix::fcntl::AT_FDCWD,
            os(path),
            AccessFlags::from_bits_truncate(mode),
            flags,
        )
        .is_ok()
    }

    fn readlink(&mut self, path: &[u8]) -> Outcome<Bytes> {
        match nix::fcntl::readlink(os(path)) {
            Ok(target) => Outcome::Ok(Bytes(target.into_vec())),
            Err(e) => Outcome::Errno(e as i32),
        }
    }

    fn list(&mut self, path: &[u8]) -> Outcome<Listing> {
        use nix::dir::{Dir, Type};
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let mut dir = match Dir::open(os(path), flags, Mode::empty()) {
            Ok(dir) => dir,
            Err(e) => return Outcome::Errno(e as i32),
        };
        let mut entries: Vec<(Vec<u8>, EntryType)> = Vec::new();
        for entry in dir.iter() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => return Outcome::Errno(e as i32),
            };
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                Some(Type::Directory) => EntryType::Dir,
                Some(Type::File) => EntryType::File,
                Some(Type::Symlink) => EntryType::Symlink,
                Some(_) => EntryType::Other,
                // No type from the file system: as os.scandir, ask lstat.
                None => match lstat(&os(path).join(OsStr::from_bytes(name))) {
                    Ok(st) => match st.st_mode & 0o170_000 {
                        0o040_000 => EntryType::Dir,
                        0o100_000 => EntryType::File,
                        0o120_000 => EntryType::Symlink,
                        _ => EntryType::Other,
                    },
                    Err(e) => return Outcome::Errno(e as i32),
                },
            };
            entries.push((name.to_vec(), kind));
        }
        Outcome::Ok(Listing::typed(
            entries.iter().map(|(n, k)| (n.as_slice(), *k)),
        ))
    }

    fn read(&mut self, path: &[u8], chunks: &[(u64, u64)]) -> FileRead {
        let flags = OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_NOCTTY | OFlag::O_CLOEXEC;
        let fd = match open(os(path), flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(e) => return FileRead::Failed(e as i32),
        };
        let st = match fstat(&fd) {
            Ok(st) => stat_record(&st),
            Err(e) => return FileRead::Failed(e as i32),
        };
        if st.mode & 0o170_000 == 0o040_000 {
            return FileRead::Failed(Errno::EISDIR as i32);
        }
        if !st.is_regular() {
            return FileRead::NotRegular;
        }
        let mut out = Vec::with_capacity(chunks.len());
        for &(offset, length) in chunks {
            match read_chunk(&fd, offset, length) {
                Ok(bytes) => out.push(bytes),
                Err(e) => return FileRead::Failed(e as i32),
            }
        }
        FileRead::Read {
            identity: st,
            chunks: out,
        }
    }

    fn var(&mut self, name: &[u8]) -> Option<Bytes> {
        std::env::var_os(OsStr::from_bytes(name)).map(|v| Bytes(v.into_vec()))
    }

    fn vars(&mut self) -> Vec<(Bytes, Bytes)> {
        environment_snapshot()
    }

    fn id(&mut self, name: &str) -> Option<u32> {
        use nix::unistd;
        Some(match name {
            "getuid" => unistd::getuid().as_raw(),
            "geteuid" => unistd::geteuid().as_raw(),
            "getgid" => unistd::getgid().as_raw(),
            "getegid" => unistd::getegid().as_raw(),
            _ => return None,
        })
    }

    fn groups(&mut self) -> Vec<u32> {
        let mut groups: Vec<u32> = nix::unistd::getgroups()
            .map(|g| g.into_iter().map(|g| g.as_raw()).collect())
            .unwrap_or_default();
        groups.sort_unstable();
        groups
    }

    fn passwd(&mut self, key: &PasswdKey) -> Option<PasswdEntry> {
        // Through the same look-up as the rest of the crate: in a statically
        // linked binary, the system's getent (see `crate::passwd`).
        let entry = match key {
            PasswdKey::Uid(uid) => crate::passwd::entry_of_uid(*uid),
            PasswdKey::Name(name) => crate::passwd::entry_of_name(OsStr::from_bytes(&name.0)),
        }?;
        Some(PasswdEntry {
            name: Bytes(entry.name),
            uid: entry.uid,
            gid: entry.gid,
            dir: Bytes(entry.dir.into_vec()),
            shell: Bytes(entry.shell.into_vec()),
        })
    }

    fn cwd(&mut self) -> Outcome<Bytes> {
        match nix::unistd::getcwd() {
            Ok(dir) => Outcome::Ok(Bytes(dir.into_os_string().into_vec())),
            Err(e) => Outcome::Errno(e as i32),
        }
    }

    fn now_ns(&mut self) -> i64 {
        now_ns()
    }
}

/// Nanoseconds since the epoch by the system clock.
pub fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

/// This process's environment, sorted by name.
pub fn environment_snapshot() -> Vec<(Bytes, Bytes)> {
    let mut vars: Vec<(Bytes, Bytes)> = std::env::vars_os()
        .map(|(k, v)| (Bytes(k.into_vec()), Bytes(v.into_vec())))
        .collect();
    vars.sort();
    vars
}
