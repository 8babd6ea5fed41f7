//! Walking the search path: directories, zip files and `*.egg` entries, as
//! `importlib.metadata.FastPath` / `Lookup` / `PathDistribution` (CPython 3.12).

use std::cell::RefCell;
use std::ffi::{OsStr, OsString};
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use nix::dir::Dir;
use nix::fcntl::OFlag;
use nix::sys::stat::{self, Mode};
use zip::ZipArchive;

use super::metadata::{version_from_metadata, HeaderEnd};
use super::name::{classify_child, egg_key, info_key, ChildKind, FirstBytes, Prepared};
use super::DistributionError;

/// Where a matched metadata entry lives.
#[derive(Debug)]
pub(crate) enum Location {
    /// A `.dist-info` / `.egg-info` / `EGG-INFO` file or directory on disk.
    Fs(PathBuf),
    /// A top-level member (file or directory) of a zip archive.
    Zip {
        /// The top-level name inside the archive.
        child: String,
    },
}

/// The outcome of scanning one search-path entry for a set of queries.
#[derive(Debug, Default)]
pub(crate) struct EntryScan {
    /// For each query (same order as given), the first matching child.
    pub matches: Vec<Option<Location>>,
    /// The opened archive, when the entry was a zip file.
    pub archive: Option<ZipSource>,
}

/// A zip archive on the search path with its member names as Python's
/// `zipfile` decodes them (by central-directory index).
#[derive(Debug)]
pub(crate) struct ZipSource {
    archive: ZipArchive<File>,
    names: Vec<String>,
}

/// Per-query bookkeeping during one scan: the first `.dist-info`/`.egg-info`
/// match and the first `EGG-INFO` match.
struct Slot<T> {
    info: Option<T>,
    egg: Option<T>,
}

/// `os.path.basename` of a search-path entry as Python computes it on the raw
/// string: everything after the last `/` (so `"x.egg/"` has base `""`).
fn raw_basename(entry: &Path) -> &[u8] {
    let bytes = entry.as_os_str().as_bytes();
    match bytes.iter().rposition(|&b| b == b'/') {
        Some(i) => &bytes[i + 1..],
        None => bytes,
    }
}

/// Scan one search-path entry for the `pending` queries (`None` = already
/// resolved, skip). Mirrors `FastPath.children()`: `os.listdir`, else the
/// zip's top-level names, else nothing; every failure is silent.
pub(crate) fn scan_entry(entry: &Path, pending: &[Option<&Prepared>]) -> EntryScan {
    let egg = egg_key(raw_basename(entry));
    let list_path: &Path = if entry.as_os_str().is_empty() {
        Path::new(".")
    } else {
        entry
    };
    if let Some(matches) = scan_dir(list_path, egg.as_deref(), pending) {
        let matches = matches
            .into_iter()
            .map(|slot| {
                slot.info
                    .or(slot.egg)
                    .map(|child| Location::Fs(entry.join(OsStr::from_bytes(&child))))
            })
            .collect();
        return EntryScan {
            matches,
            archive: None,
        };
    }
    if let Some((archive, matches)) = scan_zip(entry, egg.as_deref(), pending) {
        let matches = matches
            .into_iter()
            .map(|slot| slot.info.or(slot.egg).map(|child| Location::Zip { child }))
            .collect();
        return EntryScan {
            matches,
            archive: Some(archive),
        };
    }
    EntryScan {
        matches: pending.iter().map(|_| None).collect(),
        archive: None,
    }
}

/// Record `child` for every pending query it matches (first match wins).
struct Matcher<'a> {
    egg: Option<&'a str>,
    pending: &'a [Option<&'a Prepared>],
    /// First bytes a `.dist-info` / `.egg-info` key can match on.
    first_bytes: FirstBytes,
    key: String,
    scratch: String,
}

