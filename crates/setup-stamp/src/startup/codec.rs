//! The cache file's bytes: a JSON header, then the observations in a
//! compact binary form.
//!
//! The observations are read on every start, a few hundred of them, so
//! they are stored the way they are replayed: tagged records of
//! length-prefixed byte strings and fixed-width little-endian numbers, with
//! digests as raw bytes. Parsing them costs a bounds check per field and
//! one allocation per string, where JSON would validate UTF-8, parse
//! numbers and decode hex. The rest (what the answer is for, the answer
//! itself) is JSON: small, and readable with `head -c`.
//!
//! ```text
//! CACHE_FORMAT "\n"  u32 header length  header (JSON)  u32 count  records…
//! ```
//!
//! Decoding checks every length against what is left, so a damaged or
//! truncated file is an error, never a panic or an oversized allocation.

use super::cache::{CacheEntry, CacheHeader, CACHE_FORMAT};
use super::observation::{
    ByteRange, Bytes, Digest, Fields, Listing, Observation, Outcome, PasswdEntry, PasswdKey,
    StatRecord,
};

/// Encodes `entry`.
pub fn encode(entry: &CacheEntry) -> Result<Vec<u8>, String> {
    let header = serde_json::to_vec(&entry.header).map_err(|e| e.to_string())?;
    let mut w = Writer(Vec::with_capacity(
        header.len() + entry.observations.len() * 96 + 64,
    ));
    w.0.extend_from_slice(CACHE_FORMAT.as_bytes());
    w.0.push(b'\n');
    w.len(header.len())?;
    w.0.extend_from_slice(&header);
    w.len(entry.observations.len())?;
    for observation in &entry.observations {
        w.observation(observation)?;
    }
    Ok(w.0)
}

