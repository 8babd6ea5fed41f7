//! YAML documents → Python values, as `ruamel.yaml` 0.19.1 `YAML(typ="safe").load`
//! (pure-Python parser) builds them.
//!
//! Parsing uses the `saphyr-parser` event stream; composing (anchors, aliases),
//! tag resolution (ruamel's `VersionedResolver`, YAML 1.2 unless a `%YAML 1.1`
//! directive says otherwise) and construction (`SafeConstructor`: merge keys,
//! duplicate-key errors, `!!binary`, `!!timestamp`, `!!set`, `!!omap`, `!!pairs`) are
//! implemented here.
//!
//! saphyr and ruamel do not accept exactly the same texts; the gaps found are bridged
//! here: ruamel refuses tabs wherever its block-context scanner expects a token
//! (checked after parsing from the event spans), refuses a `...` before any
//! document, keeps a byte order mark inside a document as a character, and accepts
//! continuation lines of quoted scalars and flow collections at any indentation
//! (such lines are re-indented and parsed again; the result is accepted only if the
//! line really is inside a quoted scalar or flow collection).
//!
//! Known differences from ruamel (each a row of the fixture or a unit test):
//! - a recursive alias (an alias inside its own anchor, `a: &x [*x]`) is an error
//!   here; ruamel builds a self-referencing object;
//! - escapes of surrogates (`"\ud800"`, and `"\ud83d\ude00"`, which ruamel keeps
//!   as two lone surrogates) are errors here: a Rust string cannot hold them;
//! - NEL (U+0085), LINE SEPARATOR and PARAGRAPH SEPARATOR are ordinary characters
//!   here; ruamel's scanner treats them as line breaks in some places;
//! - a top-level block scalar whose content starts at column 0 or with a tab, and
//!   `...` lines inside a top-level block scalar, are read differently (such a
//!   document is not a mapping, so a config layer fails either way);
//! - `!!str`/`!!null`/… on a mapping containing a `=` key is an error here (ruamel
//!   uses the `=` value);
//! - a `%YAML` directive is found by reading the lines before the first document;
//!   a `%YAML 1.x` with x other than 1 or 2 fails as soon as a plain scalar needs
//!   resolving, like ruamel;
//! - sets and merged dicts keep source order where Python's order follows hashes;
//! - nesting: ruamel fails (`RecursionError`) at about 490 levels depending on the
//!   caller's stack, we at [`MAX_DEPTH`]; saphyr refuses flow collections nested
//!   deeper than about 256 levels, which ruamel accepts;
//! - a document expanding to more than [`MAX_NODES`] values is refused (ruamel shares
//!   aliased objects instead of copying them);
//! - `repr()` of a string inside a container treats unassigned code points as
//!   printable (Python escapes them).

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::pathlib::py_isspace;
use super::value::{dict_get, dict_set, BigInt, Date, DateTime, IntError, Value};

/// Most values one document may expand to (aliases are copied).
pub const MAX_NODES: usize = 1_000_000;

/// Deepest nesting of collections accepted. ruamel's composer is recursive and hits
/// Python's recursion limit (1000 frames) at about 490 levels; the exact depth
/// depends on the caller's stack, so this is an approximation of that limit.
pub const MAX_DEPTH: usize = 491;

const TAG: &str = "tag:yaml.org,2002:";

/// Why a document failed to load (ruamel raises).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlError {
    /// A character ruamel's reader refuses (`ReaderError: unacceptable character`).
    NotPrintable {
        /// The character.
        ch: char,
        /// Its character offset.
        offset: usize,
    },
    /// The parser rejected the text (scanner or parser error), with saphyr's message.
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// The parser's description.
        message: String,
    },
    /// `%YAML` with a version ruamel refuses or cannot resolve with.
    Version(String),
    /// More than one document in the stream.
    SeveralDocuments,
    /// An alias to an unknown (or still open) anchor.
    Alias,
    /// A key occurs twice in one mapping (or `<<` twice).
    DuplicateKey(String),
    /// A key Python cannot hash (a mapping, a set, a sequence holding a mapping…).
    UnhashableKey,
    /// A tag that the safe constructor has no constructor for.
    UnknownTag(String),
    /// A constructor refused its node (`!!int abc`, bad timestamp, bad merge…).
    Construct(String),
    /// An integer with more than 4300 decimal digits.
    IntTooLong,
    /// The document expands to more than [`MAX_NODES`] values.
    TooLarge,
    /// Collections nest deeper than [`MAX_DEPTH`] (Python: `RecursionError`).
    TooDeep,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            YamlError::NotPrintable { ch, offset } => write!(
                f,
                "unacceptable character U+{:04X} at character {offset}",
                *ch as u32
            ),
            YamlError::Syntax { line, col, message } => {
                write!(
                    f,
                    "YAML syntax error at line {line}, column {col}: {message}"
                )
            }
            YamlError::Version(v) => write!(f, "unsupported YAML version directive {v}"),
            YamlError::SeveralDocuments => f.write_str("expected a single document in the stream"),
            YamlError::Alias => f.write_str("found an undefined or recursive alias"),
            YamlError::DuplicateKey(k) => write!(f, "found duplicate key {k}"),
            YamlError::UnhashableKey => f.write_str("found unhashable key"),
            YamlError::UnknownTag(t) => {
                write!(f, "could not determine a constructor for the tag {t:?}")
            }
            YamlError::Construct(m) => f.write_str(m),
            YamlError::IntTooLong => f.write_str("integer has more than 4300 digits"),
            YamlError::TooLarge => write!(f, "document expands to more than {MAX_NODES} values"),
            YamlError::TooDeep => write!(f, "collections nest deeper than {MAX_DEPTH} levels"),
        }
    }
}

impl std::error::Error for YamlError {}

/// ruamel's `Reader.check_printable`.
fn is_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

#[derive(Debug)]
enum Node {
    Scalar {
        tag: String,
        value: String,
    },
    Seq {
        tag: String,
        items: Vec<Rc<Node>>,
    },
    Map {
        tag: String,
        pairs: Vec<(Rc<Node>, Rc<Node>)>,
    },
}

