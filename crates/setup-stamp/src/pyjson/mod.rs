//! Python's `json` module, reproduced exactly where the setup stamp needs it.
//!
//! No JSON crate matches `json.loads` (NaN/Infinity, unbounded integers, lone
//! surrogate escapes, duplicate-key placement, deep nesting) or the byte
//! layout of `json.dumps(..., indent=2, sort_keys=True)` with `ensure_ascii`,
//! so this module is hand-written against CPython's behaviour.

mod string;

pub use string::PyString;

// Implemented in `parse.rs`, `repr.rs`, `dumps.rs`.
