//! Behaviour tests for `loads`, `python_str` and `dumps` (SPEC sections 2
//! and 6); the bulk comparison with Python is in `fixture_tests.rs`.

use proptest::prelude::*;

use super::*;

fn ok(json: &str) -> Value {
    match loads(json.as_bytes()) {
        Ok(v) => v,
        Err(e) => panic!("{} rejected: {e}", brief(json.as_bytes())),
    }
}

fn rejected(bytes: &[u8]) -> JsonError {
    match loads(bytes) {
        Ok(v) => panic!(
            "{} accepted as {}",
            brief(bytes),
            brief(format!("{v:?}").as_bytes())
        ),
        Err(e) => e,
    }
}

/// The start of a possibly huge document, for failure messages.
fn brief(bytes: &[u8]) -> String {
    let shown = String::from_utf8_lossy(&bytes[..bytes.len().min(80)]).into_owned();
    format!("{shown:?} ({} bytes)", bytes.len())
}

fn message(bytes: &[u8]) -> String {
    rejected(bytes).to_string()
}

fn s(json: &str) -> String {
    python_str(&ok(json)).to_string_lossy()
}

fn int(digits: &str) -> Value {
    Value::Int(digits.to_owned())
}

fn string(text: &str) -> Value {
    Value::Str(PyString::from(text))
}

fn code_points(cps: &[u32]) -> PyString {
    let mut s = PyString::default();
    for &cp in cps {
        s.push_code_point(cp);
    }
    s
}

// ---- loads: decoding -------------------------------------------------------

#[test]
fn invalid_utf8_is_not_utf8_with_offset() {
    let cases: &[(&[u8], usize)] = &[
        (b"\"\xff\"", 1),
        (b"\"\xed\xa0\x80\"", 1),     // an encoded surrogate
        (b"\"\xc0\xaf\"", 1),         // overlong '/'
        (b"\"\xe0\x80\xaf\"", 1),     // overlong
        (b"\"\xf4\x90\x80\x80\"", 1), // beyond U+10FFFF
        (b"\"\xc3", 1),               // truncated
        (b"\xff\xfe{\x00}\x00", 0),   // UTF-16 LE with BOM
        (b"[1, \"\x80\"]", 5),
    ];
    for &(bytes, offset) in cases {
        assert_eq!(rejected(bytes), JsonError::NotUtf8 { offset }, "{bytes:?}");
    }
    // UTF-16 without a BOM is valid UTF-8 with NULs, which are not whitespace.
    assert!(matches!(rejected(b"{\x00}\x00"), JsonError::Syntax { .. }));
}

#[test]
fn utf8_bom_is_rejected_like_python() {
    assert_eq!(
        message(b"\xef\xbb\xbf{}"),
        "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1"
    );
    assert!(loads(b"\xef\xbb\xbf").is_err());
    // Only at the very start; elsewhere it is an ordinary (non-space) character.
    assert_eq!(
        message(b" \xef\xbb\xbf1"),
        "Expecting value: line 1 column 2"
    );
    assert_eq!(ok("\"\u{feff}\""), string("\u{feff}"));
}

// ---- loads: grammar ----------------------------------------------------------

#[test]
fn only_four_whitespace_characters() {
    assert_eq!(
        ok(" \t\r\n[ \t\r\n1 \t\r\n, 2 ] \t\r\n"),
        Value::Array(vec![int("1"), int("2")])
    );
    for bad in [
        &b"\x0c1"[..],
        b"1\x0c",
        b"\xc2\xa01",
        b"\x001",
        b"1\x00",
        b"[1,\x0b2]",
    ] {
        rejected(bad);
    }
}

#[test]
fn empty_or_blank_document_is_an_error() {
    assert_eq!(message(b""), "Expecting value: line 1 column 1");
    assert_eq!(message(b" \n\t"), "Expecting value: line 2 column 2");
}

