//! Pure path rules of Python 3.12 on POSIX: `pathlib` parsing and joining,
//! `os.path.normpath`, `os.path.join` and `~` expansion (`Path.expanduser`).
//!
//! Paths are raw bytes (`OsStr` on Unix), like Python's surrogate-escaped `str`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use super::host::Host;

/// A parsed `pathlib.PurePosixPath`: its root (`""`, `"/"` or `"//"`) and its parts
/// (no empty and no `.` parts; `..` kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurePath {
    /// `b""` (relative), `b"/"` or `b"//"` (exactly two leading slashes are kept).
    pub root: &'static [u8],
    /// The components, without `""` and `"."`.
    pub parts: Vec<Vec<u8>>,
}

impl PurePath {
    /// Parses like `pathlib.PurePosixPath(text)`.
    pub fn parse(text: &[u8]) -> PurePath {
        let (root, rest): (&'static [u8], &[u8]) = if !text.starts_with(b"/") {
            (b"", text)
        } else if text.get(1) != Some(&b'/') || text.get(2) == Some(&b'/') {
            (b"/", &text[1..])
        } else {
            (b"//", &text[2..])
        };
        let parts = rest
            .split(|&b| b == b'/')
            .filter(|p| !p.is_empty() && *p != b".")
            .map(<[u8]>::to_vec)
            .collect();
        PurePath { root, parts }
    }

    /// `str(path)`: root plus parts joined by `/`, or `.` when both are empty.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.root.to_vec();
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                out.push(b'/');
            }
            out.extend_from_slice(part);
        }
        if out.is_empty() {
            out.push(b'.');
        }
        out
    }

    /// `self / other` for another path: an absolute `other` replaces `self`.
    pub fn join(&self, other: &[u8]) -> PurePath {
        let other = PurePath::parse(other);
        if !other.root.is_empty() {
            return other;
        }
        let mut parts = self.parts.clone();
        parts.extend(other.parts);
        PurePath {
            root: self.root,
            parts,
        }
    }

    /// The path as a `PathBuf` (same bytes as `str(path)`).
    pub fn to_path_buf(&self) -> PathBuf {
        PathBuf::from(OsString::from_vec(self.to_bytes()))
    }
}

/// `str(pathlib.PurePosixPath(text))`.
///
/// ```
/// use setup_stamp::location::pathlib::normalize;
/// assert_eq!(normalize(b"//a//b/./c/../"), b"//a/b/c/..".to_vec());
/// assert_eq!(normalize(b"///a"), b"/a".to_vec());
/// assert_eq!(normalize(b"./"), b".".to_vec());
/// ```
pub fn normalize(text: &[u8]) -> Vec<u8> {
    PurePath::parse(text).to_bytes()
}

/// `posixpath.join(a, b)` for two strings (no normalisation).
pub fn posix_join(a: &[u8], b: &[u8]) -> Vec<u8> {
    if b.starts_with(b"/") {
        return b.to_vec();
    }
    let mut out = a.to_vec();
    if !out.is_empty() && !out.ends_with(b"/") {
        out.push(b'/');
    }
    out.extend_from_slice(b);
    out
}

/// `posixpath.normpath(path)`: lexical; `..` collapses against a previous part.
pub fn normpath(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let initial: usize = if !path.starts_with(b"/") {
        0
    } else if path.starts_with(b"//") && !path.starts_with(b"///") {
        2
    } else {
        1
    };
    let mut parts: Vec<&[u8]> = Vec::new();
    for comp in path.split(|&b| b == b'/') {
        if comp.is_empty() || comp == b"." {
            continue;
        }
        if comp != b".."
            || (initial == 0 && parts.is_empty())
            || parts.last().is_some_and(|p| *p == b"..")
        {
            parts.push(comp);
        } else if !parts.is_empty() {
            parts.pop();
        }
    }
    let mut out = vec![b'/'; initial];
    out.extend_from_slice(&parts.join(&b'/'));
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// Why `~` could not be expanded (Python raises `RuntimeError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpandError {
    /// `~` with `HOME` unset and no passwd entry for the real uid.
    NoHome,
    /// `~name` where `name` has no passwd entry.
    UnknownUser(OsString),
    /// The home found itself starts with `~` (for example `HOME=~x`).
    HomeStartsWithTilde(OsString),
    /// The user name contains a NUL byte (Python raises `ValueError`).
    NulInName(OsString),
}