impl<'a> Matcher<'a> {
    /// A matcher for the `pending` queries (`egg`: the egg-info name, if any).
    fn new(egg: Option<&'a str>, pending: &'a [Option<&'a Prepared>]) -> Self {
        let mut first_bytes = FirstBytes::default();
        for q in pending.iter().flatten() {
            first_bytes.track(&q.normalized);
        }
        Matcher {
            egg,
            pending,
            first_bytes,
            key: String::new(),
            scratch: String::new(),
        }
    }

    fn offer<T>(&mut self, name: &[u8], slots: &mut [Slot<T>], owned: impl Fn() -> T) {
        match classify_child(name) {
            ChildKind::Info(dot) => {
                if !self.first_bytes.admits(name)
                    || !info_key(name, dot, &mut self.key, &mut self.scratch)
                {
                    return;
                }
                for (slot, query) in slots.iter_mut().zip(self.pending) {
                    if let Some(q) = query {
                        if slot.info.is_none() && q.normalized == self.key {
                            slot.info = Some(owned());
                        }
                    }
                }
            }
            ChildKind::EggInfo => {
                let Some(egg) = self.egg else { return };
                for (slot, query) in slots.iter_mut().zip(self.pending) {
                    if let Some(q) = query {
                        if slot.egg.is_none() && q.legacy_normalized == egg {
                            slot.egg = Some(owned());
                        }
                    }
                }
            }
            ChildKind::Other => {}
        }
    }
}

fn empty_slots<T>(n: usize) -> Vec<Slot<T>> {
    (0..n)
        .map(|_| Slot {
            info: None,
            egg: None,
        })
        .collect()
}

/// What identifies one state of a directory's entries: the path as listed,
/// the directory's identity, and its modification and change times. Adding,
/// removing or renaming an entry changes the modification time; a permission
/// change changes the change time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ListingKey {
    path: PathBuf,
    dev: u64,
    ino: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

/// How many directory listings [`LISTINGS`] keeps.
const LISTING_CACHE_SIZE: usize = 64;

/// What one directory listing yields: the metadata-like names, in readdir
/// order, packed into one buffer (one allocation per listing, not per
/// name), and the `*.pth` names for `site.py`'s scan of a site directory
/// (environment discovery), so that a site directory is listed once for
/// both.
#[derive(Debug, Default)]
struct Listing {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    pth: Vec<Box<[u8]>>,
}

impl Listing {
    fn push(&mut self, name: &[u8]) {
        self.bytes.extend_from_slice(name);
        self.ends.push(self.bytes.len());
    }

    fn names(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let name = &self.bytes[start..end];
            start = end;
            name
        })
    }
}

/// Recent directory listings, most recent last, as `importlib.metadata`
/// caches them (`FastPath.lookup` is memoised on the directory's mtime): a
/// process that checks repeatedly (the Python extension) reads each
/// directory again only when it changed. Only the names that can be
/// distribution metadata are kept, in readdir order; a hit shares the
/// listing instead of copying it.
static LISTINGS: Mutex<Vec<(ListingKey, Arc<Listing>)>> = Mutex::new(Vec::new());

/// The `*.pth` names in the directory at `path`, in readdir order, for
/// `site.addsitedir`; `None` when the directory cannot be opened
/// or read (Python: `os.listdir` raised, and `addsitedir` returns). The
/// listing is shared with the distribution search through [`LISTINGS`], so
/// discovering an environment does not cost its site directories a second
/// listing.
pub(crate) fn pth_names(path: &Path) -> Option<Vec<OsString>> {
    let listing = metadata_names(path)?;
    Some(
        listing
            .pth
            .iter()
            .map(|name| OsString::from_vec(name.to_vec()))
            .collect(),
    )
}

