//! The on-disk interpreter cache: an interpreter's answer, kept while the
//! interpreter file and the variables that shape the answer stay the same.
//!
//! One file per interpreter and variable set, under
//! `$XDG_CACHE_HOME/setup-stamp/interpreters/` (or `~/.cache/...`). The file
//! repeats its full key; a file whose key differs is stale, one that cannot
//! be parsed is corrupt: both are ignored and rewritten (temporary file, then
//! rename, so readers never see a partial file).

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::host::HostEnv;
use super::query::{escape, InterpreterInfo};
use super::InterpreterFlags;

/// The variables that change an interpreter's answer.
pub const KEY_VARIABLES: [&str; 4] = ["PYTHONHOME", "PYTHONNOUSERSITE", "PYTHONUSERBASE", "HOME"];

const MAGIC: &str = "setup-stamp interpreter cache 1";

/// What identifies one cached answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CacheKey {
    /// The interpreter's resolved path.
    pub path: PathBuf,
    /// Its size, modification time (ns) and inode.
    pub size: u64,
    pub mtime_ns: i128,
    pub inode: u64,
    /// The [`KEY_VARIABLES`] (unset is distinct from empty) and the options.
    pub vars: Vec<(String, Option<Vec<u8>>)>,
    pub options: String,
}

impl CacheKey {
    /// The key for running `interpreter` with `flags` in `host`; `None` when
    /// the interpreter cannot be examined.
    pub(crate) fn new(
        interpreter: &Path,
        host: &HostEnv,
        flags: &InterpreterFlags,
    ) -> Option<CacheKey> {
        let path = std::fs::canonicalize(interpreter).ok()?;
        let meta = std::fs::metadata(&path).ok()?;
        Some(CacheKey {
            path,
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
            inode: meta.ino(),
            vars: KEY_VARIABLES
                .iter()
                .map(|v| (v.to_string(), host.var(v).map(|x| x.as_bytes().to_vec())))
                .collect(),
            options: super::query::query_args(flags).join(""),
        })
    }

    fn header(&self) -> String {
        let mut s = format!("{MAGIC}\n");
        s.push_str(&format!(
            "key.path {}\n",
            escape(self.path.as_os_str().as_bytes())
        ));
        s.push_str(&format!("key.size {}\n", self.size));
        s.push_str(&format!("key.mtime_ns {}\n", self.mtime_ns));
        s.push_str(&format!("key.inode {}\n", self.inode));
        for (name, value) in &self.vars {
            let v = value
                .as_deref()
                .map_or_else(|| "-".to_owned(), |b| format!("={}", escape(b)));
            s.push_str(&format!("key.env.{name} {v}\n"));
        }
        s.push_str(&format!("key.options {}\n", self.options));
        s
    }

    /// The file name: a hash of the path, the variables and the options
    /// (not the file's stat, so a changed interpreter overwrites its entry).
    fn file_name(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut feed = |bytes: &[u8]| {
            for &b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
            h ^= 0xff;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        };
        feed(self.path.as_os_str().as_bytes());
        for (name, value) in &self.vars {
            feed(name.as_bytes());
            match value {
                Some(v) => feed(&[&b"="[..], v].concat()),
                None => feed(b"-"),
            }
        }
        feed(self.options.as_bytes());
        format!("{h:016x}.txt")
    }
}

/// The cache directory: `$XDG_CACHE_HOME/setup-stamp` when that variable
/// is an absolute path, else `~/.cache/setup-stamp`; `None` without a home.
pub fn cache_dir(host: &HostEnv) -> Option<PathBuf> {
    let base = match host.var("XDG_CACHE_HOME").map(Path::new) {
        Some(p) if p.is_absolute() => p.to_path_buf(),
        _ => host.expand_home(".cache")?,
    };
    Some(base.join("setup-stamp"))
}

/// Outcome of a cache lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// A valid entry.
    Hit(InterpreterInfo),
    /// No entry, or an entry for another version of the file.
    Miss,
    /// An entry that cannot be read or parsed (it will be rewritten).
    Corrupt(String),
}

/// The cache file for `key` under `dir`.
pub(crate) fn entry_path(dir: &Path, key: &CacheKey) -> PathBuf {
    dir.join("interpreters").join(key.file_name())
}

