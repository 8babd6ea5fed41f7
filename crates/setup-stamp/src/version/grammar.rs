//! A byte-for-byte mirror of packaging 26's version grammar.
//!
//! packaging matches `\s*` + `VERSION_PATTERN` + `\s*` with `re.fullmatch`
//! (flags `VERBOSE | IGNORECASE`; the body of the pattern sits in `(?a:...)`
//! groups, so letters fold in ASCII only). On CPython 3.11.5+ every
//! quantifier of the pattern is possessive, which makes the regex a
//! deterministic left-to-right scan: each optional part is either taken
//! whole (and never given back) or skipped. [`parse`] performs that same scan.
//!
//! Why hand-written rather than `pep440_rs`: the crate stores numbers as
//! `u64` (so `1.99999999999999999999` is rejected, and an over-long numeric
//! local segment silently becomes a string segment), strips only ASCII
//! whitespace (Python's `\s` is `str.isspace`), and cannot report Python's
//! integer-conversion limit. This parser keeps numbers as digit slices and
//! compares them by length, so no component is ever too large.
//!
//! Version-sensitive points (the reference is CPython 3.12, packaging 26):
//! - possessive quantifiers are used only on CPython 3.11.5+ (packaging's
//!   `_adapt_possessive`); older interpreters get a backtracking pattern;
//! - the 4,300-digit `int()` limit exists since CPython 3.11 (and security
//!   backports); `PYTHONINTMAXSTRDIGITS` can change it, the default is assumed;
//! - `str.isspace` follows the interpreter's Unicode database; the set below
//!   is the one of 3.12 (unchanged since Unicode 6.3 dropped U+180E).

/// Python's default `sys.int_info.default_max_str_digits`: `int()` on a
/// longer digit string raises `ValueError` (leading zeros count).
pub(super) const INT_MAX_STR_DIGITS: usize = 4300;

/// Pre-release kinds, in sort order (`a < b < rc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum PreKind {
    /// `a`, `alpha`
    Alpha = 0,
    /// `b`, `beta`
    Beta = 1,
    /// `rc`, `c`, `pre`, `preview`
    Rc = 2,
}

/// A version accepted by the grammar, as slices of the input.
///
/// Numbers are ASCII digit slices, possibly with leading zeros; an empty
/// slice means an implicit 0 (`1.0a` has pre-release number 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Parsed<'a> {
    /// Epoch digits (empty without an epoch).
    pub epoch: &'a [u8],
    /// The release text, digit runs separated by single dots (`1.02.3`).
    pub release: &'a [u8],
    /// Pre-release kind and number.
    pub pre: Option<(PreKind, &'a [u8])>,
    /// Post-release number (`-1`, `.post1`, `rev`, `r`).
    pub post: Option<&'a [u8]>,
    /// Development release number.
    pub dev: Option<&'a [u8]>,
    /// The local text after `+`: alphanumeric parts separated by `.`, `_`, `-`.
    pub local: Option<&'a [u8]>,
}

/// What `Version(s)` does with a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome<'a> {
    /// Accepted.
    Valid(Parsed<'a>),
    /// `InvalidVersion`.
    Invalid,
    /// Matches the grammar, but `int()` of one numeric part raises
    /// `ValueError`: the part has this many digits (> [`INT_MAX_STR_DIGITS`]).
    DigitLimit(usize),
}

/// Parses WTF-8 bytes exactly as packaging 26's `Version()` on Python 3.12.
///
/// The input must be well-formed WTF-8 (UTF-8, possibly with encoded lone
/// surrogates); surrogates are never part of a valid version.
pub(super) fn parse(input: &[u8]) -> Outcome<'_> {
    let core = strip_py_whitespace(input);
    let Some(parsed) = parse_core(core) else {
        return Outcome::Invalid;
    };
    // The grammar is checked first (a mismatch is InvalidVersion whatever the
    // digits), then packaging calls int() on every numeric group.
    let longest = longest_converted_run(&parsed);
    if longest > INT_MAX_STR_DIGITS {
        Outcome::DigitLimit(longest)
    } else {
        Outcome::Valid(parsed)
    }
}