#[test]
fn literals() {
    assert_eq!(ok("null"), Value::Null);
    assert_eq!(ok("true"), Value::Bool(true));
    assert_eq!(ok("false"), Value::Bool(false));
    assert!(matches!(ok("NaN"), Value::Float(x) if x.is_nan()));
    assert_eq!(ok("Infinity"), Value::Float(f64::INFINITY));
    assert_eq!(ok("-Infinity"), Value::Float(f64::NEG_INFINITY));
    for bad in [
        "nan",
        "inf",
        "-inf",
        "+Infinity",
        "-NaN",
        "Null",
        "True",
        "nul",
        "infinity",
    ] {
        rejected(bad.as_bytes());
    }
    assert_eq!(message(b"nulll"), "Extra data: line 1 column 5");
}

#[test]
fn numbers() {
    assert_eq!(ok("-0"), int("0"));
    assert_eq!(ok("0"), int("0"));
    assert_eq!(ok("-12"), int("-12"));
    assert_eq!(
        ok("12345678901234567890123456789"),
        int("12345678901234567890123456789")
    );
    assert_eq!(ok("1e400"), Value::Float(f64::INFINITY));
    assert_eq!(ok("-1e400"), Value::Float(f64::NEG_INFINITY));
    assert_eq!(ok("1e-400"), Value::Float(0.0));
    assert!(matches!(ok("-0.0"), Value::Float(x) if x == 0.0 && x.is_sign_negative()));
    assert_eq!(ok("1E+2"), Value::Float(100.0));
    assert_eq!(ok("9007199254740993"), int("9007199254740993"));
    assert_eq!(ok("9007199254740993.0"), Value::Float(9007199254740992.0));
    // Numbers that compare equal to 1 in Python (SPEC section 2) and one that does not.
    for one in [
        "1.0",
        "1e0",
        "10e-1",
        "0.1e1",
        "1.0000000000000001",
        "100000000000000000000001e-23",
    ] {
        assert_eq!(ok(one), Value::Float(1.0), "{one}");
    }
    assert_ne!(ok("1.0000000000000002"), Value::Float(1.0));
    // Correct rounding at the subnormal and overflow boundaries.
    assert_eq!(ok("2.4703282292062328e-324"), Value::Float(5e-324));
    assert_eq!(ok("2.4703282292062327e-324"), Value::Float(0.0));
    assert_eq!(ok("1.7976931348623158e308"), Value::Float(f64::MAX));
    assert_eq!(ok("1.7976931348623159e308"), Value::Float(f64::INFINITY));
    // A fraction or exponent without digits is not part of the number.
    for (bad, msg) in [
        ("1.", "Extra data: line 1 column 2"),
        ("1e", "Extra data: line 1 column 2"),
        ("1e+", "Extra data: line 1 column 2"),
        ("01", "Extra data: line 1 column 2"),
        ("-", "Expecting value: line 1 column 1"),
        ("+1", "Expecting value: line 1 column 1"),
        (".1", "Expecting value: line 1 column 1"),
    ] {
        assert_eq!(message(bad.as_bytes()), msg, "{bad}");
    }
}

#[test]
fn integer_digit_limit_is_4300() {
    let max = "7".repeat(4300);
    assert_eq!(ok(&max), int(&max));
    assert_eq!(ok(&format!("-{max}")), int(&format!("-{max}")));
    let e = message(format!("[{max}7]").as_bytes());
    assert_eq!(
        e,
        "Exceeds the limit (4300 digits) for integer string conversion: value has 4301 \
         digits; use sys.set_int_max_str_digits() to increase the limit: line 1 column 2"
    );
    rejected(format!("-{max}7").as_bytes());
    // The limit is for integers only.
    assert_eq!(ok(&format!("{max}7.5")), Value::Float(f64::INFINITY));
    assert_eq!(ok(&format!("0.{max}7")), Value::Float(0.7777777777777778));
}