/// The metadata-like names of the directory at `path`, in readdir order,
/// from [`LISTINGS`] when the directory is unchanged. `None` when the
/// directory cannot be opened or read (Python: `os.listdir` raised).
fn metadata_names(path: &Path) -> Option<Arc<Listing>> {
    let st = stat::stat(path).ok()?;
    let key = ListingKey {
        path: path.to_path_buf(),
        dev: st.st_dev,
        ino: st.st_ino,
        mtime: (st.st_mtime, st.st_mtime_nsec),
        ctime: (st.st_ctime, st.st_ctime_nsec),
    };
    if let Ok(cache) = LISTINGS.lock() {
        if let Some((_, names)) = cache.iter().rev().find(|(k, _)| *k == key) {
            return Some(Arc::clone(names));
        }
    }
    let dir = Dir::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    let mut listing = Listing::default();
    // The owning iterator closes the stream when done; `Dir::iter()` would
    // also `rewinddir` (an `lseek`) on drop, a system call per directory
    // for nothing.
    for item in dir {
        // A failing readdir makes os.listdir raise: the whole listing is lost.
        let item = item.ok()?;
        let name = item.file_name().to_bytes();
        if name.ends_with(b".pth") {
            listing.pth.push(name.into());
        }
        if name == b"." || name == b".." || matches!(classify_child(name), ChildKind::Other) {
            continue;
        }
        listing.push(name);
    }
    let listing = Arc::new(listing);
    if let Ok(mut cache) = LISTINGS.lock() {
        cache.retain(|(k, _)| k.path != key.path);
        if cache.len() >= LISTING_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((key, Arc::clone(&listing)));
    }
    Some(listing)
}

/// List a directory (or reuse its unchanged listing) and match its
/// metadata-like names against the pending queries.
fn scan_dir(
    path: &Path,
    egg: Option<&str>,
    pending: &[Option<&Prepared>],
) -> Option<Vec<Slot<Vec<u8>>>> {
    let names = metadata_names(path)?;
    let mut slots = empty_slots(pending.len());
    let mut matcher = Matcher::new(egg, pending);
    for name in names.names() {
        matcher.offer(name, &mut slots, || name.to_vec());
    }
    Some(slots)
}

/// Open `path` as a zip archive and match its top-level names (the first
/// path segment of every member, in central-directory order).
fn scan_zip(
    path: &Path,
    egg: Option<&str>,
    pending: &[Option<&Prepared>],
) -> Option<(ZipSource, Vec<Slot<String>>)> {
    // Opened without blocking, and only regular files are read: a FIFO on
    // the search path would block the reference, and no FIFO or device is a
    // zip archive it could read.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path)
        .ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let archive = ZipArchive::new(file).ok()?;
    let names = (0..archive.len())
        .map(|i| python_member_name(&archive.by_index_data(i).ok()?))
        .collect::<Option<Vec<String>>>()?;
    let mut slots = empty_slots(pending.len());
    let mut matcher = Matcher::new(egg, pending);
    for name in &names {
        let top = name.split('/').next().unwrap_or("");
        matcher.offer(top.as_bytes(), &mut slots, || top.to_owned());
    }
    Some((ZipSource { archive, names }, slots))
}

/// CP 437 for bytes 0x80..=0xFF (0x00..=0x7F are ASCII), as Python's codec.
const CP437_HIGH: [char; 128] = [
    '\u{00C7}', '\u{00FC}', '\u{00E9}', '\u{00E2}', '\u{00E4}', '\u{00E0}', '\u{00E5}', '\u{00E7}',
    '\u{00EA}', '\u{00EB}', '\u{00E8}', '\u{00EF}', '\u{00EE}', '\u{00EC}', '\u{00C4}', '\u{00C5}',
    '\u{00C9}', '\u{00E6}', '\u{00C6}', '\u{00F4}', '\u{00F6}', '\u{00F2}', '\u{00FB}', '\u{00F9}',
    '\u{00FF}', '\u{00D6}', '\u{00DC}', '\u{00A2}', '\u{00A3}', '\u{00A5}', '\u{20A7}', '\u{0192}',
    '\u{00E1}', '\u{00ED}', '\u{00F3}', '\u{00FA}', '\u{00F1}', '\u{00D1}', '\u{00AA}', '\u{00BA}',
    '\u{00BF}', '\u{2310}', '\u{00AC}', '\u{00BD}', '\u{00BC}', '\u{00A1}', '\u{00AB}', '\u{00BB}',
    '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{2561}', '\u{2562}', '\u{2556}',
    '\u{2555}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255D}', '\u{255C}', '\u{255B}', '\u{2510}',
    '\u{2514}', '\u{2534}', '\u{252C}', '\u{251C}', '\u{2500}', '\u{253C}', '\u{255E}', '\u{255F}',
    '\u{255A}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256C}', '\u{2567}',
    '\u{2568}', '\u{2564}', '\u{2565}', '\u{2559}', '\u{2558}', '\u{2552}', '\u{2553}', '\u{256B}',
    '\u{256A}', '\u{2518}', '\u{250C}', '\u{2588}', '\u{2584}', '\u{258C}', '\u{2590}', '\u{2580}',
    '\u{03B1}', '\u{00DF}', '\u{0393}', '\u{03C0}', '\u{03A3}', '\u{03C3}', '\u{00B5}', '\u{03C4}',
    '\u{03A6}', '\u{0398}', '\u{03A9}', '\u{03B4}', '\u{221E}', '\u{03C6}', '\u{03B5}', '\u{2229}',
    '\u{2261}', '\u{00B1}', '\u{2265}', '\u{2264}', '\u{2320}', '\u{2321}', '\u{00F7}', '\u{2248}',
    '\u{00B0}', '\u{2219}', '\u{00B7}', '\u{221A}', '\u{207F}', '\u{00B2}', '\u{25A0}', '\u{00A0}',
];