/// `os.path.expanduser` for one leading component that starts with `~` (no `/` in it).
/// `Ok(None)`-like failures are reported as [`ExpandError`].
fn expand_tilde_component(component: &[u8], host: &dyn Host) -> Result<Vec<u8>, ExpandError> {
    let home = if component == b"~" {
        match host.var_os("HOME") {
            Some(home) => home.into_vec(),
            None => host
                .home_of_uid(host.real_uid())
                .ok_or(ExpandError::NoHome)?
                .into_vec(),
        }
    } else {
        let name = &component[1..];
        let name_os = OsStr::from_bytes(name).to_os_string();
        if name.contains(&0) {
            return Err(ExpandError::NulInName(name_os));
        }
        host.home_of_user(&name_os)
            .ok_or(ExpandError::UnknownUser(name_os))?
            .into_vec()
    };
    let mut end = home.len();
    while end > 0 && home[end - 1] == b'/' {
        end -= 1;
    }
    let out = if end == 0 {
        b"/".to_vec()
    } else {
        home[..end].to_vec()
    };
    if out.starts_with(b"~") {
        return Err(ExpandError::HomeStartsWithTilde(OsString::from_vec(out)));
    }
    Ok(out)
}

/// `Path.expanduser()` of Python 3.12: only a relative path whose first part starts
/// with `~` is expanded; the result is re-parsed (normalised).
pub fn expanduser(path: &PurePath, host: &dyn Host) -> Result<PurePath, ExpandError> {
    match path.parts.first() {
        Some(first) if path.root.is_empty() && first.starts_with(b"~") => {
            let home = expand_tilde_component(first, host)?;
            let mut out = PurePath::parse(&home);
            out.parts.extend(path.parts[1..].iter().cloned());
            Ok(out)
        }
        _ => Ok(path.clone()),
    }
}

/// Python's `str.isspace` for one character (Unicode White_Space plus U+001C..U+001F).
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::host::MapHost;

    fn n(s: &str) -> String {
        String::from_utf8(normalize(s.as_bytes())).unwrap()
    }

    #[test]
    fn pathlib_normalisation() {
        assert_eq!(n("."), ".");
        assert_eq!(n(" "), " ");
        assert_eq!(n("//x"), "//x");
        assert_eq!(n("///x//y/"), "/x/y");
        assert_eq!(n("a/./b/../c"), "a/b/../c");
        assert_eq!(n("/"), "/");
        assert_eq!(n("//"), "//");
        assert_eq!(n("///"), "/");
    }

    #[test]
    fn normpath_rules() {
        let np = |s: &str| String::from_utf8(normpath(s.as_bytes())).unwrap();
        assert_eq!(np("/a/../../b"), "/b");
        assert_eq!(np("a/../../b"), "../b");
        assert_eq!(np("//a/./b/"), "//a/b");
        assert_eq!(np(""), ".");
        assert_eq!(np("a/.."), ".");
    }

    #[test]
    fn join_rules() {
        assert_eq!(posix_join(b"/d/", b"terok"), b"/d/terok".to_vec());
        assert_eq!(posix_join(b"/d", b"terok"), b"/d/terok".to_vec());
        assert_eq!(posix_join(b"", b"terok"), b"terok".to_vec());
        let p = PurePath::parse(b".").join(b"setup.stamp");
        assert_eq!(p.to_bytes(), b"setup.stamp".to_vec());
    }

    #[test]
    fn tilde() {
        let host = MapHost::new(5)
            .env("HOME", "/h//")
            .user("bob", 7, "/home/bob/");
        let e = |s: &str| {
            expanduser(&PurePath::parse(s.as_bytes()), &host)
                .map(|p| String::from_utf8(p.to_bytes()).unwrap())
        };
        assert_eq!(e("~/x").unwrap(), "/h/x");
        assert_eq!(e("~bob/x").unwrap(), "/home/bob/x");
        assert_eq!(e("/~/x").unwrap(), "/~/x");
        assert_eq!(e("a/~").unwrap(), "a/~");
        assert!(matches!(e("~zed"), Err(ExpandError::UnknownUser(_))));
        let nohome = MapHost::new(5);
        assert_eq!(
            expanduser(&PurePath::parse(b"~"), &nohome),
            Err(ExpandError::NoHome)
        );
        let empty = MapHost::new(5).env("HOME", "");
        assert_eq!(
            expanduser(&PurePath::parse(b"~/a"), &empty)
                .unwrap()
                .to_bytes(),
            b"/a".to_vec()
        );
        let tilde = MapHost::new(5).env("HOME", "~x");
        assert!(matches!(
            expanduser(&PurePath::parse(b"~/a"), &tilde),
            Err(ExpandError::HomeStartsWithTilde(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn normalisation_is_idempotent(text in "[/.a~]{0,12}") {
            let once = normalize(text.as_bytes());
            proptest::prop_assert_eq!(normalize(&once), once.clone());
            let np = normpath(text.as_bytes());
            proptest::prop_assert_eq!(normpath(&np), np);
            // pathlib never drops `..` and never produces an empty string.
            proptest::prop_assert!(!once.is_empty());
            let dots = |b: &[u8]| b.windows(2).filter(|w| *w == b"..").count();
            proptest::prop_assert!(dots(&once) <= dots(text.as_bytes()));
        }
    }
}