/// The longest digit string packaging hands to `int()` for this version.
///
/// In the public part every digit run is one numeric group (epoch, release
/// component, pre/post/dev number); in the local part only the all-digit
/// segments are converted (`part.isdigit()`), `abc123` stays a string.
fn longest_converted_run(p: &Parsed<'_>) -> usize {
    let public_runs = [p.epoch, p.release, p.pre.map_or(&[][..], |(_, n)| n)]
        .into_iter()
        .chain([p.post.unwrap_or(b""), p.dev.unwrap_or(b"")])
        .flat_map(|s| s.split(|b| !b.is_ascii_digit()))
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    let local_runs = p
        .local
        .into_iter()
        .flat_map(|l| l.split(|&b| is_sep(b)))
        .filter(|part| part.iter().all(u8::is_ascii_digit))
        .map(<[u8]>::len)
        .max()
        .unwrap_or(0);
    public_runs.max(local_runs)
}

/// `[._-]`
pub(super) fn is_sep(b: u8) -> bool {
    matches!(b, b'.' | b'_' | b'-')
}

/// Removes leading and trailing characters for which Python's `str.isspace()`
/// is true (what `\s` matches in a `str` pattern): ASCII `\t\n\v\f\r` and
/// space, U+001C..U+001F, U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028,
/// U+2029, U+202F, U+205F, U+3000.
///
/// Hand-written because Rust's `char::is_whitespace` (Unicode `White_Space`)
/// differs: it excludes U+001C..U+001F. Zero-width space (U+200B) and the BOM
/// (U+FEFF) are whitespace for neither.
pub(super) fn strip_py_whitespace(mut s: &[u8]) -> &[u8] {
    while let Some(n) = leading_space_len(s) {
        s = &s[n..];
    }
    while let Some(n) = trailing_space_len(s) {
        s = &s[..s.len() - n];
    }
    s
}

/// Byte length of the whitespace character starting `s`, if it is one.
fn leading_space_len(s: &[u8]) -> Option<usize> {
    match *s {
        [b'\t'..=b'\r' | 0x1C..=0x20, ..] => Some(1),
        [0xC2, 0x85 | 0xA0, ..] => Some(2),
        [0xE1, 0x9A, 0x80, ..]
        | [0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF, ..]
        | [0xE2, 0x81, 0x9F, ..]
        | [0xE3, 0x80, 0x80, ..] => Some(3),
        _ => None,
    }
}

/// Byte length of the whitespace character ending `s`, if it is one.
///
/// In well-formed (W)UTF-8 a lead byte never occurs as a continuation byte,
/// so a matching suffix is always a whole character.
fn trailing_space_len(s: &[u8]) -> Option<usize> {
    match *s {
        [.., b'\t'..=b'\r' | 0x1C..=0x20] => Some(1),
        [.., 0xC2, 0x85 | 0xA0] => Some(2),
        [.., 0xE1, 0x9A, 0x80]
        | [.., 0xE2, 0x80, 0x80..=0x8A | 0xA8 | 0xA9 | 0xAF]
        | [.., 0xE2, 0x81, 0x9F]
        | [.., 0xE3, 0x80, 0x80] => Some(3),
        _ => None,
    }
}

/// Pre-release spellings in the pattern's alternation order
/// (`alpha|a|beta|b|preview|pre|c|rc`); the first that matches wins.
const PRE_WORDS: [(&[u8], PreKind); 8] = [
    (b"alpha", PreKind::Alpha),
    (b"a", PreKind::Alpha),
    (b"beta", PreKind::Beta),
    (b"b", PreKind::Beta),
    (b"preview", PreKind::Rc),
    (b"pre", PreKind::Rc),
    (b"c", PreKind::Rc),
    (b"rc", PreKind::Rc),
];

