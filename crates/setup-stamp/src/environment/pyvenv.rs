//! `pyvenv.cfg`: parsed exactly as CPython's `site.venv()` reads it.

/// The keys of a `pyvenv.cfg` that decide a virtual environment's search path.
///
/// Parsing follows `site.venv()` (CPython 3.12): every line containing `=` is
/// split at the first `=`; the key is stripped and lower-cased, the value
/// stripped; a later line overrides an earlier one. Lines without `=` are
/// ignored. `include-system-site-packages` defaults to *true* when the key is
/// absent, and only the value `true` (any case) counts as true.
///
/// ```
/// use setup_stamp::environment::PyvenvConfig;
/// let cfg = PyvenvConfig::parse("home = /usr/bin\ninclude-system-site-packages = False\nversion = 3.12.1\n");
/// assert_eq!(cfg.home.as_deref(), Some("/usr/bin"));
/// assert!(!cfg.include_system_site_packages);
/// assert_eq!(cfg.python_version(), Some((3, 12)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PyvenvConfig {
    /// `home`: the directory of the base interpreter.
    pub home: Option<String>,
    /// `include-system-site-packages` (absent → true, as in `site.py`).
    pub include_system_site_packages: bool,
    /// `version` (written by `python -m venv`, e.g. `3.12.1`).
    pub version: Option<String>,
    /// `version_info` (written by virtualenv and uv, e.g. `3.12.1.final.0`).
    pub version_info: Option<String>,
}

/// Python's `str.isspace` for the characters that matter in configuration
/// text: Unicode white space plus the ASCII separators U+001C..U+001F, which
/// Python strips and Rust's `trim` keeps.
pub(crate) fn is_py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()`.
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Splits text into lines as Python's universal-newline reading does
/// (`\n`, `\r\n` and a lone `\r` end a line); line ends are not kept.
pub(crate) fn universal_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some(i) => {
                let line = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(line)
            }
        }
    })
}

impl PyvenvConfig {
    /// Parses the text of a `pyvenv.cfg` as `site.venv()` does.
    pub fn parse(text: &str) -> PyvenvConfig {
        let mut cfg = PyvenvConfig {
            home: None,
            include_system_site_packages: true,
            version: None,
            version_info: None,
        };
        for line in universal_lines(text) {
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = py_strip(key).to_lowercase();
            let value = py_strip(value);
            match key.as_str() {
                "include-system-site-packages" => {
                    cfg.include_system_site_packages = value.to_lowercase() == "true"
                }
                "home" => cfg.home = Some(value.to_owned()),
                "version" => cfg.version = Some(value.to_owned()),
                "version_info" => cfg.version_info = Some(value.to_owned()),
                _ => {}
            }
        }
        cfg
    }

    /// The interpreter's `major.minor`, from `version_info`, else `version`.
    pub fn python_version(&self) -> Option<(u32, u32)> {
        [self.version_info.as_deref(), self.version.as_deref()]
            .into_iter()
            .flatten()
            .find_map(parse_major_minor)
    }
}

/// `3.12.1`, `3.12`, `3.12.1.final.0`, `3.13.0rc1` → `(3, 12)` etc.
pub(crate) fn parse_major_minor(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor_text = parts.next()?;
    let digits: String = minor_text
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let minor = digits.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venv_module_output() {
        let cfg = PyvenvConfig::parse(
            "home = /root/.pyenv/versions/3.12.1/bin\ninclude-system-site-packages = false\nversion = 3.12.1\nexecutable = /x\ncommand = /x -m venv /tmp/v\n",
        );
        assert_eq!(
            cfg.home.as_deref(),
            Some("/root/.pyenv/versions/3.12.1/bin")
        );
        assert!(!cfg.include_system_site_packages);
        assert_eq!(cfg.python_version(), Some((3, 12)));
    }

    #[test]
    fn missing_system_site_key_means_true() {
        let cfg = PyvenvConfig::parse("home = /usr/bin\n");
        assert!(cfg.include_system_site_packages);
    }

    #[test]
    fn only_true_is_true() {
        for (v, want) in [
            ("true", true),
            ("TRUE", true),
            (" True ", true),
            ("yes", false),
            ("1", false),
            ("", false),
            ("false", false),
        ] {
            let cfg = PyvenvConfig::parse(&format!("include-system-site-packages={v}"));
            assert_eq!(cfg.include_system_site_packages, want, "{v:?}");
        }
    }

    #[test]
    fn key_case_spacing_and_last_wins() {
        let cfg = PyvenvConfig::parse(
            "  HOME\t=  /a = b  \r\nInclude-System-Site-Packages = false\rhome=/c\nno equals sign\n",
        );
        assert_eq!(cfg.home.as_deref(), Some("/c"));
        assert!(!cfg.include_system_site_packages);
        let cfg = PyvenvConfig::parse("home = /a = b");
        assert_eq!(cfg.home.as_deref(), Some("/a = b"));
    }

    #[test]
    fn python_strip_includes_separators() {
        let cfg = PyvenvConfig::parse("home =\u{1c}/x\u{a0}\u{1f}");
        assert_eq!(cfg.home.as_deref(), Some("/x"));
    }

    #[test]
    fn version_forms() {
        for (cfg, want) in [
            ("version_info = 3.12.1.final.0", Some((3, 12))),
            ("version = 3.13.0rc1", Some((3, 13))),
            ("version = 3.9", Some((3, 9))),
            ("version = three", None),
            ("version = 3", None),
            ("", None),
            ("version_info = 3.11.7\nversion = 3.10.1", Some((3, 11))),
            ("version_info = junk\nversion = 3.10.1", Some((3, 10))),
        ] {
            assert_eq!(PyvenvConfig::parse(cfg).python_version(), want, "{cfg:?}");
        }
    }

    #[test]
    fn lines() {
        let v: Vec<_> = universal_lines("a\r\nb\rc\n\nd").collect();
        assert_eq!(v, ["a", "b", "c", "", "d"]);
    }
}
