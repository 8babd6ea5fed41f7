//! `json.dumps` with `ensure_ascii=True`.

use super::float::push_float_repr;
use super::{PyString, Value};

/// One pending piece of output in the non-recursive walk.
enum Work<'a> {
    Value(&'a Value, usize),
    Key(&'a PyString),
    Text(&'static str),
    /// A newline and the indentation of the given level.
    Newline(usize),
}

/// `json.dumps(value, indent=indent, sort_keys=sort_keys)`.
///
/// Without `indent` the separators are `", "` and `": "`; with it, `","`
/// and `": "`, every item on its own line (even for `indent=0`).
pub(super) fn dumps(value: &Value, indent: Option<usize>, sort_keys: bool) -> String {
    let mut out = String::new();
    let item_sep = if indent.is_some() { "," } else { ", " };
    let mut todo = vec![Work::Value(value, 0)];
    while let Some(work) = todo.pop() {
        let (value, level) = match work {
            Work::Text(t) => {
                out.push_str(t);
                continue;
            }
            Work::Key(k) => {
                push_json_string(&mut out, k);
                continue;
            }
            Work::Newline(level) => {
                out.push('\n');
                for _ in 0..level * indent.unwrap_or(0) {
                    out.push(' ');
                }
                continue;
            }
            Work::Value(v, level) => (v, level),
        };
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Int(digits) => out.push_str(digits),
            Value::Float(x) => push_json_float(&mut out, *x),
            Value::Str(s) => push_json_string(&mut out, s),
            Value::Array(items) if items.is_empty() => out.push_str("[]"),
            Value::Object(entries) if entries.is_empty() => out.push_str("{}"),
            Value::Array(items) => {
                out.push('[');
                todo.push(Work::Text("]"));
                if indent.is_some() {
                    todo.push(Work::Newline(level));
                }
                for (i, item) in items.iter().enumerate().rev() {
                    todo.push(Work::Value(item, level + 1));
                    if indent.is_some() {
                        todo.push(Work::Newline(level + 1));
                    }
                    if i > 0 {
                        todo.push(Work::Text(item_sep));
                    }
                }
            }
            Value::Object(entries) => {
                out.push('{');
                todo.push(Work::Text("}"));
                if indent.is_some() {
                    todo.push(Work::Newline(level));
                }
                let mut refs: Vec<&(PyString, Value)> = entries.iter().collect();
                if sort_keys {
                    // WTF-8 byte order is code-point order, Python's str order.
                    refs.sort_by(|a, b| a.0.cmp(&b.0));
                }
                for (i, (key, item)) in refs.into_iter().enumerate().rev() {
                    todo.push(Work::Value(item, level + 1));
                    todo.push(Work::Text(": "));
                    todo.push(Work::Key(key));
                    if indent.is_some() {
                        todo.push(Work::Newline(level + 1));
                    }
                    if i > 0 {
                        todo.push(Work::Text(item_sep));
                    }
                }
            }
        }
    }
    out
}

/// `float.__repr__`, except `NaN`, `Infinity`, `-Infinity`.
fn push_json_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x < 0.0 { "-Infinity" } else { "Infinity" });
    } else {
        push_float_repr(out, x);
    }
}

/// `py_encode_basestring_ascii`: `"` and `\` escaped, `\b \f \n \r \t` by
/// name, every other code point outside `' '..='~'` as `\uXXXX` (astral ones
/// as a surrogate pair, lone surrogates as themselves).
pub(super) fn push_json_string(out: &mut String, s: &PyString) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let push_u = |out: &mut String, unit: u32| {
        out.push_str("\\u");
        for shift in (0..4).rev() {
            out.push(char::from(HEX[((unit >> (4 * shift)) & 0xF) as usize]));
        }
    };
    out.push('"');
    let bytes = s.as_wtf8();
    if bytes
        .iter()
        .all(|&b| (0x20..0x7F).contains(&b) && b != b'"' && b != b'\\')
    {
        // Plain printable ASCII: copy as is.
        out.push_str(&String::from_utf8_lossy(bytes));
        out.push('"');
        return;
    }
    for cp in s.code_points() {
        match cp {
            0x22 => out.push_str("\\\""),
            0x5C => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            0x0A => out.push_str("\\n"),
            0x0D => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x20..=0x7E => out.push(char::from(cp as u8)),
            0x10000.. => {
                let v = cp - 0x10000;
                push_u(out, 0xD800 | (v >> 10));
                push_u(out, 0xDC00 | (v & 0x3FF));
            }
            _ => push_u(out, cp),
        }
    }
    out.push('"');
}
