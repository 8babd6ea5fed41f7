//! Walking the search path: directories, zip files and `*.egg` entries, as
//! `importlib.metadata.FastPath` / `Lookup` (CPython 3.12).
//!
//! Each entry is listed once (`listing.rs` for directories, `archive.rs` for zip
//! files) and its children are matched against the queries still pending; the
//! chosen metadata is read by `read.rs`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::archive::ZipSource;
use super::listing::metadata_names;
use super::name::{classify_child, egg_key, info_key, ChildKind, FirstBytes, Prepared};

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

    /// Offer the child `name` to every pending query; `owned` makes the value
    /// recorded in a slot it fills.
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

/// `n` slots with no match yet.
fn empty_slots<T>(n: usize) -> Vec<Slot<T>> {
    (0..n)
        .map(|_| Slot {
            info: None,
            egg: None,
        })
        .collect()
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
    let zip = ZipSource::open(path)?;
    let mut slots = empty_slots(pending.len());
    let mut matcher = Matcher::new(egg, pending);
    for name in &zip.names {
        let top = name.split('/').next().unwrap_or("");
        matcher.offer(top.as_bytes(), &mut slots, || top.to_owned());
    }
    Some((zip, slots))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basename_is_raw() {
        assert_eq!(raw_basename(Path::new("/a/x.egg/")), b"");
        assert_eq!(raw_basename(Path::new("/a/x.egg")), b"x.egg");
        assert_eq!(raw_basename(Path::new("x.egg")), b"x.egg");
    }
}
