//! Composing: the `saphyr-parser` event stream of the single document becomes a
//! tree of tagged nodes, as ruamel's `Composer` builds it.
//!
//! Anchors and aliases are resolved here (an alias shares its anchor's node),
//! implicit scalars are tagged by [`resolve`], and nesting is limited to
//! [`MAX_DEPTH`]. While composing, the source ranges of scalars and flow
//! collections are collected for the checks of the scanner module (tabs, moved
//! lines) and of the NEL module (a NEL inside a block scalar).

use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::nel::{
    line_starts_of, nel_in_block_scalar, only_comment_follows, NEL_BLOCK_COMMENT, NEL_BLOCK_SCALAR,
};
use super::resolve::{resolve, Version};
use super::scanner::{
    block_content_start, check_moved_lines, check_tabs, quoted_end, unterminated_last_line, Spans,
};
use super::{YamlError, MAX_DEPTH, TAG};

/// A composed node with its resolved tag; aliases share their anchor's node.
#[derive(Debug)]
pub(super) enum Node {
    /// A scalar and its value (escapes and folding already applied by the parser).
    Scalar {
        /// The full tag, e.g. `tag:yaml.org,2002:str`.
        tag: String,
        /// The scalar's text.
        value: String,
    },
    /// A sequence.
    Seq {
        /// The full tag.
        tag: String,
        /// The items, in order.
        items: Vec<Rc<Node>>,
    },
    /// A mapping.
    Map {
        /// The full tag.
        tag: String,
        /// The key/value pairs, in source order (duplicates kept).
        pairs: Vec<(Rc<Node>, Rc<Node>)>,
    },
}

impl Node {
    /// The node's full tag.
    pub(super) fn tag(&self) -> &str {
        match self {
            Node::Scalar { tag, .. } | Node::Seq { tag, .. } | Node::Map { tag, .. } => tag,
        }
    }

    /// The node's kind as ruamel's error messages name it.
    pub(super) fn id(&self) -> &'static str {
        match self {
            Node::Scalar { .. } => "scalar",
            Node::Seq { .. } => "sequence",
            Node::Map { .. } => "mapping",
        }
    }
}

/// A saphyr scan error as [`YamlError::Syntax`] (1-based column).
fn syntax(e: &saphyr_parser::ScanError) -> YamlError {
    YamlError::Syntax {
        line: e.marker().line(),
        col: e.marker().col() + 1,
        message: e.info().to_owned(),
    }
}

/// A collection still open while composing (`anchor` 0: none).
enum Frame {
    /// A sequence and the items read so far.
    Seq {
        anchor: usize,
        tag: String,
        items: Vec<Rc<Node>>,
    },
    /// A mapping, the pairs read so far and a key waiting for its value.
    Map {
        anchor: usize,
        tag: String,
        pairs: Vec<(Rc<Node>, Rc<Node>)>,
        key: Option<Rc<Node>>,
    },
}

/// A node's explicit tag as one string (handle and suffix).
fn full_tag(tag: Option<&saphyr_parser::Tag>) -> Option<String> {
    tag.map(|t| format!("{}{}", t.handle, t.suffix))
}

/// Parses and composes the single document (`None` for an empty stream).
///
/// `moved_lines` (1-based) are lines whose leading white space was rewritten to suit
/// saphyr; each must start inside a quoted scalar or a flow collection, where leading
/// white space carries no meaning. `nel_lines` (1-based) are the lines that start
/// after a padded NEL (see [`nel_to_breaks`](super::nel::nel_to_breaks)). Returns
/// the root node and the deepest nesting of collections.
pub(super) fn compose(
    text: &str,
    version: Version,
    moved_lines: &[usize],
    nel_lines: &[usize],
) -> Result<(Option<Rc<Node>>, usize), YamlError> {
    let mut max_depth = 0usize;
    let mut parser = Parser::new_from_str(text);
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Rc<Node>> = None;
    let mut documents = 0usize;
    let chars: Vec<char> = text.chars().collect();
    let nel_starts = line_starts_of(&chars, nel_lines);
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
            Event::Scalar(..) => {
                let content = block_content_start(&chars, start);
                if let Some(nel) = nel_in_block_scalar(&chars, content, end, &nel_starts) {
                    if only_comment_follows(&chars, nel, end) {
                        return Err(YamlError::Syntax {
                            line: chars[..nel].iter().filter(|c| **c == '\n').count() + 1,
                            col: 1,
                            message: NEL_BLOCK_COMMENT.to_owned(),
                        });
                    }
                    return Err(YamlError::Syntax {
                        line: span.start.line(),
                        col: span.start.col() + 1,
                        message: format!("{NEL_BLOCK_SCALAR} ending a block scalar"),
                    });
                }
                spans.quoted.push((content, end));
            }
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
    check_moved_lines(&chars, &spans, moved_lines)?;
    Ok((root, max_depth))
}
