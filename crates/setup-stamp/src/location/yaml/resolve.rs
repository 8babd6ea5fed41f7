//! Tag resolution: the tag of a plain (or `!`-tagged) scalar from its text, as
//! ruamel's `VersionedResolver` decides it.
//!
//! The version comes from the `%YAML` directive (YAML 1.2 without one); YAML 1.1
//! adds the `yes`/`no`/`on`/`off` booleans, octal `0…` and sexagesimal numbers.

use super::timestamp::is_timestamp;
use super::YamlError;

/// The YAML version that decides implicit types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Version {
    /// `%YAML 1.1`.
    V11,
    /// `%YAML 1.2`, or no directive.
    V12,
    /// `%YAML 1.x` with another minor version: an error once a scalar needs resolving.
    Other(u32),
}

/// The `%YAML` directive of the (first) document, from the lines before its `---`.
pub(super) fn version_directive(text: &str) -> Result<Version, YamlError> {
    for line in text.lines() {
        let t = line.trim_end();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("%YAML") {
            let v = rest.split('#').next().unwrap_or("").trim();
            let (major, minor) = v.split_once('.').unwrap_or((v, ""));
            return match (major.parse::<u32>(), minor.parse::<u32>()) {
                (Ok(1), Ok(1)) => Ok(Version::V11),
                (Ok(1), Ok(2)) => Ok(Version::V12),
                (Ok(1), Ok(m)) => Ok(Version::Other(m)),
                _ => Err(YamlError::Version(v.to_owned())),
            };
        }
        if t.starts_with('%') {
            continue;
        }
        break;
    }
    Ok(Version::V12)
}

/// Whether `s` is non-empty and all its bytes satisfy `f`.
fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

/// `s` without a leading `-` or `+`.
pub(super) fn strip_sign(s: &str) -> &str {
    s.strip_prefix(['-', '+']).unwrap_or(s)
}

/// `[0-9_]`.
fn is_dec_(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

/// `[0-9][0-9_]*` followed by the rest.
fn lead_digits(s: &str) -> Option<&str> {
    if !s.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let end = s.bytes().position(|b| !is_dec_(b)).unwrap_or(s.len());
    Some(&s[end..])
}

/// `(?:[eE][-+]?[0-9]+)` when `sign_required` is false, `[eE][-+][0-9]+` when true.
fn is_exponent(s: &str, sign_required: bool) -> bool {
    let Some(rest) = s.strip_prefix(['e', 'E']) else {
        return false;
    };
    let digits = match rest.strip_prefix(['-', '+']) {
        Some(d) => d,
        None if sign_required => return false,
        None => rest,
    };
    all(digits, |b| b.is_ascii_digit())
}

/// The implicit float pattern of the given YAML version.
fn is_float(s: &str, version: Version) -> bool {
    if matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let body = strip_sign(s);
    let signed = body.len() != s.len();
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    if let Some(rest) = lead_digits(body) {
        if let Some(frac) = rest.strip_prefix('.') {
            let end = frac.bytes().position(|b| !is_dec_(b)).unwrap_or(frac.len());
            let exp = &frac[end..];
            if exp.is_empty() || is_exponent(exp, false) {
                return true;
            }
        } else if is_exponent(rest, false) {
            return true;
        }
        if version == Version::V11 && is_sexagesimal(body, true) {
            return true;
        }
    }
    if let Some(frac) = body.strip_prefix('.') {
        if version == Version::V11 && signed {
            return false;
        }
        let end = frac.bytes().position(|b| !is_dec_(b)).unwrap_or(frac.len());
        if end > 0 && (frac[end..].is_empty() || is_exponent(&frac[end..], true)) {
            return true;
        }
    }
    false
}

/// YAML 1.1 sexagesimal: `[0-9][0-9_]*(:[0-5]?[0-9])+` (`\.[0-9_]*` after it for floats;
/// ints need a leading `[1-9]`).
fn is_sexagesimal(body: &str, float: bool) -> bool {
    let (int_part, frac) = if float {
        match body.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => return false,
        }
    } else {
        (body, None)
    };
    if let Some(f) = frac {
        if !f.bytes().all(is_dec_) {
            return false;
        }
    }
    let mut groups = int_part.split(':');
    let Some(first) = groups.next() else {
        return false;
    };
    if !all(first, is_dec_) || !first.as_bytes()[0].is_ascii_digit() {
        return false;
    }
    if !float && first.as_bytes()[0] == b'0' {
        return false;
    }
    let mut count = 0;
    for g in groups {
        count += 1;
        let ok = match g.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    count > 0
}

/// The implicit int pattern of the given YAML version.
fn is_int(s: &str, version: Version) -> bool {
    let body = strip_sign(s);
    if let Some(b) = body.strip_prefix("0b") {
        if all(b, |c| c == b'0' || c == b'1' || c == b'_') {
            return true;
        }
    }
    if let Some(h) = body.strip_prefix("0x") {
        if all(h, |c| c.is_ascii_hexdigit() || c == b'_') {
            return true;
        }
    }
    match version {
        Version::V11 => {
            let oct = body.strip_prefix('0').unwrap_or(body);
            all(oct, |c| (b'0'..=b'7').contains(&c) || c == b'_')
                || body == "0"
                || (body
                    .as_bytes()
                    .first()
                    .is_some_and(|c| (b'1'..=b'9').contains(c))
                    && body.bytes().all(is_dec_))
                || is_sexagesimal(body, false)
        }
        _ => {
            if let Some(o) = body.strip_prefix("0o") {
                if all(o, |c| (b'0'..=b'7').contains(&c) || c == b'_') {
                    return true;
                }
            }
            all(body, is_dec_)
        }
    }
}

/// ruamel's `VersionedResolver.resolve` for an implicit scalar.
pub(super) fn resolve(value: &str, version: Version) -> Result<&'static str, YamlError> {
    if let Version::Other(minor) = version {
        return Err(YamlError::Version(format!("1.{minor}")));
    }
    let first = value.chars().next();
    let v11 = version == Version::V11;
    let bool11 = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    let bool12 = ["true", "True", "TRUE", "false", "False", "FALSE"];
    let tag = match first {
        None => "tag:yaml.org,2002:null",
        Some(c) => {
            if bool12.contains(&value) || (v11 && bool11.contains(&value)) {
                "tag:yaml.org,2002:bool"
            } else if "-+0123456789.".contains(c) && is_float(value, version) {
                "tag:yaml.org,2002:float"
            } else if "-+0123456789".contains(c) && is_int(value, version) {
                "tag:yaml.org,2002:int"
            } else if value == "<<" {
                "tag:yaml.org,2002:merge"
            } else if matches!(value, "~" | "null" | "Null" | "NULL") {
                "tag:yaml.org,2002:null"
            } else if c.is_ascii_digit() && is_timestamp(value) {
                "tag:yaml.org,2002:timestamp"
            } else if value == "=" {
                "tag:yaml.org,2002:value"
            } else {
                "tag:yaml.org,2002:str"
            }
        }
    };
    Ok(tag)
}