fn cp437(raw: &[u8]) -> String {
    raw.iter()
        .map(|&b| {
            if b < 0x80 {
                char::from(b)
            } else {
                CP437_HIGH[usize::from(b - 0x80)]
            }
        })
        .collect()
}

/// `zipfile._sanitize_filename` on POSIX: cut at the first NUL.
fn sanitize(mut name: String) -> String {
    if let Some(nul) = name.find('\0') {
        name.truncate(nul);
    }
    name
}

/// A member's name as CPython 3.12's `zipfile` reads it: UTF-8 when the
/// entry's flag bit 11 says so, CP 437 otherwise, cut at a NUL. `None` when
/// Python fails to open the whole archive (a flagged name that is not UTF-8).
///
/// Not reproduced: Python also lets an Info-ZIP Unicode Path extra field
/// (0x7075) whose CRC matches rename the member; the `zip` crate does not
/// expose central-directory extra fields.
fn python_member_name(entry: &zip::read::ZipFileEntry<'_>) -> Option<String> {
    let raw = entry.name_raw();
    let name = if entry.flags().as_u16() & 0x0800 != 0 {
        std::str::from_utf8(raw).ok()?.to_owned()
    } else {
        cp437(raw)
    };
    Some(sanitize(name))
}

/// The outcome of `PathDistribution.read_text(filename)`, as far as
/// `metadata['Version']` needs it.
enum Text {
    /// Suppressed error (missing, directory, permission…) or empty file:
    /// Python's `or` chain moves on.
    Skip,
    /// Non-empty text: the `Version` header of its header block, if any.
    Version(Option<String>),
}

/// Whether Python's `read_text` suppresses this error
/// (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError).
fn suppressed(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::NotFound
            | io::ErrorKind::IsADirectory
            | io::ErrorKind::NotADirectory
            | io::ErrorKind::PermissionDenied
    )
}

/// Read size per `read` call.
const CHUNK: usize = 16 * 1024;
/// Safety stop for non-regular files (e.g. a character device), which the
/// reference would read forever.
const NON_REGULAR_LIMIT: u64 = 64 * 1024 * 1024;

/// How much of a stream to read: where it ends, if known, and where to give up.
#[derive(Clone, Copy, Default)]
struct ReadBounds {
    /// The size `fstat` reported for a regular file. A short read that brings
    /// the total to exactly this size is taken as end of file (a regular file
    /// yields all it holds up to the space offered), which saves the final
    /// empty read; a file still growing reads on. Racing a writer gives a
    /// timing-dependent answer either way.
    size: Option<u64>,
    /// Give up past this many bytes (non-regular files).
    limit: Option<u64>,
}

