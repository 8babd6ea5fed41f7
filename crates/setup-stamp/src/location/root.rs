//! Real-root detection: effective uid 0 in the initial user namespace.

use super::host::Host;

/// `/proc/self/uid_map` holds bytes that are not ASCII (Python's `ascii` decoding
/// raises `UnicodeDecodeError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UidMapNotAscii;

/// Whether a uid map is the initial namespace's identity map: exactly one non-blank
/// row whose whitespace-separated fields are `0`, `0`, `4294967295` (compared as text).
/// Lines end at `\n`, `\r\n` or `\r` (Python's universal newlines).
pub fn is_identity_map(content: &[u8]) -> Result<bool, UidMapNotAscii> {
    if !content.is_ascii() {
        return Err(UidMapNotAscii);
    }
    let is_ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f);
    let rows: Vec<Vec<&[u8]>> = content
        .split(|&b| b == b'\n' || b == b'\r')
        .map(|line| {
            line.split(is_ws)
                .filter(|f| !f.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|fields| !fields.is_empty())
        .collect();
    Ok(rows.len() == 1 && rows[0] == [b"0".as_slice(), b"0", b"4294967295"])
}

/// Real root: effective uid 0 and the identity uid map (an unreadable map counts as
/// the identity map). The map is only read when the effective uid is 0.
pub fn is_real_root(host: &dyn Host) -> Result<bool, UidMapNotAscii> {
    if host.effective_uid() != 0 {
        return Ok(false);
    }
    match host.uid_map() {
        None => Ok(true),
        Some(content) => is_identity_map(&content),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::location::host::MapHost;

    #[test]
    fn identity_map() {
        assert_eq!(
            is_identity_map(b"         0          0 4294967295\n"),
            Ok(true)
        );
        assert_eq!(is_identity_map(b"0\t0\t4294967295"), Ok(true));
        assert_eq!(is_identity_map(b"\n0 0 4294967295\n\n"), Ok(true));
        assert_eq!(is_identity_map(b"0 1000 1\n"), Ok(false));
        assert_eq!(is_identity_map(b"0 0 4294967295\n1 1 1\n"), Ok(false));
        assert_eq!(is_identity_map(b"00 0 4294967295"), Ok(false));
        assert_eq!(is_identity_map(b""), Ok(false));
        assert_eq!(
            is_identity_map("0 0 4294967295\u{e9}".as_bytes()),
            Err(UidMapNotAscii)
        );
    }

    #[test]
    fn root_needs_euid_zero() {
        let mut host = MapHost::new(0);
        assert_eq!(is_real_root(&host), Ok(true));
        host.uid_map = None;
        assert_eq!(is_real_root(&host), Ok(true));
        host.uid_map = Some(b"0 1000 1\n".to_vec());
        assert_eq!(is_real_root(&host), Ok(false));
        assert_eq!(is_real_root(&MapHost::new(1000)), Ok(false));
    }
}
