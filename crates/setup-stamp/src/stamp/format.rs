//! The stamp's JSON format: parsing (the reference's `read_stamp`) and
//! rendering (the payload `write_stamp` produces). Pure: no I/O, no clock.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::pyjson::{self, JsonError, PyString, Value};
use crate::verdict::InstalledPackage;

/// The only schema version the stamp format knows (`_STAMP_SCHEMA_VERSION`).
pub const STAMP_SCHEMA_VERSION: u32 = 1;

/// What a well-formed stamp holds, as the reference's `read_stamp` sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct StampContents {
    /// The `packages` mapping in file order (duplicate keys already resolved:
    /// last value wins at the first key's position), each value turned into
    /// text with Python's `str()`.
    pub packages: Vec<(PyString, PyString)>,
    /// Python `str()` of the `completed_at` value, if present (a string is
    /// kept as is). The reference never checks it; it is kept for display
    /// only, as text, so that a hostile value nested thousands of levels deep
    /// is not kept as a tree that would be dropped or cloned recursively.
    pub completed_at: Option<PyString>,
}

/// Why bytes are not a stamp the reference would accept. Each variant is one
/// exception the reference's `read_stamp` raises (all of which it reports as
/// `stamp_corrupt`).
#[derive(Debug, Clone, PartialEq)]
pub enum StampFormatError {
    /// Not UTF-8 or not JSON (`UnicodeDecodeError` / `json.JSONDecodeError`).
    Json(JsonError),
    /// The document is not an object (`stamp root is not an object: list`).
    RootNotObject {
        /// Python's type name of the root (`list`, `str`, `int`, …).
        type_name: &'static str,
    },
    /// `version` is not equal to 1 under Python `==`
    /// (`unsupported stamp schema version: '1'`).
    UnsupportedSchema {
        /// Python `repr()` of the `version` value (`None` when missing).
        repr: String,
    },
    /// `packages` is not an object (`stamp packages is not an object: NoneType`).
    PackagesNotObject {
        /// Python's type name of the value (`NoneType` when missing).
        type_name: &'static str,
    },
}

impl fmt::Display for StampFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StampFormatError::Json(e) => write!(f, "the stamp is not valid JSON: {e}"),
            StampFormatError::RootNotObject { type_name } => {
                write!(f, "stamp root is not an object: {type_name}")
            }
            StampFormatError::UnsupportedSchema { repr } => {
                write!(f, "unsupported stamp schema version: {repr}")
            }
            StampFormatError::PackagesNotObject { type_name } => {
                write!(f, "stamp packages is not an object: {type_name}")
            }
        }
    }
}

impl std::error::Error for StampFormatError {}

impl From<JsonError> for StampFormatError {
    fn from(e: JsonError) -> Self {
        StampFormatError::Json(e)
    }
}

/// Python's `type(value).__name__` for a decoded JSON value.
///
/// ```
/// use setup_stamp::pyjson::Value;
/// use setup_stamp::stamp::python_type_name;
/// assert_eq!(python_type_name(Some(&Value::Array(vec![]))), "list");
/// assert_eq!(python_type_name(None), "NoneType");
/// ```
pub fn python_type_name(value: Option<&Value>) -> &'static str {
    match value {
        None | Some(Value::Null) => "NoneType",
        Some(Value::Bool(_)) => "bool",
        Some(Value::Int(_)) => "int",
        Some(Value::Float(_)) => "float",
        Some(Value::Str(_)) => "str",
        Some(Value::Array(_)) => "list",
        Some(Value::Object(_)) => "dict",
    }
}

/// Python's `repr()` of a decoded JSON value (`None` for a missing one).
///
/// Built on [`pyjson::python_str`]: `repr(x)` is `str(x)` for everything
/// but a string, and `str([x])` is `[` + `repr(x)` + `]`. Nothing nested is
/// cloned: a [`Value`] clones recursively, and a deeply nested one would
/// overflow the stack.
pub fn python_repr(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return "None".to_owned();
    };
    let Value::Str(_) = value else {
        return pyjson::python_str(value).to_string_lossy();
    };
    let listed = pyjson::python_str(&Value::Array(vec![value.clone()])).to_string_lossy();
    listed
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .map(str::to_owned)
        .unwrap_or(listed)
}

