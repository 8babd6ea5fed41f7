//! Python `str()` / `repr()` of decoded values.

use super::float::push_float_repr;
use super::printable_table::NON_PRINTABLE;
use super::{PyString, Value};

/// Python `str(value)`: strings unchanged, everything else its `repr`.
pub(super) fn python_str(value: &Value) -> PyString {
    if let Value::Str(s) = value {
        return s.clone();
    }
    let mut out = String::new();
    push_repr(&mut out, value);
    PyString::from(out)
}

/// `str.isprintable()` for one code point, per the Unicode database of the
/// reference Python (see `printable_table.rs`).
pub(super) fn is_printable(cp: u32) -> bool {
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// One pending piece of output in the non-recursive walk.
enum Work<'a> {
    Value(&'a Value),
    Key(&'a PyString),
    Text(&'static str),
}

/// Appends Python's `repr(value)`, walking nested containers with an
/// explicit stack.
fn push_repr(out: &mut String, value: &Value) {
    let mut todo = vec![Work::Value(value)];
    while let Some(work) = todo.pop() {
        let value = match work {
            Work::Text(t) => {
                out.push_str(t);
                continue;
            }
            Work::Key(k) => {
                push_str_repr(out, k);
                continue;
            }
            Work::Value(v) => v,
        };
        match value {
            Value::Null => out.push_str("None"),
            Value::Bool(true) => out.push_str("True"),
            Value::Bool(false) => out.push_str("False"),
            Value::Int(digits) => out.push_str(digits),
            Value::Float(x) => push_float_repr(out, *x),
            Value::Str(s) => push_str_repr(out, s),
            Value::Array(items) => {
                out.push('[');
                todo.push(Work::Text("]"));
                for (i, item) in items.iter().enumerate().rev() {
                    todo.push(Work::Value(item));
                    if i > 0 {
                        todo.push(Work::Text(", "));
                    }
                }
            }
            Value::Object(entries) => {
                out.push('{');
                todo.push(Work::Text("}"));
                for (i, (key, item)) in entries.iter().enumerate().rev() {
                    todo.push(Work::Value(item));
                    todo.push(Work::Text(": "));
                    todo.push(Work::Key(key));
                    if i > 0 {
                        todo.push(Work::Text(", "));
                    }
                }
            }
        }
    }
}

/// Appends Python's `repr(s)` (`unicode_repr`): single quotes unless the text
/// holds `'` and no `"`; `\\`, the quote, `\t`, `\n`, `\r` escaped; other
/// non-printable code points as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
pub(super) fn push_str_repr(out: &mut String, s: &PyString) {
    let bytes = s.as_wtf8();
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for cp in s.code_points() {
        match char::from_u32(cp) {
            Some(c) if c == quote || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            Some('\t') => out.push_str("\\t"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some(c) if (0x20..0x7F).contains(&cp) => out.push(c),
            Some(c) if cp >= 0x7F && is_printable(cp) => out.push(c),
            _ => push_hex_escape(out, cp),
        }
    }
    out.push(quote);
}

/// `\xNN`, `\uNNNN` or `\UNNNNNNNN`, lower-case hex.
fn push_hex_escape(out: &mut String, cp: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let (prefix, width) = if cp <= 0xFF {
        ("\\x", 2)
    } else if cp <= 0xFFFF {
        ("\\u", 4)
    } else {
        ("\\U", 8)
    };
    out.push_str(prefix);
    for shift in (0..width).rev() {
        out.push(char::from(HEX[((cp >> (4 * shift)) & 0xF) as usize]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(s: &PyString) -> String {
        let mut out = String::new();
        push_str_repr(&mut out, s);
        out
    }

    #[test]
    fn quote_choice_and_escapes() {
        let r = |s: &str| repr(&PyString::from(s));
        assert_eq!(r("a"), "'a'");
        assert_eq!(r("it's"), "\"it's\"");
        assert_eq!(r("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(r("say \"x\""), "'say \"x\"'");
        assert_eq!(r("a\\b\t\n\r"), "'a\\\\b\\t\\n\\r'");
        assert_eq!(
            r("\u{0}\u{1f}\u{7f}\u{80}\u{a0}"),
            "'\\x00\\x1f\\x7f\\x80\\xa0'"
        );
        assert_eq!(r("\u{a1}\u{e9}\u{ad}"), "'\u{a1}\u{e9}\\xad'");
        assert_eq!(
            r("\u{2028}\u{200b}\u{feff}\u{3000}"),
            "'\\u2028\\u200b\\ufeff\\u3000'"
        );
        assert_eq!(
            r("\u{1F600}\u{E0001}\u{10FFFF}"),
            "'\u{1F600}\\U000e0001\\U0010ffff'"
        );
        assert_eq!(r(" "), "' '");
        let mut lone = PyString::default();
        lone.push_code_point(0xD800);
        lone.push_code_point(0xDFFF);
        assert_eq!(repr(&lone), "'\\ud800\\udfff'");
    }

    #[test]
    fn printable_matches_python_categories() {
        assert!(is_printable(u32::from('a')));
        assert!(is_printable(0xE9));
        assert!(!is_printable(0x85));
        assert!(!is_printable(0xE000)); // Co
        assert!(!is_printable(0x0378)); // Cn
        assert!(!is_printable(0x2029)); // Zp
        assert!(is_printable(0x1F600));
        assert!(!is_printable(0x10FFFF));
    }
}
