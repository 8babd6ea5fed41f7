//! `str(Version(s))`: packaging's normalized spelling of a valid version.
//!
//! Hand-written because it must match packaging 26 exactly on what this
//! crate's own grammar accepts (unbounded numbers included), which no PEP 440
//! crate's `Display` promises.

use super::grammar::{is_sep, Parsed, PreKind};

/// Writes `Version.__str__`: epoch (`N!`, omitted when 0), the release
/// numbers without leading zeros, the pre-release (`a`, `b`, `rc` and its
/// number, implicit 0 spelled out), `.postN`, `.devN`, and the local label
/// lower-cased with `.` separators and numeric parts without leading zeros.
pub(super) fn normalized(p: &Parsed<'_>) -> String {
    let mut out = String::with_capacity(p.release.len() + 16);
    let epoch = int_text(p.epoch);
    if epoch != "0" {
        out.push_str(epoch);
        out.push('!');
    }
    for (i, part) in p.release.split(|&b| b == b'.').enumerate() {
        if i > 0 {
            out.push('.');
        }
        out.push_str(int_text(part));
    }
    if let Some((kind, number)) = p.pre {
        out.push_str(match kind {
            PreKind::Alpha => "a",
            PreKind::Beta => "b",
            PreKind::Rc => "rc",
        });
        out.push_str(int_text(number));
    }
    if let Some(number) = p.post {
        out.push_str(".post");
        out.push_str(int_text(number));
    }
    if let Some(number) = p.dev {
        out.push_str(".dev");
        out.push_str(int_text(number));
    }
    if let Some(local) = p.local {
        out.push('+');
        for (i, part) in local.split(|&b| is_sep(b)).enumerate() {
            if i > 0 {
                out.push('.');
            }
            if part.iter().all(u8::is_ascii_digit) {
                out.push_str(int_text(part));
            } else {
                out.extend(part.iter().map(|b| char::from(b.to_ascii_lowercase())));
            }
        }
    }
    out
}

/// `str(int(digits))` for ASCII digits; an empty slice (an implicit number)
/// is 0.
fn int_text(digits: &[u8]) -> &str {
    let start = digits
        .iter()
        .position(|&b| b != b'0')
        .unwrap_or(digits.len());
    match std::str::from_utf8(&digits[start..]) {
        Ok("") | Err(_) => "0",
        Ok(text) => text,
    }
}

#[cfg(test)]
mod tests {
    use crate::version::parse_version;

    fn norm(s: &str) -> String {
        parse_version(s)
            .expect("within the digit limit")
            .expect("valid")
            .normalized()
    }

    #[test]
    fn spells_versions_as_packaging_does() {
        for (given, want) in [
            ("1.0", "1.0"),
            ("v1.0", "1.0"),
            ("01.002", "1.2"),
            ("0!1.0", "1.0"),
            ("00!1", "1"),
            ("2!1.0", "2!1.0"),
            ("1.0RC1", "1.0rc1"),
            ("1.0c1", "1.0rc1"),
            ("1.0preview", "1.0rc0"),
            ("1.0-alpha.2", "1.0a2"),
            ("1.0b", "1.0b0"),
            ("1.0-1", "1.0.post1"),
            ("1.0.post", "1.0.post0"),
            ("1.0rev3", "1.0.post3"),
            ("1.0r", "1.0.post0"),
            ("1.0dev", "1.0.dev0"),
            ("1.0_DEV-07", "1.0.dev7"),
            ("1.0+ABC-01_x.002", "1.0+abc.1.x.2"),
            (" \u{a0}1.0\t", "1.0"),
            ("1.99999999999999999999", "1.99999999999999999999"),
            ("1.0a1.post2.dev3+l", "1.0a1.post2.dev3+l"),
        ] {
            assert_eq!(norm(given), want, "{given:?}");
        }
    }
}
