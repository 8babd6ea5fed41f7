//! The common case through `pep440_rs`.
//!
//! `pep440_rs` implements PEP 440 faithfully, but it differs from packaging
//! outside a safe domain: numbers are `u64` (too-long releases are
//! rejected, a too-long numeric local segment becomes a string segment,
//! `dev18446744073709551615` collides with its "no dev" sentinel) and only
//! ASCII whitespace is stripped. [`compare`] therefore only answers for
//! strings in that domain: made of `[0-9A-Za-z.!+_-]` only (no whitespace to
//! strip, nothing non-ASCII) with every digit run at most 19 digits long
//! (below `u64::MAX`, far below Python's conversion limit). Anything else,
//! and any string the crate rejects, goes to the exact parser; so a
//! rejection here never decides validity, only an acceptance of both sides
//! is trusted (the differential tests in `super::tests` check agreement).

use std::cmp::Ordering;
use std::str::FromStr;

/// Longest digit run admitted: 19 digits always fit in a `u64` below `u64::MAX`.
const MAX_RUN: usize = 19;

/// Longest string admitted (ordinary versions are far shorter).
const MAX_LEN: usize = 128;

/// True when `s` is in the domain where `pep440_rs` agrees with packaging.
fn in_domain(s: &[u8]) -> bool {
    if s.is_empty() || s.len() > MAX_LEN {
        return false;
    }
    let mut run = 0;
    for &b in s {
        if b.is_ascii_digit() {
            run += 1;
            if run > MAX_RUN {
                return false;
            }
        } else if b.is_ascii_alphabetic() || matches!(b, b'.' | b'!' | b'+' | b'_' | b'-') {
            run = 0;
        } else {
            return false;
        }
    }
    true
}

fn parse(s: &[u8]) -> Option<pep440_rs::Version> {
    if !in_domain(s) {
        return None;
    }
    let text = std::str::from_utf8(s).ok()?;
    pep440_rs::Version::from_str(text).ok()
}

/// `Some(order)` when both sides are in the domain and valid versions;
/// `None` means "ask the exact parser".
pub(super) fn compare(a: &[u8], b: &[u8]) -> Option<Ordering> {
    let va = parse(a)?;
    let vb = parse(b)?;
    Some(va.cmp(&vb))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_excludes_what_the_crate_gets_wrong() {
        assert!(in_domain(b"1.0"));
        assert!(in_domain(b"v1!2.0rc1.post2.dev3+Ab_c-4"));
        assert!(in_domain(b"9999999999999999999"));
        assert!(!in_domain(b"18446744073709551615"));
        assert!(!in_domain(b"1.0+99999999999999999999"));
        assert!(!in_domain(b" 1.0"));
        assert!(!in_domain(b"1.0\x0b"));
        assert!(!in_domain("1.0\u{a0}".as_bytes()));
        assert!(!in_domain(b""));
    }

    #[test]
    fn answers_for_ordinary_versions() {
        assert_eq!(compare(b"1.0", b"1.0.0"), Some(Ordering::Equal));
        assert_eq!(compare(b"1.0.dev0", b"1.0a1"), Some(Ordering::Less));
        assert_eq!(compare(b"1.0", b"x"), None);
        assert_eq!(compare(b"1.99999999999999999999", b"1"), None);
    }
}
