//! Version ordering: PEP 440 when both sides are valid, else code-point order.
//!
//! This is the reference's `_compare_versions(a, b)` on CPython 3.12 with
//! packaging 26: it builds `Version(a)` and then `Version(b)`; if either
//! raises `InvalidVersion` the raw strings are compared (code point by code
//! point, no trimming), otherwise the versions are. A numeric component of
//! more than 4,300 digits makes `int()` raise `ValueError`, which is not
//! caught: the comparison fails ([`VersionError`]). Because `a` is parsed
//! first, an invalid `a` short-circuits to string order before `b` is looked
//! at, so `compare_versions(invalid, huge)` is `Ok` while
//! `compare_versions(huge, invalid)` is `Err`.
//!
//! Layers:
//! - `fast`: `pep440_rs` for ordinary ASCII versions with numbers that fit
//!   a `u64` (the overwhelmingly common case);
//! - `grammar` + `order`: an exact, allocation-free mirror of packaging's
//!   regex and `_cmpkey`, with unbounded numbers and Python's Unicode
//!   whitespace, used for everything else and to decide validity.

mod canonical;
mod fast;
mod grammar;
mod order;
#[cfg(test)]
pub(crate) mod tests;

use std::cmp::Ordering;
use std::fmt;

use crate::pyjson::PyString;

/// Python's limit on the digits `int()` converts from a string (the 3.11+
/// default `sys.int_info.default_max_str_digits`, leading zeros counted); a
/// version with a longer numeric component cannot be compared.
pub const INT_MAX_STR_DIGITS: usize = grammar::INT_MAX_STR_DIGITS;

/// A comparison Python itself refuses: `Version()` raised `ValueError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// The version matches the PEP 440 grammar, but one numeric component
    /// has more digits than Python's `int()` converts.
    DigitLimit {
        /// The offending version (lone surrogates shown as U+FFFD).
        version: String,
        /// Digits in its longest numeric component.
        digits: usize,
    },
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VersionError::DigitLimit { version, digits } => write!(
                f,
                "version {} has a {digits}-digit number, more than the {INT_MAX_STR_DIGITS} \
                 digits Python converts to an integer",
                abbreviate(version)
            ),
        }
    }
}

impl std::error::Error for VersionError {}

/// Quotes a version for messages, eliding the middle of very long ones.
fn abbreviate(version: &str) -> String {
    const KEEP: usize = 24;
    let chars = version.chars().count();
    if chars <= 2 * KEEP + 10 {
        return format!("{version:?}");
    }
    let head: String = version.chars().take(KEEP).collect();
    let tail: String = version.chars().skip(chars - KEEP).collect();
    format!("{head:?}…{tail:?} ({chars} characters)")
}

/// What packaging's `Version()` does with a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// A valid PEP 440 version.
    Valid,
    /// Not a version (`InvalidVersion`); it compares as a plain string.
    Invalid,
    /// Matches the grammar, but a numeric component exceeds
    /// [`INT_MAX_STR_DIGITS`] digits (`ValueError`).
    TooManyDigits,
}

/// Classifies `version` as packaging 26's `Version()` on Python 3.12 would.
///
/// ```
/// use setup_stamp::version::{validity, Validity};
/// assert_eq!(validity(" v1.0RC1\u{a0}"), Validity::Valid);
/// assert_eq!(validity("1.0_1"), Validity::Invalid);
/// assert_eq!(validity(&"9".repeat(4301)), Validity::TooManyDigits);
/// ```
pub fn validity(version: &str) -> Validity {
    validity_wtf8(version.as_bytes())
}

fn validity_wtf8(version: &[u8]) -> Validity {
    match grammar::parse(version) {
        grammar::Outcome::Valid(_) => Validity::Valid,
        grammar::Outcome::Invalid => Validity::Invalid,
        grammar::Outcome::DigitLimit(_) => Validity::TooManyDigits,
    }
}

/// True when `Version(version)` succeeds in packaging 26 (Python 3.12).
///
/// Surrounding Unicode whitespace (`str.isspace`) is ignored and letters are
/// case-insensitive; numbers may be arbitrarily long, up to
/// [`INT_MAX_STR_DIGITS`] digits each.
///
/// ```
/// use setup_stamp::version::is_valid_version;
/// for ok in ["v1.0", "1.0RC1", "1.0c1", "1.0preview1", "1.0-1", "1.0.post", "1!2.0", "01.02"] {
///     assert!(is_valid_version(ok), "{ok}");
/// }
/// for bad in ["1.0_1", "1.0+", "1!", "-1.0", "1..0", ".1", "", "True", "1e+16", "nan"] {
///     assert!(!is_valid_version(bad), "{bad}");
/// }
/// ```
pub fn is_valid_version(version: &str) -> bool {
    validity(version) == Validity::Valid
}

