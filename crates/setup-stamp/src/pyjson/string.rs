//! [`PyString`]: text that may hold lone surrogates, like a Python `str`.

use std::fmt;

/// A Python `str`: a sequence of code points, possibly including lone
/// surrogates (which `json.loads` produces for `"\ud800"`).
///
/// Stored as WTF-8 (UTF-8 extended to encode surrogate code points), so byte
/// order equals code-point order, which is how Python compares strings.
///
/// ```
/// use setup_stamp::pyjson::PyString;
/// let s = PyString::from("1.0");
/// assert_eq!(s.as_str(), Some("1.0"));
/// assert!(PyString::from("a") < PyString::from("b"));
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PyString(Vec<u8>);

impl PyString {
    /// Builds a string from WTF-8 bytes produced by this crate's parser.
    ///
    /// Callers must pass well-formed WTF-8; this is not checked.
    pub(crate) fn from_wtf8_unchecked(bytes: Vec<u8>) -> Self {
        PyString(bytes)
    }

    /// Appends WTF-8 bytes produced by this crate's parser (whole code
    /// points; never the low half of a pair whose high half ends `self`).
    pub(crate) fn push_wtf8(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// Appends one code point (any value up to U+10FFFF, surrogates included).
    pub fn push_code_point(&mut self, cp: u32) {
        let mut buf = [0u8; 4];
        match char::from_u32(cp) {
            Some(c) => self.0.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
            None => {
                // A surrogate (U+D800..=U+DFFF): encode generically in three bytes.
                self.0.push(0xE0 | ((cp >> 12) & 0x0F) as u8);
                self.0.push(0x80 | ((cp >> 6) & 0x3F) as u8);
                self.0.push(0x80 | (cp & 0x3F) as u8);
            }
        }
    }

    /// The text as `&str` when it holds no lone surrogate.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The WTF-8 bytes.
    pub fn as_wtf8(&self) -> &[u8] {
        &self.0
    }

    /// The text with each lone surrogate replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// The code points, in order (surrogates included).
    pub fn code_points(&self) -> impl Iterator<Item = u32> + '_ {
        let b = &self.0;
        let mut i = 0;
        std::iter::from_fn(move || {
            let first = *b.get(i)?;
            let (len, init) = match first {
                0x00..=0x7F => (1, u32::from(first)),
                0xC0..=0xDF => (2, u32::from(first & 0x1F)),
                0xE0..=0xEF => (3, u32::from(first & 0x0F)),
                _ => (4, u32::from(first & 0x07)),
            };
            let mut cp = init;
            for k in 1..len {
                cp = (cp << 6) | u32::from(b.get(i + k).copied().unwrap_or(0x80) & 0x3F);
            }
            i += len;
            Some(cp)
        })
    }
}

impl From<&str> for PyString {
    fn from(s: &str) -> Self {
        PyString(s.as_bytes().to_vec())
    }
}

impl From<String> for PyString {
    fn from(s: String) -> Self {
        PyString(s.into_bytes())
    }
}

impl fmt::Debug for PyString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string_lossy(), f)
    }
}

impl fmt::Display for PyString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrogates_sort_between_neighbours() {
        let mut lone = PyString::default();
        lone.push_code_point(0xD800);
        assert!(PyString::from("\u{D7FF}") < lone);
        assert!(lone < PyString::from("\u{E000}"));
        assert_eq!(lone.as_str(), None);
        assert_eq!(lone.code_points().collect::<Vec<_>>(), vec![0xD800]);
    }

    #[test]
    fn code_points_round_trip() {
        let s = PyString::from("a\u{e9}\u{1F600}");
        assert_eq!(
            s.code_points().collect::<Vec<_>>(),
            vec![0x61, 0xE9, 0x1F600]
        );
    }
}
