//! The part of CPython's `site.py` that builds `sys.path`: duplicate removal
//! (`removeduppaths`), site directories (`addsitedir`) and `.pth` files
//! (`addpackage`), without executing anything.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::pyvenv::{is_py_space, universal_lines};

/// `posixpath.normpath` on raw bytes: collapses `//` (keeping a leading
/// exactly-two `//`), drops `.` components, applies `..` lexically (never
/// above the root of an absolute path); the empty path becomes `.`.
pub(crate) fn normpath(path: &OsStr) -> PathBuf {
    let bytes = path.as_bytes();
    if bytes.is_empty() {
        return PathBuf::from(".");
    }
    let initial_slashes = if bytes.starts_with(b"//") && !bytes.starts_with(b"///") {
        2
    } else if bytes.starts_with(b"/") {
        1
    } else {
        0
    };
    let mut parts: Vec<&[u8]> = Vec::new();
    for comp in bytes.split(|b| *b == b'/') {
        if comp.is_empty() || comp == b"." {
            continue;
        }
        if comp != b".."
            || (initial_slashes == 0 && parts.is_empty())
            || parts.last().is_some_and(|p| *p == b"..")
        {
            parts.push(comp);
        } else {
            parts.pop();
        }
    }
    let mut out = vec![b'/'; initial_slashes];
    out.extend(parts.join(&b'/'));
    if out.is_empty() {
        out.push(b'.');
    }
    PathBuf::from(OsString::from_vec(out))
}

/// `os.path.abspath`: joined to `cwd` when relative, then [`normpath`].
pub(crate) fn abspath(cwd: &Path, path: &Path) -> PathBuf {
    if path.as_os_str().as_bytes().starts_with(b"/") {
        normpath(path.as_os_str())
    } else {
        let mut joined = cwd.as_os_str().as_bytes().to_vec();
        if !path.as_os_str().is_empty() {
            if !joined.ends_with(b"/") {
                joined.push(b'/');
            }
            joined.extend(path.as_os_str().as_bytes());
        }
        normpath(OsStr::from_bytes(&joined))
    }
}

/// The directory lines of a `.pth` file, in order, as `site.addpackage`
/// selects them: comment lines (`#` in the first column) and blank lines are
/// skipped, `import` lines (`import ` or `import<TAB>` at the start) would be
/// executed by Python and are skipped here; the rest are right-stripped.
///
/// `minor_ge_13` selects Python 3.13's reading (a UTF-8 BOM is dropped and
/// lines split with `str.splitlines`); 3.12 reads with universal newlines.
/// Text that is not UTF-8 is read lossily (Python 3.12 would fail to start).
///
/// ```
/// use setup_stamp::environment::pth_directory_lines;
/// let lines = pth_directory_lines(b"# c\n\nimport os\n/abs/dir  \nrel\n", false);
/// assert_eq!(lines, vec!["/abs/dir".to_string(), "rel".to_string()]);
/// ```
pub fn pth_directory_lines(content: &[u8], minor_ge_13: bool) -> Vec<String> {
    let mut content = content;
    if minor_ge_13 {
        content = content.strip_prefix(b"\xef\xbb\xbf").unwrap_or(content);
    }
    let text = String::from_utf8_lossy(content);
    let lines: Vec<&str> = if minor_ge_13 {
        splitlines(&text)
    } else {
        universal_lines(&text).collect()
    };
    lines
        .into_iter()
        .filter(|line| !line.starts_with('#'))
        .filter(|line| !line.chars().all(is_py_space))
        .filter(|line| !line.starts_with("import ") && !line.starts_with("import\t"))
        .map(|line| line.trim_end_matches(is_py_space).to_owned())
        .collect()
}

/// Python's `str.splitlines()` (line ends not kept).
fn splitlines(text: &str) -> Vec<&str> {
    const ENDS: [char; 10] = [
        '\n', '\r', '\u{b}', '\u{c}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}',
        '\u{2029}',
    ];
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(ENDS) {
            None => {
                out.push(rest);
                break;
            }
            Some(i) => {
                out.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                rest = &rest[i + skip..];
            }
        }
    }
    out
}

