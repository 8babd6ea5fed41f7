//! The receipt's JSON and the comparison with what is running now (pure).
//!
//! A receipt is `{"owner": str, "version": str, "inputs": {str: str}}`,
//! written as `json.dump(receipt, sort_keys=True)` plus a newline. The
//! comparison is `SetupReceipt.check()` of terok-util 0.4.0, rule by rule:
//!
//! 1. no file → `missing` ("Setup receipt is missing");
//! 2. unreadable, not UTF-8, not JSON → `invalid` ("Setup receipt cannot be
//!    read");
//! 3. not exactly the keys `owner`, `version`, `inputs`; an owner that is not
//!    a non-empty string or is another owner; a version that is not a string;
//!    inputs that are not an object of strings → `invalid` ("Setup receipt
//!    has an invalid owner or format");
//! 4. `Version(stored)` then `Version(current)`: either invalid → `invalid`
//!    ("Setup receipt version is invalid"); a number over 4,300 digits makes
//!    Python raise ([`ReceiptCheckError`]);
//! 5. stored > current → `downgrade` ("Setup belongs to newer {owner}
//!    {stored}; running {current}", both as `str(Version)`);
//! 6. different version (PEP 440 equality: `1.0 == 1.0.0`) or different
//!    inputs → `stale` ("Setup version or inputs changed");
//! 7. otherwise `ready`, with no diagnostic.

use std::fmt;

use super::status::{SetupCheck, SetupStatus};
use crate::pyjson::{self, JsonError, PyString, Value};
use crate::version::{self, VersionError};

/// The component name of every receipt check.
pub const RECEIPT_COMPONENT: &str = "receipt";

/// Diagnostic of a missing receipt.
pub const MISSING: &str = "Setup receipt is missing";
/// Diagnostic of a receipt that cannot be read or decoded.
pub const UNREADABLE: &str = "Setup receipt cannot be read";
/// Diagnostic of a receipt of the wrong shape or of another owner.
pub const BAD_FORMAT: &str = "Setup receipt has an invalid owner or format";
/// Diagnostic of a receipt whose (or whose owner's) version is not PEP 440.
pub const BAD_VERSION: &str = "Setup receipt version is invalid";
/// Diagnostic of a receipt of an older version or other inputs.
pub const CHANGED: &str = "Setup version or inputs changed";

/// A well-formed receipt as stored (any owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredReceipt {
    /// The owner (a non-empty string).
    pub owner: PyString,
    /// The owner's version at setup (any string).
    pub version: PyString,
    /// The setup inputs, in file order (duplicate keys resolved as Python
    /// does: the last value wins).
    pub inputs: Vec<(PyString, PyString)>,
}

/// Why stored bytes are not a receipt (`invalid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptFormatError {
    /// Not UTF-8 or not JSON (`json.loads` fails): "cannot be read".
    Json(JsonError),
    /// JSON, but not the receipt shape: "invalid owner or format".
    Shape(&'static str),
}

