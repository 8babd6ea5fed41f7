//! Project-name normalisation, exactly as `importlib.metadata`'s `Prepared`
//! and `Lookup` do it (CPython 3.12).
//!
//! Python lower-cases with `str.lower()` (full Unicode case mapping, with the
//! context-sensitive final sigma rule). Rust's `str::to_lowercase` implements
//! the same rules; the Unicode versions may differ (CPython 3.12: Unicode
//! 15.0), which only matters for letters added in later Unicode versions.
//! The final-sigma context uses CPython 3.12's own properties, generated into
//! `py312_case.rs`.

use super::py312_case::{SigmaClass, SIGMA_CLASSES};

/// The two keys a query is looked up under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    /// `Prepared.normalize(name)`: key for `.dist-info` / `.egg-info` entries.
    pub normalized: String,
    /// `Prepared.legacy_normalize(name)`: key for `EGG-INFO` inside `*.egg`.
    pub legacy_normalized: String,
}

impl Prepared {
    /// Prepare a (non-empty) query name.
    pub(crate) fn new(name: &str) -> Self {
        Prepared {
            normalized: normalize(name),
            legacy_normalized: legacy_normalize(name),
        }
    }
}

/// `re.sub(r"[-_.]+", "-", name).lower().replace('-', '_')`.
///
/// PEP 503 normalisation with underscores: every run of `-`, `_` and `.`
/// becomes one `_`, then the name is lower-cased.
#[must_use]
pub fn normalize(name: &str) -> String {
    let mut collapsed = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                collapsed.push('-');
            }
            in_run = true;
        } else {
            collapsed.push(c);
            in_run = false;
        }
    }
    // Lower-casing after the substitution matters for the final-sigma rule:
    // `-` is neither cased nor case-ignorable, `.` is case-ignorable.
    lower(&collapsed).replace('-', "_")
}

/// `name.lower().replace('-', '_')`: the legacy normalisation used for eggs.
#[must_use]
pub fn legacy_normalize(name: &str) -> String {
    lower(name).replace('-', "_")
}

/// Letters that Unicode 16.0 added with a lower-case mapping: unassigned in
/// CPython 3.12's Unicode 15.0, so `str.lower()` leaves them alone (and they
/// are neither cased nor case-ignorable there). Checked against CPython 3.12
/// for every code point by the tests.
const NOT_LOWERED_BY_PYTHON: &[(char, char)] = &[
    ('\u{1C89}', '\u{1C89}'),
    ('\u{A7CB}', '\u{A7CC}'),
    ('\u{A7CE}', '\u{A7CE}'),
    ('\u{A7D2}', '\u{A7D2}'),
    ('\u{A7D4}', '\u{A7D4}'),
    ('\u{A7DA}', '\u{A7DA}'),
    ('\u{A7DC}', '\u{A7DC}'),
    ('\u{10D50}', '\u{10D65}'),
    ('\u{16EA0}', '\u{16EB8}'),
];

