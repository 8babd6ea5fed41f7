//! PEP 440 ordering of [`Parsed`] versions, mirroring packaging 26's `_cmpkey`.
//!
//! Hand-written because numbers are unbounded: they are compared as digit
//! strings (leading zeros dropped, then by length, then digit by digit), the
//! way Python compares its arbitrary-precision `int`s.

use std::cmp::Ordering;

use super::grammar::{is_sep, Parsed, PreKind};

/// Compares two non-negative decimal numbers given as ASCII digits
/// (empty means 0).
pub(super) fn cmp_num(a: &[u8], b: &[u8]) -> Ordering {
    let a = trim_zeros(a);
    let b = trim_zeros(b);
    if a.len() != b.len() {
        return a.len().cmp(&b.len());
    }
    // A byte loop rather than slice `cmp`: these runs are a digit or two, and
    // the libc `memcmp` call that slice comparison makes dominated the profile.
    a.iter()
        .zip(b)
        .find(|(x, y)| x != y)
        .map_or(Ordering::Equal, |(x, y)| x.cmp(y))
}

fn trim_zeros(n: &[u8]) -> &[u8] {
    let zeros = n.iter().take_while(|&&d| d == b'0').count();
    &n[zeros..]
}

/// `Version(a) <=> Version(b)`: epoch, release, then the suffix key, then
/// the local segment.
pub(super) fn cmp_parsed(a: &Parsed<'_>, b: &Parsed<'_>) -> Ordering {
    cmp_num(a.epoch, b.epoch)
        .then_with(|| cmp_release(a.release, b.release))
        .then_with(|| cmp_suffix(a, b))
        .then_with(|| cmp_local(a.local, b.local))
}

/// packaging strips trailing zeros from both releases and compares the
/// tuples; padding the shorter release with zeros gives the same order.
fn cmp_release(a: &[u8], b: &[u8]) -> Ordering {
    let mut xs = a.split(|&c| c == b'.');
    let mut ys = b.split(|&c| c == b'.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => match cmp_num(x.unwrap_or(b""), y.unwrap_or(b"")) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// `_cmpkey`'s suffix `(pre_rank, pre_n, post_rank, post_n, dev_rank, dev_n)`.
///
/// pre_rank: dev-only release (no pre, no post) −1, `a` 0, `b` 1, `rc` 2,
/// no pre-release 3. post_rank: none 0, post 1. dev_rank: dev 0, none 1.
struct Suffix<'a> {
    pre_rank: i8,
    pre_n: &'a [u8],
    post_rank: u8,
    post_n: &'a [u8],
    dev_rank: u8,
    dev_n: &'a [u8],
}

impl<'a> Suffix<'a> {
    fn of(p: &Parsed<'a>) -> Self {
        let (pre_rank, pre_n) = match (p.pre, p.post, p.dev) {
            (None, None, Some(_)) => (-1, &b""[..]),
            (None, _, _) => (3, &b""[..]),
            (Some((kind, n)), _, _) => (
                match kind {
                    PreKind::Alpha => 0,
                    PreKind::Beta => 1,
                    PreKind::Rc => 2,
                },
                n,
            ),
        };
        Suffix {
            pre_rank,
            pre_n,
            post_rank: u8::from(p.post.is_some()),
            post_n: p.post.unwrap_or(b""),
            dev_rank: u8::from(p.dev.is_none()),
            dev_n: p.dev.unwrap_or(b""),
        }
    }
}

fn cmp_suffix(a: &Parsed<'_>, b: &Parsed<'_>) -> Ordering {
    let (x, y) = (Suffix::of(a), Suffix::of(b));
    x.pre_rank
        .cmp(&y.pre_rank)
        .then_with(|| cmp_num(x.pre_n, y.pre_n))
        .then_with(|| x.post_rank.cmp(&y.post_rank))
        .then_with(|| cmp_num(x.post_n, y.post_n))
        .then_with(|| x.dev_rank.cmp(&y.dev_rank))
        .then_with(|| cmp_num(x.dev_n, y.dev_n))
}

/// No local segment sorts first. Otherwise segment by segment: all-digit
/// segments are integers, the others lower-cased strings; strings sort
/// before integers; a shorter list that is a prefix sorts first.
fn cmp_local(a: Option<&[u8]>, b: Option<&[u8]>) -> Ordering {
    let (a, b) = match (a, b) {
        (None, None) => return Ordering::Equal,
        (None, Some(_)) => return Ordering::Less,
        (Some(_), None) => return Ordering::Greater,
        (Some(a), Some(b)) => (a, b),
    };
    let mut xs = a.split(|&c| is_sep(c));
    let mut ys = b.split(|&c| is_sep(c));
    loop {
        let (x, y) = match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => (x, y),
        };
        let x_num = x.iter().all(u8::is_ascii_digit);
        let y_num = y.iter().all(u8::is_ascii_digit);
        let order = match (x_num, y_num) {
            (true, true) => cmp_num(x, y),
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, false) => x
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(y.iter().map(u8::to_ascii_lowercase)),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value_at_any_length() {
        assert_eq!(cmp_num(b"0010", b"9"), Ordering::Greater);
        assert_eq!(cmp_num(b"", b"000"), Ordering::Equal);
        assert_eq!(
            cmp_num(b"99999999999999999999", b"99999999999999999998"),
            Ordering::Greater
        );
        assert_eq!(cmp_num(b"123", b"124"), Ordering::Less);
    }

    #[test]
    fn release_pads_with_zeros() {
        assert_eq!(cmp_release(b"1", b"1.0.0"), Ordering::Equal);
        assert_eq!(cmp_release(b"1.0.0.1", b"1"), Ordering::Greater);
        assert_eq!(cmp_release(b"1.2", b"1.10"), Ordering::Less);
    }

    #[test]
    fn local_strings_sort_before_numbers() {
        assert_eq!(cmp_local(Some(b"abc"), Some(b"1")), Ordering::Less);
        assert_eq!(cmp_local(Some(b"ABC"), Some(b"abc")), Ordering::Equal);
        assert_eq!(cmp_local(Some(b"1.a"), Some(b"1")), Ordering::Greater);
        assert_eq!(cmp_local(Some(b"01"), Some(b"1")), Ordering::Equal);
        assert_eq!(cmp_local(Some(b"1a"), Some(b"1")), Ordering::Less);
        assert_eq!(cmp_local(None, Some(b"0")), Ordering::Less);
        // `_` and `-` separate like `.`.
        assert_eq!(cmp_local(Some(b"a_b-c"), Some(b"a.b.c")), Ordering::Equal);
    }
}
