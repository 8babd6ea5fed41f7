//! `json.loads`: strict UTF-8 decoding, then CPython's `_json` scanner
//! grammar, with an explicit stack instead of recursion.

use std::collections::HashMap;

use super::{JsonError, PyString, Value, MAX_DEPTH};

/// Python's default `sys.get_int_max_str_digits()` (3.11+).
const INT_MAX_STR_DIGITS: usize = 4300;

/// Objects with more entries than this get a hash index for duplicate keys.
const INDEX_THRESHOLD: usize = 16;

/// Decodes strict UTF-8 and parses one JSON document.
pub(super) fn loads(bytes: &[u8]) -> Result<Value, JsonError> {
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(JsonError::NotUtf8 {
            offset: e.valid_up_to(),
        });
    }
    if bytes.starts_with("\u{feff}".as_bytes()) {
        // json.loads(str) refuses a leading U+FEFF.
        return Err(syntax_error(
            bytes,
            0,
            "Unexpected UTF-8 BOM (decode using utf-8-sig)",
        ));
    }
    Parser { b: bytes, pos: 0 }.document()
}

/// Builds a [`JsonError::Syntax`] at byte offset `pos`, positioned like
/// `JSONDecodeError` (line and column count characters).
fn syntax_error(b: &[u8], pos: usize, message: &str) -> JsonError {
    let before = &b[..pos.min(b.len())];
    let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    let column = before[line_start..]
        .iter()
        .filter(|&&c| c & 0xC0 != 0x80)
        .count()
        + 1;
    JsonError::Syntax {
        message: message.to_owned(),
        line,
        column,
    }
}

/// An object under construction.
struct ObjectBuilder {
    entries: Vec<(PyString, Value)>,
    /// Key → position, built once the object grows past [`INDEX_THRESHOLD`].
    index: Option<HashMap<PyString, usize>>,
    /// The key whose value is being parsed.
    key: PyString,
}