/// Whether `c` is one of [`NOT_LOWERED_BY_PYTHON`].
fn not_lowered_by_python(c: char) -> bool {
    NOT_LOWERED_BY_PYTHON
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// How `c` takes part in the final-sigma rule, by CPython 3.12's Unicode 15.0
/// properties ([`SIGMA_CLASSES`]); `None` when neither cased nor case-ignorable.
fn sigma_class(c: char) -> Option<SigmaClass> {
    let cp = u32::from(c);
    let table = SIGMA_CLASSES;
    let i = table.partition_point(|&(_, hi, _)| hi < cp);
    table
        .get(i)
        .filter(|&&(lo, _, _)| lo <= cp)
        .map(|&(_, _, class)| class)
}

/// Whether the `Σ` at byte `i` of `s` is word-final for Python's `lower()`:
/// preceded by a cased letter and not followed by one, case-ignorable
/// characters skipped on both sides.
fn final_sigma(s: &str, i: usize) -> bool {
    let not_ignorable = |c: &char| sigma_class(*c) != Some(SigmaClass::Ignorable);
    let before = s[..i].chars().rev().find(not_ignorable);
    if before.and_then(sigma_class) != Some(SigmaClass::Cased) {
        return false;
    }
    let after = s[i + 'Σ'.len_utf8()..].chars().find(not_ignorable);
    after.and_then(sigma_class) != Some(SigmaClass::Cased)
}

/// Python's `str.lower()` (CPython 3.12), with an ASCII fast path.
///
/// Character mappings are Rust's except for the letters Python does not
/// know yet; the final-sigma context uses CPython 3.12's own properties.
fn lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.char_indices() {
        if c == 'Σ' {
            out.push(if final_sigma(s, i) { 'ς' } else { 'σ' });
        } else if not_lowered_by_python(c) {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// ASCII case-insensitive `ends_with` on bytes.
///
/// Equivalent to `name.lower().endswith(suffix)` for the suffixes used here
/// (`.dist-info`, `.egg-info`, `.egg`): the only non-ASCII character whose
/// lower-case form is ASCII is KELVIN SIGN (to `k`), which none contains, and
/// the only multi-character lower-case mapping (U+0130) ends in U+0307.
pub(crate) fn ends_with_ignore_ascii_case(name: &[u8], suffix: &[u8]) -> bool {
    name.len() >= suffix.len() && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// Classification of one child of a search-path entry, as `Lookup` does it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChildKind {
    /// Lower-cased name ends in `.dist-info` or `.egg-info`; the index is
    /// where that suffix (its dot) starts.
    Info(usize),
    /// Lower-cased name is exactly `egg-info` (only meaningful in a `*.egg`).
    EggInfo,
    /// Anything else.
    Other,
}

/// Classify a child name (raw bytes of the directory entry or zip member).
pub(crate) fn classify_child(name: &[u8]) -> ChildKind {
    if ends_with_ignore_ascii_case(name, b".dist-info") {
        ChildKind::Info(name.len() - b".dist-info".len())
    } else if ends_with_ignore_ascii_case(name, b".egg-info") {
        ChildKind::Info(name.len() - b".egg-info".len())
    } else if name.eq_ignore_ascii_case(b"egg-info") {
        ChildKind::EggInfo
    } else {
        ChildKind::Other
    }
}

/// The project part of a lower-cased file name, the Python way:
/// `name.lower().rpartition(".")[0].partition("-")[0]`.
///
/// `full` is the raw file name and `dot` the index of its last `.` (the
/// start of the recognised suffix). Returns `None` when the project part is
/// not valid UTF-8: Python sees surrogate escapes there, which no query
/// (a Rust `&str`) can equal.
///
/// The result is written into `out` (cleared first) so that callers scanning
/// a directory can reuse one buffer.
fn lowered_project_part(full: &[u8], dot: usize, out: &mut String) -> bool {
    out.clear();
    let stem = &full[..dot];
    let part_end = stem.iter().position(|&b| b == b'-').unwrap_or(stem.len());
    let part = &stem[..part_end];
    if part.is_ascii() {
        // ASCII letters lower-case without context; fast path, no allocation
        // beyond the reused buffer.
        out.extend(part.iter().map(|&b| char::from(b.to_ascii_lowercase())));
        return true;
    }
    let Ok(part) = std::str::from_utf8(part) else {
        return false;
    };
    // Python lower-cases the whole file name, so the character following the
    // project part is context for the final-sigma rule. It is either `-`
    // (neither cased nor case-ignorable: the part can be lowered alone) or
    // the suffix's `.` followed by a cased ASCII letter.
    let lowered = if part_end < stem.len() {
        lower(part)
    } else {
        let mut with_context = String::with_capacity(part.len() + 2);
        with_context.push_str(part);
        with_context.push_str(".x");
        let mut l = lower(&with_context);
        l.truncate(l.len() - 2);
        l
    };
    out.push_str(&lowered);
    true
}

/// The `normalize`d key of a `.dist-info` / `.egg-info` child, into `out`.
///
/// `dot` is the index returned by [`classify_child`]. Returns `false` when the
/// key cannot match any query (undecodable project part).
pub(crate) fn info_key(full: &[u8], dot: usize, out: &mut String, scratch: &mut String) -> bool {
    if !lowered_project_part(full, dot, scratch) {
        return false;
    }
    out.clear();
    if scratch.is_ascii() {
        let mut in_run = false;
        for b in scratch.bytes() {
            if matches!(b, b'-' | b'_' | b'.') {
                if !in_run {
                    out.push('_');
                }
                in_run = true;
            } else {
                out.push(char::from(b));
                in_run = false;
            }
        }
    } else {
        out.push_str(&normalize(scratch));
    }
    true
}

/// A pre-filter for `.dist-info` / `.egg-info` children: the ASCII bytes
/// that the [`info_key`] of a child must start with to equal one of the
/// tracked keys, so that most other projects' children are skipped before
/// their key is computed.
///
/// Exact by construction: when a child's first byte `b` is ASCII and not one
/// of `-`, `_`, `.`, it starts the project part (which ends at the first `-`
/// or at the suffix's `.`), and both lower-casings involved (ASCII, or
/// Python's per-character `lower()`, whose final-sigma context only changes
/// `Σ`) map it to `b.to_ascii_lowercase()`, which the run collapsing keeps as
/// the key's first byte. A child whose key starts with an ASCII byte absent
/// from the set cannot equal a tracked key. Every other child (first byte
/// non-ASCII, where e.g. KELVIN SIGN lowers to `k`, or one of `-`, `_`, `.`,
/// or an empty name) passes the filter and gets the full computation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct FirstBytes(u128);

impl FirstBytes {
    /// Track `key` (a [`Prepared::normalized`]): admit its first byte. An
    /// empty key or one starting with a non-ASCII character admits nothing
    /// more: no child that the filter rejects has such a key.
    pub(crate) fn track(&mut self, key: &str) {
        if let Some(&b) = key.as_bytes().first() {
            if b.is_ascii() {
                self.0 |= 1u128 << b;
            }
        }
    }

    /// Whether the child `name` (raw bytes) may have an [`info_key`] equal
    /// to a tracked key; `false` only when it certainly cannot.
    pub(crate) fn admits(self, name: &[u8]) -> bool {
        match name.first() {
            Some(&b) if b.is_ascii() && !matches!(b, b'-' | b'_' | b'.') => {
                self.0 & (1u128 << b.to_ascii_lowercase()) != 0
            }
            _ => true,
        }
    }
}

/// The legacy key of an `EGG-INFO` child inside an egg whose search-path
/// entry has base name `base` (raw bytes after the last `/`), or `None` when
/// the entry's base name does not end in `.egg` (case-insensitively) or the
/// key is undecodable.
pub(crate) fn egg_key(base: &[u8]) -> Option<String> {
    if !ends_with_ignore_ascii_case(base, b".egg") {
        return None;
    }
    let dot = base.len() - b".egg".len();
    let mut part = String::new();
    if !lowered_project_part(base, dot, &mut part) {
        return None;
    }
    Some(legacy_normalize(&part))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Option<String> {
        match classify_child(name.as_bytes()) {
            ChildKind::Info(dot) => {
                let (mut out, mut scratch) = (String::new(), String::new());
                info_key(name.as_bytes(), dot, &mut out, &mut scratch).then_some(out)
            }
            _ => None,
        }
    }

    #[test]
    fn normalize_matches_prepared() {
        assert_eq!(normalize("terok-sandbox"), "terok_sandbox");
        assert_eq!(normalize("Terok.__Sandbox"), "terok_sandbox");
        assert_eq!(normalize("a-_.-b"), "a_b");
        assert_eq!(normalize("-x-"), "_x_");
        assert_eq!(legacy_normalize("Terok-Sandbox.x"), "terok_sandbox.x");
        assert_eq!(legacy_normalize("a--b"), "a__b");
    }

    #[test]
    fn final_sigma_follows_python() {
        // re.sub first, then lower: 'Σ' before '-' is final.
        assert_eq!(normalize("ΑΣ.x"), "ας_x");
        assert_eq!(normalize("ΑΣ"), "ας");
        // A file name is lowered as a whole: 'Σ' before ".dist-info" is not final.
        assert_eq!(key("ΑΣ.dist-info").as_deref(), Some("ασ"));
        assert_eq!(key("ΑΣ-1.0.dist-info").as_deref(), Some("ας"));
        assert_eq!(key("ΑΣ.x-1.0.dist-info").as_deref(), Some("ασ_x"));
    }

    #[test]
    fn child_keys() {
        assert_eq!(key("terok-sandbox-1.4.dist-info").as_deref(), Some("terok"));
        assert_eq!(
            key("terok_sandbox-1.4.dist-info").as_deref(),
            Some("terok_sandbox")
        );
        assert_eq!(
            key("Terok.Sandbox.DIST-INFO").as_deref(),
            Some("terok_sandbox")
        );
        assert_eq!(key("foo.egg-info").as_deref(), Some("foo"));
        assert_eq!(key("foo-1.0-py3.12.egg-info").as_deref(), Some("foo"));
        assert_eq!(key(".dist-info").as_deref(), Some(""));
        assert_eq!(key("foo.dist-info.bak"), None);
        assert_eq!(key("foo.distinfo"), None);
        let mut out = String::new();
        let mut scratch = String::new();
        assert!(!info_key(b"f\xffo.dist-info", 3, &mut out, &mut scratch));
        assert!(info_key(b"foo-\xff.dist-info", 5, &mut out, &mut scratch));
        assert_eq!(out, "foo");
    }

    #[test]
    fn lower_matches_python_312_for_every_code_point() {
        let fixture = include_str!("../../tests/fixtures/distributions_py312_lower.txt");
        let mut expected = std::collections::HashMap::new();
        for line in fixture.lines() {
            let mut cps = line
                .split(' ')
                .map(|h| u32::from_str_radix(h, 16).ok().and_then(char::from_u32));
            let Some(Some(from)) = cps.next() else {
                panic!("bad line {line:?}")
            };
            let to: Option<String> = cps.collect();
            expected.insert(from, to.unwrap_or_default());
        }
        assert!(expected.len() > 1400);
        let mut mismatches = Vec::new();
        let mut buf = [0u8; 4];
        for c in (0..0x11_0000u32).filter_map(char::from_u32) {
            let got = lower(c.encode_utf8(&mut buf));
            let want = expected.get(&c).cloned().unwrap_or_else(|| c.to_string());
            if got != want {
                mismatches.push(format!("U+{:04X}", u32::from(c)));
            }
        }
        assert!(
            mismatches.is_empty(),
            "differs from CPython 3.12: {mismatches:?}"
        );
        // A letter unknown to Python ends the final-sigma context.
        assert_eq!(lower("Α\u{1C89}Σ"), "α\u{1C89}σ");
        assert_eq!(lower("ΑΣ\u{1C89}"), "ας\u{1C89}");
    }

    #[test]
    fn final_sigma_context_uses_python_312_properties() {
        // Values from CPython 3.12.1.
        assert_eq!(lower("ΑΣ"), "ας");
        assert_eq!(lower("Σ"), "σ");
        assert_eq!(lower("ΑΣa"), "ασa");
        assert_eq!(lower("Α'Σ"), "α'ς");
        assert_eq!(lower("ΑΣ'"), "ας'");
        assert_eq!(lower("ΑΣ'a"), "ασ'a");
        assert_eq!(lower("ΑΣ-a"), "ας-a");
        assert_eq!(lower("ΑΣΣ"), "ασς");
        assert_eq!(lower("1Σ"), "1σ");
        // U+0295 is cased for CPython 3.12 (not in later Unicode versions);
        // U+0897 became case-ignorable after Unicode 15.0.
        assert_eq!(lower("ΑΣ\u{295}"), "ασ\u{295}");
        assert_eq!(lower("ΑΣ\u{897}a"), "ας\u{897}a");
        // U+02B0 is both cased and case-ignorable: skipped.
        assert_eq!(lower("ΑΣ\u{2B0}"), "ας\u{2B0}");
        assert_eq!(lower("\u{2B0}Σ"), "\u{2B0}σ");
    }

    #[test]
    fn classify() {
        assert_eq!(classify_child(b"EGG-INFO"), ChildKind::EggInfo);
        assert_eq!(classify_child(b"Egg-Info"), ChildKind::EggInfo);
        assert_eq!(classify_child(b"x.EGG-INFO"), ChildKind::Info(1));
        assert_eq!(classify_child(b"EGG_INFO"), ChildKind::Other);
    }

    #[test]
    fn first_bytes_filter() {
        let mut f = FirstBytes::default();
        f.track(&normalize("Terok-Sandbox"));
        f.track(&normalize("key"));
        f.track(&normalize("Éclair"));
        assert!(f.admits(b"terok_sandbox-1.0.dist-info"));
        assert!(f.admits(b"TEROK.SANDBOX.DIST-INFO"));
        assert!(f.admits(b"Key-1.0.egg-info"));
        assert!(!f.admits(b"filler_package-1.0.dist-info"));
        assert!(!f.admits(b"Zebra.egg-info"));
        // KELVIN SIGN lowers to 'k': non-ASCII first bytes always pass.
        let kelvin = "\u{212A}ey-1.0.dist-info";
        assert!(f.admits(kelvin.as_bytes()));
        assert_eq!(key(kelvin).as_deref(), Some("key"));
        // Separators and empty names pass too.
        assert!(f.admits(b"-x.dist-info"));
        assert!(f.admits(b"_terok.dist-info"));
        assert!(f.admits(b".dist-info"));
        assert!(f.admits(b""));
        assert!(f.admits("éclair.dist-info".as_bytes()));
        assert!(!FirstBytes::default().admits(b"a.dist-info"));
    }

    /// Characters for query and file names: ASCII letters in both cases,
    /// digits, the separators, and non-ASCII letters with interesting
    /// lower-casings (KELVIN SIGN to `k`, U+0130 to two characters, sigma).
    fn name_char() -> impl proptest::strategy::Strategy<Value = char> {
        proptest::sample::select(vec![
            'a', 'A', 'k', 'K', 't', 'T', 'z', 'Z', 's', 'S', 'i', 'I', '0', '9', '-', '_', '.',
            '\u{212A}', '\u{0130}', 'Σ', 'σ', 'ς', 'Α', 'é', 'É', 'ß', '\u{1E9E}', '\u{017F}',
            '\u{1C89}', '\u{2B0}', '\'',
        ])
    }

    fn name_text(max: usize) -> impl proptest::strategy::Strategy<Value = String> {
        proptest::collection::vec(name_char(), 0..max).prop_map(|chars| chars.into_iter().collect())
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// The filter never rejects a child whose key equals a tracked key.
        #[test]
        fn first_bytes_never_reject_a_match(
            queries in proptest::collection::vec(name_text(8), 1..4),
            stem in name_text(10),
            version in proptest::option::of(name_text(4)),
            suffix in proptest::sample::select(vec![".dist-info", ".egg-info", ".DIST-INFO", ".Egg-Info"]),
            from_query in proptest::option::of((0usize..4, proptest::collection::vec(proptest::bool::ANY, 0..16))),
            raw_tail in proptest::option::of(proptest::collection::vec(proptest::num::u8::ANY, 0..3)),
        ) {
            // Often derive the child from a query with case flips, so that
            // matches are frequent; otherwise use the random stem.
            let stem = match from_query {
                Some((i, flips)) => queries[i % queries.len()]
                    .chars()
                    .zip(flips.into_iter().chain(std::iter::repeat(false)))
                    .map(|(c, flip)| if flip { c.to_ascii_uppercase() } else { c })
                    .collect(),
                None => stem,
            };
            let mut name = stem.into_bytes();
            if let Some(v) = version {
                name.push(b'-');
                name.extend_from_slice(v.as_bytes());
            }
            if let Some(raw) = raw_tail {
                name.extend_from_slice(&raw);
            }
            name.extend_from_slice(suffix.as_bytes());
            let ChildKind::Info(dot) = classify_child(&name) else {
                return Err(proptest::test_runner::TestCaseError::fail("not an info name"));
            };
            let (mut out, mut scratch) = (String::new(), String::new());
            let Some(child_key) = info_key(&name, dot, &mut out, &mut scratch).then_some(out) else {
                return Ok(());
            };
            // Tracking the child's own key always admits it…
            let mut own = FirstBytes::default();
            own.track(&child_key);
            proptest::prop_assert!(own.admits(&name), "{:?} key {:?}", name, child_key);
            // …and so does tracking queries of which one matches.
            let mut filter = FirstBytes::default();
            for q in &queries {
                filter.track(&Prepared::new(q).normalized);
            }
            if queries.iter().any(|q| Prepared::new(q).normalized == child_key) {
                proptest::prop_assert!(filter.admits(&name), "{:?} key {:?}", name, child_key);
            }
        }
    }

    #[test]
    fn egg_keys() {
        assert_eq!(
            egg_key(b"terok_sandbox-1.0-py3.12.egg").as_deref(),
            Some("terok_sandbox")
        );
        assert_eq!(
            egg_key(b"Terok.Sandbox.EGG").as_deref(),
            Some("terok.sandbox")
        );
        assert_eq!(egg_key(b"foo.egg.zip"), None);
        assert_eq!(egg_key(b""), None);
        assert_eq!(egg_key(b".egg").as_deref(), Some(""));
    }
}
