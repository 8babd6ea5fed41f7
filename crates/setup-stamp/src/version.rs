//! Version ordering: PEP 440 when both sides are valid, else code-point order.

use std::cmp::Ordering;

/// A comparison Python itself refuses (it raises).
#[derive(Debug)]
pub enum VersionError {
    /// placeholder
    Placeholder,
}

/// Orders `a` against `b` as the reference's `_compare_versions` does.
pub fn compare_versions(_a: &str, _b: &str) -> Result<Ordering, VersionError> {
    todo!()
}