impl ObjectBuilder {
    /// Stores `value` under the pending key: a repeated key keeps its first
    /// position and takes the new value, as `dict.__setitem__` does.
    fn insert(&mut self, value: Value) {
        let key = std::mem::take(&mut self.key);
        let existing = match &self.index {
            Some(index) => index.get(&key).copied(),
            None => self.entries.iter().position(|(k, _)| *k == key),
        };
        if let Some(i) = existing {
            self.entries[i].1 = value;
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEX_THRESHOLD {
            let index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            self.index = Some(index);
        }
    }
}

/// An open container.
enum Frame {
    Array(Vec<Value>),
    Object(ObjectBuilder),
}

struct Parser<'a> {
    /// Valid UTF-8.
    b: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, pos: usize, message: &str) -> JsonError {
        syntax_error(self.b, pos, message)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// Skips `[ \t\n\r]*`, the only whitespace `json` knows.
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// `JSONDecoder.decode`: whitespace, one value, whitespace, end.
    fn document(mut self) -> Result<Value, JsonError> {
        self.skip_ws();
        let value = self.value()?;
        self.skip_ws();
        if self.pos != self.b.len() {
            return Err(self.err(self.pos, "Extra data"));
        }
        Ok(value)
    }

    /// Parses one value at `self.pos` (no leading whitespace), nesting via an
    /// explicit stack.
    fn value(&mut self) -> Result<Value, JsonError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            let mut value = match self.peek() {
                Some(b'[') => {
                    // This container is one level below those open on the stack.
                    if stack.len() >= MAX_DEPTH {
                        return Err(JsonError::TooDeep);
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::Array(Vec::new())
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    // This container is one level below those open on the stack.
                    if stack.len() >= MAX_DEPTH {
                        return Err(JsonError::TooDeep);
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Object(Vec::new())
                    } else {
                        let key = self.key()?;
                        stack.push(Frame::Object(ObjectBuilder {
                            entries: Vec::new(),
                            index: None,
                            key,
                        }));
                        continue 'value;
                    }
                }
                _ => self.scalar()?,
            };
            // Hand the finished value to its container, closing containers
            // as long as they end here.
            loop {
                match stack.last_mut() {
                    None => return Ok(value),
                    Some(Frame::Array(items)) => {
                        items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b']') => {
                                self.pos += 1;
                                match stack.pop() {
                                    Some(Frame::Array(items)) => value = Value::Array(items),
                                    _ => unreachable!("top frame is an array"),
                                }
                            }
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                continue 'value;
                            }
                            _ => return Err(self.err(self.pos, "Expecting ',' delimiter")),
                        }
                    }
                    Some(Frame::Object(object)) => {
                        object.insert(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b'}') => {
                                self.pos += 1;
                                match stack.pop() {
                                    Some(Frame::Object(o)) => value = Value::Object(o.entries),
                                    _ => unreachable!("top frame is an object"),
                                }
                            }
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                object.key = self.key()?;
                                continue 'value;
                            }
                            _ => return Err(self.err(self.pos, "Expecting ',' delimiter")),
                        }
                    }
                }
            }
        }
    }

    /// A key, the `:` after it and the whitespace before its value.
    fn key(&mut self) -> Result<PyString, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(self.err(
                self.pos,
                "Expecting property name enclosed in double quotes",
            ));
        }
        self.pos += 1;
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.err(self.pos, "Expecting ':' delimiter"));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(key)
    }

    /// Anything but an array or object.
    fn scalar(&mut self) -> Result<Value, JsonError> {
        let start = self.pos;
        let rest = &self.b[start..];
        let literal = |text: &[u8], value: Value| -> Option<(usize, Value)> {
            rest.starts_with(text).then_some((text.len(), value))
        };
        let found = match rest.first() {
            Some(b'"') => {
                self.pos += 1;
                return Ok(Value::Str(self.string()?));
            }
            Some(b'n') => literal(b"null", Value::Null),
            Some(b't') => literal(b"true", Value::Bool(true)),
            Some(b'f') => literal(b"false", Value::Bool(false)),
            Some(b'N') => literal(b"NaN", Value::Float(f64::NAN)),
            Some(b'I') => literal(b"Infinity", Value::Float(f64::INFINITY)),
            Some(b'-') if rest.get(1) == Some(&b'I') => {
                literal(b"-Infinity", Value::Float(f64::NEG_INFINITY))
            }
            Some(b'-' | b'0'..=b'9') => return self.number(),
            _ => None,
        };
        match found {
            Some((len, value)) => {
                self.pos += len;
                Ok(value)
            }
            None => Err(self.err(start, "Expecting value")),
        }
    }

    /// `_match_number_unicode`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`,
    /// where a fraction or exponent without digits is simply not part of the
    /// number (and then shows up as extra data).
    fn number(&mut self) -> Result<Value, JsonError> {
        let b = self.b;
        let start = self.pos;
        let mut i = start;
        let negative = b[i] == b'-';
        if negative {
            i += 1;
        }
        let int_start = i;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                while let Some(b'0'..=b'9') = b.get(i) {
                    i += 1;
                }
            }
            _ => return Err(self.err(start, "Expecting value")),
        }
        let int_end = i;
        let mut is_float = false;
        if b.get(i) == Some(&b'.') && matches!(b.get(i + 1), Some(b'0'..=b'9')) {
            is_float = true;
            i += 2;
            while let Some(b'0'..=b'9') = b.get(i) {
                i += 1;
            }
        }
        if let Some(b'e' | b'E') = b.get(i) {
            let mut j = i + 1;
            if let Some(b'+' | b'-') = b.get(j) {
                j += 1;
            }
            let digits_start = j;
            while let Some(b'0'..=b'9') = b.get(j) {
                j += 1;
            }
            if j > digits_start {
                is_float = true;
                i = j;
            }
        }
        self.pos = i;
        let text = &b[start..i];
        if is_float {
            // Rust's float parsing is correctly rounded, like Python's float().
            let text = std::str::from_utf8(text).map_err(|_| self.err(start, "Expecting value"))?;
            return text
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| self.err(start, "Expecting value"));
        }
        let digits = int_end - int_start;
        if digits > INT_MAX_STR_DIGITS {
            return Err(self.err(
                start,
                &format!(
                    "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string \
                     conversion: value has {digits} digits"
                ),
            ));
        }
        let keep = if negative && &b[int_start..int_end] == b"0" {
            &b[int_start..int_end]
        } else {
            text
        };
        // ASCII digits and '-' only.
        Ok(Value::Int(String::from_utf8_lossy(keep).into_owned()))
    }

    /// The rest of a string whose opening quote is just behind `self.pos`
    /// (`scanstring` with `strict=True`).
    fn string(&mut self) -> Result<PyString, JsonError> {
        let b = self.b;
        let quote = self.pos - 1;
        let mut i = self.pos;
        let special = |c: u8| c == b'"' || c == b'\\' || c < 0x20;
        while i < b.len() && !special(b[i]) {
            i += 1;
        }
        if b.get(i) == Some(&b'"') {
            self.pos = i + 1;
            return Ok(PyString::from_wtf8_unchecked(b[quote + 1..i].to_vec()));
        }
        let mut out = PyString::from_wtf8_unchecked(Vec::with_capacity(i - quote + 16));
        out.push_wtf8(&b[quote + 1..i]);
        loop {
            let Some(&c) = b.get(i) else {
                return Err(self.err(quote, "Unterminated string starting at"));
            };
            match c {
                b'"' => {
                    self.pos = i + 1;
                    return Ok(out);
                }
                b'\\' => {
                    let Some(&esc) = b.get(i + 1) else {
                        return Err(self.err(quote, "Unterminated string starting at"));
                    };
                    let simple = match esc {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(0x08),
                        b'f' => Some(0x0C),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(self.err(i, "Invalid \\escape")),
                    };
                    if let Some(byte) = simple {
                        out.push_wtf8(&[byte]);
                        i += 2;
                    } else {
                        let cp = self.hex4(i + 2)?;
                        i += 6;
                        let mut code_point = cp;
                        // A high surrogate escape directly followed by a `\u`
                        // escape: joined when that one is a low surrogate,
                        // otherwise both stand alone (lone surrogates are kept).
                        if (0xD800..=0xDBFF).contains(&cp)
                            && b.get(i) == Some(&b'\\')
                            && b.get(i + 1) == Some(&b'u')
                        {
                            let low = self.hex4(i + 2)?;
                            if (0xDC00..=0xDFFF).contains(&low) {
                                code_point = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                                i += 6;
                            }
                        }
                        out.push_code_point(code_point);
                    }
                }
                c if c < 0x20 => return Err(self.err(i, "Invalid control character at")),
                _ => {
                    let run = i;
                    while i < b.len() && !special(b[i]) {
                        i += 1;
                    }
                    out.push_wtf8(&b[run..i]);
                }
            }
        }
    }

    /// Four hex digits at `at` (either case).
    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let digits = self
            .b
            .get(at..at + 4)
            .ok_or_else(|| self.err(at - 1, "Invalid \\uXXXX escape"))?;
        let mut cp = 0u32;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.err(at - 1, "Invalid \\uXXXX escape")),
            };
            cp = (cp << 4) | u32::from(v);
        }
        Ok(cp)
    }
}