/// Read a metadata stream: validate all of it as UTF-8 (Python decodes the
/// whole file and raises on any invalid byte) and take the `Version` header
/// from its header block.
fn read_headers(reader: impl Read, bounds: ReadBounds) -> Result<Text, ReadFailure> {
    READ_BUFFERS.with(|cell| {
        let mut fresh = (Vec::new(), Vec::new());
        let mut kept = cell.try_borrow_mut();
        // Only a reader that re-entered this function would find them taken.
        let (chunk, head) = match kept.as_deref_mut() {
            Ok(buffers) => buffers,
            Err(_) => &mut fresh,
        };
        chunk.resize(CHUNK + 4, 0);
        let read = read_header_block(reader, bounds, chunk, head);
        let text = match read {
            Ok(true) => Ok(Text::Version(version_from_metadata(header_text(head)))),
            Ok(false) => Ok(Text::Skip),
            Err(failure) => Err(failure),
        };
        // A hostile file with a huge header block must not stay allocated.
        if head.capacity() > KEPT_HEADER_CAPACITY {
            *head = Vec::new();
        }
        text
    })
}

thread_local! {
    /// The read buffer and the header bytes, kept between files: a check
    /// reads five, and fresh buffers for each (16 KiB zeroed, plus the header
    /// copies) were a measurable share of its time.
    static READ_BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// The most header-buffer capacity kept between files; real header blocks
/// are a few KiB.
const KEPT_HEADER_CAPACITY: usize = 4 * CHUNK;

/// `head` as text. It may end inside a character only if the header block
/// ended earlier, so cutting at the last valid boundary changes nothing.
fn header_text(head: &[u8]) -> &str {
    match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    }
}

/// Reads the whole stream through `chunk` (`CHUNK + 4` bytes), validating it
/// as UTF-8, and leaves in `head` the bytes read until the header block was
/// complete. `Ok(false)` for an empty stream.
fn read_header_block(
    mut reader: impl Read,
    bounds: ReadBounds,
    buf: &mut [u8],
    head: &mut Vec<u8>,
) -> Result<bool, ReadFailure> {
    let ReadBounds { size, limit } = bounds;
    let mut carry = 0usize; // incomplete UTF-8 sequence kept at buf[..carry]
    head.clear();
    let mut end = HeaderEnd::default();
    let mut header_done = false;
    let mut total: u64 = 0;
    loop {
        let n = match reader.read(&mut buf[carry..carry + CHUNK]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadFailure::Io(e)),
        };
        let at_end = n == 0 || (n < CHUNK && size == Some(total + n as u64));
        if n == 0 {
            if carry > 0 {
                return Err(ReadFailure::Utf8 {
                    offset: total - carry as u64,
                });
            }
            break;
        }
        if !header_done {
            head.extend_from_slice(&buf[carry..carry + n]);
            header_done = end.feed(head, false);
        }
        total += n as u64;
        if limit.is_some_and(|l| total > l) {
            return Err(ReadFailure::TooLarge);
        }
        let filled = carry + n;
        match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..filled, 0);
                carry = filled - valid;
            }
            Err(e) => {
                return Err(ReadFailure::Utf8 {
                    offset: total - (filled - e.valid_up_to()) as u64,
                });
            }
        }
        if at_end {
            if carry > 0 {
                return Err(ReadFailure::Utf8 {
                    offset: total - carry as u64,
                });
            }
            break;
        }
    }
    Ok(total > 0)
}

/// Why reading one metadata file failed (not suppressed).
enum ReadFailure {
    Io(io::Error),
    Utf8 { offset: u64 },
    TooLarge,
}

/// `read_text` on disk: open without blocking (a FIFO must not hang us),
/// refuse to follow nothing special — symlinks are followed like `open()`.
fn read_fs(path: &Path) -> Result<Text, DistributionError> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(OFlag::O_NONBLOCK.bits())
        .open(path)
    {
        Ok(f) => f,
        Err(e) if suppressed(&e) => return Ok(Text::Skip),
        Err(e) => {
            return Err(DistributionError::Read {
                path: path.to_owned(),
                source: e,
            })
        }
    };
    let bounds = match file.metadata() {
        Ok(m) if m.is_dir() => return Ok(Text::Skip),
        Ok(m) if m.is_file() => ReadBounds {
            size: Some(m.len()),
            limit: None,
        },
        Ok(_) => ReadBounds {
            size: None,
            limit: Some(NON_REGULAR_LIMIT),
        },
        Err(e) if suppressed(&e) => return Ok(Text::Skip),
        Err(e) => {
            return Err(DistributionError::Read {
                path: path.to_owned(),
                source: e,
            })
        }
    };
    match read_headers(file, bounds) {
        Ok(t) => Ok(t),
        Err(ReadFailure::Io(e)) if suppressed(&e) => Ok(Text::Skip),
        Err(ReadFailure::Io(e)) => Err(DistributionError::Read {
            path: path.to_owned(),
            source: e,
        }),
        Err(ReadFailure::Utf8 { offset }) => Err(DistributionError::InvalidUtf8 {
            path: path.to_owned(),
            offset,
        }),
        Err(ReadFailure::TooLarge) => Err(DistributionError::Read {
            path: path.to_owned(),
            source: io::Error::other("not a regular file and larger than 64 MiB"),
        }),
    }
}