/// `sys.path` under construction, with `site.py`'s set of known paths.
#[derive(Debug, Clone)]
pub(crate) struct PathBuilder {
    cwd: PathBuf,
    minor_ge_13: bool,
    pub(crate) entries: Vec<PathBuf>,
    known: HashSet<PathBuf>,
}

impl PathBuilder {
    /// An empty path; `version` is the interpreter's `(major, minor)`.
    pub(crate) fn new(cwd: &Path, version: (u32, u32)) -> PathBuilder {
        PathBuilder {
            cwd: cwd.to_path_buf(),
            minor_ge_13: version >= (3, 13),
            entries: Vec::new(),
            known: HashSet::new(),
        }
    }

    /// An entry of the initial `sys.path` (script directory, `PYTHONPATH`,
    /// standard library): made absolute and deduplicated as
    /// `site.removeduppaths` does.
    pub(crate) fn push_initial(&mut self, entry: &Path) {
        let dir = abspath(&self.cwd, entry);
        if self.known.insert(dir.clone()) {
            self.entries.push(dir);
        }
    }

    /// `site.addsitedir`: the directory itself (if not known yet), then its
    /// `.pth` files in sorted name order.
    pub(crate) fn add_site_dir(&mut self, sitedir: &Path) {
        let sitedir = abspath(&self.cwd, sitedir);
        if self.known.insert(sitedir.clone()) {
            self.entries.push(sitedir.clone());
        }
        // One listing serves this scan and, later, the distribution search.
        let Some(mut names) = crate::distributions::pth_names(&sitedir) else {
            return;
        };
        names.retain(|n| !(self.minor_ge_13 && n.as_bytes().starts_with(b".")));
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        for name in names {
            self.add_pth(&sitedir, &name);
        }
    }

    /// `site.addpackage` for one `.pth` file.
    fn add_pth(&mut self, sitedir: &Path, name: &OsStr) {
        let Ok(content) = std::fs::read(sitedir.join(name)) else {
            return;
        };
        for line in pth_directory_lines(&content, self.minor_ge_13) {
            let dir = abspath(&self.cwd, &sitedir.join(&line));
            if !self.known.contains(&dir) && std::fs::metadata(&dir).is_ok() {
                self.known.insert(dir.clone());
                self.entries.push(dir);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normpath(OsStr::new(s)).to_string_lossy().into_owned()
    }

    #[test]
    fn normpath_matches_posixpath() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("//", "//"),
            ("///", "/"),
            ("//a//b/", "//a/b"),
            ("///a", "/a"),
            ("/a/./b/../c", "/a/c"),
            ("/..", "/"),
            ("/../a", "/a"),
            ("a/../..", ".."),
            ("../a/..", ".."),
            ("a/b/../../..", ".."),
            ("./", "."),
            ("a//b", "a/b"),
        ] {
            assert_eq!(n(input), want, "{input:?}");
        }
    }

    #[test]
    fn abspath_joins_cwd() {
        let cwd = Path::new("/tmp/x");
        assert_eq!(abspath(cwd, Path::new("")), PathBuf::from("/tmp/x"));
        assert_eq!(
            abspath(cwd, Path::new("rel/../y")),
            PathBuf::from("/tmp/x/y")
        );
        assert_eq!(abspath(cwd, Path::new("/abs/.")), PathBuf::from("/abs"));
        assert_eq!(abspath(Path::new("/"), Path::new("a")), PathBuf::from("/a"));
    }

    #[test]
    fn pth_lines_312() {
        let text = b"#comment\n  #indented is a path\n\t\nimport sys; sys.path.append('x')\nimport\tos\nimportant\n  lead and trail  \r\nbare\rcr\n";
        assert_eq!(
            pth_directory_lines(text, false),
            vec![
                "  #indented is a path",
                "important",
                "  lead and trail",
                "bare",
                "cr"
            ]
        );
    }

    #[test]
    fn pth_lines_313_bom_and_separators() {
        let text = "\u{feff}a\u{2028}b\x0cc".as_bytes();
        assert_eq!(pth_directory_lines(text, true), vec!["a", "b", "c"]);
        // 3.12 keeps the BOM as part of the first line.
        assert_eq!(
            pth_directory_lines(b"\xef\xbb\xbfa", false),
            vec!["\u{feff}a"]
        );
    }