#[test]
fn strings_and_escapes() {
    assert_eq!(
        ok(r#""a\"\\\/\b\f\n\r\t""#),
        string("a\"\\/\u{8}\u{c}\n\r\t")
    );
    assert_eq!(
        ok("\"\u{7f}\u{e9}\u{1F600}\""),
        string("\u{7f}\u{e9}\u{1F600}")
    );
    assert_eq!(ok(r#""\u00e9\u00E9""#), string("\u{e9}\u{e9}"));
    assert_eq!(ok(r#""\ud83d\ude00""#), string("\u{1F600}"));
    assert_eq!(ok(r#""\uD83D\uDE00""#), string("\u{1F600}"));
    assert_eq!(ok(r#""\u0000""#), string("\u{0}"));
    for c in (0u8..0x20).map(char::from) {
        let e = message(format!("\"a{c}\"").as_bytes());
        assert!(
            e.starts_with("Invalid control character at: line 1 column 3"),
            "{e}"
        );
    }
    for bad in [r#""\x41""#, r#""\a""#, r#""\U0041""#, r#""\'""#] {
        assert!(
            message(bad.as_bytes()).starts_with("Invalid \\escape"),
            "{bad}"
        );
    }
    for bad in [r#""\u""#, r#""\u12""#, r#""\u12g4""#, r#""\ud800\uzzzz""#] {
        assert!(
            message(bad.as_bytes()).starts_with("Invalid \\uXXXX escape"),
            "{bad}"
        );
    }
    for bad in [&b"\"abc"[..], b"\"", b"\"\\", b"\"\\ud800\\"] {
        assert!(message(bad).starts_with("Unterminated string starting at: line 1 column 1"));
    }
    rejected(b"'single'");
}

#[test]
fn surrogate_escapes() {
    let str_of = |json: &str| match ok(json) {
        Value::Str(s) => s.code_points().collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(str_of(r#""\ud800""#), [0xD800]);
    assert_eq!(str_of(r#""\udfff""#), [0xDFFF]);
    assert_eq!(str_of(r#""\ud800\udc00""#), [0x10000]);
    assert_eq!(str_of(r#""\udbff\udfff""#), [0x10FFFF]);
    // A high surrogate followed by anything but a low surrogate escape stays alone.
    assert_eq!(str_of(r#""\ud800\u0041""#), [0xD800, 0x41]);
    assert_eq!(str_of(r#""\ud800\ud800\udc00""#), [0xD800, 0x10000]);
    assert_eq!(str_of(r#""\udc00\ud800""#), [0xDC00, 0xD800]);
    assert_eq!(str_of(r#""\ud800x\udc00""#), [0xD800, 0x78, 0xDC00]);
    assert_eq!(str_of(r#""\ud800\n""#), [0xD800, 0x0A]);
}

#[test]
fn objects_and_duplicate_keys() {
    let v = ok(r#"{"a":1,"b":2,"a":3}"#);
    assert_eq!(
        v,
        Value::Object(vec![("a".into(), int("3")), ("b".into(), int("2"))])
    );
    // Also past the size where a hash index takes over (and is rebuilt).
    let mut doc = String::from("{");
    for i in 0..150 {
        doc.push_str(&format!("\"k{}\": {i}, ", i % 60));
    }
    doc.push_str("\"k0\": \"last\"}");
    let Value::Object(entries) = ok(&doc) else {
        panic!("not an object")
    };
    assert_eq!(entries.len(), 60);
    assert_eq!(entries[0], ("k0".into(), string("last")));
    assert_eq!(entries[3], ("k3".into(), int("123")));
    assert_eq!(entries[59], ("k59".into(), int("119")));
    // Many distinct keys, nested objects sharing the scratch space.
    let mut doc = String::from("[{\"x\": 1, \"y\": {\"x\": 2}}, {");
    for i in 0..1000 {
        doc.push_str(&format!("\"{i}\": {{\"{i}\": {i}, \"{i}\": -{i}}}, "));
    }
    doc.push_str("\"7\": 7}, 3]");
    let Value::Array(items) = ok(&doc) else {
        panic!("not an array")
    };
    assert_eq!(items.len(), 3);
    assert_eq!(
        python_str(&items[0]).to_string_lossy(),
        "{'x': 1, 'y': {'x': 2}}"
    );
    let Value::Object(big) = &items[1] else {
        panic!("not an object")
    };
    assert_eq!(big.len(), 1000);
    assert_eq!(big[7], ("7".into(), int("7")));
    assert_eq!(big[999].0, PyString::from("999"));
    assert_eq!(python_str(&big[999].1).to_string_lossy(), "{'999': -999}");
    assert_eq!(ok("{}"), Value::Object(vec![]));
    assert_eq!(ok("{ }"), Value::Object(vec![]));
    assert_eq!(ok(r#"{"":0}"#), Value::Object(vec![("".into(), int("0"))]));
}

#[test]
fn grammar_errors_read_like_python() {
    let cases: &[(&str, &str)] = &[
        ("[1,]", "Expecting value: line 1 column 4"),
        ("[,1]", "Expecting value: line 1 column 2"),
        ("[1 2]", "Expecting ',' delimiter: line 1 column 4"),
        ("[", "Expecting value: line 1 column 2"),
        ("]", "Expecting value: line 1 column 1"),
        (
            "{",
            "Expecting property name enclosed in double quotes: line 1 column 2",
        ),
        (
            "{\"a\":1,}",
            "Expecting property name enclosed in double quotes: line 1 column 8",
        ),
        (
            "{'a':1}",
            "Expecting property name enclosed in double quotes: line 1 column 2",
        ),
        ("{\"a\"}", "Expecting ':' delimiter: line 1 column 5"),
        ("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6"),
        ("{\"a\":}", "Expecting value: line 1 column 6"),
        (
            "{\"a\":1 \"b\":2}",
            "Expecting ',' delimiter: line 1 column 8",
        ),
        ("1 2", "Extra data: line 1 column 3"),
        ("{}{}", "Extra data: line 1 column 3"),
        ("[1]\n\u{e9} x", "Extra data: line 2 column 1"),
        ("[\"\u{e9}\u{e9}\", x]", "Expecting value: line 1 column 8"),
    ];
    for &(doc, want) in cases {
        assert_eq!(message(doc.as_bytes()), want, "{doc:?}");
    }
}

#[test]
fn error_lines_follow_universal_newlines() {
    // Path.read_text turns "\r\n" and a lone "\r" into "\n" before json sees it.
    assert_eq!(message(b"[1,\r\rx]"), "Expecting value: line 3 column 1");
    assert_eq!(
        message(b"[1,\r\n\r\n x]"),
        "Expecting value: line 3 column 2"
    );
    assert_eq!(message(b"\n\r\n\rx"), "Expecting value: line 4 column 1");
}

#[test]
fn unicode_escape_needs_a_following_character() {
    // _json.c wants one more character after the four hex digits.
    assert_eq!(
        message(br#""\u0041"#),
        "Invalid \\uXXXX escape: line 1 column 3"
    );
    assert_eq!(
        message(br#""\ud800\udc00"#),
        "Invalid \\uXXXX escape: line 1 column 9"
    );
    assert_eq!(
        message(br#""\u0041\"#),
        "Unterminated string starting at: line 1 column 1"
    );
    assert_eq!(ok(r#""\u0041""#), string("A"));
}

/// Most containers on one path from the root, counted without recursion.
fn depth(v: &Value) -> usize {
    let mut deepest = 0;
    let mut todo = vec![(v, 0)];
    while let Some((v, enclosing)) = todo.pop() {
        match v {
            Value::Array(items) => todo.extend(items.iter().map(|i| (i, enclosing + 1))),
            Value::Object(entries) => todo.extend(entries.iter().map(|(_, i)| (i, enclosing + 1))),
            _ => continue,
        }
        deepest = deepest.max(enclosing + 1);
    }
    deepest
}

/// Runs `f` on a thread with a main thread's usual 8 MiB stack: dropping a
/// [`MAX_DEPTH`]-deep value is recursive (see [`MAX_DEPTH`]), and unoptimised
/// test builds need more than the 2 MiB a test thread gets.
fn on_main_sized_stack(f: impl FnOnce() + Send + 'static) {
    let joined = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .expect("spawn")
        .join();
    if let Err(panic) = joined {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn deep_nesting_up_to_max_depth() {
    on_main_sized_stack(deep_nesting_body);
}

fn deep_nesting_body() {
    let arrays = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let objects = |n: usize| format!("{}1{}", "{\"a\":".repeat(n), "}".repeat(n));
    let mixed = |n: usize| format!("{}0{}", "[{\"k\":".repeat(n / 2), "}]".repeat(n / 2));
    assert_eq!(depth(&ok(&arrays(MAX_DEPTH))), MAX_DEPTH);
    assert_eq!(depth(&ok(&objects(MAX_DEPTH))), MAX_DEPTH);
    assert_eq!(depth(&ok(&mixed(MAX_DEPTH))), MAX_DEPTH);
    const { assert!(MAX_DEPTH >= 10_000) };
    assert_eq!(
        rejected(arrays(MAX_DEPTH + 1).as_bytes()),
        JsonError::TooDeep
    );
    assert_eq!(
        rejected(objects(MAX_DEPTH + 1).as_bytes()),
        JsonError::TooDeep
    );
    assert_eq!(
        rejected(mixed(MAX_DEPTH + 2).as_bytes()),
        JsonError::TooDeep
    );
    // Far deeper input is refused without trouble.
    assert_eq!(
        rejected("[".repeat(1_000_000).as_bytes()),
        JsonError::TooDeep
    );
    // Unclosed but within the limit: a syntax error, not a crash.
    assert!(matches!(
        rejected("[".repeat(MAX_DEPTH).as_bytes()),
        JsonError::Syntax { .. }
    ));
    // str() and dumps() of a deep value do not recurse either.
    let deep = ok(&arrays(MAX_DEPTH));
    assert_eq!(python_str(&deep).to_string_lossy(), arrays(MAX_DEPTH));
    assert_eq!(dumps(&deep, None, true), arrays(MAX_DEPTH));
    assert_eq!(dumps(&deep, Some(0), true).len(), 4 * MAX_DEPTH - 2);
}

#[test]
fn errors_display_for_a_cli() {
    assert_eq!(
        JsonError::NotUtf8 { offset: 3 }.to_string(),
        "not valid UTF-8 (invalid byte sequence at offset 3)"
    );
    assert_eq!(
        JsonError::TooDeep.to_string(),
        "JSON nested deeper than 10000 levels"
    );
    let e: Box<dyn std::error::Error> = Box::new(rejected(b"x"));
    assert_eq!(e.to_string(), "Expecting value: line 1 column 1");
}

// ---- python_str -----------------------------------------------------------------

#[test]
fn str_of_scalars() {
    assert_eq!(s(r#""  1.0 \u00e9""#), "  1.0 \u{e9}");
    assert_eq!(
        s("123456789012345678901234567890"),
        "123456789012345678901234567890"
    );
    assert_eq!(s("-0"), "0");
    assert_eq!(s("true"), "True");
    assert_eq!(s("false"), "False");
    assert_eq!(s("null"), "None");
    let floats = [
        ("1.5", "1.5"),
        ("100.0", "100.0"),
        ("1e2", "100.0"),
        ("1e15", "1000000000000000.0"),
        ("1e16", "1e+16"),
        ("0.0001", "0.0001"),
        ("1e-05", "1e-05"),
        ("0.00001", "1e-05"),
        ("1e-7", "1e-07"),
        ("2.5e-5", "2.5e-05"),
        ("-0.0", "-0.0"),
        ("1.2345678901234567", "1.2345678901234567"),
        ("NaN", "nan"),
        ("Infinity", "inf"),
        ("-Infinity", "-inf"),
        ("1e400", "inf"),
        ("1E308", "1e+308"),
        ("5e-324", "5e-324"),
        ("123456789012345678.0", "1.2345678901234568e+17"),
    ];
    for (json, want) in floats {
        assert_eq!(s(json), want, "{json}");
    }
    // A lone surrogate stays in the str() of a string.
    let Value::Str(lone) = ok(r#""\ud800""#) else {
        panic!()
    };
    assert_eq!(python_str(&ok(r#""\ud800""#)), lone);
}

#[test]
fn str_of_containers_uses_repr() {
    assert_eq!(
        s(r#"[1, "a", true, null, 1.0, {"k": "v"}]"#),
        "[1, 'a', True, None, 1.0, {'k': 'v'}]"
    );
    assert_eq!(
        s(r#"{"b": 1, "a": [], "c": {}}"#),
        "{'b': 1, 'a': [], 'c': {}}"
    );
    assert_eq!(s("[]"), "[]");
    assert_eq!(s("{}"), "{}");
    assert_eq!(
        s(r#"["it's", "say \"hi\"", "both ' \"", "\\"]"#),
        r#"["it's", 'say "hi"', 'both \' "', '\\']"#
    );
    assert_eq!(
        s(r#"["\t\n\r\u0000\u001f\u007f\u0080\u00a0\u00ad\u00e9"]"#),
        "['\\t\\n\\r\\x00\\x1f\\x7f\\x80\\xa0\\xad\u{e9}']"
    );
    assert_eq!(
        s(r#"["\u2028\u200b\ufeff\u3000\ue000", "\ud83d\ude00\udb40\udc01"]"#),
        "['\\u2028\\u200b\\ufeff\\u3000\\ue000', '\u{1F600}\\U000e0001']"
    );
    assert_eq!(
        s(r#"["\ud800", {"\udfff": NaN}]"#),
        "['\\ud800', {'\\udfff': nan}]"
    );
    assert_eq!(
        s(r#"[1e16, -0.0, Infinity, 1e-05]"#),
        "[1e+16, -0.0, inf, 1e-05]"
    );
}

// ---- dumps ----------------------------------------------------------------------

#[test]
fn dumps_stamp_layout() {
    let stamp = Value::Object(vec![
        ("version".into(), int("1")),
        (
            "packages".into(),
            Value::Object(vec![
                ("terok-shield".into(), Value::Null),
                ("terok".into(), string("0.6.0")),
            ]),
        ),
        ("completed_at".into(), string("2026-11-25T16:53:21+00:00")),
    ]);
    assert_eq!(
        dumps(&stamp, Some(2), true),
        "{\n  \"completed_at\": \"2026-11-25T16:53:21+00:00\",\n  \"packages\": {\n    \"terok\": \"0.6.0\",\n    \"terok-shield\": null\n  },\n  \"version\": 1\n}"
    );
    let empty = Value::Object(vec![("packages".into(), Value::Object(vec![]))]);
    assert_eq!(dumps(&empty, Some(2), true), "{\n  \"packages\": {}\n}");
    assert_eq!(dumps(&Value::Array(vec![]), Some(2), true), "[]");
}

#[test]
fn dumps_separators_and_order() {
    let v = ok(r#"{"b": [1, 2.5, {}], "a": null, "\u00e9": true, "Z": false}"#);
    assert_eq!(
        dumps(&v, None, false),
        r#"{"b": [1, 2.5, {}], "a": null, "\u00e9": true, "Z": false}"#
    );
    assert_eq!(
        dumps(&v, None, true),
        r#"{"Z": false, "a": null, "b": [1, 2.5, {}], "\u00e9": true}"#
    );
    assert_eq!(
        dumps(&v, Some(0), true),
        "{\n\"Z\": false,\n\"a\": null,\n\"b\": [\n1,\n2.5,\n{}\n],\n\"\\u00e9\": true\n}"
    );
    assert_eq!(
        dumps(&ok("[[1]]"), Some(3), false),
        "[\n   [\n      1\n   ]\n]"
    );
    // Sorting is by code point: a lone surrogate sits between U+D7FF and U+E000,
    // astral characters come last.
    let keys = ok(r#"{"\ud83d\ude00": 0, "\ue000": 1, "\ud800": 2, "\ud7ff": 3, "~": 4}"#);
    assert_eq!(
        dumps(&keys, None, true),
        r#"{"~": 4, "\ud7ff": 3, "\ud800": 2, "\ue000": 1, "\ud83d\ude00": 0}"#
    );
}

#[test]
fn dumps_escapes_ascii_only() {
    let text = Value::Str(code_points(&[
        0x22, 0x5C, 0x2F, 0x08, 0x0C, 0x0A, 0x0D, 0x09, 0x01, 0x1F, 0x7F, 0xE9, 0x2028, 0x1F600,
        0xD800, 0xDFFF, 0x20, 0x7E,
    ]));
    assert_eq!(
        dumps(&text, None, false),
        r#""\"\\/\b\f\n\r\t\u0001\u001f\u007f\u00e9\u2028\ud83d\ude00\ud800\udfff ~""#
    );
}

#[test]
fn dumps_numbers() {
    let v = ok("[1e16, 1e15, 1e-05, -0.0, 0.1, NaN, Infinity, -Infinity, -0, 123456789012345678901234567890]");
    assert_eq!(
        dumps(&v, None, false),
        "[1e+16, 1000000000000000.0, 1e-05, -0.0, 0.1, NaN, Infinity, -Infinity, 0, 123456789012345678901234567890]"
    );
}

// ---- properties -----------------------------------------------------------------

/// Strings of arbitrary code points, lone surrogates included (but never a
/// high surrogate directly before a low one: Python would hold that as two
/// code points, which `json` cannot round-trip either).
fn arb_pystring() -> impl Strategy<Value = PyString> {
    let cp = prop_oneof![
        0x20u32..0x7F,
        0u32..0x20,
        0x7Fu32..0x800,
        0xD800u32..0xE000,
        0xE000u32..0x110000,
    ];
    prop::collection::vec(cp, 0..8).prop_map(|cps| {
        let mut s = PyString::default();
        let mut prev = 0;
        for cp in cps {
            if (0xD800..0xDC00).contains(&prev) && (0xDC00..0xE000).contains(&cp) {
                continue;
            }
            s.push_code_point(cp);
            prev = cp;
        }
        s
    })
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| Value::Int(i.to_string())),
        "-?[1-9][0-9]{0,40}".prop_map(Value::Int),
        any::<f64>()
            .prop_filter("NaN is not equal to itself", |x| !x.is_nan())
            .prop_map(Value::Float),
        arb_pystring().prop_map(Value::Str),
    ];
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((arb_pystring(), inner), 0..5).prop_map(|pairs| {
                let mut entries: Vec<(PyString, Value)> = Vec::new();
                for (k, v) in pairs {
                    if !entries.iter().any(|(e, _)| *e == k) {
                        entries.push((k, v));
                    }
                }
                Value::Object(entries)
            }),
        ]
    })
}

/// Sorts object entries by key, recursively, as `sort_keys` presents them.
fn sorted(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        Value::Object(entries) => {
            let mut e: Vec<_> = entries
                .iter()
                .map(|(k, v)| (k.clone(), sorted(v)))
                .collect();
            e.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(e)
        }
        other => other.clone(),
    }
}

proptest! {
    #[test]
    fn dumps_then_loads_round_trips(v in arb_value(), indent in prop::option::of(0usize..4), sort in any::<bool>()) {
        let text = dumps(&v, indent, sort);
        prop_assert!(text.is_ascii());
        let back = loads(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        if sort {
            prop_assert_eq!(back, sorted(&v));
        } else {
            prop_assert_eq!(back, v);
        }
    }

    #[test]
    fn loads_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = loads(&bytes);
    }

    #[test]
    fn loads_never_panics_on_jsonish(parts in prop::collection::vec(prop::sample::select(vec![
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "d800", "dc00", "0", "1", "-", "+", ".",
        "e", "E", "null", "true", "NaN", "-Infinity", " ", "\n", "\t", "\u{e9}", "\u{1F600}", "\u{7f}", "\u{1}",
    ]), 0..40)) {
        let doc = parts.concat();
        if let Ok(v) = loads(doc.as_bytes()) {
            // Whatever is accepted can be printed and re-read.
            let _ = python_str(&v);
            prop_assert!(loads(dumps(&v, Some(2), true).as_bytes()).is_ok());
        }
    }
}
