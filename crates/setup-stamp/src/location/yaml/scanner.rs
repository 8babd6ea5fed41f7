//! Where ruamel's scanner and saphyr read the same text differently: checks on the
//! source text after parsing, and rewrites of the text before parsing it again.
//!
//! - ruamel refuses tabs wherever its block-context scanner expects a token; saphyr
//!   accepts some of them, so they are looked for after parsing ([`check_tabs`]),
//!   outside the source ranges ([`Spans`]) of the scalars and flow collections
//!   saphyr reported (corrected where saphyr's ranges are not ruamel's).
//! - ruamel accepts continuation lines of quoted scalars and flow collections at
//!   any indentation; saphyr does not, so such lines are re-indented
//!   ([`reindent_quoted`], [`indent_line`]) and the text parsed again, and the
//!   result is accepted only if each moved line really is inside a quoted scalar
//!   or a flow collection ([`check_moved_lines`]).
//! - ruamel refuses a `...` before any document ([`leading_document_end`]).
//! - at the end of the input, a block scalar's last line without a line break
//!   keeps no final newline in ruamel ([`unterminated_last_line`]).

use super::YamlError;

/// Source ranges (character offsets) of the parsed document.
#[derive(Default)]
pub(super) struct Spans {
    /// Plain scalars.
    pub(super) plain: Vec<(usize, usize)>,
    /// Quoted scalars up to their closing quote, and block scalars' content.
    pub(super) quoted: Vec<(usize, usize)>,
    /// Flow collections, bracket to bracket.
    pub(super) flow: Vec<(usize, usize)>,
}

/// Whether the input ends in a line without a line break that saphyr counts as a
/// line of the block scalar whose content starts at `content`: a line with text, or
/// white space at least as deep as the scalar's first content line.
pub(super) fn unterminated_last_line(chars: &[char], content: usize) -> bool {
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
pub(super) fn quoted_end(chars: &[char], start: usize, end: usize) -> usize {
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
pub(super) fn block_content_start(chars: &[char], start: usize) -> usize {
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

/// Whether offset `i` is inside one of the `ranges`.
fn inside(ranges: &[(usize, usize)], i: usize) -> bool {
    ranges.iter().any(|&(s, e)| s <= i && i < e)
}

/// ruamel's scanner skips only spaces between tokens in block context ("found
/// character '\t' that cannot start any token") and never lets a tab separate the
/// words of a plain scalar. Tabs are fine inside quoted and block scalars, comments,
/// and between tokens of flow collections.
pub(super) fn check_tabs(chars: &[char], spans: &Spans) -> Result<(), YamlError> {
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

/// Whether each of `moved_lines` (1-based; their leading white space was rewritten,
/// see [`indent_line`]) starts inside a quoted scalar or a flow collection, where
/// leading white space carries no meaning; else ruamel's error for the tab there.
pub(super) fn check_moved_lines(
    chars: &[char],
    spans: &Spans,
    moved_lines: &[usize],
) -> Result<(), YamlError> {
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
    Ok(())
}

/// A `...` before any document (ruamel: `expected the node content, but found
/// '<document end>'`).
pub(super) fn leading_document_end(text: &str) -> bool {
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

/// ruamel lets the continuation lines of a quoted scalar have any indentation; saphyr
/// wants them indented past the enclosing block. Leading white space of a
/// continuation line never reaches the value, so indent each continuation line of
/// the quoted scalar that starts at `line`/`col` (1-based) past the quote's column.
/// A continuation line that starts with a document marker is left alone (ruamel
/// refuses it too). Returns `None` when nothing changes.
pub(super) fn reindent_quoted(text: &str, line: usize, col: usize) -> Option<String> {
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
pub(super) fn indent_line(text: &str, line: usize) -> Option<String> {
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
