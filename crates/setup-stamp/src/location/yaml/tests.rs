//! Loading through the whole pipeline: the values and the errors.

use super::*;

fn s(text: &str) -> String {
    match load(text) {
        Ok(v) => v.py_str().unwrap_or_else(|| "<str error>".into()),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn scalars() {
    assert_eq!(s("a: 123"), "{'a': 123}");
    assert_eq!(s("a: 1e3"), "{'a': 1000.0}");
    assert_eq!(s("a: 0o10"), "{'a': 8}");
    assert_eq!(s("a: 010"), "{'a': 10}");
    assert_eq!(s("a: .inf"), "{'a': inf}");
    assert_eq!(s("a: yes"), "{'a': 'yes'}");
    assert_eq!(s("a: True"), "{'a': True}");
    assert_eq!(s("a: ~"), "{'a': None}");
    assert_eq!(s("a:"), "{'a': None}");
    assert_eq!(s("a: '  x '"), "{'a': '  x '}");
    assert_eq!(
        s("a: 2024-01-01T10:00:00Z"),
        "{'a': datetime.datetime(2024, 1, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}"
    );
    assert_eq!(s("%YAML 1.1\n---\na: yes"), "{'a': True}");
    assert_eq!(s(""), "None");
}

#[test]
fn errors() {
    assert!(s("a: 1\na: 2").starts_with("error"));
    assert!(s("a: 1\n---\nb: 2").starts_with("error"));
    assert!(s("a: !foo x").starts_with("error"));
    assert!(s("? [a, {b: c}]\n: x").starts_with("error"));
    assert!(s("a: \u{7f}").starts_with("error"));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(load(&deep).is_err());
    // saphyr stops flow collections at its own recursion limit (~256 levels).
    let flow = format!("a: {}{}\n", "[".repeat(250), "]".repeat(250));
    assert!(load(&flow).is_ok());
    let block = |n: usize| -> String { (0..n).map(|i| format!("{}k:\n", " ".repeat(i))).collect() };
    assert!(load(&block(MAX_DEPTH)).is_ok());
    assert_eq!(load(&block(MAX_DEPTH + 1)).unwrap_err(), YamlError::TooDeep);
    assert_eq!(load(&block(5000)).unwrap_err(), YamlError::TooDeep);
}

#[test]
fn nel_is_a_line_break_that_keeps_the_column() {
    assert_eq!(s("a: x\u{85}y\n"), "{'a': 'x y'}");
    assert_eq!(s("a: x\u{85}\n"), "{'a': 'x'}");
    assert_eq!(s("a: 'x\u{85}y'\n"), "{'a': 'x y'}");
    assert_eq!(s("a: \"x\u{85}\u{85}y\"\n"), "{'a': 'x\\ny'}");
    assert_eq!(s("paths:\u{85}  root: /x\n"), "{'paths': {'root': '/x'}}");
    assert_eq!(s("a\u{85}b: c\n"), "{'a b': 'c'}");
    assert_eq!(s("a: [1,\u{85}2]\n"), "{'a': [1, 2]}");
    assert_eq!(s("a: x\r\u{85}y\n"), "{'a': 'x\\ny'}");
    assert_eq!(s("k: |\n  x\u{85}\n"), "{'k': 'x\\n'}");
    // The next line's column is past the NEL's: not the mapping's indentation.
    assert!(s("a: 1\u{85}b: 2\n").starts_with("error"));
    assert!(s("k: |\n  x\u{85}y\n").starts_with("error"));
    assert!(s("a: x\u{85}---\n").starts_with("error"));
    assert!(s("a: 1 # c\u{85}b: 2\n").starts_with("error"));
}

#[test]
fn merge_keys() {
    assert_eq!(
        s("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  z: 4\n"),
        "{'base': {'x': 1, 'y': 2}, 'd': {'x': 1, 'y': 3, 'z': 4}}"
    );
}