impl fmt::Display for ReceiptFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiptFormatError::Json(e) => write!(f, "not JSON: {e}"),
            ReceiptFormatError::Shape(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for ReceiptFormatError {}

/// Parses a receipt's bytes as `json.loads` plus `_valid_receipt` do.
///
/// ```
/// use setup_stamp::receipt::parse_receipt;
/// let r = parse_receipt(br#"{"inputs": {"k": "v"}, "owner": "terok", "version": "1.0"}"#).unwrap();
/// assert_eq!(r.owner.as_str(), Some("terok"));
/// assert!(parse_receipt(br#"{"owner": "terok", "version": "1.0"}"#).is_err());
/// ```
pub fn parse_receipt(bytes: &[u8]) -> Result<StoredReceipt, ReceiptFormatError> {
    let value = pyjson::loads(bytes).map_err(ReceiptFormatError::Json)?;
    let Value::Object(entries) = value else {
        return Err(ReceiptFormatError::Shape("not a JSON object"));
    };
    if entries.len() != 3 {
        return Err(ReceiptFormatError::Shape(
            "keys are not exactly owner, version, inputs",
        ));
    }
    let (mut owner, mut version, mut inputs) = (None, None, None);
    for (key, value) in entries {
        match key.as_wtf8() {
            b"owner" => owner = Some(value),
            b"version" => version = Some(value),
            b"inputs" => inputs = Some(value),
            _ => {
                return Err(ReceiptFormatError::Shape(
                    "keys are not exactly owner, version, inputs",
                ))
            }
        }
    }
    let owner = match owner {
        Some(Value::Str(s)) if !s.as_wtf8().is_empty() => s,
        Some(Value::Str(_)) => return Err(ReceiptFormatError::Shape("the owner is empty")),
        _ => return Err(ReceiptFormatError::Shape("the owner is not a string")),
    };
    let Some(Value::Str(version)) = version else {
        return Err(ReceiptFormatError::Shape("the version is not a string"));
    };
    let Some(Value::Object(entries)) = inputs else {
        return Err(ReceiptFormatError::Shape("the inputs are not an object"));
    };
    let mut inputs = Vec::with_capacity(entries.len());
    for (key, value) in entries {
        let Value::Str(value) = value else {
            return Err(ReceiptFormatError::Shape("an input is not a string"));
        };
        inputs.push((key, value));
    }
    Ok(StoredReceipt {
        owner,
        version,
        inputs,
    })
}

/// The receipt's bytes: `json.dump({"owner", "version", "inputs"},
/// sort_keys=True)` and a newline (ASCII only, `", "` and `": "`
/// separators, keys sorted by code point, inputs too).
///
/// ```
/// use setup_stamp::receipt::render_receipt;
/// assert_eq!(
///     render_receipt("terok", "0.9.1", &[("z", "1"), ("a", "é")]),
///     "{\"inputs\": {\"a\": \"\\u00e9\", \"z\": \"1\"}, \"owner\": \"terok\", \"version\": \"0.9.1\"}\n"
/// );
/// ```
pub fn render_receipt<K: AsRef<str>, V: AsRef<str>>(
    owner: &str,
    version: &str,
    inputs: &[(K, V)],
) -> String {
    let text = |s: &str| Value::Str(PyString::from(s));
    let inputs = Value::Object(
        inputs
            .iter()
            .map(|(k, v)| (PyString::from(k.as_ref()), text(v.as_ref())))
            .collect(),
    );
    let receipt = Value::Object(vec![
        (PyString::from("owner"), text(owner)),
        (PyString::from("version"), text(version)),
        (PyString::from("inputs"), inputs),
    ]);
    let mut out = pyjson::dumps(&receipt, None, true);
    out.push('\n');
    out
}

/// What was found at the receipt's path, before comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored<'a> {
    /// No file (`FileNotFoundError`).
    Missing,
    /// Something that cannot be read as text (`OSError`: a directory, no
    /// permission, a FIFO or device, too large).
    Unreadable,
    /// The file's bytes.
    Bytes(&'a [u8]),
}

/// The check cannot give a status: Python's `check()` raises.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptCheckError {
    /// A version has a number of more than 4,300 digits (`ValueError`).
    Version(VersionError),
}