/// Decodes what [`encode`] wrote.
pub fn decode(bytes: &[u8]) -> Result<CacheEntry, String> {
    let magic = [CACHE_FORMAT.as_bytes(), b"\n"].concat();
    let rest = bytes
        .strip_prefix(magic.as_slice())
        .ok_or("not a cache file of this format")?;
    let mut r = Reader { buf: rest };
    let header_len = r.len()?;
    let header: CacheHeader =
        serde_json::from_slice(r.take(header_len)?).map_err(|e| e.to_string())?;
    let count = r.len()?;
    // Every record is at least two bytes: a count beyond that is damage.
    if count > r.buf.len() / 2 {
        return Err("the observation count exceeds the file".into());
    }
    let mut observations = Vec::with_capacity(count);
    for _ in 0..count {
        observations.push(r.observation()?);
    }
    if !r.buf.is_empty() {
        return Err("trailing bytes after the observations".into());
    }
    Ok(CacheEntry {
        header,
        observations,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    fn len(&mut self, n: usize) -> Result<(), String> {
        self.u32(u32::try_from(n).map_err(|_| "too long for the cache format".to_owned())?);
        Ok(())
    }
    fn bytes(&mut self, b: &[u8]) -> Result<(), String> {
        self.len(b.len())?;
        self.0.extend_from_slice(b);
        Ok(())
    }
    fn stat(&mut self, s: &StatRecord) {
        self.u32(s.mode);
        self.u64(s.ino);
        self.u64(s.dev);
        self.u64(s.nlink);
        self.u32(s.uid);
        self.u32(s.gid);
        self.i64(s.size);
        self.i64(s.atime_ns);
        self.i64(s.mtime_ns);
        self.i64(s.ctime_ns);
        self.u64(s.rdev);
        self.i64(s.blksize);
        self.i64(s.blocks);
    }
    /// A flag, then the value when there is one.
    fn optional<T>(
        &mut self,
        value: &Option<T>,
        write: impl FnOnce(&mut Self, &T) -> Result<(), String>,
    ) -> Result<(), String> {
        match value {
            Some(value) => {
                self.u8(1);
                write(self, value)
            }
            None => {
                self.u8(0);
                Ok(())
            }
        }
    }
    fn errno(&mut self, e: i32) {
        self.u8(1);
        self.u32(e as u32);
    }
    fn listing(&mut self, listing: &Outcome<Listing>) -> Result<(), String> {
        match listing {
            Outcome::Ok(listing) => {
                self.u8(0);
                self.bytes(listing.as_bytes())
            }
            Outcome::Errno(e) => {
                self.errno(*e);
                Ok(())
            }
        }
    }
    fn passwd(&mut self, entry: &PasswdEntry) -> Result<(), String> {
        self.bytes(&entry.name.0)?;
        self.u32(entry.uid);
        self.u32(entry.gid);
        self.bytes(&entry.dir.0)?;
        self.bytes(&entry.shell.0)
    }

    fn observation(&mut self, o: &Observation) -> Result<(), String> {
        match o {
            Observation::Stat {
                path,
                follow,
                result,
                used,
            } => {
                self.u8(0);
                self.bytes(&path.0)?;
                self.bool(*follow);
                self.0.extend_from_slice(&used.0.to_le_bytes());
                match result {
                    Outcome::Ok(s) => {
                        self.u8(0);
                        self.stat(s);
                    }
                    Outcome::Errno(e) => self.errno(*e),
                }
            }
            Observation::Access {
                path,
                mode,
                effective_ids,
                follow,
                result,
            } => {
                self.u8(1);
                self.bytes(&path.0)?;
                self.u32(*mode as u32);
                self.bool(*effective_ids);
                self.bool(*follow);
                self.bool(*result);
            }
            Observation::Readlink { path, result } => {
                self.u8(2);
                self.bytes(&path.0)?;
                match result {
                    Outcome::Ok(target) => {
                        self.u8(0);
                        self.bytes(&target.0)?;
                    }
                    Outcome::Errno(e) => self.errno(*e),
                }
            }
            Observation::Listdir {
                path,
                identity,
                result,
                checked_ns,
            }
            | Observation::Scandir {
                path,
                identity,
                result,
                checked_ns,
            } => {
                self.u8(if matches!(o, Observation::Listdir { .. }) {
                    3
                } else {
                    4
                });
                self.bytes(&path.0)?;
                self.optional(identity, |w, s| {
                    w.stat(s);
                    Ok(())
                })?;
                self.optional(checked_ns, |w, v| {
                    w.i64(*v);
                    Ok(())
                })?;
                self.listing(result)?;
            }
            Observation::Read {
                path,
                identity,
                ranges,
                eof,
                checked_ns,
            } => {
                self.u8(5);
                self.bytes(&path.0)?;
                self.stat(identity);
                self.optional(checked_ns, |w, v| {
                    w.i64(*v);
                    Ok(())
                })?;
                self.optional(eof, |w, v| {
                    w.u64(*v);
                    Ok(())
                })?;
                self.len(ranges.len())?;
                for range in ranges {
                    self.u64(range.offset);
                    self.u64(range.length);
                    self.0.extend_from_slice(&range.sha256.0);
                }
            }
            Observation::File {
                path,
                identity,
                sha256,
                size,
                checked_ns,
            } => {
                self.u8(6);
                self.bytes(&path.0)?;
                self.stat(identity);
                self.optional(checked_ns, |w, v| {
                    w.i64(*v);
                    Ok(())
                })?;
                self.0.extend_from_slice(&sha256.0);
                self.u64(*size);
            }
            Observation::Open { path, errno } => {
                self.u8(7);
                self.bytes(&path.0)?;
                self.u32(*errno as u32);
            }
            Observation::Env { name, value } => {
                self.u8(8);
                self.bytes(&name.0)?;
                self.optional(value, |w, v| w.bytes(&v.0))?;
            }
            Observation::Environment { vars } => {
                self.u8(9);
                self.len(vars.len())?;
                for (name, value) in vars {
                    self.bytes(&name.0)?;
                    self.bytes(&value.0)?;
                }
            }
            Observation::Id { name, value } => {
                self.u8(10);
                self.bytes(name.as_bytes())?;
                self.u32(*value);
            }
            Observation::Groups { value } => {
                self.u8(11);
                self.len(value.len())?;
                for g in value {
                    self.u32(*g);
                }
            }
            Observation::Passwd { key, entry } => {
                self.u8(12);
                match key {
                    PasswdKey::Uid(uid) => {
                        self.u8(0);
                        self.u32(*uid);
                    }
                    PasswdKey::Name(name) => {
                        self.u8(1);
                        self.bytes(&name.0)?;
                    }
                }
                match entry {
                    Some(entry) => {
                        self.u8(1);
                        self.passwd(entry)?;
                    }
                    None => self.u8(0),
                }
            }
            Observation::Cwd { result } | Observation::ImportCwd { result } => {
                self.u8(if matches!(o, Observation::Cwd { .. }) {
                    13
                } else {
                    14
                });
                match result {
                    Outcome::Ok(dir) => {
                        self.u8(0);
                        self.bytes(&dir.0)?;
                    }
                    Outcome::Errno(e) => self.errno(*e),
                }
            }
        }
        Ok(())
    }
}

struct Reader<'a> {
    buf: &'a [u8],
}

type Read<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Read<&'a [u8]> {
        if n > self.buf.len() {
            return Err("truncated".into());
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Read<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    fn u8(&mut self) -> Read<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Read<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Read<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Read<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn bool(&mut self) -> Read<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(format!("bad boolean {other}")),
        }
    }
    fn len(&mut self) -> Read<usize> {
        usize::try_from(self.u32()?).map_err(|_| "length out of range".to_owned())
    }
    /// A count of items of at least `min` bytes each, checked against
    /// what is left.
    fn count(&mut self, min: usize) -> Read<usize> {
        let n = self.len()?;
        if n.saturating_mul(min) > self.buf.len() {
            return Err("count exceeds the file".into());
        }
        Ok(n)
    }
    fn bytes(&mut self) -> Read<Bytes> {
        let n = self.len()?;
        Ok(Bytes(self.take(n)?.to_vec()))
    }
    fn flag(&mut self) -> Read<bool> {
        self.bool()
    }
    fn stat(&mut self) -> Read<StatRecord> {
        Ok(StatRecord {
            mode: self.u32()?,
            ino: self.u64()?,
            dev: self.u64()?,
            nlink: self.u64()?,
            uid: self.u32()?,
            gid: self.u32()?,
            size: self.i64()?,
            atime_ns: self.i64()?,
            mtime_ns: self.i64()?,
            ctime_ns: self.i64()?,
            rdev: self.u64()?,
            blksize: self.i64()?,
            blocks: self.i64()?,
        })
    }
    /// A flag, then the value when it is set.
    fn optional<T>(&mut self, value: impl FnOnce(&mut Self) -> Read<T>) -> Read<Option<T>> {
        Ok(if self.flag()? {
            Some(value(self)?)
        } else {
            None
        })
    }
    fn errno(&mut self) -> Read<i32> {
        Ok(self.u32()? as i32)
    }
    /// An [`Outcome`]: tag 0 then `ok`, tag 1 then an errno.
    fn outcome<T>(&mut self, ok: impl FnOnce(&mut Self) -> Read<T>) -> Read<Outcome<T>> {
        match self.u8()? {
            0 => Ok(Outcome::Ok(ok(self)?)),
            1 => Ok(Outcome::Errno(self.errno()?)),
            other => Err(format!("bad outcome tag {other}")),
        }
    }
    fn listing(&mut self, typed: bool) -> Read<Listing> {
        let packed = self.bytes()?.0;
        Listing::from_packed(packed, typed).ok_or_else(|| "a damaged listing".to_owned())
    }
    fn passwd(&mut self) -> Read<PasswdEntry> {
        Ok(PasswdEntry {
            name: self.bytes()?,
            uid: self.u32()?,
            gid: self.u32()?,
            dir: self.bytes()?,
            shell: self.bytes()?,
        })
    }

    fn observation(&mut self) -> Read<Observation> {
        Ok(match self.u8()? {
            0 => Observation::Stat {
                path: self.bytes()?,
                follow: self.bool()?,
                used: Fields(u16::from_le_bytes(self.array()?)),
                result: self.outcome(Self::stat)?,
            },
            1 => Observation::Access {
                path: self.bytes()?,
                mode: self.u32()? as i32,
                effective_ids: self.bool()?,
                follow: self.bool()?,
                result: self.bool()?,
            },
            2 => Observation::Readlink {
                path: self.bytes()?,
                result: self.outcome(Self::bytes)?,
            },
            3 => Observation::Listdir {
                path: self.bytes()?,
                identity: self.optional(Self::stat)?,
                checked_ns: self.optional(Self::i64)?,
                result: self.outcome(|r| r.listing(false))?,
            },
            4 => Observation::Scandir {
                path: self.bytes()?,
                identity: self.optional(Self::stat)?,
                checked_ns: self.optional(Self::i64)?,
                result: self.outcome(|r| r.listing(true))?,
            },
            5 => {
                let path = self.bytes()?;
                let identity = self.stat()?;
                let checked_ns = self.optional(Self::i64)?;
                let eof = self.optional(Self::u64)?;
                let n = self.count(48)?;
                let ranges = (0..n)
                    .map(|_| {
                        Ok(ByteRange {
                            offset: self.u64()?,
                            length: self.u64()?,
                            sha256: Digest(self.array()?),
                        })
                    })
                    .collect::<Read<Vec<_>>>()?;
                Observation::Read {
                    path,
                    identity,
                    ranges,
                    eof,
                    checked_ns,
                }
            }
            6 => Observation::File {
                path: self.bytes()?,
                identity: self.stat()?,
                checked_ns: self.optional(Self::i64)?,
                sha256: Digest(self.array()?),
                size: self.u64()?,
            },
            7 => Observation::Open {
                path: self.bytes()?,
                errno: self.errno()?,
            },
            8 => Observation::Env {
                name: self.bytes()?,
                value: self.optional(Self::bytes)?,
            },
            9 => {
                let n = self.count(8)?;
                Observation::Environment {
                    vars: (0..n)
                        .map(|_| Ok((self.bytes()?, self.bytes()?)))
                        .collect::<Read<Vec<_>>>()?,
                }
            }
            10 => Observation::Id {
                name: String::from_utf8(self.bytes()?.0).map_err(|_| "bad id name".to_owned())?,
                value: self.u32()?,
            },
            11 => {
                let n = self.count(4)?;
                Observation::Groups {
                    value: (0..n).map(|_| self.u32()).collect::<Read<Vec<_>>>()?,
                }
            }
            12 => {
                let key = match self.u8()? {
                    0 => PasswdKey::Uid(self.u32()?),
                    1 => PasswdKey::Name(self.bytes()?),
                    other => return Err(format!("bad passwd key {other}")),
                };
                let entry = if self.flag()? {
                    Some(self.passwd()?)
                } else {
                    None
                };
                Observation::Passwd { key, entry }
            }
            13 => Observation::Cwd {
                result: self.outcome(Self::bytes)?,
            },
            14 => Observation::ImportCwd {
                result: self.outcome(Self::bytes)?,
            },
            other => return Err(format!("bad observation tag {other}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::cache::{Answer, CheckRecord, ReceiptRef};
    use super::super::observation::EntryType;
    use super::*;

    fn stat(n: i64) -> StatRecord {
        StatRecord {
            mode: 0o100_644,
            ino: u64::MAX,
            dev: 3,
            nlink: 1,
            uid: 1000,
            gid: 100,
            size: n,
            atime_ns: 0,
            mtime_ns: -n,
            ctime_ns: i64::MAX,
            rdev: 7,
            blksize: 4096,
            blocks: -1,
        }
    }

    fn every_kind() -> Vec<Observation> {
        let b = |s: &[u8]| Bytes(s.to_vec());
        vec![
            Observation::Stat {
                path: b(b"/a\xff"),
                follow: true,
                result: Outcome::Ok(stat(1)),
                used: Fields(0b101),
            },
            Observation::Stat {
                path: b(b""),
                follow: false,
                result: Outcome::Errno(2),
                used: Fields::ALL,
            },
            Observation::Access {
                path: b(b"/x"),
                mode: 1,
                effective_ids: true,
                follow: false,
                result: true,
            },
            Observation::Readlink {
                path: b(b"/l"),
                result: Outcome::Ok(b(b"t")),
            },
            Observation::Readlink {
                path: b(b"/l"),
                result: Outcome::Errno(22),
            },
            Observation::Listdir {
                path: b(b"/d"),
                identity: Some(stat(4)),
                result: Outcome::Ok(Listing::names_only([&b"x"[..], &b"y"[..]])),
                checked_ns: Some(9),
            },
            Observation::Scandir {
                path: b(b"/s"),
                identity: None,
                result: Outcome::Ok(Listing::typed([
                    (&b"y"[..], EntryType::Symlink),
                    (&b"z"[..], EntryType::Other),
                ])),
                checked_ns: None,
            },
            Observation::Scandir {
                path: b(b"/e"),
                identity: None,
                result: Outcome::Errno(13),
                checked_ns: None,
            },
            Observation::Read {
                path: b(b"/r"),
                identity: stat(7),
                ranges: vec![ByteRange {
                    offset: 0,
                    length: 7,
                    sha256: Digest::of(b"content"),
                }],
                eof: Some(7),
                checked_ns: None,
            },
            Observation::File {
                path: b(b"/f"),
                identity: stat(2),
                sha256: Digest([9; 32]),
                size: 2,
                checked_ns: Some(1),
            },
            Observation::Open {
                path: b(b"/o"),
                errno: 2,
            },
            Observation::Env {
                name: b(b"HOME"),
                value: Some(b(b"/h")),
            },
            Observation::Env {
                name: b(b"NO"),
                value: None,
            },
            Observation::Environment {
                vars: vec![(b(b"A"), b(b"1"))],
            },
            Observation::Id {
                name: "geteuid".into(),
                value: 0,
            },
            Observation::Groups { value: vec![1, 2] },
            Observation::Passwd {
                key: PasswdKey::Uid(5),
                entry: Some(PasswdEntry {
                    name: b(b"n"),
                    uid: 5,
                    gid: 6,
                    dir: b(b"/h"),
                    shell: b(b"/s"),
                }),
            },
            Observation::Passwd {
                key: PasswdKey::Name(b(b"who")),
                entry: None,
            },
            Observation::Cwd {
                result: Outcome::Ok(b(b"/w")),
            },
            Observation::Cwd {
                result: Outcome::Errno(2),
            },
        ]
    }

    fn entry() -> CacheEntry {
        CacheEntry {
            header: CacheHeader {
                format: CACHE_FORMAT.into(),
                recorder: super::super::recorder_digest(),
                owner: "terok".into(),
                interpreter: Bytes::from("/v/bin/python"),
                interpreter_stat: stat(3),
                euid: 1000,
                search_path: vec![Bytes(b"/v/\xfe".to_vec())],
                startup_variables: vec![(Bytes::from("LANG"), Bytes::from("C"))],
                recorded_ns: 5,
                answer: Answer::Checks {
                    status: "ready".into(),
                    checks: vec![CheckRecord {
                        owner: "terok".into(),
                        component: "receipt".into(),
                        status: "ready".into(),
                        diagnostic: String::new(),
                    }],
                },
                receipts: vec![ReceiptRef {
                    owner: "terok".into(),
                    path: Bytes::from("/r"),
                }],
            },
            observations: every_kind(),
        }
    }

    #[test]
    fn every_observation_round_trips() {
        let bytes = encode(&entry()).unwrap();
        assert_eq!(decode(&bytes).unwrap(), entry());
    }

    #[test]
    fn damage_is_an_error_not_a_panic() {
        let bytes = encode(&entry()).unwrap();
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "truncated at {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode(&extra).is_err());
        // Every single-byte change either decodes to something or is an error.
        for i in 0..bytes.len() {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0xff;
            let _ = decode(&flipped);
        }
        // A huge count in a tiny file is refused before allocating.
        let header = serde_json::to_vec(&entry().header).unwrap();
        let mut lie = [CACHE_FORMAT.as_bytes(), b"\n"].concat();
        lie.extend_from_slice(&(header.len() as u32).to_le_bytes());
        lie.extend_from_slice(&header);
        lie.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&lie).is_err());
    }
}
