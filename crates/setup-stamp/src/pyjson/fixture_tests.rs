//! Checks every case of the Python-generated fixture
//! (`tests/fixtures/pyjson_cases.txt`, from `scripts/gen_pyjson_fixture.py`).

use super::{dumps, loads, python_str, JsonError};

const FIXTURE: &str = include_str!("../../tests/fixtures/pyjson_cases.txt");

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).expect("fixture hex"))
        .collect()
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).escape_debug().to_string()
}

/// Whether `got` is the error Python described as `want` (see the fixture
/// generator for the format).
fn same_error(want: &str, got: &JsonError) -> bool {
    let parts: Vec<&str> = want.split('|').collect();
    match (parts.as_slice(), got) {
        (["utf8", start], JsonError::NotUtf8 { offset }) => start.parse() == Ok(*offset),
        (
            ["json", msg @ .., lineno, colno],
            JsonError::Syntax {
                message,
                line,
                column,
            },
        ) => {
            *message == msg.join("|") && lineno.parse() == Ok(*line) && colno.parse() == Ok(*column)
        }
        (["value", msg @ ..], JsonError::Syntax { message, .. }) => *message == msg.join("|"),
        _ => false,
    }
}

#[test]
fn python_fixture_has_no_mismatch() {
    let mut cases = 0;
    let mut mismatches = Vec::new();
    for line in FIXTURE.lines().filter(|l| !l.starts_with('#')) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(fields.len(), 5, "bad fixture line {line}");
        cases += 1;
        let input = unhex(fields[0]);
        let result = loads(&input);
        match (fields[1], result) {
            ("err", Ok(v)) => mismatches.push(format!("{}: accepted as {v:?}", show(&input))),
            ("err", Err(e)) => {
                let want = String::from_utf8(unhex(fields[2])).expect("fixture text");
                if !same_error(&want, &e) {
                    mismatches.push(format!("{}: want error {want}, got {e:?}", show(&input)));
                }
            }
            ("ok", Err(e)) => mismatches.push(format!("{}: rejected: {e}", show(&input))),
            ("ok", Ok(v)) => {
                let got = [
                    python_str(&v).as_wtf8().to_vec(),
                    dumps(&v, Some(2), true).into_bytes(),
                    dumps(&v, None, false).into_bytes(),
                ];
                for (what, (want, got)) in ["str", "dumps(indent=2, sort_keys=True)", "dumps"]
                    .iter()
                    .zip(fields[2..].iter().map(|f| unhex(f)).zip(got))
                {
                    if want != got {
                        mismatches.push(format!(
                            "{}: {what}: want {} got {}",
                            show(&input),
                            show(&want),
                            show(&got)
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    assert!(cases > 4000, "fixture too small: {cases}");
    assert!(
        mismatches.is_empty(),
        "{} mismatches of {cases} cases:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
