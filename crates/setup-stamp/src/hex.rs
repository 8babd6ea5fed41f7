//! Lower-case hexadecimal, as Python's `bytes.hex()` and `hexdigest()`
//! write it (cache keys, digests, non-UTF-8 paths in JSON).

/// `bytes` as lower-case hex.
pub(crate) fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The bytes of a hex string (either case); `None` if it is not one.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let value = |d: u8| char::from(d).to_digit(16);
    digits
        .chunks(2)
        .map(|pair| Some((value(pair[0])? * 16 + value(pair[1])?) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        for bytes in [&b""[..], b"\x00\xff/a", b"0123"] {
            assert_eq!(super::decode(&super::encode(bytes)).as_deref(), Some(bytes));
        }
        assert_eq!(super::encode(b"\x0f\xa0"), "0fa0");
        assert_eq!(super::decode("0FA0"), Some(vec![0x0f, 0xa0]));
        assert_eq!(super::decode("abc"), None);
        assert_eq!(super::decode("zz"), None);
        assert_eq!(super::decode("+1"), None);
    }
}
