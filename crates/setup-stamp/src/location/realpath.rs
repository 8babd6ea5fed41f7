//! `Path.resolve()` (non-strict) of Python 3.12: `os.path.realpath(strict=False)`
//! followed by a `stat` that turns `ELOOP` into an error.
//!
//! Components are resolved left to right with `lstat`; a symlink is replaced by its
//! target (resolved recursively) before a following `..` is applied; a component
//! that cannot be `lstat`ed (missing, `EACCES`, …) is kept as written; the result is
//! made absolute against the current directory and normalised with `normpath`.
//! Version-sensitive: Python 3.13 raises on loops from `realpath` itself, 3.12 only
//! through the final `stat`.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::host::Host;
use super::pathlib::{normpath, posix_join};

/// Why `Path.resolve()` failed.
#[derive(Debug)]
pub enum RealpathError {
    /// `RuntimeError: Symlink loop from …`: the resolved path still hits `ELOOP`.
    SymlinkLoop(PathBuf),
    /// `readlink` failed on a component that `lstat` reported as a symlink.
    ReadLink(PathBuf, io::Error),
    /// The path is relative and the current directory is unknown (`getcwd` failed).
    CurrentDir(io::Error),
}

fn os(path: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(path))
}

fn split(path: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let i = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let (head, tail) = (&path[..i], &path[i..]);
    let mut head = head.to_vec();
    if !head.is_empty() && head.iter().any(|&b| b != b'/') {
        while head.last() == Some(&b'/') {
            head.pop();
        }
    }
    (head, tail.to_vec())
}

type Seen = HashMap<Vec<u8>, Option<Vec<u8>>>;

fn join_real(
    mut path: Vec<u8>,
    rest: &[u8],
    seen: &mut Seen,
) -> Result<(Vec<u8>, bool), RealpathError> {
    let mut rest: &[u8] = rest;
    if rest.starts_with(b"/") {
        rest = &rest[1..];
        path = b"/".to_vec();
    }
    while !rest.is_empty() {
        let (name, tail) = match rest.iter().position(|&b| b == b'/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &b""[..]),
        };
        rest = tail;
        if name.is_empty() || name == b"." {
            continue;
        }
        if name == b".." {
            if path.is_empty() {
                path = b"..".to_vec();
            } else {
                let (head, last) = split(&path);
                path = head;
                if last == b".." {
                    path = posix_join(&posix_join(&path, b".."), b"..");
                }
            }
            continue;
        }
        let newpath = posix_join(&path, name);
        let is_link = std::fs::symlink_metadata(os(&newpath))
            .map(|m| m.file_type().is_symlink())
            .unwrap_or(false);
        if !is_link {
            path = newpath;
            continue;
        }
        if let Some(cached) = seen.get(&newpath) {
            match cached {
                Some(resolved) => {
                    path = resolved.clone();
                    continue;
                }
                None => return Ok((posix_join(&newpath, rest), false)),
            }
        }
        seen.insert(newpath.clone(), None);
        let target = std::fs::read_link(os(&newpath))
            .map_err(|e| RealpathError::ReadLink(PathBuf::from(os(&newpath)), e))?
            .into_os_string()
            .into_vec();
        let (resolved, ok) = join_real(path, &target, seen)?;
        if !ok {
            return Ok((posix_join(&resolved, rest), false));
        }
        seen.insert(newpath, Some(resolved.clone()));
        path = resolved;
    }
    Ok((path, true))
}

/// `str(Path(text).resolve())` on Python 3.12 (`text` is already `str()` of a path).
///
/// A relative `text` is first joined to `host`'s current directory, so `lstat` sees
/// the same entries as Python's relative look-ups (`getcwd` is a physical path, so
/// `..` against it is the same lexically and physically); the directory is asked for
/// only when `text` is relative, like Python's final `abspath`.
pub fn resolve(text: &[u8], host: &dyn Host) -> Result<Vec<u8>, RealpathError> {
    let mut seen = Seen::new();
    let start = if text.starts_with(b"/") {
        text.to_vec()
    } else {
        let cwd = host
            .current_dir()
            .map_err(RealpathError::CurrentDir)?
            .into_os_string()
            .into_vec();
        posix_join(&cwd, text)
    };
    let (path, _) = join_real(Vec::new(), &start, &mut seen)?;
    let absolute = normpath(&path);
    if let Err(e) = std::fs::metadata(os(&absolute)) {
        if e.raw_os_error() == Some(nix::libc::ELOOP) {
            return Err(RealpathError::SymlinkLoop(PathBuf::from(os(&absolute))));
        }
    }
    Ok(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::host::MapHost;
    use std::os::unix::fs::symlink;

    #[test]
    fn resolves_symlinks_before_dotdot() {
        let dir = tempfile::tempdir().unwrap();
        let d = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(d.join("real/sub")).unwrap();
        symlink(d.join("real/sub"), d.join("link")).unwrap();
        symlink("loop2", d.join("loop1")).unwrap();
        symlink("loop1", d.join("loop2")).unwrap();
        let host = MapHost::new(1);
        let r = |p: &Path| {
            resolve(p.as_os_str().as_bytes(), &host).map(|v| PathBuf::from(OsStr::from_bytes(&v)))
        };
        assert_eq!(r(&d.join("link/../x")).unwrap(), d.join("real/x"));
        assert_eq!(r(&d.join("missing/../y/z")).unwrap(), d.join("y/z"));
        assert!(matches!(
            r(&d.join("loop1/x")),
            Err(RealpathError::SymlinkLoop(_))
        ));
        let host = MapHost {
            cwd: Some(d.clone()),
            ..MapHost::new(1)
        };
        // Relative paths are resolved from the host's current directory.
        assert_eq!(
            resolve(b"link/../a", &host).unwrap(),
            d.join("real/a").into_os_string().into_vec()
        );
    }
}
