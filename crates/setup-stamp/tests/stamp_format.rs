//! The stamp format against the reference: every row of the Python-generated
//! fixtures (`scripts/gen_stamp_fixture.py`), plus the schema-version rules
//! spelled out one by one.

use setup_stamp::pyjson::PyString;
use setup_stamp::stamp::{parse_stamp, render_stamp, StampFormatError};
use setup_stamp::verdict::InstalledPackage;

const PARSE_CASES: &str = include_str!("fixtures/stamp_format_cases.txt");
const RENDER_CASES: &str = include_str!("fixtures/stamp_render_cases.txt");

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s}");
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("fixture hex"))
        .collect()
}

fn unhex_text(s: &str) -> String {
    String::from_utf8(unhex(s)).expect("fixture text is UTF-8")
}

fn rows(fixture: &str) -> impl Iterator<Item = Vec<&str>> {
    fixture
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').collect())
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).escape_debug().to_string()
}

#[test]
fn parse_matches_reference_read_stamp() {
    let mut mismatches = Vec::new();
    let mut count = 0;
    for row in rows(PARSE_CASES) {
        assert_eq!(row.len(), 3, "bad row {row:?}");
        count += 1;
        let input = unhex(row[0]);
        let got = parse_stamp(&input);
        match (row[1], &got) {
            ("ok", Ok(contents)) => {
                let want: Vec<(Vec<u8>, Vec<u8>)> = if row[2] == "-" {
                    vec![]
                } else {
                    row[2]
                        .split(',')
                        .map(|p| {
                            let (k, v) = p.split_once(':').expect("pair");
                            (unhex(k), unhex(v))
                        })
                        .collect()
                };
                let got: Vec<(Vec<u8>, Vec<u8>)> = contents
                    .packages
                    .iter()
                    .map(|(k, v)| (k.as_wtf8().to_vec(), v.as_wtf8().to_vec()))
                    .collect();
                if got != want {
                    mismatches.push(format!("{}: {got:?} != {want:?}", show(&input)));
                }
            }
            ("json", Err(StampFormatError::Json(_))) => {}
            ("value", Err(e)) if !matches!(e, StampFormatError::Json(_)) => {
                let want = unhex_text(row[2]);
                if e.to_string() != want {
                    mismatches.push(format!("{}: {e} != {want}", show(&input)));
                }
            }
            (kind, got) => mismatches.push(format!("{}: want {kind}, got {got:?}", show(&input))),
        }
    }
    assert!(count > 100, "fixture too small: {count}");
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn render_matches_reference_json_dumps() {
    let mut count = 0;
    for row in rows(RENDER_CASES) {
        assert_eq!(row.len(), 3, "bad row {row:?}");
        count += 1;
        let packages: Vec<InstalledPackage> = if row[1] == "-" {
            vec![]
        } else {
            row[1]
                .split(',')
                .map(|p| {
                    let (k, v) = p.split_once(':').expect("pair");
                    InstalledPackage {
                        name: unhex_text(k),
                        version: (v != "-").then(|| unhex_text(v)),
                    }
                })
                .collect()
        };
        assert_eq!(
            render_stamp(&unhex_text(row[0]), &packages),
            unhex_text(row[2]),
            "{row:?}"
        );
    }
    assert!(count >= 5);
}

fn with_version(v: &str) -> Result<(), StampFormatError> {
    parse_stamp(format!(r#"{{"version": {v}, "packages": {{}}}}"#).as_bytes()).map(|_| ())
}

#[test]
fn every_accepted_schema_version() {
    for v in [
        "1",
        "1.0",
        "true",
        "1e0",
        "10e-1",
        "0.1e1",
        "1.0000000000000001",
        "100000000000000000000001e-23",
    ] {
        assert_eq!(with_version(v), Ok(()), "{v}");
    }
}

#[test]
fn every_rejected_schema_version_with_its_repr() {
    for (v, repr) in [
        (r#""1""#, "'1'"),
        ("2", "2"),
        ("0", "0"),
        ("false", "False"),
        ("null", "None"),
        ("[1]", "[1]"),
        ("{}", "{}"),
        ("NaN", "nan"),
        ("-1", "-1"),
        ("1e400", "inf"),
        ("1.0000000000000002", "1.0000000000000002"),
    ] {
        assert_eq!(
            with_version(v),
            Err(StampFormatError::UnsupportedSchema { repr: repr.into() }),
            "{v}"
        );
    }
    let missing = parse_stamp(br#"{"packages": {}}"#).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "unsupported stamp schema version: None"
    );
}

#[test]
fn shape_errors_name_python_types() {
    let cases: [(&[u8], &str); 6] = [
        (b"[]", "stamp root is not an object: list"),
        (b"\"x\"", "stamp root is not an object: str"),
        (b"1.5", "stamp root is not an object: float"),
        (
            br#"{"version": 1}"#,
            "stamp packages is not an object: NoneType",
        ),
        (
            br#"{"version": 1, "packages": true}"#,
            "stamp packages is not an object: bool",
        ),
        (
            br#"{"version": 1, "packages": 7}"#,
            "stamp packages is not an object: int",
        ),
    ];
    for (input, want) in cases {
        assert_eq!(parse_stamp(input).unwrap_err().to_string(), want);
    }
}

#[test]
fn values_and_completed_at_are_python_str() {
    let s = parse_stamp(
        br#"{"completed_at": 5, "version": 1, "packages": {"a": 1e16, "b": [1, "a", true, null], "c": null}}"#,
    )
    .unwrap();
    let got: Vec<(String, String)> = s
        .packages
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("a".into(), "1e+16".into()),
            ("b".into(), "[1, 'a', True, None]".into()),
            ("c".into(), "None".into()),
        ]
    );
    assert_eq!(s.completed_at, Some(PyString::from("5")));
    assert_eq!(s.packages[0].0, PyString::from("a"));
}

#[test]
fn rendered_stamp_reads_back() {
    let packages = [
        InstalledPackage {
            name: "terok".into(),
            version: Some("0.6.0".into()),
        },
        InstalledPackage {
            name: "terok-sandbox".into(),
            version: None,
        },
    ];
    let text = render_stamp("2026-11-25T16:47:05+00:00", &packages);
    let back = parse_stamp(text.as_bytes()).unwrap();
    assert_eq!(back.packages.len(), 2);
    assert_eq!(back.packages[1].1.to_string(), "None");
    assert!(!text.ends_with('\n'));
}

#[test]
fn deep_nesting_in_a_value_is_parsed_or_rejected_without_overflow() {
    use setup_stamp::pyjson::MAX_DEPTH;
    let doc = |depth: usize| {
        // The root object and `packages` count as two levels.
        let inner = depth - 2;
        format!(
            r#"{{"version": 1, "packages": {{"a": {}{}}}}}"#,
            "[".repeat(inner),
            "]".repeat(inner)
        )
    };
    let ok = parse_stamp(doc(MAX_DEPTH).as_bytes()).unwrap();
    let text = ok.packages[0].1.to_string();
    assert_eq!(text.len(), 2 * (MAX_DEPTH - 2));
    assert!(matches!(
        parse_stamp(doc(MAX_DEPTH + 1).as_bytes()),
        Err(StampFormatError::Json(_))
    ));
}