/// Orders `a` against `b` as the reference's `_compare_versions(a, b)` does.
///
/// The verdict loop calls it as `compare_versions(installed, stamped)`:
/// `Less` means the installed version is older than the stamped one.
///
/// # Errors
/// [`VersionError::DigitLimit`] when Python raises `ValueError`: `a` has a
/// numeric component beyond [`INT_MAX_STR_DIGITS`] digits, or `a` is a valid
/// version and `b` has one.
///
/// ```
/// use std::cmp::Ordering::*;
/// use setup_stamp::version::compare_versions;
/// assert_eq!(compare_versions("0.6.0", "0.6").unwrap(), Equal);
/// assert_eq!(compare_versions("1!0.1", "2.0").unwrap(), Greater);
/// assert_eq!(compare_versions("1.0.dev0", "1.0a1").unwrap(), Less);
/// assert_eq!(
///     compare_versions("1.99999999999999999999", "1.99999999999999999998").unwrap(),
///     Greater
/// );
/// // "x" is not a version: code-point order, '0' < 'x'.
/// assert_eq!(compare_versions("0.6.0", "x").unwrap(), Less);
/// assert!(compare_versions(&"1".repeat(4301), "1.0").is_err());
/// ```
pub fn compare_versions(a: &str, b: &str) -> Result<Ordering, VersionError> {
    compare_wtf8(a.as_bytes(), b.as_bytes())
}

/// [`compare_versions`] for Python strings, which may hold lone surrogates
/// (never part of a valid version; they order by code point).
///
/// ```
/// use std::cmp::Ordering;
/// use setup_stamp::pyjson::PyString;
/// use setup_stamp::version::compare_py_versions;
/// let mut lone = PyString::from("1.0");
/// lone.push_code_point(0xD800);
/// assert_eq!(compare_py_versions(&PyString::from("1.0"), &lone).unwrap(), Ordering::Less);
/// ```
pub fn compare_py_versions(a: &PyString, b: &PyString) -> Result<Ordering, VersionError> {
    compare_wtf8(a.as_wtf8(), b.as_wtf8())
}

/// The comparison on WTF-8 bytes (UTF-8 plus encoded surrogates), whose byte
/// order is code-point order.
pub(crate) fn compare_wtf8(a: &[u8], b: &[u8]) -> Result<Ordering, VersionError> {
    if let Some(order) = fast::compare(a, b) {
        return Ok(order);
    }
    exact_compare(a, b)
}

/// The exact path alone (also the oracle the fast path is tested against).
fn exact_compare(a: &[u8], b: &[u8]) -> Result<Ordering, VersionError> {
    let pa = match grammar::parse(a) {
        grammar::Outcome::Valid(p) => p,
        grammar::Outcome::Invalid => return Ok(a.cmp(b)),
        grammar::Outcome::DigitLimit(digits) => return Err(digit_limit(a, digits)),
    };
    let pb = match grammar::parse(b) {
        grammar::Outcome::Valid(p) => p,
        grammar::Outcome::Invalid => return Ok(a.cmp(b)),
        grammar::Outcome::DigitLimit(digits) => return Err(digit_limit(b, digits)),
    };
    Ok(order::cmp_parsed(&pa, &pb))
}

fn digit_limit(version: &[u8], digits: usize) -> VersionError {
    VersionError::DigitLimit {
        version: String::from_utf8_lossy(version).into_owned(),
        digits,
    }
}

/// A valid PEP 440 version: what packaging's `Version(s)` builds.
///
/// ```
/// use setup_stamp::version::parse_version;
/// let installed = parse_version("1.0RC1").unwrap().unwrap();
/// let current = parse_version("v1.0").unwrap().unwrap();
/// assert_eq!(installed.normalized(), "1.0rc1");
/// assert!(installed < current);
/// assert!(parse_version("1.0_1").unwrap().is_none());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct ParsedVersion<'a>(grammar::Parsed<'a>);

/// Parses like packaging 26's `Version(version)`: `Ok(Some)` for a valid
/// version, `Ok(None)` for `InvalidVersion`.
///
/// # Errors
/// [`VersionError::DigitLimit`] where Python raises `ValueError` (a numeric
/// component beyond [`INT_MAX_STR_DIGITS`] digits).
pub fn parse_version(version: &str) -> Result<Option<ParsedVersion<'_>>, VersionError> {
    parse_wtf8_version(version.as_bytes())
}

/// [`parse_version`] for a Python string (lone surrogates are never valid).
pub fn parse_py_version(version: &PyString) -> Result<Option<ParsedVersion<'_>>, VersionError> {
    parse_wtf8_version(version.as_wtf8())
}

fn parse_wtf8_version(version: &[u8]) -> Result<Option<ParsedVersion<'_>>, VersionError> {
    match grammar::parse(version) {
        grammar::Outcome::Valid(p) => Ok(Some(ParsedVersion(p))),
        grammar::Outcome::Invalid => Ok(None),
        grammar::Outcome::DigitLimit(digits) => Err(digit_limit(version, digits)),
    }
}

impl ParsedVersion<'_> {
    /// `str(Version(s))`: the normalized spelling (`1.0RC1` → `1.0rc1`,
    /// `v01.0-1` → `1.0.post1`).
    pub fn normalized(&self) -> String {
        canonical::normalized(&self.0)
    }
}

impl PartialEq for ParsedVersion<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for ParsedVersion<'_> {}

impl PartialOrd for ParsedVersion<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ParsedVersion<'_> {
    /// packaging's ordering (`1.0 == 1.0.0`, `1.0.dev0 < 1.0a1 < 1.0`).
    fn cmp(&self, other: &Self) -> Ordering {
        order::cmp_parsed(&self.0, &other.0)
    }
}