/// Post-release spellings in alternation order (`post|rev|r`).
const POST_WORDS: [&[u8]; 3] = [b"post", b"rev", b"r"];

/// A position in the (already stripped) version text.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    /// Consumes `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Consumes one optional separator (`[._-]?+`).
    fn sep(&mut self) {
        if self.s.get(self.i).copied().is_some_and(is_sep) {
            self.i += 1;
        }
    }

    /// Consumes a maximal run (at least one) of bytes satisfying `pred`.
    fn run(&mut self, pred: impl Fn(&u8) -> bool) -> Option<&'a [u8]> {
        let rest = &self.s[self.i..];
        let n = rest.iter().take_while(|b| pred(b)).count();
        if n == 0 {
            return None;
        }
        self.i += n;
        Some(&rest[..n])
    }

    /// `[0-9]++`
    fn digits(&mut self) -> Option<&'a [u8]> {
        self.run(u8::is_ascii_digit)
    }

    /// Consumes `word` if it is next, ignoring ASCII case.
    fn word(&mut self, word: &[u8]) -> bool {
        let rest = &self.s[self.i..];
        if rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word) {
            self.i += word.len();
            true
        } else {
            false
        }
    }
}

/// The pattern body on whitespace-stripped text; `None` when it does not
/// match the whole text.
fn parse_core(s: &[u8]) -> Option<Parsed<'_>> {
    let mut c = Cursor { s, i: 0 };
    // v?+  (outside the ASCII group, but no non-ASCII letter folds to `v`)
    if !c.eat(b'v') {
        c.eat(b'V');
    }
    // (?:(?P<epoch>[0-9]++)!)?+
    let start = c.i;
    let epoch = match c.digits() {
        Some(d) if c.eat(b'!') => d,
        _ => {
            c.i = start;
            b""
        }
    };
    // (?P<release>[0-9]++(?:\.[0-9]++)*+)
    let release_start = c.i;
    c.digits()?;
    loop {
        let at = c.i;
        if !(c.eat(b'.') && c.digits().is_some()) {
            c.i = at;
            break;
        }
    }
    let release = &s[release_start..c.i];
    // (?P<pre>[._-]?+(?P<pre_l>...)[._-]?+(?P<pre_n>[0-9]++)?+)?+
    let at = c.i;
    c.sep();
    let pre = match PRE_WORDS.iter().find(|(w, _)| c.word(w)) {
        Some(&(_, kind)) => {
            c.sep();
            Some((kind, c.digits().unwrap_or(b"")))
        }
        None => {
            c.i = at;
            None
        }
    };
    // (?P<post>(?:-(?P<post_n1>[0-9]++))|(?:[._-]?+(?P<post_l>post|rev|r)[._-]?+(?P<post_n2>[0-9]++)?+))?+
    let at = c.i;
    let post = if let Some(n) = c.eat(b'-').then(|| c.digits()).flatten() {
        Some(n)
    } else {
        c.i = at;
        c.sep();
        if POST_WORDS.iter().any(|w| c.word(w)) {
            c.sep();
            Some(c.digits().unwrap_or(b""))
        } else {
            c.i = at;
            None
        }
    };
    // (?P<dev>[._-]?+(?P<dev_l>dev)[._-]?+(?P<dev_n>[0-9]++)?+)?+
    let at = c.i;
    c.sep();
    let dev = if c.word(b"dev") {
        c.sep();
        Some(c.digits().unwrap_or(b""))
    } else {
        c.i = at;
        None
    };
    // (?a:\+(?P<local>[a-z0-9]++(?:[._-][a-z0-9]++)*+))?+
    let local = if c.eat(b'+') {
        let local_start = c.i;
        c.run(u8::is_ascii_alphanumeric)?;
        loop {
            let at = c.i;
            let more = c.s.get(c.i).copied().is_some_and(is_sep) && {
                c.i += 1;
                c.run(u8::is_ascii_alphanumeric).is_some()
            };
            if !more {
                c.i = at;
                break;
            }
        }
        Some(&s[local_start..c.i])
    } else {
        None
    };
    (c.i == s.len()).then_some(Parsed {
        epoch,
        release,
        pre,
        post,
        dev,
        local,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(s: &str) -> Parsed<'_> {
        match parse(s.as_bytes()) {
            Outcome::Valid(p) => p,
            other => panic!("{s:?} should be valid, got {other:?}"),
        }
    }

    #[test]
    fn splits_every_part() {
        let p = valid("v1!2.03a4.post5.dev6+loc.7");
        assert_eq!(p.epoch, b"1");
        assert_eq!(p.release, b"2.03");
        assert_eq!(p.pre, Some((PreKind::Alpha, &b"4"[..])));
        assert_eq!(p.post, Some(&b"5"[..]));
        assert_eq!(p.dev, Some(&b"6"[..]));
        assert_eq!(p.local, Some(&b"loc.7"[..]));
    }

    #[test]
    fn implicit_numbers_are_empty() {
        let p = valid("1.0a.post.dev");
        assert_eq!(p.pre, Some((PreKind::Alpha, &b""[..])));
        assert_eq!(p.post, Some(&b""[..]));
        assert_eq!(p.dev, Some(&b""[..]));
        assert_eq!(valid("1.0-1").post, Some(&b"1"[..]));
        assert_eq!(valid("1.0-r").post, Some(&b""[..]));
    }

    #[test]
    fn pre_spellings_map_to_kinds() {
        for (s, kind) in [
            ("1alpha", PreKind::Alpha),
            ("1A", PreKind::Alpha),
            ("1beta", PreKind::Beta),
            ("1b", PreKind::Beta),
            ("1preview", PreKind::Rc),
            ("1PRE", PreKind::Rc),
            ("1c", PreKind::Rc),
            ("1rc", PreKind::Rc),
        ] {
            assert_eq!(valid(s).pre.map(|p| p.0), Some(kind), "{s}");
        }
    }

    #[test]
    fn strips_python_whitespace_only() {
        for ws in [
            "\t", "\n", "\x0b", "\x0c", "\r", "\x1c", "\x1f", " ", "\u{85}", "\u{a0}", "\u{1680}",
            "\u{2000}", "\u{200a}", "\u{2028}", "\u{2029}", "\u{202f}", "\u{205f}", "\u{3000}",
        ] {
            let s = format!("{ws}{ws}1.0{ws}");
            assert_eq!(valid(&s).release, b"1.0", "{ws:?}");
        }
        for not_ws in ["\u{200b}", "\u{feff}", "\u{180e}", "\x00", "\u{200c}"] {
            let s = format!("{not_ws}1.0");
            assert_eq!(parse(s.as_bytes()), Outcome::Invalid, "{not_ws:?}");
        }
    }

    #[test]
    fn digit_limit_applies_to_converted_runs_only() {
        let run = "0".repeat(4301);
        assert_eq!(parse(run.as_bytes()), Outcome::DigitLimit(4301));
        assert_eq!(
            parse(format!("1+{run}").as_bytes()),
            Outcome::DigitLimit(4301)
        );
        // An alphanumeric local segment is never converted.
        assert!(matches!(
            parse(format!("1+a{run}").as_bytes()),
            Outcome::Valid(_)
        ));
        // The grammar is checked first.
        assert_eq!(parse(format!("{run}..1").as_bytes()), Outcome::Invalid);
        assert!(matches!(
            parse("0".repeat(4300).as_bytes()),
            Outcome::Valid(_)
        ));
    }

    #[test]
    fn possessive_separators_are_not_given_back() {
        for s in [
            "1.0-", "1.0_1", "1.0+", "1.0+a.", "1.0.", "1!", "1..0", ".1", "1.0a1a",
        ] {
            assert_eq!(parse(s.as_bytes()), Outcome::Invalid, "{s}");
        }
    }
}
