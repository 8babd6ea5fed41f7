//! The `Version` header of a metadata file, read exactly as CPython 3.12 does
//! for `importlib.metadata.version()`:
//!
//! 1. `read_text(encoding='utf-8')` decodes strictly (a BOM is kept as
//!    U+FEFF) and translates `\r\n` and `\r` to `\n` (universal newlines).
//! 2. `email.message_from_string` (policy `compat32`) collects header lines
//!    until a blank line or a line that is not a header line; `From ` lines
//!    and `:`-first lines are dropped, continuation lines are appended.
//! 3. `compat32.header_source_parse` builds a value: the first line after the
//!    colon with leading spaces/tabs removed, the continuation lines joined
//!    with their newlines, trailing newlines removed.
//! 4. `importlib.metadata._adapters.Message._repair_headers` dedents folded
//!    values: `textwrap.dedent(' ' * 8 + value)` when the value has a newline.
//! 5. `Message.__getitem__` returns the first header whose name matches
//!    case-insensitively, or `None`.
//!
//! Everything here is pure: no I/O.

/// One line of text with its terminator removed, and whether it had one.
struct Line<'a> {
    content: &'a str,
    terminated: bool,
}

/// Split text into lines the way universal newlines plus the feed parser do:
/// `\r\n`, `\r` and `\n` all end a line.
fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\r', '\n']) {
            Some(i) => {
                let content = &rest[..i];
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
                Some(Line {
                    content,
                    terminated: true,
                })
            }
            None => {
                let content = rest;
                rest = "";
                Some(Line {
                    content,
                    terminated: false,
                })
            }
        }
    })
}

/// How the feed parser's header collection classifies a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineClass {
    /// Matches `^(From |[\041-\071\073-\176]*:|[\t ])`: part of the headers.
    Header,
    /// An empty line: the header/body separator.
    Blank,
    /// Anything else: the body starts here.
    Body,
}

/// Classify the content of one line (terminator removed) as the feed parser's
/// `headerRE` / `NLCRE` do. Works on bytes because the pattern is ASCII only.
pub(crate) fn classify_line(content: &[u8]) -> LineClass {
    match content.first() {
        None => LineClass::Blank,
        Some(b' ' | b'\t') => LineClass::Header,
        Some(_) if content.starts_with(b"From ") => LineClass::Header,
        Some(_) => {
            let name_end = content
                .iter()
                .position(|&b| !(0x21..=0x7e).contains(&b) || b == b':');
            match name_end {
                Some(i) if content[i] == b':' => LineClass::Header,
                _ => LineClass::Body,
            }
        }
    }
}

/// The value of the first `Version` header of a metadata text, exactly as
/// `importlib.metadata` (CPython 3.12) returns it from
/// `PathDistribution.metadata['Version']`; `None` when there is no such header.
///
/// `text` is the decoded file content; `\r\n` and `\r` are treated as `\n`
/// (Python's `read_text` translates them). Only the header block is looked at,
/// so passing just a prefix that contains the whole header block gives the
/// same answer.
///
/// ```
/// use setup_stamp::distributions::version_from_metadata;
/// assert_eq!(version_from_metadata("Name: x\r\nversion:2.2 \r\n").as_deref(), Some("2.2 "));
/// assert_eq!(version_from_metadata("Version: 1\nVersion: 2\n").as_deref(), Some("1"));
/// assert_eq!(version_from_metadata("garbage\nVersion: 1\n"), None);
/// assert_eq!(version_from_metadata("Version: 1.0\n .1\n").as_deref(), Some("       1.0\n.1"));
/// ```
#[must_use]
pub fn version_from_metadata(text: &str) -> Option<String> {
    // The header block, as the feed parser collects it.
    let header_lines =
        lines(text).take_while(|l| classify_line(l.content.as_bytes()) == LineClass::Header);

    // `FeedParser._parse_headers`, keeping only what `Version` needs.
    let mut current: Option<Vec<Line<'_>>> = None;
    for line in header_lines {
        let first = line.content.as_bytes()[0];
        if first == b' ' || first == b'\t' {
            // Continuation; dropped when no header is open.
            if let Some(lines) = current.as_mut() {
                lines.push(line);
            }
            continue;
        }
        if let Some(done) = current.take() {
            if let Some(value) = version_value(&done) {
                return Some(value);
            }
        }
        if line.content.starts_with("From ") {
            // Unix-from envelope (first line), misplaced envelope (middle) or
            // the first body line (last header line): never a header.
            continue;
        }
        match line.content.find(':') {
            // ":value": "Missing header name", skipped.
            Some(0) | None => {}
            Some(_) => current = Some(vec![line]),
        }
    }
    current.and_then(|done| version_value(&done))
}

