//! Rules from SPEC section 3, the Python-generated fixture, and properties.

use std::cmp::Ordering::{self, Equal, Greater, Less};

use proptest::prelude::*;

use super::*;

fn cmp(a: &str, b: &str) -> Ordering {
    match compare_versions(a, b) {
        Ok(order) => order,
        Err(e) => panic!("{a:?} vs {b:?}: {e}"),
    }
}

#[test]
fn spec_valid_spellings() {
    for s in [
        "v1.0",
        "1.0RC1",
        "1.0c1",
        "1.0preview1",
        "1.0alpha1",
        "1.0a",
        "1.0-1",
        "1.0rev1",
        "1.0r1",
        "1.0.post",
        "1.0dev",
        "1!2.0",
        "01.02",
        "V1.0",
        "1.0-dev",
        "1.0a.",
        "1.0_a_1",
    ] {
        assert!(is_valid_version(s), "{s:?}");
    }
}

#[test]
fn spec_invalid_spellings() {
    for s in [
        "1.0_1",
        "1.0+",
        "1!",
        "-1.0",
        "1..0",
        ".1",
        "",
        "True",
        "None",
        "1e+16",
        "nan",
        "1.0.",
        "1.0-",
        "vv1",
        "1.0+a.",
        "1.0.*",
        "\u{ff11}.0",
        "1.0po\u{17f}t1",
        "1.0+\u{212a}",
    ] {
        assert_eq!(validity(s), Validity::Invalid, "{s:?}");
    }
}

#[test]
fn spec_whitespace_is_python_isspace() {
    for ws in [
        "\t", "\n", "\u{a0}", "\u{2003}", "\u{1c}", "\u{85}", "\u{2028}", "\x0b",
    ] {
        let padded = format!("{ws}1.0{ws}");
        assert!(is_valid_version(&padded), "{ws:?}");
        assert_eq!(cmp(&padded, "1.0"), Equal);
    }
    for not_ws in ["\u{200b}", "\u{feff}"] {
        assert!(!is_valid_version(&format!("{not_ws}1.0")), "{not_ws:?}");
    }
    // Not valid, so no trimming: plain code-point order.
    assert_eq!(cmp("\u{200b}1.0", "1.0"), Greater);
}

#[test]
fn spec_normalisation_equalities() {
    for (a, b) in [
        ("1.0", "1.0.0"),
        ("1.0", "1"),
        ("1.0", "v1.0"),
        ("1.0+ABC", "1.0+abc"),
        ("1.0RC1", "1.0rc1"),
        ("1.0c1", "1.0rc1"),
        ("1.0preview1", "1.0rc1"),
        ("1.0alpha1", "1.0a1"),
        ("1.0a", "1.0a0"),
        ("1.0-1", "1.0.post1"),
        ("1.0rev1", "1.0.post1"),
        ("1.0r1", "1.0.post1"),
        ("1.0.post", "1.0.post0"),
        ("1.0dev", "1.0.dev0"),
        ("01.02", "1.2"),
        ("0!1.0", "1.0"),
        ("0.6", "0.6.0"),
    ] {
        assert_eq!(cmp(a, b), Equal, "{a} == {b}");
        assert_eq!(cmp(b, a), Equal, "{b} == {a}");
    }
}

#[test]
fn spec_ordering_chain() {
    let chain = [
        "1.0.dev0",
        "1.0a1.dev0",
        "1.0a1",
        "1.0a1.post1.dev1",
        "1.0a1.post1",
        "1.0b1",
        "1.0rc1",
        "1.0",
        "1.0+abc",
        "1.0+abc.1",
        "1.0+1",
        "1.0.post1.dev0",
        "1.0.post1",
        "1.1.dev0",
        "2.0",
        "1!0.1",
    ];
    for (i, a) in chain.iter().enumerate() {
        for (j, b) in chain.iter().enumerate() {
            assert_eq!(cmp(a, b), i.cmp(&j), "{a} vs {b}");
        }
    }
}

