//! `json.loads`: strict UTF-8 decoding, then CPython's `_json` scanner
//! grammar, with an explicit stack instead of recursion.

use super::{JsonError, PyString, Value, MAX_DEPTH};

/// Python's default `sys.get_int_max_str_digits()` (3.11+).
const INT_MAX_STR_DIGITS: usize = 4300;

/// Objects with more entries than this get a hash index for duplicate keys.
const INDEX_THRESHOLD: usize = 32;

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
    Parser {
        b: bytes,
        pos: 0,
        items: Vec::new(),
        entries: Vec::new(),
        hashes: Vec::new(),
    }
    .document()
}

/// Builds a [`JsonError::Syntax`] at byte offset `pos`, positioned like
/// `JSONDecodeError` on the text `Path.read_text` returns: universal newlines
/// turn `\r\n` and a lone `\r` into `\n`, and the column counts characters.
fn syntax_error(b: &[u8], pos: usize, message: &str) -> JsonError {
    let before = &b[..pos.min(b.len())];
    let mut line = 1;
    let mut line_start = 0;
    let mut i = 0;
    while i < before.len() {
        match before[i] {
            b'\r' if b.get(i + 1) == Some(&b'\n') => {
                line += 1;
                i += 2;
                line_start = i;
            }
            b'\r' | b'\n' => {
                line += 1;
                i += 1;
                line_start = i;
            }
            _ => i += 1,
        }
    }
    let column = before[line_start.min(before.len())..]
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

/// An open container. Its members live in the parser's scratch buffers from
/// `start` on until it closes, so each container is allocated once, at its
/// final size.
enum Frame {
    Array {
        /// Where its items start in [`Parser::items`].
        start: usize,
    },
    Object {
        /// Where its entries start in [`Parser::entries`].
        start: usize,
        /// The key whose value is being parsed.
        key: PyString,
        /// Open-addressing index of entry positions (relative to `start`,
        /// [`EMPTY`] for a free slot), built once the object has more than
        /// [`INDEX_THRESHOLD`] entries; empty before.
        index: Vec<usize>,
    },
}

/// A free slot in [`Frame::Object::index`].
const EMPTY: usize = usize::MAX;

/// A fast, non-cryptographic hash of a key (FxHash-style).
fn key_hash(key: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let mut word = [0u8; 8];
    let rest = chunks.remainder();
    word[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    h ^ (h >> 29)
}

/// Bytes that end a plain run inside a string: `"`, `\\` and controls.
static STRING_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        table[c] = true;
        c += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Length of the leading run of `b` that a string copies verbatim.
fn plain_run(b: &[u8]) -> usize {
    b.iter()
        .position(|&c| STRING_SPECIAL[usize::from(c)])
        .unwrap_or(b.len())
}

struct Parser<'a> {
    /// Valid UTF-8.
    b: &'a [u8],
    pos: usize,
    /// Items of the open arrays, innermost last.
    items: Vec<Value>,
    /// Entries of the open objects, innermost last.
    entries: Vec<(PyString, Value)>,
    /// [`key_hash`] of each key in `entries`.
    hashes: Vec<u64>,
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

    /// Stores `value` under `key` in the object whose entries start at
    /// `start`: a repeated key keeps its first position and takes the new
    /// value, as `dict.__setitem__` does.
    fn insert(&mut self, start: usize, index: &mut Vec<usize>, key: PyString, value: Value) {
        let h = key_hash(key.as_wtf8());
        if index.is_empty() {
            let found = self.hashes[start..]
                .iter()
                .zip(&self.entries[start..])
                .position(|(&eh, (ek, _))| eh == h && *ek == key);
            if let Some(i) = found {
                self.entries[start + i].1 = value;
                return;
            }
        } else {
            let mask = index.len() - 1;
            let mut slot = (h as usize) & mask;
            loop {
                let at = index[slot];
                if at == EMPTY {
                    break;
                }
                let i = start + at;
                if self.hashes[i] == h && self.entries[i].0 == key {
                    self.entries[i].1 = value;
                    return;
                }
                slot = (slot + 1) & mask;
            }
        }
        self.entries.push((key, value));
        self.hashes.push(h);
        let count = self.entries.len() - start;
        if count > INDEX_THRESHOLD && count * 2 > index.len() {
            // (Re)build the index at a load factor of at most 1/4.
            let size = (count * 4).next_power_of_two();
            index.clear();
            index.resize(size, EMPTY);
            let mask = size - 1;
            for (i, &eh) in self.hashes[start..].iter().enumerate() {
                let mut slot = (eh as usize) & mask;
                while index[slot] != EMPTY {
                    slot = (slot + 1) & mask;
                }
                index[slot] = i;
            }
        } else if !index.is_empty() {
            let mask = index.len() - 1;
            let mut slot = (h as usize) & mask;
            while index[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            index[slot] = count - 1;
        }
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
                        stack.push(Frame::Array {
                            start: self.items.len(),
                        });
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
                        stack.push(Frame::Object {
                            start: self.entries.len(),
                            key,
                            index: Vec::new(),
                        });
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
                    Some(Frame::Array { start }) => {
                        let start = *start;
                        self.items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b']') => {
                                self.pos += 1;
                                stack.pop();
                                value = Value::Array(self.items.drain(start..).collect());
                            }
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                continue 'value;
                            }
                            _ => return Err(self.err(self.pos, "Expecting ',' delimiter")),
                        }
                    }
                    Some(Frame::Object { start, key, index }) => {
                        let start = *start;
                        let key = std::mem::take(key);
                        self.insert(start, index, key, value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b'}') => {
                                self.pos += 1;
                                stack.pop();
                                self.hashes.truncate(start);
                                value = Value::Object(self.entries.drain(start..).collect());
                            }
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                let next = self.key()?;
                                if let Some(Frame::Object { key, .. }) = stack.last_mut() {
                                    *key = next;
                                }
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
                     conversion: value has {digits} digits; use \
                     sys.set_int_max_str_digits() to increase the limit"
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
        i += plain_run(&b[i..]);
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
                        // (`_json.c` only looks when a character follows the
                        // second escape.)
                        if (0xD800..=0xDBFF).contains(&cp)
                            && i + 6 < b.len()
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
                    i += plain_run(&b[i..]);
                    out.push_wtf8(&b[run..i]);
                }
            }
        }
    }

    /// Four hex digits at `at` (either case). Like `_json.c`, a character
    /// must follow them: `"\u0041` at the very end is an invalid escape, not
    /// an unterminated string.
    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let digits = match self.b.get(at..at + 5) {
            Some(d) => &d[..4],
            None => return Err(self.err(at - 1, "Invalid \\uXXXX escape")),
        };
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