/// If the collected header lines form a `Version` header, its repaired value.
fn version_value(source: &[Line<'_>]) -> Option<String> {
    let first = source.first()?;
    let (name, rest) = first.content.split_once(':')?;
    if !name.eq_ignore_ascii_case("version") {
        return None;
    }
    // compat32.header_source_parse: value.lstrip(' \t') + ''.join(rest), then
    // rstrip('\r\n'). After universal newlines every terminator is "\n".
    let mut value = String::new();
    value.push_str(rest);
    if first.terminated {
        value.push('\n');
    }
    let stripped = value.trim_start_matches([' ', '\t']).len();
    value.drain(..value.len() - stripped);
    for line in &source[1..] {
        value.push_str(line.content);
        if line.terminated {
            value.push('\n');
        }
    }
    let kept = value.trim_end_matches(['\r', '\n']).len();
    value.truncate(kept);
    Some(redent(value))
}

/// `_adapters.Message._repair_headers.redent`.
fn redent(value: String) -> String {
    if value.is_empty() || !value.contains('\n') {
        return value;
    }
    let mut indented = String::with_capacity(value.len() + 8);
    indented.push_str("        ");
    indented.push_str(&value);
    dedent(&indented)
}

/// `textwrap.dedent` (CPython 3.12) for text whose only line break is `\n`.
pub(crate) fn dedent(text: &str) -> String {
    // Lines made only of spaces and tabs become empty.
    let cleaned: Vec<&str> = text
        .split('\n')
        .map(|l| {
            if !l.is_empty() && l.bytes().all(|b| b == b' ' || b == b'\t') {
                ""
            } else {
                l
            }
        })
        .collect();
    let mut margin: Option<&str> = None;
    for line in cleaned.iter().filter(|l| !l.is_empty()) {
        let indent_len = line.len() - line.trim_start_matches([' ', '\t']).len();
        let indent = &line[..indent_len];
        margin = Some(match margin {
            None => indent,
            Some(m) if indent.starts_with(m) => m,
            Some(m) if m.starts_with(indent) => indent,
            Some(m) => {
                let common = m
                    .bytes()
                    .zip(indent.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &m[..common]
            }
        });
    }
    let margin = margin.unwrap_or("");
    let mut out = String::with_capacity(text.len());
    for (i, line) in cleaned.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(line.strip_prefix(margin).unwrap_or(line));
    }
    out
}

/// Incremental detector of the end of the header block in raw bytes.
///
/// Feed it the growing prefix of a file; it reports once the header block is
/// known to have ended (a blank line or a body line was seen), so that the
/// caller can stop keeping bytes. Line terminators are `\r\n`, `\r`, `\n`; a
/// `\r` at the very end of the available bytes waits for the next byte.
#[derive(Debug, Default)]
pub(crate) struct HeaderEnd {
    /// Start of the first line not yet classified.
    scan_from: usize,
    /// The bytes from `scan_from` up to here were searched and hold no line
    /// terminator: a long unterminated line (say, a metadata file linked to
    /// `/dev/zero`) is searched once, not again on every feed.
    searched_to: usize,
}

impl HeaderEnd {
    /// Scan `buf` (everything read so far; `eof` when nothing more comes).
    /// Returns `true` once the header block has ended within `buf`.
    pub(crate) fn feed(&mut self, buf: &[u8], eof: bool) -> bool {
        loop {
            let rest = &buf[self.scan_from..];
            if rest.is_empty() {
                return eof;
            }
            let searched = self
                .searched_to
                .saturating_sub(self.scan_from)
                .min(rest.len());
            let found = rest[searched..]
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .map(|i| searched + i);
            let (content, next) = match found {
                Some(i) if rest[i] == b'\r' && i + 1 == rest.len() && !eof => {
                    self.searched_to = self.scan_from + i;
                    return false;
                }
                Some(i) => {
                    let skip = if rest[i] == b'\r' && rest.get(i + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    (&rest[..i], self.scan_from + i + skip)
                }
                None if eof => (rest, buf.len()),
                None => {
                    // An unterminated line can already be known to be a body
                    // line, but waiting is always correct.
                    self.searched_to = buf.len();
                    return false;
                }
            };
            if classify_line(content) != LineClass::Header {
                return true;
            }
            self.scan_from = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Option<String> {
        version_from_metadata(text)
    }

    #[test]
    fn simple_headers() {
        assert_eq!(
            v("Metadata-Version: 2.1\nName: x\nVersion: 1.0\n").as_deref(),
            Some("1.0")
        );
        assert_eq!(v("VERSION: 1.0").as_deref(), Some("1.0"));
        assert_eq!(v("version:2.2").as_deref(), Some("2.2"));
        assert_eq!(v("Version: \t 1.0 \t\n").as_deref(), Some("1.0 \t"));
        assert_eq!(v("Version:\n").as_deref(), Some(""));
        assert_eq!(v("Version:").as_deref(), Some(""));
        assert_eq!(v("Version: \x0c1\n").as_deref(), Some("\x0c1"));
        assert_eq!(v("Version: 1\r\nX: y\r\n").as_deref(), Some("1"));
        assert_eq!(v("Version: 1\rX: y\r").as_deref(), Some("1"));
        assert_eq!(v("Name: x\n"), None);
        assert_eq!(v(""), None);
    }

    #[test]
    fn header_block_end() {
        assert_eq!(v("Name: x\n\nVersion: 1\n"), None);
        assert_eq!(v("Name: x\r\n\r\nVersion: 1\n"), None);
        assert_eq!(v("garbage\nVersion: 1\n"), None);
        assert_eq!(v("Version : 1\nVersion: 2\n"), None);
        assert_eq!(v("\u{feff}Version: 1\n"), None);
        assert_eq!(v("Name: x\nVersion : 1\nVersion: 2\n"), None);
    }

    #[test]
    fn duplicates_and_odd_lines() {
        assert_eq!(v("Version: 1\nversion: 2\n").as_deref(), Some("1"));
        assert_eq!(v("From someone\nVersion: 1\n").as_deref(), Some("1"));
        assert_eq!(v("Name: x\nFrom x\nVersion: 3\n").as_deref(), Some("3"));
        assert_eq!(v(": x\nVersion: 3\n").as_deref(), Some("3"));
        // Continuation with no open header is dropped.
        assert_eq!(v(" 1\nVersion: 3\n").as_deref(), Some("3"));
        assert_eq!(v("From x\n 1\nVersion: 3\n").as_deref(), Some("3"));
    }

    #[test]
    fn folded_values_are_dedented() {
        assert_eq!(v("Version: 1.0\n .1\n").as_deref(), Some("       1.0\n.1"));
        assert_eq!(v("Version:\n 1.0\n").as_deref(), Some("\n1.0"));
        assert_eq!(v("Version: 1.0\n \nName: x\n").as_deref(), Some("1.0\n"));
        assert_eq!(
            v("Version: 1.0\n\t.1").as_deref(),
            Some("        1.0\n\t.1")
        );
        assert_eq!(
            v("Version: 1.0\n          .1\n").as_deref(),
            Some("1.0\n  .1")
        );
    }

    #[test]
    fn dedent_matches_textwrap() {
        assert_eq!(dedent("  a\n    b\n"), "a\n  b\n");
        assert_eq!(dedent("\ta\n  b"), "\ta\n  b");
        assert_eq!(dedent("  a\n \t\n  b"), "a\n\nb");
        assert_eq!(dedent("   a\n  \tb"), " a\n\tb");
        assert_eq!(dedent(""), "");
    }

    #[test]
    fn classify() {
        assert_eq!(classify_line(b"Version: 1"), LineClass::Header);
        assert_eq!(classify_line(b":"), LineClass::Header);
        assert_eq!(classify_line(b" x"), LineClass::Header);
        assert_eq!(classify_line(b"From x"), LineClass::Header);
        assert_eq!(classify_line(b""), LineClass::Blank);
        assert_eq!(classify_line(b"Version : 1"), LineClass::Body);
        assert_eq!(classify_line(b"garbage"), LineClass::Body);
        assert_eq!(classify_line("\u{e9}: 1".as_bytes()), LineClass::Body);
    }

    #[test]
    fn a_long_unterminated_line_is_searched_once() {
        // Fed a growing prefix, the detector resumes where the last search
        // ended: without that, a metadata file linked to /dev/zero (64 MiB
        // read before giving up) took quadratic time.
        let mut h = HeaderEnd::default();
        let mut buf = b"Name: x\n".to_vec();
        for _ in 0..1000 {
            buf.extend_from_slice(&[b'a'; 1024]);
            assert!(!h.feed(&buf, false));
            assert_eq!(h.searched_to, buf.len());
        }
        buf.extend_from_slice(b": y\r");
        assert!(!h.feed(&buf, false));
        buf.push(b'\n');
        assert!(!h.feed(&buf, false));
        buf.extend_from_slice(b"\nVersion: 1\n");
        assert!(h.feed(&buf, false));
    }

    #[test]
    fn header_end_incremental() {
        let text = b"Version: 1\r\nName: x\r\n\r\nbody";
        for split in 0..text.len() {
            let mut h = HeaderEnd::default();
            let early = h.feed(&text[..split], false);
            let ended = early || h.feed(text, true);
            assert!(ended, "split {split}");
            // The header end is never reported before the blank line.
            if early {
                assert!(split >= 22, "split {split}");
            }
        }
        let mut h = HeaderEnd::default();
        assert!(!h.feed(b"Version: 1\r", false));
        assert!(!h.feed(b"Version: 1\r\n", false));
        assert!(h.feed(b"Version: 1\r\n", true));
    }

    mod prop {
        use super::super::*;
        use proptest::prelude::*;

        fn metadata_text() -> impl Strategy<Value = String> {
            let piece = prop::sample::select(vec![
                "Version", "version", ":", " ", "\t", "\r", "\n", "\r\n", "From ", "x", "é", "1.0",
                "Name", "\u{feff}", "-",
            ]);
            prop::collection::vec(piece, 0..40).prop_map(|p| p.concat())
        }

        proptest! {
            /// Keeping only the bytes read until `HeaderEnd` reports the end
            /// of the header block gives the same answer as the whole text,
            /// however the reads are split.
            #[test]
            fn header_prefix_is_enough(text in metadata_text(), cuts in prop::collection::vec(0usize..64, 0..8)) {
                let bytes = text.as_bytes();
                let mut end = HeaderEnd::default();
                let mut head: Vec<u8> = Vec::new();
                let mut pos = 0;
                let mut cuts = cuts.into_iter();
                let mut done = false;
                while pos < bytes.len() && !done {
                    let step = cuts.next().unwrap_or(usize::MAX).max(1);
                    let next = pos.saturating_add(step).min(bytes.len());
                    head.extend_from_slice(&bytes[pos..next]);
                    pos = next;
                    done = end.feed(&head, false);
                }
                let valid = match std::str::from_utf8(&head) {
                    Ok(s) => s,
                    Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or(""),
                };
                prop_assert_eq!(version_from_metadata(valid), version_from_metadata(&text));
            }
        }
    }
}
