//! YAML documents → Python values, as `ruamel.yaml` 0.19.1 `YAML(typ="safe").load`
//! (pure-Python parser) builds them.
//!
//! [`load`] follows ruamel's loader stage by stage, one file each:
//!
//! 1. reading ([`load`]): characters ruamel's reader refuses, the byte order mark,
//!    NEL and CR line breaks (`nel.rs`) and the `%YAML` directive (`resolve.rs`);
//! 2. parsing and composing (`compose.rs`): the `saphyr-parser` event stream becomes
//!    a node tree (anchors, aliases, nesting limit);
//! 3. ruamel-compatibility checks on the source text (`scanner.rs`, `nel.rs`): what
//!    saphyr reads differently is refused, or the text is rewritten and parsed again
//!    (the retry loop is in [`load`]);
//! 4. tag resolution (`resolve.rs`): ruamel's `VersionedResolver`, YAML 1.2 unless a
//!    `%YAML 1.1` directive says otherwise;
//! 5. construction (`construct.rs`, with `timestamp.rs`): ruamel's `SafeConstructor`
//!    (merge keys, duplicate-key errors, `!!binary`, `!!timestamp`, `!!set`,
//!    `!!omap`, `!!pairs`).
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
//! - NEL (U+0085) and CR are read as ruamel reads them (see `nel.rs`:
//!   a line break for the scanner, but past a NEL the reader keeps the line and the
//!   column), except: a NEL ending a block scalar's line followed by spaces under
//!   `|+` (ruamel keeps no more line breaks; a comment after it keeps them here),
//!   a NEL after a block scalar's
//!   indentation indicator, two NELs inside one implicit key, and a CR before the
//!   `:` of a flow mapping entry;
//! - LINE SEPARATOR and PARAGRAPH SEPARATOR are ordinary characters here. ruamel's
//!   scanner takes them as line breaks kept in scalar values (`a: b\u{2028} c` is
//!   `'b\u{2028}c'`, white space around them is trimmed, `k:\u{2028}  x: 1` is a
//!   nested mapping); where no white space or indentation is involved the result
//!   is the same;
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

mod compose;
mod construct;
mod nel;
mod resolve;
mod scanner;
mod timestamp;

use std::fmt;

use super::value::Value;
use compose::compose;
use construct::Constructor;
use nel::{join_nel_line, nel_to_breaks, NEL_BLOCK_COMMENT, NEL_BLOCK_SCALAR};
use resolve::version_directive;
use scanner::{indent_line, leading_document_end, reindent_quoted};

/// Most values one document may expand to (aliases are copied).
pub const MAX_NODES: usize = 1_000_000;

/// Deepest nesting of collections accepted. ruamel's composer is recursive and hits
/// Python's recursion limit (1000 frames) at about 490 levels; the exact depth
/// depends on the caller's stack, so this is an approximation of that limit.
pub const MAX_DEPTH: usize = 491;

/// The prefix of the standard tags (`tag:yaml.org,2002:str`…).
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

/// [`load`] on the current stack: [`YamlError::TooDeep`] past [`SMALL_STACK_DEPTH`]
/// levels unless `big_stack` says the stack can take [`MAX_DEPTH`].
fn load_inner(text: &str, big_stack: bool) -> Result<Value, YamlError> {
    for (offset, ch) in text.chars().enumerate() {
        if !is_printable(ch) {
            return Err(YamlError::NotPrintable { ch, offset });
        }
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (body, mut nel_lines) = nel_to_breaks(body)?;
    let body = body.as_ref();
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
        match compose(text, version, &moved_lines, &nel_lines) {
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
                } else if message.starts_with(NEL_BLOCK_SCALAR) {
                    None
                } else if message == NEL_BLOCK_COMMENT {
                    nel_lines.retain(|l| *l != line);
                    let mut lines: Vec<&str> = text.split('\n').collect();
                    if let Some(l) = lines.get_mut(line - 1) {
                        *l = "";
                    }
                    Some(lines.join("\n"))
                } else {
                    join_nel_line(text, line, &mut nel_lines, &mut moved_lines)
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
    Constructor::new(version).object(&root)
}

#[cfg(test)]
mod tests;