impl Node {
    fn tag(&self) -> &str {
        match self {
            Node::Scalar { tag, .. } | Node::Seq { tag, .. } | Node::Map { tag, .. } => tag,
        }
    }
    fn id(&self) -> &'static str {
        match self {
            Node::Scalar { .. } => "scalar",
            Node::Seq { .. } => "sequence",
            Node::Map { .. } => "mapping",
        }
    }
}

/// The YAML version that decides implicit types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V11,
    V12,
    Other(u32),
}

/// The `%YAML` directive of the (first) document, from the lines before its `---`.
fn version_directive(text: &str) -> Result<Version, YamlError> {
    for line in text.lines() {
        let t = line.trim_end();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("%YAML") {
            let v = rest.split('#').next().unwrap_or("").trim();
            let (major, minor) = v.split_once('.').unwrap_or((v, ""));
            return match (major.parse::<u32>(), minor.parse::<u32>()) {
                (Ok(1), Ok(1)) => Ok(Version::V11),
                (Ok(1), Ok(2)) => Ok(Version::V12),
                (Ok(1), Ok(m)) => Ok(Version::Other(m)),
                _ => Err(YamlError::Version(v.to_owned())),
            };
        }
        if t.starts_with('%') {
            continue;
        }
        break;
    }
    Ok(Version::V12)
}

fn syntax(e: &saphyr_parser::ScanError) -> YamlError {
    YamlError::Syntax {
        line: e.marker().line(),
        col: e.marker().col() + 1,
        message: e.info().to_owned(),
    }
}

enum Frame {
    Seq {
        anchor: usize,
        tag: String,
        items: Vec<Rc<Node>>,
    },
    Map {
        anchor: usize,
        tag: String,
        pairs: Vec<(Rc<Node>, Rc<Node>)>,
        key: Option<Rc<Node>>,
    },
}

