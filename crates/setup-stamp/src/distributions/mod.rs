//! Finding installed distributions on a search path, as `importlib.metadata` does.
//!
//! [`find_distributions`] answers `importlib.metadata.version(name)` of
//! CPython 3.12 for several names at once, over an explicit, ordered search
//! path (the equivalent of `sys.path`):
//!
//! - Entries are walked in order and the first match wins. `""` is the
//!   current directory. Missing entries, plain files that are not zip
//!   archives and unreadable directories are skipped silently. A zip archive
//!   (e.g. a wheel) is searched by its top-level names; a `*.egg` entry
//!   (directory or zip) also offers its `EGG-INFO`.
//! - Within a directory, candidates come in directory-listing (readdir)
//!   order, never sorted; all `.dist-info` / `.egg-info` matches of an entry
//!   come before its `EGG-INFO` match.
//! - A child matches when its lower-cased name ends in `.dist-info` or
//!   `.egg-info`; its project name is the part before the last `.`, then
//!   before the first `-`, normalised like the query (runs of `-_.` become
//!   `_`, lower-cased). `terok-sandbox-1.4.dist-info` is thus filed under
//!   `terok`. The `Name:` header is never read. `EGG-INFO` matches by the
//!   egg's own base name with the legacy normalisation (lower-cased, `-` to
//!   `_`).
//! - The version is the `Version` header of the first non-empty of
//!   `METADATA`, `PKG-INFO` and the entry itself, parsed like Python's email
//!   parser (see [`version_from_metadata`]). Missing, unreadable and
//!   directory-typed files are skipped; invalid UTF-8 is an error.
//!
//! Each search-path entry is listed at most once for all names together,
//! entries after the point where every name is resolved are not touched, and
//! only the chosen metadata files are read. Those are read to the end in
//! fixed-size chunks, because Python decodes the whole file and raises on
//! invalid UTF-8 even far after the headers; only the header block is kept
//! in memory, however long the file.
//!
//! Deliberate differences from the reference (all in situations the
//! reference handles badly): a FIFO, as a metadata file or as a search-path
//! entry, is opened without blocking (the reference hangs until a writer
//! appears): as a metadata file it reads as empty when no writer is there,
//! as an entry it is skipped; a non-regular metadata file larger than 64 MiB
//! is an error (the reference reads a character device forever).
//!
//! Known limits: zip archives are read with the `zip` crate: member names are decoded as
//! Python does (UTF-8 when flagged, else CP 437, cut at a NUL) except that an
//! Info-ZIP Unicode Path extra field is not applied; members are readable
//! only with the compression methods this crate is built with (stored,
//! deflate), others are an error; archives the crate rejects but Python
//! accepts (or the reverse) are skipped (or searched).

mod archive;
mod listing;
mod metadata;
mod name;
mod py312_case;
mod read;
mod search;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

pub use metadata::version_from_metadata;
pub use name::{legacy_normalize, normalize};

use archive::ZipSource;
pub(crate) use listing::pth_names;
use name::Prepared;
use read::read_version;
use search::{scan_entry, Location};

/// A distribution found for one queried name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDistribution {
    /// The queried name, as given.
    pub name: String,
    /// The `Version` header of its metadata, `None` when there is none (or no
    /// metadata text at all): Python's `version()` returns `None` then.
    pub version: Option<String>,
    /// The matched `.dist-info` / `.egg-info` / `EGG-INFO` entry: the search
    /// entry joined with the child's name. For a zip archive this is a
    /// virtual path inside the archive (`wheel.whl/pkg-1.0.dist-info`).
    pub metadata_dir: PathBuf,
    /// The search-path entry it was found under, as given.
    pub search_entry: PathBuf,
}

/// Why a lookup raised in the reference instead of answering.
#[derive(Debug)]
pub enum DistributionError {
    /// An empty name was queried (Python: `ValueError: A distribution name is
    /// required.`).
    EmptyName,
    /// The chosen metadata file is not valid UTF-8 (Python:
    /// `UnicodeDecodeError`).
    InvalidUtf8 {
        /// The file (for a zip member: archive path joined with member name).
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        offset: u64,
    },
    /// Reading the chosen metadata file failed with an error Python does not
    /// suppress (anything but not-found, is-a-directory, not-a-directory and
    /// permission errors), e.g. a symlink loop or an I/O error.
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A member of a zip archive on the search path could not be read
    /// (corrupt data, bad checksum, encryption, unsupported compression).
    Zip {
        /// The archive on the search path.
        archive: PathBuf,
        /// The member's name inside the archive.
        member: String,
        /// The underlying error.
        source: zip::result::ZipError,
    },
}

impl fmt::Display for DistributionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistributionError::EmptyName => write!(f, "a distribution name is required"),
            DistributionError::InvalidUtf8 { path, offset } => write!(
                f,
                "cannot read distribution metadata {}: invalid UTF-8 at byte {offset}",
                path.display()
            ),
            DistributionError::Read { path, source } => {
                write!(
                    f,
                    "cannot read distribution metadata {}: {source}",
                    path.display()
                )
            }
            DistributionError::Zip {
                archive,
                member,
                source,
            } => write!(
                f,
                "cannot read distribution metadata {member} in {}: {source}",
                archive.display()
            ),
        }
    }
}