#[test]
fn spec_unbounded_numbers() {
    assert_eq!(
        cmp("1.99999999999999999999", "1.99999999999999999998"),
        Greater
    );
    assert_eq!(cmp("18446744073709551616", "18446744073709551615"), Greater);
    assert_eq!(cmp("1.0+99999999999999999999", "1.0+abc"), Greater);
    assert_eq!(
        cmp("1.0a1.dev18446744073709551615", "1.0a1"),
        Less,
        "no u64 sentinel collision"
    );
    let limit = "7".repeat(INT_MAX_STR_DIGITS);
    assert_eq!(cmp(&limit, "1"), Greater);
}

#[test]
fn digit_limit_raises_in_python_order() {
    let big = "9".repeat(INT_MAX_STR_DIGITS + 1);
    let err = compare_versions(&big, "1.0").unwrap_err();
    assert_eq!(
        err,
        VersionError::DigitLimit {
            version: big.clone(),
            digits: 4301
        }
    );
    let shown = err.to_string();
    assert!(shown.contains("4301-digit"), "{shown}");
    assert!(shown.len() < 200, "{shown}");
    // a valid, b too long: raises on b.
    assert!(compare_versions("1.0", &big).is_err());
    // a invalid: string order without looking at b.
    assert_eq!(cmp("x", &big), Greater);
    // a too long raises even when b is invalid.
    assert!(compare_versions(&big, "x").is_err());
    // A grammar mismatch is InvalidVersion even with a huge run.
    assert_eq!(validity(&format!("{big}x")), Validity::Invalid);
    // Local alphanumeric segments are never converted.
    assert!(is_valid_version(&format!("1+a{big}")));
    assert_eq!(validity(&format!("1+{big}")), Validity::TooManyDigits);
}

#[test]
fn invalid_side_compares_raw_code_points() {
    assert_eq!(cmp("0.6.0", "x"), Less);
    assert_eq!(cmp("x", "0.6.0"), Greater);
    assert_eq!(cmp("1.0", ""), Greater);
    assert_eq!(cmp("", ""), Equal);
    // No trimming for the string comparison.
    assert_eq!(cmp(" x", "x"), Less);
    // Code-point order, not UTF-16 order.
    assert_eq!(cmp("\u{ffff}", "\u{10000}"), Less);
    let mut lone = PyString::from("");
    lone.push_code_point(0xDC00);
    assert_eq!(
        compare_py_versions(&lone, &PyString::from("\u{e000}")).unwrap(),
        Less
    );
    assert_eq!(
        compare_py_versions(&lone, &PyString::from("\u{d7ff}")).unwrap(),
        Greater
    );
}

#[test]
fn error_message_abbreviates() {
    let e = VersionError::DigitLimit {
        version: "1.0".into(),
        digits: 5000,
    };
    assert_eq!(
        e.to_string(),
        "version \"1.0\" has a 5000-digit number, more than the 4300 digits Python converts to an integer"
    );
}

// ---- fixture generated by scripts/gen_version_fixture.py ----

/// A fixture string: plain text, or WTF-8 hex for strings with surrogates.
pub(crate) fn fixture_string(value: &serde_json::Value) -> PyString {
    match value {
        serde_json::Value::String(s) => PyString::from(s.as_str()),
        serde_json::Value::Object(map) => {
            let hex = map
                .get("wtf8")
                .and_then(serde_json::Value::as_str)
                .expect("wtf8 hex");
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            PyString::from_wtf8_unchecked(bytes)
        }
        other => panic!("bad fixture string {other}"),
    }
}

/// The committed fixture, or `$SETUP_STAMP_VERSION_FIXTURE_DIR/<name>` when
/// that variable is set (for larger one-off runs of the generator).
pub(crate) fn fixture_text(name: &str, committed: &'static str) -> String {
    match std::env::var_os("SETUP_STAMP_VERSION_FIXTURE_DIR") {
        Some(dir) => std::fs::read_to_string(std::path::Path::new(&dir).join(name))
            .unwrap_or_else(|e| panic!("reading {name} from {dir:?}: {e}")),
        None => committed.to_owned(),
    }
}