fn full_tag(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Parses and composes the single document (`None` for an empty stream).
///
/// `moved_lines` (1-based) are lines whose leading white space was rewritten to suit
/// saphyr; each must start inside a quoted scalar or a flow collection, where leading
/// white space carries no meaning.
fn compose(
    text: &str,
    version: Version,
    moved_lines: &[usize],
) -> Result<(Option<Rc<Node>>, usize), YamlError> {
    let mut max_depth = 0usize;
    let mut parser = Parser::new_from_str(text);
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Rc<Node>> = None;
    let mut documents = 0usize;
    let chars: Vec<char> = text.chars().collect();
    let mut spans = Spans::default();
    let mut open: Vec<(usize, char, char)> = Vec::new();

    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| syntax(&e))?;
        let (start, end) = (span.start.index(), span.end.index());
        let span_end = end;
        match &event {
            Event::Scalar(_, ScalarStyle::Plain, ..) => spans.plain.push((start, end)),
            Event::Scalar(_, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted, ..) => {
                // saphyr's span runs over trailing white space; ruamel's scalar ends
                // at the closing quote.
                spans.quoted.push((start, quoted_end(&chars, start, end)));
            }
            Event::Scalar(..) => spans.quoted.push((block_content_start(&chars, start), end)),
            Event::SequenceStart(..) => open.push((start, '[', ']')),
            Event::MappingStart(..) => open.push((start, '{', '}')),
            Event::SequenceEnd | Event::MappingEnd => {
                // A flow collection opens and closes on its brackets; a block mapping
                // whose first key is a flow collection also starts at a bracket, but
                // does not end on the matching one.
                if let Some((s, opener, closer)) = open.pop() {
                    if chars.get(s) == Some(&opener) && chars.get(start) == Some(&closer) {
                        spans.flow.push((s, start + 1));
                    }
                }
            }
            _ => {}
        }
        let node = match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(YamlError::SeveralDocuments);
                }
                continue;
            }
            Event::Alias(id) => anchors.get(&id).cloned().ok_or(YamlError::Alias)?,
            Event::Scalar(value, style, anchor, tag) => {
                let tag = full_tag(tag.as_deref());
                let tag = match tag {
                    Some(t) if t != "!" => t,
                    _ => {
                        let implicit = tag.is_some() || style == ScalarStyle::Plain;
                        if implicit {
                            resolve(&value, version)?.to_owned()
                        } else {
                            format!("{TAG}str")
                        }
                    }
                };
                let mut value = if value.contains('\u{fffe}') {
                    value.replace('\u{fffe}', "\u{feff}")
                } else {
                    value.into_owned()
                };
                // A block scalar whose last line has no line break (end of input):
                // ruamel keeps no final newline, saphyr adds one.
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && span_end >= chars.len()
                    && value.ends_with('\n')
                    && unterminated_last_line(&chars, block_content_start(&chars, start))
                {
                    value.pop();
                }
                let node = Rc::new(Node::Scalar { tag, value });
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::SequenceStart(..) | Event::MappingStart(..) if stack.len() >= MAX_DEPTH => {
                return Err(YamlError::TooDeep);
            }
            Event::SequenceStart(anchor, tag) => {
                max_depth = max_depth.max(stack.len() + 1);
                let tag = full_tag(tag.as_deref())
                    .filter(|t| t != "!")
                    .unwrap_or_else(|| format!("{TAG}seq"));
                stack.push(Frame::Seq {
                    anchor,
                    tag,
                    items: Vec::new(),
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                max_depth = max_depth.max(stack.len() + 1);
                let tag = full_tag(tag.as_deref())
                    .filter(|t| t != "!")
                    .unwrap_or_else(|| format!("{TAG}map"));
                stack.push(Frame::Map {
                    anchor,
                    tag,
                    pairs: Vec::new(),
                    key: None,
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (anchor, node) = match stack.pop() {
                    Some(Frame::Seq { anchor, tag, items }) => {
                        (anchor, Rc::new(Node::Seq { tag, items }))
                    }
                    Some(Frame::Map {
                        anchor, tag, pairs, ..
                    }) => (anchor, Rc::new(Node::Map { tag, pairs })),
                    None => continue,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }
    check_tabs(&chars, &spans)?;
    if !moved_lines.is_empty() {
        let mut line_starts = vec![0usize];
        line_starts.extend(
            chars
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == '\n')
                .map(|(i, _)| i + 1),
        );
        for &line in moved_lines {
            let start = line_starts.get(line - 1).copied().unwrap_or(usize::MAX);
            if !inside(&spans.quoted, start) && !inside(&spans.flow, start) {
                return Err(YamlError::Syntax {
                    line,
                    col: 1,
                    message: "found character '\\t' that cannot start any token".to_owned(),
                });
            }
        }
    }
    Ok((root, max_depth))
}

/// Source ranges (character offsets) of the parsed document.
#[derive(Default)]
struct Spans {
    plain: Vec<(usize, usize)>,
    quoted: Vec<(usize, usize)>,
    flow: Vec<(usize, usize)>,
}

/// Whether the input ends in a line without a line break that saphyr counts as a
/// line of the block scalar whose content starts at `content`: a line with text, or
/// white space at least as deep as the scalar's first content line.
fn unterminated_last_line(chars: &[char], content: usize) -> bool {
    let last_start = chars.iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
    let last = &chars[last_start..];
    if last.is_empty() {
        return false;
    }
    if last.iter().any(|c| !matches!(c, ' ' | '\t' | '\r')) {
        return true;
    }
    let indent = chars[content.min(chars.len())..]
        .split(|c| *c == '\n')
        .find(|l| l.iter().any(|c| *c != ' '))
        .map_or(usize::MAX, |l| l.iter().take_while(|c| **c == ' ').count());
    last.len() >= indent
}

/// Where a quoted scalar ends: after its closing quote. saphyr's span runs over the
/// white space and comment that follow.
fn quoted_end(chars: &[char], start: usize, end: usize) -> usize {
    let Some(open) = (start..end.min(chars.len())).find(|&i| matches!(chars[i], '\'' | '"')) else {
        return end;
    };
    let quote = chars[open];
    let mut i = open + 1;
    while i < chars.len() {
        let c = chars[i];
        if quote == '"' && c == '\\' {
            i += 2;
            continue;
        }
        if c == quote {
            if quote == '\'' && chars.get(i + 1) == Some(&'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    end
}

/// Where a block scalar's content starts: after the line holding its `|`/`>`
/// header, so that a tab in the header (outside a comment) counts as an error like
/// in ruamel. saphyr's span starts at the header or at the content.
fn block_content_start(chars: &[char], start: usize) -> usize {
    let is_header_rest = |from: usize| {
        let mut i = from;
        while i < chars.len() && matches!(chars[i], '-' | '+' | '0'..='9') {
            i += 1;
        }
        while i < chars.len() && chars[i] != '\n' {
            if chars[i] == '#' && i > from && matches!(chars[i - 1], ' ' | '\t') {
                return Some(
                    chars[i..]
                        .iter()
                        .position(|c| *c == '\n')
                        .map_or(chars.len(), |p| i + p),
                );
            }
            if !matches!(chars[i], ' ' | '\t') {
                return None;
            }
            i += 1;
        }
        Some(i)
    };
    let mut h = start.min(chars.len());
    loop {
        if h < chars.len() && matches!(chars[h], '|' | '>') {
            if let Some(line_end) = is_header_rest(h + 1) {
                return line_end;
            }
        }
        if h == 0 {
            return start;
        }
        h -= 1;
    }
}

fn inside(ranges: &[(usize, usize)], i: usize) -> bool {
    ranges.iter().any(|&(s, e)| s <= i && i < e)
}

/// ruamel's scanner skips only spaces between tokens in block context ("found
/// character '\t' that cannot start any token") and never lets a tab separate the
/// words of a plain scalar. Tabs are fine inside quoted and block scalars, comments,
/// and between tokens of flow collections.
fn check_tabs(chars: &[char], spans: &Spans) -> Result<(), YamlError> {
    let mut in_comment = false;
    let mut line = 1;
    let mut col = 0;
    for (i, &c) in chars.iter().enumerate() {
        col += 1;
        if c == '\n' {
            in_comment = false;
            line += 1;
            col = 0;
            continue;
        }
        let in_scalar = inside(&spans.quoted, i) || inside(&spans.plain, i);
        if c == '#' && !in_scalar {
            in_comment = true;
        }
        if c != '\t' || in_comment || inside(&spans.quoted, i) {
            continue;
        }
        if inside(&spans.plain, i) || !inside(&spans.flow, i) {
            return Err(YamlError::Syntax {
                line,
                col,
                message: "found character '\\t' that cannot start any token".to_owned(),
            });
        }
    }
    Ok(())
}

/// A `...` before any document (ruamel: "expected the node content, but found
/// '<document end>'").
fn leading_document_end(text: &str) -> bool {
    for line in text.lines() {
        let t = line.trim_start_matches(' ');
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        return line.starts_with("...")
            && matches!(line[3..].chars().next(), None | Some(' ' | '\t'));
    }
    false
}

fn all(s: &str, f: impl Fn(u8) -> bool) -> bool {
    !s.is_empty() && s.bytes().all(f)
}

fn strip_sign(s: &str) -> &str {
    s.strip_prefix(['-', '+']).unwrap_or(s)
}

fn is_dec_(b: u8) -> bool {
    b.is_ascii_digit() || b == b'_'
}

/// `[0-9][0-9_]*` followed by the rest.
fn lead_digits(s: &str) -> Option<&str> {
    if !s.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    let end = s.bytes().position(|b| !is_dec_(b)).unwrap_or(s.len());
    Some(&s[end..])
}

/// `(?:[eE][-+]?[0-9]+)` when `sign_required` is false, `[eE][-+][0-9]+` when true.
fn is_exponent(s: &str, sign_required: bool) -> bool {
    let Some(rest) = s.strip_prefix(['e', 'E']) else {
        return false;
    };
    let digits = match rest.strip_prefix(['-', '+']) {
        Some(d) => d,
        None if sign_required => return false,
        None => rest,
    };
    all(digits, |b| b.is_ascii_digit())
}

fn is_float(s: &str, version: Version) -> bool {
    if matches!(s, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let body = strip_sign(s);
    let signed = body.len() != s.len();
    if matches!(body, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    if let Some(rest) = lead_digits(body) {
        if let Some(frac) = rest.strip_prefix('.') {
            let end = frac.bytes().position(|b| !is_dec_(b)).unwrap_or(frac.len());
            let exp = &frac[end..];
            if exp.is_empty() || is_exponent(exp, false) {
                return true;
            }
        } else if is_exponent(rest, false) {
            return true;
        }
        if version == Version::V11 && is_sexagesimal(body, true) {
            return true;
        }
    }
    if let Some(frac) = body.strip_prefix('.') {
        if version == Version::V11 && signed {
            return false;
        }
        let end = frac.bytes().position(|b| !is_dec_(b)).unwrap_or(frac.len());
        if end > 0 && (frac[end..].is_empty() || is_exponent(&frac[end..], true)) {
            return true;
        }
    }
    false
}

/// YAML 1.1 sexagesimal: `[0-9][0-9_]*(:[0-5]?[0-9])+` (`\.[0-9_]*` after it for floats;
/// ints need a leading `[1-9]`).
fn is_sexagesimal(body: &str, float: bool) -> bool {
    let (int_part, frac) = if float {
        match body.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => return false,
        }
    } else {
        (body, None)
    };
    if let Some(f) = frac {
        if !f.bytes().all(is_dec_) {
            return false;
        }
    }
    let mut groups = int_part.split(':');
    let Some(first) = groups.next() else {
        return false;
    };
    if !all(first, is_dec_) || !first.as_bytes()[0].is_ascii_digit() {
        return false;
    }
    if !float && first.as_bytes()[0] == b'0' {
        return false;
    }
    let mut count = 0;
    for g in groups {
        count += 1;
        let ok = match g.as_bytes() {
            [d] => d.is_ascii_digit(),
            [a, b] => (b'0'..=b'5').contains(a) && b.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    count > 0
}

fn is_int(s: &str, version: Version) -> bool {
    let body = strip_sign(s);
    if let Some(b) = body.strip_prefix("0b") {
        if all(b, |c| c == b'0' || c == b'1' || c == b'_') {
            return true;
        }
    }
    if let Some(h) = body.strip_prefix("0x") {
        if all(h, |c| c.is_ascii_hexdigit() || c == b'_') {
            return true;
        }
    }
    match version {
        Version::V11 => {
            let oct = body.strip_prefix('0').unwrap_or(body);
            all(oct, |c| (b'0'..=b'7').contains(&c) || c == b'_')
                || body == "0"
                || (body
                    .as_bytes()
                    .first()
                    .is_some_and(|c| (b'1'..=b'9').contains(c))
                    && body.bytes().all(is_dec_))
                || is_sexagesimal(body, false)
        }
        _ => {
            if let Some(o) = body.strip_prefix("0o") {
                if all(o, |c| (b'0'..=b'7').contains(&c) || c == b'_') {
                    return true;
                }
            }
            all(body, is_dec_)
        }
    }
}

fn digits(s: &str, n: usize) -> Option<(u32, &str)> {
    let take = s.bytes().take(n).take_while(u8::is_ascii_digit).count();
    if take == 0 {
        return None;
    }
    Some((s[..take].parse().ok()?, &s[take..]))
}

/// Hour/minute/second, the fraction digits and the zone text of a timestamp.
type TimeParts = ((u32, u32, u32), Option<String>, Option<String>);

struct TimestampParts {
    date: (u32, u32, u32),
    time: Option<TimeParts>,
}

/// ruamel's `util.timestamp_regexp` (one- or two-digit month, day and hour; optional
/// fraction and zone; a single trailing newline allowed like `$`).
fn parse_timestamp(value: &str) -> Option<TimestampParts> {
    let s = value.strip_suffix('\n').unwrap_or(value);
    let b = s.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let year: u32 = s[..4].parse().ok()?;
    let rest = s[4..].strip_prefix('-')?;
    let (month, rest) = digits(rest, 2)?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = digits(rest, 2)?;
    if rest.is_empty() {
        return Some(TimestampParts {
            date: (year, month, day),
            time: None,
        });
    }
    let rest = match rest.strip_prefix(['T', 't']) {
        Some(r) => r,
        None => {
            let r = rest.trim_start_matches([' ', '\t']);
            if r.len() == rest.len() {
                return None;
            }
            r
        }
    };
    let (hour, rest) = digits(rest, 2)?;
    let rest = rest.strip_prefix(':')?;
    let (minute, rest) = digits(rest, 2).filter(|(_, r)| rest.len() - r.len() == 2)?;
    let rest = rest.strip_prefix(':')?;
    let (second, mut rest) = digits(rest, 2).filter(|(_, r)| rest.len() - r.len() == 2)?;
    let mut fraction = None;
    if let Some(r) = rest.strip_prefix('.') {
        let end = r
            .bytes()
            .position(|c| !c.is_ascii_digit())
            .unwrap_or(r.len());
        fraction = Some(r[..end].to_owned());
        rest = &r[end..];
    }
    let mut tz = None;
    if !rest.is_empty() {
        let r = rest.trim_start_matches([' ', '\t']);
        if r == "Z" {
            tz = Some("Z".to_owned());
        } else {
            let sign = r
                .as_bytes()
                .first()
                .filter(|c| **c == b'+' || **c == b'-')?;
            let (_, after) = digits(&r[1..], 2)?;
            let after = match after.strip_prefix(':') {
                Some(m) => digits(m, 2)
                    .filter(|(_, x)| m.len() - x.len() == 2)
                    .map(|(_, x)| x)?,
                None => after,
            };
            if !after.is_empty() {
                return None;
            }
            let _ = sign;
            tz = Some(r.to_owned());
        }
    }
    Some(TimestampParts {
        date: (year, month, day),
        time: Some(((hour, minute, second), fraction, tz)),
    })
}

/// The resolver's (stricter) implicit timestamp pattern.
fn is_timestamp(s: &str) -> bool {
    let Some(parts) = parse_timestamp(s) else {
        return false;
    };
    if s.ends_with('\n') {
        return false;
    }
    match parts.time {
        None => s.len() == 10,
        Some(_) => true,
    }
}

/// ruamel's `VersionedResolver.resolve` for an implicit scalar.
fn resolve(value: &str, version: Version) -> Result<&'static str, YamlError> {
    if let Version::Other(minor) = version {
        return Err(YamlError::Version(format!("1.{minor}")));
    }
    let first = value.chars().next();
    let v11 = version == Version::V11;
    let bool11 = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF",
    ];
    let bool12 = ["true", "True", "TRUE", "false", "False", "FALSE"];
    let tag = match first {
        None => "tag:yaml.org,2002:null",
        Some(c) => {
            if bool12.contains(&value) || (v11 && bool11.contains(&value)) {
                "tag:yaml.org,2002:bool"
            } else if "-+0123456789.".contains(c) && is_float(value, version) {
                "tag:yaml.org,2002:float"
            } else if "-+0123456789".contains(c) && is_int(value, version) {
                "tag:yaml.org,2002:int"
            } else if value == "<<" {
                "tag:yaml.org,2002:merge"
            } else if matches!(value, "~" | "null" | "Null" | "NULL") {
                "tag:yaml.org,2002:null"
            } else if c.is_ascii_digit() && is_timestamp(value) {
                "tag:yaml.org,2002:timestamp"
            } else if value == "=" {
                "tag:yaml.org,2002:value"
            } else {
                "tag:yaml.org,2002:str"
            }
        }
    };
    Ok(tag)
}

struct Constructor {
    version: Version,
    count: usize,
}

fn scalar(node: &Node) -> Result<&str, YamlError> {
    match node {
        Node::Scalar { value, .. } => Ok(value),
        other => Err(YamlError::Construct(format!(
            "expected a scalar node, but found {}",
            other.id()
        ))),
    }
}

fn bad(msg: String) -> YamlError {
    YamlError::Construct(msg)
}

fn int_error(e: IntError, text: &str) -> YamlError {
    match e {
        IntError::Invalid => bad(format!("invalid literal for int(): {text:?}")),
        IntError::TooManyDigits => YamlError::IntTooLong,
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        _ => 28,
    }
}

/// ruamel's `create_timestamp` (datetime's range checks raise `ValueError`).
fn make_timestamp(parts: TimestampParts) -> Result<Value, YamlError> {
    let (year, month, day) = parts.date;
    if !(1..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
    {
        return Err(bad("timestamp date out of range".to_owned()));
    }
    let date = Date { year, month, day };
    let Some(((hour, minute, second), fraction, tz)) = parts.time else {
        return Ok(Value::Date(date));
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Err(bad("timestamp time out of range".to_owned()));
    }
    let mut micro = 0u32;
    let mut carry = false;
    if let Some(fr) = fraction.filter(|f| !f.is_empty()) {
        let mut six: String = fr.chars().take(6).collect();
        while six.len() < 6 {
            six.push('0');
        }
        let mut frac: u32 = six.parse().unwrap_or(0);
        if fr.len() > 6 && fr.as_bytes()[6] > b'4' {
            frac += 1;
        }
        if frac > 999_999 {
            carry = true;
        } else {
            micro = frac;
        }
    }
    let tz = match tz {
        None => None,
        Some(z) if z == "Z" => Some((0, z)),
        Some(z) => {
            let negative = z.starts_with('-');
            let (h, m) = z[1..].split_once(':').unwrap_or((&z[1..], "0"));
            let h: i32 = h.parse().unwrap_or(0);
            let m: i32 = m.parse().unwrap_or(0);
            let total = h * 60 + m;
            if total >= 24 * 60 {
                return Err(bad(format!("UTC offset {z} out of range")));
            }
            Some((if negative { -total } else { total }, z))
        }
    };
    let mut dt = DateTime {
        date,
        hms: (hour, minute, second),
        micro,
        tz,
    };
    if carry {
        dt = add_second(dt)?;
    }
    Ok(Value::DateTime(dt))
}

fn add_second(mut dt: DateTime) -> Result<DateTime, YamlError> {
    dt.hms.2 += 1;
    if dt.hms.2 == 60 {
        dt.hms.2 = 0;
        dt.hms.1 += 1;
    }
    if dt.hms.1 == 60 {
        dt.hms.1 = 0;
        dt.hms.0 += 1;
    }
    if dt.hms.0 == 24 {
        dt.hms.0 = 0;
        dt.date.day += 1;
        if dt.date.day > days_in_month(dt.date.year, dt.date.month) {
            dt.date.day = 1;
            dt.date.month += 1;
            if dt.date.month == 13 {
                dt.date.month = 1;
                dt.date.year += 1;
                if dt.date.year > 9999 {
                    return Err(bad("date value out of range".to_owned()));
                }
            }
        }
    }
    Ok(dt)
}

/// `base64.decodebytes` (non-strict `a2b_base64`: other characters are skipped,
/// decoding stops at complete padding).
fn decode_base64(text: &str) -> Result<Vec<u8>, YamlError> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut quad = 0usize;
    let mut pads = 0usize;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                if quad >= 2 {
                    pads += 1;
                    if quad + pads >= 4 {
                        return Ok(out);
                    }
                }
                continue;
            }
            _ => continue,
        };
        if pads > 0 {
            pads = 0;
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        quad = (quad + 1) % 4;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if quad != 0 {
        return Err(bad(
            "failed to decode base64 data: Incorrect padding".to_owned()
        ));
    }
    Ok(out)
}

type Pairs<'a> = Vec<(&'a Rc<Node>, &'a Rc<Node>)>;

impl Constructor {
    fn object(&mut self, node: &Rc<Node>) -> Result<Value, YamlError> {
        self.count += 1;
        if self.count > MAX_NODES {
            return Err(YamlError::TooLarge);
        }
        let tag = node.tag();
        let Some(short) = tag.strip_prefix(TAG) else {
            return Err(YamlError::UnknownTag(tag.to_owned()));
        };
        match short {
            "null" => scalar(node).map(|_| Value::None),
            "bool" => {
                let v = scalar(node)?;
                match v.to_lowercase().as_str() {
                    "yes" | "y" | "true" | "on" => Ok(Value::Bool(true)),
                    "no" | "n" | "false" | "off" => Ok(Value::Bool(false)),
                    _ => Err(bad(format!("not a boolean: {v:?}"))),
                }
            }
            "int" => self.int(scalar(node)?),
            "float" => self.float(scalar(node)?),
            "str" => scalar(node).map(|s| Value::Str(s.to_owned())),
            "binary" => {
                let v = scalar(node)?;
                if !v.is_ascii() {
                    return Err(bad("failed to convert base64 data into ascii".to_owned()));
                }
                decode_base64(v).map(Value::Bytes)
            }
            "timestamp" => {
                let parts = match &**node {
                    Node::Scalar { value, .. } => parse_timestamp(value),
                    _ => None,
                };
                make_timestamp(
                    parts.ok_or_else(|| bad("failed to construct timestamp".to_owned()))?,
                )
            }
            "seq" => match &**node {
                Node::Seq { items, .. } => Ok(Value::List(
                    items
                        .iter()
                        .map(|n| self.object(n))
                        .collect::<Result<_, _>>()?,
                )),
                other => Err(bad(format!(
                    "expected a sequence node, but found {}",
                    other.id()
                ))),
            },
            "map" => self.mapping(node).map(Value::Dict),
            "set" => {
                let pairs = self.mapping(node)?;
                Ok(Value::Set(pairs.into_iter().map(|(k, _)| k).collect()))
            }
            "omap" | "pairs" => self.pairs(node, short == "omap"),
            _ => Err(YamlError::UnknownTag(tag.to_owned())),
        }
    }

    fn int(&self, text: &str) -> Result<Value, YamlError> {
        let s: String = text.chars().filter(|&c| c != '_').collect();
        let first = s
            .chars()
            .next()
            .ok_or_else(|| bad("empty int".to_owned()))?;
        let negative = first == '-';
        let body = if first == '-' || first == '+' {
            &s[1..]
        } else {
            &s[..]
        };
        let parsed = if body == "0" {
            Ok(BigInt::zero())
        } else if let Some(b) = body.strip_prefix("0b") {
            BigInt::parse(b, 2)
        } else if let Some(h) = body.strip_prefix("0x") {
            BigInt::parse(h, 16)
        } else if let Some(o) = body.strip_prefix("0o") {
            BigInt::parse(o, 8)
        } else if self.version == Version::V11 && body.starts_with('0') {
            BigInt::parse(body, 8)
        } else if self.version == Version::V11 && body.contains(':') {
            let mut value = BigInt::zero();
            for part in body.split(':') {
                let d = BigInt::parse(part, 10).map_err(|e| int_error(e, text))?;
                let small = d.limbs.first().copied().unwrap_or(0);
                value.mul_add_pub(60, small);
            }
            Ok(value)
        } else {
            BigInt::parse(body, 10)
        };
        parsed
            .map(|n| Value::Int(n.with_sign(negative)))
            .map_err(|e| int_error(e, text))
    }

    fn float(&self, text: &str) -> Result<Value, YamlError> {
        let lower: String = text
            .chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .to_lowercase();
        let first = lower
            .chars()
            .next()
            .ok_or_else(|| bad("empty float".to_owned()))?;
        let sign = if first == '-' { -1.0 } else { 1.0 };
        let body = if first == '-' || first == '+' {
            &lower[1..]
        } else {
            &lower[..]
        };
        if body == ".inf" {
            return Ok(Value::Float(sign * f64::INFINITY));
        }
        if body == ".nan" {
            return Ok(Value::Float(f64::NAN));
        }
        if self.version != Version::V12 && body.contains(':') {
            let mut value = 0.0;
            for part in body.split(':') {
                let d = py_float(part)
                    .ok_or_else(|| bad(format!("could not convert string to float: {part:?}")))?;
                value = value * 60.0 + d;
            }
            return Ok(Value::Float(sign * value));
        }
        let f = py_float(body)
            .ok_or_else(|| bad(format!("could not convert string to float: {text:?}")))?;
        Ok(Value::Float(sign * f))
    }

    /// `flatten_mapping`: the merged pairs (`<<`) and the node's own pairs.
    fn flatten<'a>(&self, node: &'a Node) -> Result<(Pairs<'a>, Pairs<'a>), YamlError> {
        let Node::Map { pairs, .. } = node else {
            return Err(bad(format!(
                "expected a mapping node, but found {}",
                node.id()
            )));
        };
        let mut merge: Pairs<'a> = Vec::new();
        let mut own: Pairs<'a> = Vec::new();
        let mut seen_merge = false;
        for (k, v) in pairs {
            if k.tag() == "tag:yaml.org,2002:merge" {
                if seen_merge && !merge.is_empty() {
                    return Err(YamlError::DuplicateKey("\"<<\"".to_owned()));
                }
                seen_merge = true;
                match &**v {
                    Node::Map { .. } => {
                        let (m, o) = self.flatten(v)?;
                        merge.extend(m);
                        merge.extend(o);
                    }
                    Node::Seq { items, .. } => {
                        let mut sub = Vec::new();
                        for item in items {
                            if !matches!(&**item, Node::Map { .. }) {
                                return Err(bad(format!(
                                    "expected a mapping for merging, but found {}",
                                    item.id()
                                )));
                            }
                            let (m, o) = self.flatten(item)?;
                            let mut all = m;
                            all.extend(o);
                            sub.push(all);
                        }
                        for s in sub.into_iter().rev() {
                            merge.extend(s);
                        }
                    }
                    Node::Scalar { .. } => {
                        return Err(bad(
                            "expected a mapping or list of mappings for merging, but found scalar"
                                .to_owned(),
                        ))
                    }
                }
            } else {
                own.push((k, v));
            }
        }
        Ok((merge, own))
    }

    fn key(&mut self, node: &Rc<Node>) -> Result<Value, YamlError> {
        // A `=` key is re-tagged as a string by `flatten_mapping`.
        let key = if node.tag() == "tag:yaml.org,2002:value" {
            Value::Str(scalar(node)?.to_owned())
        } else {
            self.object(node)?
        };
        let key = match key {
            Value::List(items) => Value::Tuple(items),
            other => other,
        };
        if !key.is_hashable() {
            return Err(YamlError::UnhashableKey);
        }
        Ok(key)
    }

    fn mapping(&mut self, node: &Rc<Node>) -> Result<Vec<(Value, Value)>, YamlError> {
        let (merge, own) = self.flatten(node)?;
        let mut total: Vec<(Value, Value)> = Vec::new();
        let todo: Vec<(Pairs<'_>, bool)> = if merge.is_empty() {
            vec![(own, true)]
        } else {
            let mut all = merge.clone();
            all.extend(own);
            vec![(merge, false), (all, false)]
        };
        for (pairs, check) in todo {
            let mut mapping: Vec<(Value, Value)> = Vec::new();
            for (k, v) in pairs {
                let key = self.key(k)?;
                let value = self.object(v)?;
                if check && dict_get(&mapping, &key).is_some() {
                    let shown = key.py_str().unwrap_or_default();
                    return Err(YamlError::DuplicateKey(format!("\"{shown}\"")));
                }
                dict_set(&mut mapping, key, value);
            }
            for (k, v) in mapping {
                dict_set(&mut total, k, v);
            }
        }
        Ok(total)
    }

    fn pairs(&mut self, node: &Rc<Node>, omap: bool) -> Result<Value, YamlError> {
        let Node::Seq { items, .. } = &**node else {
            return Err(bad(format!("expected a sequence, but found {}", node.id())));
        };
        let mut out = Vec::new();
        for item in items {
            let Node::Map { pairs, .. } = &**item else {
                return Err(bad(format!(
                    "expected a mapping of length 1, but found {}",
                    item.id()
                )));
            };
            if pairs.len() != 1 {
                return Err(bad(format!(
                    "expected a single mapping item, but found {} items",
                    pairs.len()
                )));
            }
            let key = self.object(&pairs[0].0)?;
            let value = self.object(&pairs[0].1)?;
            if omap {
                if !key.is_hashable() {
                    return Err(YamlError::UnhashableKey);
                }
                if dict_get(&out, &key).is_some() {
                    return Err(bad("duplicate key in !!omap".to_owned()));
                }
            }
            out.push((key, value));
        }
        if omap {
            Ok(Value::OrderedDict(out))
        } else {
            Ok(Value::List(
                out.into_iter()
                    .map(|(k, v)| Value::Tuple(vec![k, v]))
                    .collect(),
            ))
        }
    }
}

impl BigInt {
    fn mul_add_pub(&mut self, mul: u32, add: u32) {
        let negative = self.negative;
        let mut carry = u64::from(add);
        for limb in &mut self.limbs {
            let v = u64::from(*limb) * u64::from(mul) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            self.limbs.push(carry as u32);
        }
        self.negative = negative;
    }
}

/// Python `float(text)` for the texts the resolver lets through.
fn py_float(text: &str) -> Option<f64> {
    let t = text.trim_matches(py_isspace);
    if t.is_empty() || t.contains(|c: char| !c.is_ascii()) {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let body = strip_sign(&lower);
    if matches!(body, "inf" | "infinity" | "nan") {
        return t.parse().ok();
    }
    if !body
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'-' | b'+'))
    {
        return None;
    }
    t.parse().ok()
}

/// ruamel lets the continuation lines of a quoted scalar have any indentation; saphyr
/// wants them indented past the enclosing block. Leading white space of a
/// continuation line never reaches the value, so indent each continuation line of
/// the quoted scalar that starts at `line`/`col` (1-based) past the quote's column.
/// A continuation line that starts with a document marker is left alone (ruamel
/// refuses it too). Returns `None` when nothing changes.
fn reindent_quoted(text: &str, line: usize, col: usize) -> Option<String> {
    let lines: Vec<&str> = text.split('\n').collect();
    let first = lines.get(line.checked_sub(1)?)?;
    let start: Vec<char> = first.chars().collect();
    let quote = *start.get(col.checked_sub(1)?)?;
    if quote != '\'' && quote != '"' {
        return None;
    }
    let pad = " ".repeat(col);
    let mut out: Vec<String> = lines[..line - 1].iter().map(|l| (*l).to_owned()).collect();
    let mut changed = false;
    let mut idx = line - 1;
    let mut pos = col; // char position after the opening quote
    let mut escaped = false;
    let mut current: Vec<char> = start;
    loop {
        let mut closed = false;
        while pos < current.len() {
            let c = current[pos];
            pos += 1;
            if quote == '"' {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    closed = true;
                    break;
                }
            } else if c == '\'' {
                if current.get(pos) == Some(&'\'') {
                    pos += 1;
                } else {
                    closed = true;
                    break;
                }
            }
        }
        escaped = false;
        out.push(current.iter().collect());
        if closed {
            break;
        }
        idx += 1;
        let next = lines.get(idx)?;
        let is_marker = (next.starts_with("---") || next.starts_with("..."))
            && matches!(next[3..].chars().next(), None | Some(' ' | '\t'));
        if is_marker || next.trim().is_empty() {
            current = next.chars().collect();
        } else {
            changed = true;
            current = format!("{pad}{next}").chars().collect();
        }
        pos = 0;
    }
    out.extend(lines[idx + 1..].iter().map(|l| (*l).to_owned()));
    changed.then(|| out.join("\n"))
}

/// Replaces the leading spaces and tabs of `line` (1-based) by enough spaces to be
/// deeper than any block indentation in `text`.
fn indent_line(text: &str, line: usize) -> Option<String> {
    let deepest = text
        .split('\n')
        .map(|l| l.len() - l.trim_start_matches([' ', '\t']).len())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let target = lines.get_mut(line - 1)?;
    let rest = target.trim_start_matches([' ', '\t']).to_owned();
    *target = format!("{}{rest}", " ".repeat(deepest + 1));
    Some(lines.join("\n"))
}

/// Loads one YAML stream the way `YAML(typ="safe").load(text)` does.
///
/// `text` is what Python's `read_text` gives (newlines already translated).
/// Returns `Value::None` for an empty stream.
///
/// ```
/// use setup_stamp::location::yaml::load;
/// let v = load("paths:\n  root: 0x10\n").unwrap();
/// assert_eq!(v.py_str().unwrap(), "{'paths': {'root': 16}}");
/// ```
pub fn load(text: &str) -> Result<Value, YamlError> {
    match load_inner(text, false) {
        Err(YamlError::TooDeep) => {
            // Construction recurses once per level; deep documents are built again on
            // a thread with a stack large enough for MAX_DEPTH levels.
            std::thread::scope(|scope| {
                std::thread::Builder::new()
                    .stack_size(BIG_STACK)
                    .spawn_scoped(scope, || load_inner(text, true))
                    .map_err(|_| YamlError::TooDeep)?
                    .join()
                    .map_err(|_| YamlError::TooDeep)?
            })
        }
        other => other,
    }
}

/// Nesting that is built on the caller's stack.
const SMALL_STACK_DEPTH: usize = 64;

/// Stack for building deeper documents (reserved lazily by the OS).
const BIG_STACK: usize = 256 << 20;

fn load_inner(text: &str, big_stack: bool) -> Result<Value, YamlError> {
    for (offset, ch) in text.chars().enumerate() {
        if !is_printable(ch) {
            return Err(YamlError::NotPrintable { ch, offset });
        }
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    if leading_document_end(body) {
        return Err(YamlError::Syntax {
            line: 1,
            col: 1,
            message: "expected the node content, but found '<document end>'".to_owned(),
        });
    }
    // ruamel keeps a byte order mark inside a document as an ordinary character;
    // saphyr refuses it, so it travels as U+FFFE (which the reader check above has
    // already ruled out of the input) and is turned back in scalar values.
    let swapped;
    let body = if body.contains('\u{feff}') {
        swapped = body.replace('\u{feff}', "\u{fffe}");
        swapped.as_str()
    } else {
        body
    };
    let version = version_directive(body)?;
    let mut owned: Option<String> = None;
    let mut moved_lines: Vec<usize> = Vec::new();
    let root = loop {
        let text = owned.as_deref().unwrap_or(body);
        match compose(text, version, &moved_lines) {
            Err(YamlError::Syntax { line, col, message })
                if moved_lines.len() < 1000 && line > 0 =>
            {
                let fixed = if message.contains("invalid indentation in quoted scalar") {
                    reindent_quoted(text, line, col)
                } else if message.contains("tab cannot be used as indentation")
                    || message.contains("invalid indentation")
                {
                    moved_lines.push(line);
                    indent_line(text, line)
                } else {
                    None
                };
                owned = Some(fixed.ok_or(YamlError::Syntax { line, col, message })?);
            }
            other => break other?,
        }
    };
    let (root, depth) = root;
    if depth > SMALL_STACK_DEPTH && !big_stack {
        return Err(YamlError::TooDeep);
    }
    let Some(root) = root else {
        return Ok(Value::None);
    };
    let mut c = Constructor { version, count: 0 };
    c.object(&root)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        match load(text) {
            Ok(v) => v.py_str().unwrap_or_else(|| "<str error>".into()),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn scalars() {
        assert_eq!(s("a: 123"), "{'a': 123}");
        assert_eq!(s("a: 1e3"), "{'a': 1000.0}");
        assert_eq!(s("a: 0o10"), "{'a': 8}");
        assert_eq!(s("a: 010"), "{'a': 10}");
        assert_eq!(s("a: .inf"), "{'a': inf}");
        assert_eq!(s("a: yes"), "{'a': 'yes'}");
        assert_eq!(s("a: True"), "{'a': True}");
        assert_eq!(s("a: ~"), "{'a': None}");
        assert_eq!(s("a:"), "{'a': None}");
        assert_eq!(s("a: '  x '"), "{'a': '  x '}");
        assert_eq!(
            s("a: 2024-01-01T10:00:00Z"),
            "{'a': datetime.datetime(2024, 1, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}"
        );
        assert_eq!(s("%YAML 1.1\n---\na: yes"), "{'a': True}");
        assert_eq!(s(""), "None");
    }

    #[test]
    fn errors() {
        assert!(s("a: 1\na: 2").starts_with("error"));
        assert!(s("a: 1\n---\nb: 2").starts_with("error"));
        assert!(s("a: !foo x").starts_with("error"));
        assert!(s("? [a, {b: c}]\n: x").starts_with("error"));
        assert!(s("a: \u{7f}").starts_with("error"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
        assert!(load(&deep).is_err());
        // saphyr stops flow collections at its own recursion limit (~256 levels).
        let flow = format!("a: {}{}\n", "[".repeat(250), "]".repeat(250));
        assert!(load(&flow).is_ok());
        let block =
            |n: usize| -> String { (0..n).map(|i| format!("{}k:\n", " ".repeat(i))).collect() };
        assert!(load(&block(MAX_DEPTH)).is_ok());
        assert_eq!(load(&block(MAX_DEPTH + 1)).unwrap_err(), YamlError::TooDeep);
        assert_eq!(load(&block(5000)).unwrap_err(), YamlError::TooDeep);
    }

    #[test]
    fn merge_keys() {
        assert_eq!(
            s("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n  z: 4\n"),
            "{'base': {'x': 1, 'y': 2}, 'd': {'x': 1, 'y': 3, 'z': 4}}"
        );
    }
}