/// Whether `value == 1` holds in Python: the integer 1, `True`, or a float
/// equal to 1.0 (`1.0`, `1e0`, `1.0000000000000001`, …).
fn equals_schema_version(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Int(digits)) => digits == "1",
        Some(Value::Bool(b)) => *b,
        Some(Value::Float(x)) => *x == 1.0,
        _ => false,
    }
}

/// Drops a decoded value without recursion. `Value`'s own drop recurses once
/// per nesting level, which for a stamp nested [`pyjson::MAX_DEPTH`] deep
/// overflows a 2 MiB thread stack in an unoptimised build.
fn discard(value: Value) {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items),
            Value::Object(entries) => pending.extend(entries.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Looks a key up in a decoded object (keys are already unique).
fn get<'a>(object: &'a [(PyString, Value)], key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.as_wtf8() == key.as_bytes())
        .map(|(_, v)| v)
}

/// Parses stamp bytes exactly as the reference's `read_stamp` does:
/// strict UTF-8, `json.loads`, root must be an object, `root.get("version")
/// == 1` under Python `==`, `packages` must be an object, and every value is
/// turned into text with Python's `str()`.
///
/// ```
/// use setup_stamp::stamp::{parse_stamp, StampFormatError};
/// let s = parse_stamp(br#"{"version": 1, "packages": {"terok": "0.6.0"}}"#).unwrap();
/// assert_eq!(s.packages[0].1.as_str(), Some("0.6.0"));
/// assert!(matches!(
///     parse_stamp(br#"{"version": "1", "packages": {}}"#),
///     Err(StampFormatError::UnsupportedSchema { .. })
/// ));
/// ```
pub fn parse_stamp(bytes: &[u8]) -> Result<StampContents, StampFormatError> {
    let root = match pyjson::loads(bytes)? {
        Value::Object(root) => root,
        other => {
            let type_name = python_type_name(Some(&other));
            discard(other);
            return Err(StampFormatError::RootNotObject { type_name });
        }
    };
    let version = get(&root, "version");
    let packages = if !equals_schema_version(version) {
        Err(StampFormatError::UnsupportedSchema {
            repr: python_repr(version),
        })
    } else {
        match get(&root, "packages") {
            Some(Value::Object(entries)) => Ok(entries
                .iter()
                .map(|(name, value)| (name.clone(), pyjson::python_str(value)))
                .collect()),
            other => Err(StampFormatError::PackagesNotObject {
                type_name: python_type_name(other),
            }),
        }
    };
    let packages = match packages {
        Ok(packages) => packages,
        Err(e) => {
            discard(Value::Object(root));
            return Err(e);
        }
    };
    // Moved out rather than cloned: a clone recurses once per nesting level.
    let mut completed_at = None;
    for (key, value) in root {
        if key.as_wtf8() == b"completed_at" {
            completed_at = Some(match value {
                Value::Str(text) => text,
                other => {
                    let text = pyjson::python_str(&other);
                    discard(other);
                    text
                }
            });
        } else {
            discard(value);
        }
    }
    Ok(StampContents {
        packages,
        completed_at,
    })
}

/// The stamp's bytes, exactly as the reference writes them:
/// `json.dumps({"completed_at": …, "packages": {name: version or null},
/// "version": 1}, indent=2, sort_keys=True)` — no trailing newline.
///
/// A name listed twice keeps its last version (a Python `dict`).
///
/// ```
/// use setup_stamp::stamp::render_stamp;
/// use setup_stamp::verdict::InstalledPackage;
/// let text = render_stamp(
///     "2026-11-25T16:47:05+00:00",
///     &[InstalledPackage { name: "terok".into(), version: Some("0.6.0".into()) }],
/// );
/// assert_eq!(
///     text,
///     "{\n  \"completed_at\": \"2026-11-25T16:47:05+00:00\",\n  \"packages\": {\n    \"terok\": \"0.6.0\"\n  },\n  \"version\": 1\n}"
/// );
/// ```
pub fn render_stamp(completed_at: &str, packages: &[InstalledPackage]) -> String {
    let mut entries: Vec<(PyString, Value)> = Vec::with_capacity(packages.len());
    for package in packages {
        let name = PyString::from(package.name.as_str());
        let value = match &package.version {
            Some(v) => Value::Str(PyString::from(v.as_str())),
            None => Value::Null,
        };
        match entries.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => entries.push((name, value)),
        }
    }
    let payload = Value::Object(vec![
        (
            PyString::from("version"),
            Value::Int(STAMP_SCHEMA_VERSION.to_string()),
        ),
        (
            PyString::from("completed_at"),
            Value::Str(PyString::from(completed_at)),
        ),
        (PyString::from("packages"), Value::Object(entries)),
    ]);
    pyjson::dumps(&payload, Some(2), true)
}