#[test]
fn fixture_matches_python() {
    let text = fixture_text(
        "version_compare.json",
        include_str!("../../tests/fixtures/version_compare.json"),
    );
    let doc: serde_json::Value = serde_json::from_str(&text).expect("fixture parses");
    let strings: Vec<(PyString, String)> = doc["strings"]
        .as_array()
        .expect("strings")
        .iter()
        .map(|row| {
            (
                fixture_string(&row[0]),
                row[1].as_str().expect("validity").to_owned(),
            )
        })
        .collect();
    let mut mismatches = Vec::new();
    for (s, expected) in &strings {
        let got = match validity_wtf8(s.as_wtf8()) {
            Validity::Valid => "valid",
            Validity::Invalid => "invalid",
            Validity::TooManyDigits => "error",
        };
        if got != expected {
            mismatches.push(format!("validity {s:?}: python {expected}, ours {got}"));
        }
    }
    let pairs = doc["pairs"].as_array().expect("pairs");
    assert!(pairs.len() > 20_000);
    for row in pairs {
        let (i, j) = (
            row[0].as_u64().unwrap() as usize,
            row[1].as_u64().unwrap() as usize,
        );
        let expected = row[2].as_i64().map(|n| n.cmp(&0));
        let (a, b) = (&strings[i].0, &strings[j].0);
        let got = compare_py_versions(a, b).ok();
        let exact = exact_compare(a.as_wtf8(), b.as_wtf8()).ok();
        if got != expected || exact != expected {
            mismatches.push(format!(
                "{a:?} vs {b:?}: python {expected:?}, ours {got:?}, exact {exact:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(40)].join("\n")
    );
}

// ---- properties ----

/// Strings drawn from the version alphabet, so that many are valid.
fn version_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[vV]?([0-9]{1,3}!)?[0-9]{1,3}(\\.[0-9]{1,3}){0,3}([._-]?(a|b|c|rc|alpha|beta|pre|preview|A|RC)[._-]?[0-9]{0,2})?(-[0-9]{1,2}|[._-]?(post|rev|r|POST)[._-]?[0-9]{0,2})?([._-]?(dev|DEV)[._-]?[0-9]{0,2})?(\\+[a-zA-Z0-9]{1,3}([._-][a-zA-Z0-9]{1,3}){0,2})?",
        "[0-9a-zA-Z.!+_ -]{0,12}",
        "[0-9]{15,25}(\\.[0-9]{15,25})?(\\+[0-9]{15,25})?",
        "[ \t\u{a0}\u{2003}\u{1c}]{0,2}[0-9]\\.[0-9][ \t\u{a0}\u{200b}\u{feff}]{0,2}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn fast_path_agrees_with_exact(a in version_like(), b in version_like()) {
        if let Some(fast) = fast::compare(a.as_bytes(), b.as_bytes()) {
            prop_assert_eq!(Ok(fast), exact_compare(a.as_bytes(), b.as_bytes()), "{:?} vs {:?}", a, b);
            prop_assert!(is_valid_version(&a) && is_valid_version(&b));
        }
    }

    #[test]
    fn antisymmetric_and_reflexive(a in version_like(), b in version_like()) {
        if let (Ok(ab), Ok(ba)) = (compare_versions(&a, &b), compare_versions(&b, &a)) {
            prop_assert_eq!(ab, ba.reverse(), "{:?} vs {:?}", a, b);
        }
        if let Ok(aa) = compare_versions(&a, &a) {
            prop_assert_eq!(aa, Equal);
        }
    }

    #[test]
    fn transitive_among_valid_versions(a in version_like(), b in version_like(), c in version_like()) {
        if is_valid_version(&a) && is_valid_version(&b) && is_valid_version(&c) {
            let (ab, bc, ac) = (cmp(&a, &b), cmp(&b, &c), cmp(&a, &c));
            if ab != Greater && bc != Greater {
                prop_assert_ne!(ac, Greater, "{:?} <= {:?} <= {:?}", a, b, c);
            }
            if ab == Equal && bc == Equal {
                prop_assert_eq!(ac, Equal);
            }
        }
    }

    #[test]
    fn never_panics(a in any::<String>(), b in any::<String>()) {
        let _ = compare_versions(&a, &b);
        let _ = is_valid_version(&a);
    }

    #[test]
    fn invalid_means_code_point_order(a in any::<String>(), b in version_like()) {
        if validity(&a) == Validity::Invalid {
            prop_assert_eq!(compare_versions(&a, &b), Ok(a.as_str().cmp(b.as_str())));
        }
    }
}