    #[test]
    fn site_dir_with_pth_files() {
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        std::fs::create_dir_all(site.join("sub")).unwrap();
        std::fs::create_dir_all(tmp.path().join("other")).unwrap();
        std::fs::write(
            site.join("b.pth"),
            format!("sub\n{}\nmissing\n", tmp.path().join("other").display()),
        )
        .unwrap();
        // Sorted before b.pth: adds `other` first; b.pth's duplicate is skipped.
        std::fs::write(site.join("a.pth"), "../other\nsub/.\n").unwrap();
        std::fs::write(site.join("c.pth.bak"), "sub\n").unwrap();
        let mut builder = PathBuilder::new(tmp.path(), (3, 12));
        builder.push_initial(&site.join("sub"));
        builder.add_site_dir(&site);
        assert_eq!(
            builder.entries,
            vec![site.join("sub"), site.clone(), tmp.path().join("other")]
        );
    }

    #[test]
    fn hidden_pth_skipped_from_313() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("d")).unwrap();
        std::fs::write(tmp.path().join(".hidden.pth"), "d\n").unwrap();
        let mut b12 = PathBuilder::new(tmp.path(), (3, 12));
        b12.add_site_dir(tmp.path());
        assert_eq!(b12.entries.len(), 2);
        let mut b13 = PathBuilder::new(tmp.path(), (3, 13));
        b13.add_site_dir(tmp.path());
        assert_eq!(b13.entries.len(), 1);
    }

    /// Every case of `tests/fixtures/environment/pth_cases.json`, generated
    /// by `gen_pth_cases.py` from CPython 3.12's `site.addsitedir`.
    #[test]
    fn pth_fixture_from_python() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/environment/pth_cases.json"
        ))
        .unwrap();
        let strings = |v: &serde_json::Value| -> Vec<String> {
            v.as_array()
                .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default()
        };
        for case in fixture["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path().canonicalize().unwrap();
            let root_s = root.to_str().unwrap();
            for d in strings(&case["dirs"]) {
                std::fs::create_dir_all(root.join(d)).unwrap();
            }
            for f in strings(&case["files"]) {
                std::fs::write(root.join(f), "").unwrap();
            }
            if let Some(links) = case["symlinks"].as_object() {
                for (link, target) in links {
                    std::os::unix::fs::symlink(target.as_str().unwrap(), root.join(link)).unwrap();
                }
            }
            for (file, text) in case["pth"].as_object().unwrap() {
                let text = text.as_str().unwrap().replace("$ROOT", root_s);
                std::fs::write(root.join("site").join(file), text).unwrap();
            }
            let mut b = PathBuilder::new(&root, (3, 12));
            let initial = strings(&case["initial"]);
            for p in &initial {
                b.push_initial(&root.join(p));
            }
            b.add_site_dir(&root.join("site"));
            let got: Vec<String> = b.entries[initial.len()..]
                .iter()
                .map(|p| {
                    let s = p.to_str().unwrap();
                    match s.strip_prefix(root_s) {
                        Some(rest) => format!("$ROOT{rest}"),
                        None => s.to_owned(),
                    }
                })
                .collect();
            assert_eq!(got, strings(&case["expected"]), "case {name}");
        }
    }

    /// `os.path.abspath` over generated inputs
    /// (`tests/fixtures/environment/normpath_cases.json`).
    #[test]
    fn abspath_fixture_from_python() {
        let fixture: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/environment/normpath_cases.json"
        ))
        .unwrap();
        let cwd = Path::new(fixture["cwd"].as_str().unwrap());
        let cases = fixture["cases"].as_array().unwrap();
        assert!(cases.len() > 1000);
        for case in cases {
            let input = case[0].as_str().unwrap();
            let want = case[1].as_str().unwrap();
            assert_eq!(
                abspath(cwd, Path::new(input)),
                PathBuf::from(want),
                "{input:?}"
            );
        }
    }
}