/// Looks `key` up in `dir`.
pub(crate) fn load(dir: &Path, key: &CacheKey) -> Lookup {
    let file = entry_path(dir, key);
    let bytes = match std::fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
        Err(e) => return Lookup::Corrupt(format!("{}: {e}", file.display())),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Lookup::Corrupt(format!("{}: not UTF-8", file.display()));
    };
    let header = key.header();
    if !text.starts_with(MAGIC) {
        return Lookup::Corrupt(format!("{}: not a cache file", file.display()));
    }
    let Some(body) = text.strip_prefix(&header) else {
        // Same name, other key: the interpreter changed.
        return Lookup::Miss;
    };
    match InterpreterInfo::from_lines(body.lines()) {
        Ok(info) if body.ends_with("end\n") => Lookup::Hit(info),
        Ok(_) => Lookup::Corrupt(format!("{}: trailing data", file.display())),
        Err(e) => Lookup::Corrupt(format!("{}: {e}", file.display())),
    }
}

/// Stores `info` under `key`: written to a temporary file in the same
/// directory, then renamed over the entry.
pub(crate) fn store(
    dir: &Path,
    key: &CacheKey,
    info: &InterpreterInfo,
) -> std::io::Result<PathBuf> {
    let file = entry_path(dir, key);
    let parent = file.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = parent.join(format!(
        ".{}.{}.{nanos}.tmp",
        key.file_name(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(key.header().as_bytes())?;
        f.write_all(info.to_lines().as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &file)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map(|()| file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> InterpreterInfo {
        InterpreterInfo {
            executable: PathBuf::from("/usr/bin/python3"),
            prefix: PathBuf::from("/usr"),
            base_prefix: PathBuf::from("/usr"),
            version: (3, 12, 1),
            platlibdir: "lib".into(),
            stdlib: vec![PathBuf::from("/usr/lib/python3.12")],
            site_dirs: vec![PathBuf::from("/usr/lib/python3.12/site-packages")],
            user_site_enabled: true,
            user_base: Some(PathBuf::from("/h/.local")),
            user_site: Some(PathBuf::from("/h/.local/lib/python3.12/site-packages")),
        }
    }

    #[test]
    fn dir_rules() {
        let h = HostEnv::empty("/").with_var("HOME", "/h");
        assert_eq!(
            cache_dir(&h).unwrap(),
            PathBuf::from("/h/.cache/setup-stamp")
        );
        let h2 = h.clone().with_var("XDG_CACHE_HOME", "/c");
        assert_eq!(cache_dir(&h2).unwrap(), PathBuf::from("/c/setup-stamp"));
        let h3 = h.with_var("XDG_CACHE_HOME", "rel");
        assert_eq!(
            cache_dir(&h3).unwrap(),
            PathBuf::from("/h/.cache/setup-stamp")
        );
    }

    #[test]
    fn store_load_stale_corrupt() {
        let tmp = tempfile::tempdir().unwrap();
        let exe = tmp.path().join("python");
        std::fs::write(&exe, "binary").unwrap();
        let host = HostEnv::empty(tmp.path()).with_var("HOME", "/h");
        let flags = InterpreterFlags::default();
        let key = CacheKey::new(&exe, &host, &flags).unwrap();
        let dir = tmp.path().join("cache");
        assert_eq!(load(&dir, &key), Lookup::Miss);
        let file = store(&dir, &key, &info()).unwrap();
        assert_eq!(load(&dir, &key), Lookup::Hit(info()));
        // Only the entry is left behind, no temporary file.
        assert_eq!(
            std::fs::read_dir(file.parent().unwrap()).unwrap().count(),
            1
        );
        // Another variable value: another entry.
        let other =
            CacheKey::new(&exe, &host.clone().with_var("PYTHONUSERBASE", "/u"), &flags).unwrap();
        assert_ne!(entry_path(&dir, &other), file);
        assert_eq!(load(&dir, &other), Lookup::Miss);
        // Unset and empty differ.
        let empty = CacheKey::new(&exe, &host.clone().with_var("PYTHONHOME", ""), &flags).unwrap();
        assert_ne!(empty, key);
        // The interpreter changes: stale.
        std::fs::write(&exe, "binary, rebuilt").unwrap();
        let key2 = CacheKey::new(&exe, &host, &flags).unwrap();
        assert_eq!(entry_path(&dir, &key2), file);
        assert_eq!(load(&dir, &key2), Lookup::Miss);
        // Corrupt entries are reported and rewritten.
        std::fs::write(&file, "garbage").unwrap();
        assert!(matches!(load(&dir, &key2), Lookup::Corrupt(_)));
        let truncated = format!("{}executable /x\n", key2.header());
        std::fs::write(&file, truncated).unwrap();
        assert!(matches!(load(&dir, &key2), Lookup::Corrupt(_)));
        std::fs::write(&file, b"\xff\xfe").unwrap();
        assert!(matches!(load(&dir, &key2), Lookup::Corrupt(_)));
        store(&dir, &key2, &info()).unwrap();
        assert_eq!(load(&dir, &key2), Lookup::Hit(info()));
    }
}