/// `datetime.now(UTC).isoformat(timespec="seconds")` for the instant `t`:
/// UTC, truncated (floored) to the second, e.g. `2026-11-25T16:47:05+00:00`.
///
/// Years are printed with at least four digits, as Python does for years
/// 1–9999 (the only ones a Python `datetime` can hold).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use setup_stamp::stamp::format_completed_at;
/// let t = UNIX_EPOCH + Duration::from_millis(1_795_625_225_999);
/// assert_eq!(format_completed_at(t), "2026-11-25T16:47:05+00:00");
/// ```
pub fn format_completed_at(t: SystemTime) -> String {
    let secs: i128 = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::from(d.as_secs()),
        Err(e) => {
            let d = e.duration();
            -i128::from(d.as_secs()) - i128::from(d.subsec_nanos() > 0)
        }
    };
    format_unix_seconds(secs)
}

/// Formats whole seconds since the Unix epoch as an ISO 8601 UTC timestamp.
fn format_unix_seconds(secs: i128) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let year = if year < 0 {
        format!("-{:04}", -year)
    } else {
        format!("{year:04}")
    };
    format!("{year}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}+00:00")
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i128) -> (i128, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i128::from(month <= 2);
    // Both are small and positive by construction.
    (year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: i64) -> String {
        let t = if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        format_completed_at(t)
    }

    #[test]
    fn python_repr_matches_python() {
        // Expected values from Python 3.12: repr(json.loads(text)).
        let cases = [
            (r#""it's""#, r#""it's""#),
            (r#""a""#, "'a'"),
            (
                r#"[1, "a", null, true, 1.0, {"k": "v"}]"#,
                "[1, 'a', None, True, 1.0, {'k': 'v'}]",
            ),
            ("1e16", "1e+16"),
            ("-0.0", "-0.0"),
            ("null", "None"),
            ("true", "True"),
            (r#"{"a": ["\u00e9"]}"#, "{'a': ['\u{e9}']}"),
            (r#""\u00e9\n""#, "'\u{e9}\\n'"),
        ];
        for (json, repr) in cases {
            let value = pyjson::loads(json.as_bytes()).unwrap();
            assert_eq!(python_repr(Some(&value)), repr, "{json}");
        }
        assert_eq!(python_repr(None), "None");
    }

    #[test]
    fn deeply_nested_values_are_not_cloned() {
        // Cloning recurses once per level; at the parser's depth limit that
        // overflowed a main-thread-sized (8 MiB) stack in unoptimised builds.
        // Dropping recurses too, but with a smaller frame.
        let depth = pyjson::MAX_DEPTH - 1;
        let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(move || {
                let at = format!(r#"{{"version": 1, "packages": {{}}, "completed_at": {nested}}}"#);
                let parsed = parse_stamp(at.as_bytes()).unwrap();
                let at = parsed.completed_at.expect("completed_at");
                assert!(at.as_wtf8().starts_with(b"[[[") && at.as_wtf8().len() == 2 * depth);
                let version = format!(r#"{{"version": {nested}, "packages": {{}}}}"#);
                let Err(StampFormatError::UnsupportedSchema { repr }) =
                    parse_stamp(version.as_bytes())
                else {
                    panic!("a nested version is not schema 1");
                };
                assert!(repr.starts_with("[[[") && repr.len() == 2 * depth);
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn completed_at_known_instants() {
        // Expected values from Python:
        // datetime.fromtimestamp(s, UTC).isoformat(timespec="seconds")
        let cases: &[(i64, &str)] = &[
            (0, "1970-01-01T00:00:00+00:00"),
            (1, "1970-01-01T00:00:01+00:00"),
            (86_399, "1970-01-01T23:59:59+00:00"),
            (951_782_400, "2000-02-29T00:00:00+00:00"),
            (951_868_799, "2000-02-29T23:59:59+00:00"),
            (951_868_800, "2000-03-01T00:00:00+00:00"),
            (1_709_164_800, "2024-02-29T00:00:00+00:00"),
            (1_795_625_225, "2026-11-25T16:47:05+00:00"),
            (4_107_456_000, "2100-02-28T00:00:00+00:00"),
            (4_107_542_400, "2100-03-01T00:00:00+00:00"),
            (253_402_300_799, "9999-12-31T23:59:59+00:00"),
            (-1, "1969-12-31T23:59:59+00:00"),
            (-2_208_988_800, "1900-01-01T00:00:00+00:00"),
            (-62_135_596_800, "0001-01-01T00:00:00+00:00"),
            (-62_104_060_800, "0002-01-01T00:00:00+00:00"),
            (-30_610_224_000, "1000-01-01T00:00:00+00:00"),
            (2_147_483_647, "2038-01-19T03:14:07+00:00"),
            (2_147_483_648, "2038-01-19T03:14:08+00:00"),
            (4_102_444_800, "2100-01-01T00:00:00+00:00"),
            (13_574_563_200, "2400-02-29T00:00:00+00:00"),
        ];
        for (secs, want) in cases {
            assert_eq!(at(*secs), *want, "{secs}");
        }
    }

    #[test]
    fn completed_at_truncates_fractions_toward_the_past() {
        let t = UNIX_EPOCH + Duration::from_nanos(1_795_625_225_999_999_999);
        assert_eq!(format_completed_at(t), "2026-11-25T16:47:05+00:00");
        // -0.5 s is 23:59:59.5 on the day before: floored, not rounded.
        let t = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(format_completed_at(t), "1969-12-31T23:59:59+00:00");
        let t = UNIX_EPOCH - Duration::from_millis(1000);
        assert_eq!(format_completed_at(t), "1969-12-31T23:59:59+00:00");
    }

    #[test]
    fn civil_dates_round_trip_every_day_for_eight_centuries() {
        // Walk day by day from 1600-01-01 and check the calendar advances
        // exactly as the Gregorian rules say.
        let days_in = |y: i128, m: u32| -> u32 {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            }
        };
        let mut day = -135_140; // 1600-01-01
        let (mut y, mut m, mut d) = (1600i128, 1u32, 1u32);
        assert_eq!(civil_from_days(day), (y, m, d));
        while y < 2400 {
            day += 1;
            d += 1;
            if d > days_in(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
            assert_eq!(civil_from_days(day), (y, m, d), "day {day}");
        }
    }

    #[test]
    fn type_names_are_pythons() {
        use crate::pyjson::Value as V;
        let cases: &[(Option<V>, &str)] = &[
            (None, "NoneType"),
            (Some(V::Null), "NoneType"),
            (Some(V::Bool(true)), "bool"),
            (Some(V::Int("1".into())), "int"),
            (Some(V::Float(1.5)), "float"),
            (Some(V::Str("x".into())), "str"),
            (Some(V::Array(vec![])), "list"),
            (Some(V::Object(vec![])), "dict"),
        ];
        for (v, want) in cases {
            assert_eq!(python_type_name(v.as_ref()), *want);
        }
    }

    #[test]
    fn schema_version_equality_follows_python() {
        use crate::pyjson::Value as V;
        let accepted = [
            V::Int("1".into()),
            V::Bool(true),
            V::Float(1.0),
            V::Float(1.000_000_000_000_000_1),
        ];
        for v in &accepted {
            assert!(equals_schema_version(Some(v)), "{v:?}");
        }
        let rejected = [
            V::Str("1".into()),
            V::Int("2".into()),
            V::Int("0".into()),
            V::Int("-1".into()),
            V::Int("01".into()),
            V::Int("10".into()),
            V::Bool(false),
            V::Null,
            V::Array(vec![V::Int("1".into())]),
            V::Object(vec![]),
            V::Float(f64::NAN),
            V::Float(f64::INFINITY),
            V::Float(1.000_000_000_000_000_2),
            V::Float(-1.0),
        ];
        for v in &rejected {
            assert!(!equals_schema_version(Some(v)), "{v:?}");
        }
        assert!(!equals_schema_version(None));
    }
}