impl fmt::Display for ReceiptCheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReceiptCheckError::Version(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ReceiptCheckError {}

/// Compares what is stored with the running owner, version and inputs:
/// `SetupReceipt(path, owner, version, inputs).check()` without the I/O.
///
/// `inputs` are compared as a mapping (order does not matter; a key given
/// twice keeps its last value, as in a Python dict).
///
/// ```
/// use setup_stamp::receipt::{compare_receipt, SetupStatus, Stored};
/// let stored = br#"{"inputs": {}, "owner": "terok", "version": "2.0"}"#;
/// let check = compare_receipt(Stored::Bytes(stored), "terok", "1.0", &[] as &[(&str, &str)]).unwrap();
/// assert_eq!(check.status, SetupStatus::Downgrade);
/// assert_eq!(check.diagnostic, "Setup belongs to newer terok 2.0; running 1.0");
/// ```
pub fn compare_receipt<K: AsRef<str>, V: AsRef<str>>(
    stored: Stored<'_>,
    owner: &str,
    version: &str,
    inputs: &[(K, V)],
) -> Result<SetupCheck, ReceiptCheckError> {
    let result = |status, diagnostic: &str| {
        Ok(SetupCheck::new(
            owner,
            RECEIPT_COMPONENT,
            status,
            diagnostic,
        ))
    };
    let bytes = match stored {
        Stored::Missing => return result(SetupStatus::Missing, MISSING),
        Stored::Unreadable => return result(SetupStatus::Invalid, UNREADABLE),
        Stored::Bytes(bytes) => bytes,
    };
    let receipt = match parse_receipt(bytes) {
        Ok(receipt) => receipt,
        Err(ReceiptFormatError::Json(_)) => return result(SetupStatus::Invalid, UNREADABLE),
        Err(ReceiptFormatError::Shape(_)) => return result(SetupStatus::Invalid, BAD_FORMAT),
    };
    if receipt.owner.as_wtf8() != owner.as_bytes() {
        return result(SetupStatus::Invalid, BAD_FORMAT);
    }
    let installed =
        version::parse_py_version(&receipt.version).map_err(ReceiptCheckError::Version)?;
    let Some(installed) = installed else {
        return result(SetupStatus::Invalid, BAD_VERSION);
    };
    let Some(current) = version::parse_version(version).map_err(ReceiptCheckError::Version)? else {
        return result(SetupStatus::Invalid, BAD_VERSION);
    };
    if installed > current {
        let diagnostic = format!(
            "Setup belongs to newer {owner} {}; running {}",
            installed.normalized(),
            current.normalized()
        );
        return result(SetupStatus::Downgrade, &diagnostic);
    }
    if installed != current || !same_inputs(&receipt.inputs, inputs) {
        return result(SetupStatus::Stale, CHANGED);
    }
    result(SetupStatus::Ready, "")
}

/// Python dict equality of the stored inputs and the current ones.
fn same_inputs<K: AsRef<str>, V: AsRef<str>>(
    stored: &[(PyString, PyString)],
    current: &[(K, V)],
) -> bool {
    // The current mapping as a dict: the last value of a repeated key wins.
    let mut current_map: Vec<(&[u8], &[u8])> = Vec::with_capacity(current.len());
    for (k, v) in current {
        let (k, v) = (k.as_ref().as_bytes(), v.as_ref().as_bytes());
        match current_map.iter_mut().find(|(key, _)| *key == k) {
            Some(entry) => entry.1 = v,
            None => current_map.push((k, v)),
        }
    }
    stored.len() == current_map.len()
        && stored.iter().all(|(k, v)| {
            current_map
                .iter()
                .any(|(ck, cv)| *ck == k.as_wtf8() && *cv == v.as_wtf8())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: &[(&str, &str)] = &[];

    fn check(stored: &[u8], version: &str, inputs: &[(&str, &str)]) -> SetupCheck {
        compare_receipt(Stored::Bytes(stored), "terok", version, inputs).expect("a status")
    }

    #[test]
    fn every_status_with_its_diagnostic() {
        let m = compare_receipt(Stored::Missing, "terok", "1.0", NONE).unwrap();
        assert_eq!(
            (m.status, m.diagnostic.as_str()),
            (SetupStatus::Missing, MISSING)
        );
        let u = compare_receipt(Stored::Unreadable, "terok", "1.0", NONE).unwrap();
        assert_eq!(
            (u.status, u.diagnostic.as_str()),
            (SetupStatus::Invalid, UNREADABLE)
        );
        let r = br#"{"owner": "terok", "version": "1.0", "inputs": {"a": "1"}}"#;
        let ready = check(r, "1.0.0", &[("a", "1")]);
        assert_eq!(
            (ready.status, ready.diagnostic.as_str()),
            (SetupStatus::Ready, "")
        );
        assert_eq!(ready.component, "receipt");
        assert_eq!(check(r, "1.1", &[("a", "1")]).status, SetupStatus::Stale);
        assert_eq!(check(r, "1.0", &[("a", "2")]).diagnostic, CHANGED);
        assert_eq!(check(r, "1.0", NONE).status, SetupStatus::Stale);
        let d = check(r, "0.9rc1", &[("a", "1")]);
        assert_eq!(d.status, SetupStatus::Downgrade);
        assert_eq!(
            d.diagnostic,
            "Setup belongs to newer terok 1.0; running 0.9rc1"
        );
    }

    #[test]
    fn shapes_the_reference_rejects() {
        for bad in [
            &br#"[]"#[..],
            br#"{"owner": "terok", "version": "1.0"}"#,
            br#"{"owner": "terok", "version": "1.0", "inputs": {}, "x": 1}"#,
            br#"{"owner": "", "version": "1.0", "inputs": {}}"#,
            br#"{"owner": "other", "version": "1.0", "inputs": {}}"#,
            br#"{"owner": "terok", "version": 1, "inputs": {}}"#,
            br#"{"owner": "terok", "version": null, "inputs": {}}"#,
            br#"{"owner": "terok", "version": "1.0", "inputs": []}"#,
            br#"{"owner": "terok", "version": "1.0", "inputs": {"a": 1}}"#,
            br#"{"owner": ["terok"], "version": "1.0", "inputs": {}}"#,
        ] {
            let c = check(bad, "1.0", NONE);
            assert_eq!(
                c.status,
                SetupStatus::Invalid,
                "{}",
                String::from_utf8_lossy(bad)
            );
            assert_eq!(c.diagnostic, BAD_FORMAT);
        }
        for unreadable in [&b""[..], b"{", b"\xff{}", b"\xef\xbb\xbf{}", b"nan"] {
            assert_eq!(check(unreadable, "1.0", NONE).diagnostic, UNREADABLE);
        }
    }

    #[test]
    fn duplicate_keys_resolve_like_a_dict() {
        let r = br#"{"owner": "x", "version": "1.0", "inputs": {}, "owner": "terok"}"#;
        assert_eq!(check(r, "1.0", NONE).status, SetupStatus::Ready);
        let r = br#"{"owner": "terok", "version": "1.0", "inputs": {"a": "1", "a": "2"}}"#;
        assert_eq!(check(r, "1.0", &[("a", "2")]).status, SetupStatus::Ready);
        assert_eq!(
            check(r, "1.0", &[("a", "1"), ("a", "2")]).status,
            SetupStatus::Ready
        );
    }

    #[test]
    fn invalid_versions_on_either_side() {
        let r = br#"{"owner": "terok", "version": "1.0_1", "inputs": {}}"#;
        assert_eq!(check(r, "1.0", NONE).diagnostic, BAD_VERSION);
        let r = br#"{"owner": "terok", "version": "1.0", "inputs": {}}"#;
        assert_eq!(check(r, "x", NONE).diagnostic, BAD_VERSION);
        let huge = format!(
            r#"{{"owner": "terok", "version": "{}", "inputs": {{}}}}"#,
            "9".repeat(4301)
        );
        assert!(compare_receipt(Stored::Bytes(huge.as_bytes()), "terok", "1.0", NONE).is_err());
        // An invalid stored version is reported before the current one is parsed.
        let r = br#"{"owner": "terok", "version": "bad", "inputs": {}}"#;
        let c = compare_receipt(Stored::Bytes(r), "terok", &"9".repeat(4301), NONE).unwrap();
        assert_eq!(c.diagnostic, BAD_VERSION);
    }

    #[test]
    fn rendering_round_trips() {
        let text = render_receipt(
            "terok-sandbox",
            "0.6.0",
            &[("python", "[\"/x\"]"), ("b", "\u{1F600}")],
        );
        assert!(text.is_ascii());
        assert!(text.ends_with("}\n"));
        let parsed = parse_receipt(text.as_bytes()).unwrap();
        assert_eq!(parsed.inputs.len(), 2);
        assert_eq!(parsed.inputs[0].0.as_str(), Some("b"));
        assert_eq!(parsed.inputs[1].1.as_str(), Some("[\"/x\"]"));
    }
}
