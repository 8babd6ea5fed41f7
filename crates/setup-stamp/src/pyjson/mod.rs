//! Python's `json` module, reproduced exactly where the setup stamp needs it.
//!
//! No JSON crate matches `json.loads` (NaN/Infinity, unbounded integers, lone
//! surrogate escapes, duplicate-key placement, deep nesting) or the byte
//! layout of `json.dumps(..., indent=2, sort_keys=True)` with `ensure_ascii`,
//! so this module is hand-written against CPython's behaviour.

mod string;

pub use string::PyString;

/// A decoded JSON value, as `json.loads` would build it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` → `None`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal, unbounded: optional `-` then decimal digits without
    /// leading zeros (`-0` is stored as `0`).
    Int(String),
    /// A float (`1.5`, `1e400` → infinity, `NaN`, `-Infinity`).
    Float(f64),
    /// A string.
    Str(PyString),
    /// An array.
    Array(Vec<Value>),
    /// An object: keys in first-appearance order, duplicate keys resolved
    /// (last value wins, kept at the first key's position).
    Object(Vec<(PyString, Value)>),
}

/// Why bytes are not a JSON document `json.loads` would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// Not strict UTF-8 (or starts with a BOM).
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// A grammar error.
    Syntax {
        /// What went wrong, in `json`'s words.
        message: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// The deepest nesting [`loads`] accepts.
pub const MAX_DEPTH: usize = 100_000;

/// Decodes strict UTF-8 and parses like `json.loads`.
pub fn loads(_bytes: &[u8]) -> Result<Value, JsonError> {
    todo!()
}

/// Python `str(value)` of a decoded value.
pub fn python_str(_value: &Value) -> PyString {
    todo!()
}

/// `json.dumps(value, indent=indent, sort_keys=sort_keys)` with `ensure_ascii`.
pub fn dumps(_value: &Value, _indent: Option<usize>, _sort_keys: bool) -> String {
    todo!()
}