/// `read_text` inside a zip (`zipfile.Path`): only an exact member name is
/// read; a missing member or a directory is skipped, and `read_text('')`
/// always names a directory there.
fn read_zip(
    zip: &mut ZipSource,
    archive_path: &Path,
    child: &str,
    filename: &str,
) -> Result<Text, DistributionError> {
    if filename.is_empty() {
        return Ok(Text::Skip);
    }
    let member = format!("{child}/{filename}");
    // `ZipFile.getinfo`: the last entry of that name.
    let Some(index) = zip.names.iter().rposition(|n| *n == member) else {
        return Ok(Text::Skip);
    };
    let zip_err = |source: zip::result::ZipError| DistributionError::Zip {
        archive: archive_path.to_owned(),
        member: member.clone(),
        source,
    };
    let file = zip.archive.by_index(index).map_err(zip_err)?;
    match read_headers(file, ReadBounds::default()) {
        Ok(t) => Ok(t),
        Err(ReadFailure::Io(e)) => Err(zip_err(zip::result::ZipError::Io(e))),
        Err(ReadFailure::Utf8 { offset }) => Err(DistributionError::InvalidUtf8 {
            path: archive_path.join(&member),
            offset,
        }),
        Err(ReadFailure::TooLarge) => Ok(Text::Skip), // no limit is passed for members
    }
}