impl std::error::Error for DistributionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            DistributionError::EmptyName | DistributionError::InvalidUtf8 { .. } => None,
            DistributionError::Read { source, .. } => Some(source),
            DistributionError::Zip { source, .. } => Some(source),
        }
    }
}

/// Find each of `names` on `search_path`, like `importlib.metadata.version`
/// of CPython 3.12 with `sys.path = search_path`.
///
/// Returns one result per name, in order: `None` when the name is not found
/// (Python: `PackageNotFoundError`). The first error, in name order, is
/// returned as `Err` (Python raises it from `version()`), including an empty
/// name.
///
/// ```
/// use setup_stamp::distributions::find_distributions;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let site = tempfile::tempdir()?;
/// let info = site.path().join("terok_sandbox-0.6.0.dist-info");
/// std::fs::create_dir(&info)?;
/// std::fs::write(info.join("METADATA"), "Metadata-Version: 2.1\nName: terok-sandbox\nVersion: 0.6.0\n")?;
///
/// let found = find_distributions(&[site.path().to_owned()], &["terok-sandbox", "terok"])?;
/// assert_eq!(found[0].as_ref().and_then(|d| d.version.as_deref()), Some("0.6.0"));
/// assert!(found[1].is_none());
/// # Ok(()) }
/// ```
pub fn find_distributions(
    search_path: &[PathBuf],
    names: &[&str],
) -> Result<Vec<Option<FoundDistribution>>, DistributionError> {
    let prepared = prepare(names);
    let (resolved, mut archives) = locate(search_path, &prepared);
    let mut out = Vec::with_capacity(names.len());
    for ((name, query), found) in names.iter().zip(&prepared).zip(resolved) {
        if query.is_none() {
            return Err(DistributionError::EmptyName);
        }
        let Some((entry_index, location)) = found else {
            out.push(None);
            continue;
        };
        let search_entry = &search_path[entry_index];
        let archive = archives
            .iter_mut()
            .find(|(i, _)| *i == entry_index)
            .map(|(_, a)| (a, search_entry.as_path()));
        let version = read_version(&location, archive)?;
        let metadata_dir = match &location {
            Location::Fs(path) => path.clone(),
            Location::Zip { child } => Path::new(search_entry).join(child),
        };
        out.push(Some(FoundDistribution {
            name: (*name).to_owned(),
            version,
            metadata_dir,
            search_entry: search_entry.clone(),
        }));
    }
    Ok(out)
}

/// Which of `names` have a distribution on `search_path`, like
/// `importlib.metadata.distribution(name)` succeeding — without reading
/// any metadata (so without its errors: a name whose metadata cannot be
/// read counts as present).
///
/// ```
/// use setup_stamp::distributions::distributions_present;
/// let site = tempfile::tempdir()?;
/// std::fs::create_dir(site.path().join("terok-0.9.1.dist-info"))?;
/// let found = distributions_present(&[site.path().to_owned()], &["terok", "terok-util"]);
/// assert_eq!(found, [true, false]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn distributions_present(search_path: &[PathBuf], names: &[&str]) -> Vec<bool> {
    let prepared = prepare(names);
    let (resolved, _) = locate(search_path, &prepared);
    resolved.iter().map(Option::is_some).collect()
}

fn prepare(names: &[&str]) -> Vec<Option<Prepared>> {
    names
        .iter()
        .map(|n| (!n.is_empty()).then(|| Prepared::new(n)))
        .collect()
}

/// Per name: the index of the search entry and the matched location.
type Resolved = Vec<Option<(usize, Location)>>;

/// The archives opened while scanning, by search entry, kept for reading
/// the matched members.
type Opened = Vec<(usize, ZipSource)>;

fn locate(search_path: &[PathBuf], prepared: &[Option<Prepared>]) -> (Resolved, Opened) {
    let mut resolved: Resolved = prepared.iter().map(|_| None).collect();
    // Archives opened while scanning, kept for reading the matched members.
    let mut archives = Vec::new();

    // An entry repeated later on the path finds nothing new: skip it.
    let mut scanned: Vec<&PathBuf> = Vec::new();
    for (entry_index, entry) in search_path.iter().enumerate() {
        if scanned.contains(&entry) {
            continue;
        }
        scanned.push(entry);
        let pending: Vec<Option<&Prepared>> = prepared
            .iter()
            .zip(&resolved)
            .map(|(p, r)| if r.is_none() { p.as_ref() } else { None })
            .collect();
        if pending.iter().all(Option::is_none) {
            break;
        }
        let scan = scan_entry(entry, &pending);
        let mut used = false;
        for (slot, found) in resolved.iter_mut().zip(scan.matches) {
            if let Some(location) = found {
                *slot = Some((entry_index, location));
                used = true;
            }
        }
        if let (true, Some(archive)) = (used, scan.archive) {
            archives.push((entry_index, archive));
        }
    }

    (resolved, archives)
}
