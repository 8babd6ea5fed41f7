//! Directory listings of the search path, cached while the directory is
//! unchanged, as `importlib.metadata`'s `FastPath.lookup` is memoised on the
//! directory's modification time.
//!
//! One listing of a site directory serves both the distribution search (its
//! metadata-like names) and environment discovery (its `*.pth` names).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use nix::dir::Dir;
use nix::fcntl::OFlag;
use nix::sys::stat::{self, Mode};

use super::name::{classify_child, ChildKind};

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
pub(super) struct Listing {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    pth: Vec<Box<[u8]>>,
}

impl Listing {
    /// Append a metadata-like name.
    fn push(&mut self, name: &[u8]) {
        self.bytes.extend_from_slice(name);
        self.ends.push(self.bytes.len());
    }

    /// The metadata-like names, in readdir order.
    pub(super) fn names(&self) -> impl Iterator<Item = &[u8]> {
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
pub(super) fn metadata_names(path: &Path) -> Option<Arc<Listing>> {
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
}