/// `PathDistribution.metadata['Version']` for a matched location: the first
/// non-empty of `METADATA`, `PKG-INFO` and the entry itself.
pub(crate) fn read_version(
    location: &Location,
    archive: Option<(&mut ZipSource, &Path)>,
) -> Result<Option<String>, DistributionError> {
    const FILES: [&str; 3] = ["METADATA", "PKG-INFO", ""];
    match (location, archive) {
        (Location::Fs(dir), _) => {
            for filename in FILES {
                let path = if filename.is_empty() {
                    dir.clone()
                } else {
                    dir.join(filename)
                };
                if let Text::Version(version) = read_fs(&path)? {
                    return Ok(version);
                }
            }
            Ok(None)
        }
        (Location::Zip { child, .. }, Some((archive, archive_path))) => {
            for filename in FILES {
                if let Text::Version(version) = read_zip(archive, archive_path, child, filename)? {
                    return Ok(version);
                }
            }
            Ok(None)
        }
        (Location::Zip { .. }, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets the directory's modification time explicitly (file times have a
    /// coarse granularity, so two quick changes could otherwise share one).
    fn touch_dir(path: &Path, secs: i64) {
        use nix::sys::time::TimeSpec;
        let t = TimeSpec::new(secs, 0);
        stat::utimensat(
            nix::fcntl::AT_FDCWD,
            path,
            &t,
            &t,
            stat::UtimensatFlags::FollowSymlink,
        )
        .unwrap();
    }

    #[test]
    fn listings_are_reused_until_the_directory_changes() {
        let names = |path: &Path| -> Option<Vec<Vec<u8>>> {
            Some(metadata_names(path)?.names().map(<[u8]>::to_vec).collect())
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("a-1.dist-info")).unwrap();
        std::fs::create_dir(dir.path().join("not_metadata")).unwrap();
        touch_dir(dir.path(), 1_000_000);
        let first = metadata_names(dir.path()).unwrap();
        assert_eq!(names(dir.path()).unwrap(), vec![b"a-1.dist-info".to_vec()]);
        // Unchanged: the very same listing is shared, not listed again.
        assert!(Arc::ptr_eq(&first, &metadata_names(dir.path()).unwrap()));
        std::fs::create_dir(dir.path().join("b-1.dist-info")).unwrap();
        touch_dir(dir.path(), 1_000_000);
        // Same mtime, and the ctime changed: listed again.
        let mut second = names(dir.path()).unwrap();
        second.sort();
        assert_eq!(
            second,
            vec![b"a-1.dist-info".to_vec(), b"b-1.dist-info".to_vec()]
        );
        std::fs::remove_dir(dir.path().join("a-1.dist-info")).unwrap();
        touch_dir(dir.path(), 2_000_000);
        assert_eq!(names(dir.path()).unwrap(), vec![b"b-1.dist-info".to_vec()]);
        assert!(metadata_names(&dir.path().join("missing")).is_none());
    }

    #[test]
    fn one_listing_serves_pth_names_and_metadata_names() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a.pth",
            ".hidden.pth",
            "x.pth.bak",
            "pkg-1.0.dist-info",
            "pkg",
        ] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        let mut pth = pth_names(dir.path()).unwrap();
        pth.sort();
        assert_eq!(
            pth,
            vec![OsString::from(".hidden.pth"), OsString::from("a.pth")]
        );
        let cached = metadata_names(dir.path()).unwrap();
        // The distribution search reuses the listing the .pth scan made.
        assert!(Arc::ptr_eq(&cached, &metadata_names(dir.path()).unwrap()));
        assert_eq!(
            cached.names().collect::<Vec<_>>(),
            vec![b"pkg-1.0.dist-info".as_slice()]
        );
        assert_eq!(cached.pth.len(), 2);
        assert!(pth_names(&dir.path().join("missing")).is_none());
        // The other order: a listing made by the search serves the .pth scan.
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("z.pth"), "").unwrap();
        let listed = metadata_names(other.path()).unwrap();
        assert_eq!(
            pth_names(other.path()).unwrap(),
            vec![OsString::from("z.pth")]
        );
        assert!(Arc::ptr_eq(&listed, &metadata_names(other.path()).unwrap()));
    }

    fn headers_with(data: &[u8], size: Option<u64>) -> Result<Option<String>, u64> {
        let bounds = ReadBounds { size, limit: None };
        let (mut chunk, mut head) = (vec![0u8; CHUNK + 4], Vec::new());
        match read_header_block(data, bounds, &mut chunk, &mut head) {
            Ok(false) => Ok(None),
            Ok(true) => Ok(Some(header_text(&head).to_owned())),
            Err(ReadFailure::Utf8 { offset }) => Err(offset),
            Err(_) => Err(u64::MAX),
        }
    }

    #[test]
    fn read_headers_finds_the_version_and_reuses_its_buffers() {
        let version = |data: &[u8]| match read_headers(data, ReadBounds::default()) {
            Ok(Text::Version(v)) => Some(v),
            _ => None,
        };
        assert_eq!(version(b""), None);
        assert_eq!(
            version(b"Name: a\nVersion: 1.0\n\nVersion: 2"),
            Some(Some("1.0".into()))
        );
        // A second file must not see the first one's bytes.
        assert_eq!(version(b"Name: b\n"), Some(None));
        assert_eq!(version(b"Version: 3\n"), Some(Some("3".into())));
        let kept = || READ_BUFFERS.with(|cell| cell.borrow().1.capacity());
        assert!(kept() <= KEPT_HEADER_CAPACITY);
        // A header block of 1 MiB is read whole, but not kept afterwards,
        // whether the read succeeds or fails.
        let mut huge = b"Version: 4\nX: ".to_vec();
        huge.resize(1 << 20, b'x');
        assert_eq!(version(&huge), Some(Some("4".into())));
        assert!(kept() <= KEPT_HEADER_CAPACITY, "{}", kept());
        huge.push(0xff);
        assert!(read_headers(huge.as_slice(), ReadBounds::default()).is_err());
        assert!(kept() <= KEPT_HEADER_CAPACITY, "{}", kept());
    }

    /// The answer with no size known; the same answer must come with the
    /// true size and with stale sizes (a file that grew after `fstat`).
    fn headers(data: &[u8]) -> Result<Option<String>, u64> {
        let unknown = headers_with(data, None);
        let len = data.len() as u64;
        for size in [0, len / 2, len.saturating_sub(1), len, len + 1] {
            assert_eq!(headers_with(data, Some(size)), unknown, "size {size}");
        }
        unknown
    }

    /// A reader that counts its `read` calls.
    struct Counting<'a> {
        data: &'a [u8],
        reads: usize,
    }

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            self.data.read(buf)
        }
    }

    #[test]
    fn a_short_read_at_the_known_size_ends_the_file() {
        let data = b"Version: 1\n\nbody".repeat(100);
        let count = |size| {
            let mut reader = Counting {
                data: &data,
                reads: 0,
            };
            let bounds = ReadBounds { size, limit: None };
            assert!(matches!(
                read_headers(&mut reader, bounds),
                Ok(Text::Version(_))
            ));
            reader.reads
        };
        assert_eq!(count(Some(data.len() as u64)), 1);
        assert_eq!(count(None), 2);
        assert_eq!(count(Some(3)), 2); // grew after fstat: read on to EOF
        let exact_chunk = vec![b'a'; CHUNK];
        let mut reader = Counting {
            data: &exact_chunk,
            reads: 0,
        };
        let bounds = ReadBounds {
            size: Some(CHUNK as u64),
            limit: None,
        };
        assert!(read_headers(&mut reader, bounds).is_ok());
        assert_eq!(reader.reads, 2); // a full read is not a short one
    }

    #[test]
    fn read_headers_validates_everything_keeps_headers() {
        assert_eq!(headers(b""), Ok(None));
        assert_eq!(headers(b"\n"), Ok(Some("\n".into())));
        assert_eq!(headers(b"Version: 1\n\nbody \xff"), Err(17));
        assert_eq!(headers(b"Version: 1\n\nbody \xe2\x82"), Err(17));
        let mut big = b"Version: 1\n\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 3 * CHUNK));
        big.extend("é€😀".as_bytes());
        let text = headers(&big).ok().flatten().unwrap_or_default();
        assert!(text.starts_with("Version: 1\n\n"));
        assert!(text.len() <= CHUNK);
        big.push(0xc3);
        assert_eq!(headers(&big), Err(big.len() as u64 - 1));
    }

    #[test]
    fn multibyte_across_chunks() {
        for pad in 0..4 {
            let mut data = b"Version: 1\n".to_vec();
            data.extend(std::iter::repeat_n(b' ', CHUNK - 11 - pad));
            data.extend("😀😀".as_bytes());
            assert!(headers(&data).is_ok(), "pad {pad}");
        }
    }

    #[test]
    fn suppressed_errors_are_pythons() {
        for (errno, expected) in [
            (nix::libc::ENOENT, true),
            (nix::libc::EISDIR, true),
            (nix::libc::ENOTDIR, true),
            (nix::libc::EACCES, true),
            (nix::libc::EPERM, true),
            (nix::libc::ELOOP, false),
            (nix::libc::ENAMETOOLONG, false),
            (nix::libc::EIO, false),
            (nix::libc::ENXIO, false),
        ] {
            assert_eq!(
                suppressed(&io::Error::from_raw_os_error(errno)),
                expected,
                "errno {errno}"
            );
        }
    }

    #[test]
    fn cp437_matches_python() {
        assert_eq!(
            cp437(b"abc/\x80\x9e\xe4\xff"),
            "abc/\u{c7}\u{20a7}\u{3a3}\u{a0}"
        );
        assert_eq!(sanitize("a\0b".to_owned()), "a");
    }

    #[test]
    fn basename_is_raw() {
        assert_eq!(raw_basename(Path::new("/a/x.egg/")), b"");
        assert_eq!(raw_basename(Path::new("/a/x.egg")), b"x.egg");
        assert_eq!(raw_basename(Path::new("x.egg")), b"x.egg");
    }
}
