//! NEL (U+0085) and CR line breaks, as ruamel's reader and scanner read them.
//!
//! The text is rewritten for saphyr before parsing ([`nel_to_breaks`]); where the
//! rewrite alone does not give ruamel's reading, a syntax error is either turned
//! into ruamel's error (a NEL inside a block scalar) or answered by joining the
//! lines around a NEL and parsing again ([`join_nel_line`]).

use super::YamlError;

/// Line breaks as ruamel's scanner reads them, rewritten for saphyr.
///
/// ruamel 0.19.1's scanner (`scan_line_break`, `_THE_END`) takes CR LF, CR, LF and
/// NEL (U+0085) as a line break, each read as `'\n'`, but its reader (`forward`;
/// the YAML 1.1 `forward_1_1` is never used) starts a new line only at LF and at a
/// CR not followed by LF. Past a NEL the column keeps counting and the line number
/// stays: the text after it is further right than anything before it on the line.
/// So a NEL becomes a LF followed by as many spaces as its column plus one, which
/// gives the next character the column ruamel gives it; when only spaces follow
/// the NEL up to the next break, they are dropped instead (such a line is blank to
/// both). CR LF and a lone CR become LF. Returns the text and the 1-based numbers of
/// the lines that start after a padded NEL.
///
/// A NEL followed by `---` or `...` and white space is an error: ruamel's scalar
/// scanners stop at a document marker after any line break, and the marker is not
/// at column 0.
pub(super) fn nel_to_breaks(
    text: &str,
) -> Result<(std::borrow::Cow<'_, str>, Vec<usize>), YamlError> {
    if !text.contains(['\u{85}', '\r']) {
        return Ok((std::borrow::Cow::Borrowed(text), Vec::new()));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut padded = Vec::new();
    let mut line = 1usize;
    let mut col = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            '\r' if chars.get(i) == Some(&'\n') => {}
            '\n' | '\r' => {
                out.push('\n');
                line += 1;
                col = 0;
            }
            '\u{85}' => {
                out.push('\n');
                line += 1;
                col += 1;
                let blank_end = chars[i..]
                    .iter()
                    .position(|c| *c != ' ')
                    .map_or(chars.len(), |p| i + p);
                if matches!(chars.get(blank_end), None | Some('\n' | '\r' | '\u{85}')) {
                    i = blank_end;
                } else {
                    let marker: String = chars[i..].iter().take(3).collect();
                    if (marker == "---" || marker == "...")
                        && matches!(
                            chars.get(i + 3),
                            None | Some(' ' | '\t' | '\n' | '\r' | '\u{85}')
                        )
                    {
                        return Err(YamlError::Syntax {
                            line,
                            col: col + 1,
                            message: format!("found unexpected document separator {marker}"),
                        });
                    }
                    out.extend(std::iter::repeat_n(' ', col));
                    padded.push(line);
                }
            }
            '\u{feff}' => out.push(c),
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    Ok((std::borrow::Cow::Owned(out), padded))
}

/// Message of the error for a NEL ending a block scalar's line before a comment
/// (the comment's line is blanked and the text parsed again).
pub(super) const NEL_BLOCK_COMMENT: &str = "a comment after a NEL ends the block scalar";

/// Start of the message of the error for a NEL inside a block scalar.
pub(super) const NEL_BLOCK_SCALAR: &str = "expected <block end>, but found a token after a NEL";

/// ruamel keeps the line number across a NEL, so a simple key may run over one
/// (`a<NEL>b: c` is `{'a b': 'c'}`), which saphyr refuses across its line break.
/// After a syntax error at `line`, joins the last padded NEL line at or before it
/// to the line before, the NEL folded to one space between the trimmed sides (as
/// in plain and quoted scalars). Not done when the line before holds a comment.
/// Returns `None` when there is no such line.
pub(super) fn join_nel_line(
    text: &str,
    line: usize,
    nel_lines: &mut Vec<usize>,
    moved_lines: &mut [usize],
) -> Option<String> {
    let (idx, &joined) = nel_lines
        .iter()
        .enumerate()
        .filter(|(_, l)| **l <= line && **l >= 2)
        .max_by_key(|(_, l)| **l)?;
    let mut lines: Vec<&str> = text.split('\n').collect();
    let before = lines.get(joined - 2)?.trim_end_matches([' ', '\t']);
    let has_comment = before
        .char_indices()
        .any(|(i, c)| c == '#' && (i == 0 || before[..i].ends_with([' ', '\t'])));
    if has_comment {
        return None;
    }
    let after = lines.get(joined - 1)?;
    if after.trim_start_matches(' ').starts_with('\t') {
        return None;
    }
    let after = after.trim_start_matches(' ');
    let merged = format!("{before} {after}");
    lines.splice(joined - 2..joined, [merged.as_str()]);
    nel_lines.remove(idx);
    for l in nel_lines.iter_mut().chain(moved_lines.iter_mut()) {
        if *l > joined {
            *l -= 1;
        }
    }
    Some(lines.join("\n"))
}

/// The character offsets where the given lines (1-based) start.
pub(super) fn line_starts_of(chars: &[char], lines: &[usize]) -> Vec<usize> {
    if lines.is_empty() {
        return Vec::new();
    }
    let mut starts = vec![0usize];
    starts.extend(
        chars
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == '\n')
            .map(|(i, _)| i + 1),
    );
    lines
        .iter()
        .filter_map(|l| starts.get(l.wrapping_sub(1)).copied())
        .collect()
}

/// A padded NEL (see [`nel_to_breaks`]) inside the content of the block scalar
/// whose content starts at `content` and ends at `end` (`nel_starts`: where the
/// lines after padded NELs start): ruamel ends the scalar at the NEL, as the next
/// line does not start at the scalar's indentation, and then finds the rest of the
/// line where no token may start. Returns where that line starts.
pub(super) fn nel_in_block_scalar(
    chars: &[char],
    content: usize,
    end: usize,
    nel_starts: &[usize],
) -> Option<usize> {
    nel_starts.iter().copied().find(|&s| {
        let brk = s.wrapping_sub(1);
        content < brk
            && brk < end.min(chars.len())
            && chars[content..brk].iter().any(|c| !matches!(c, ' ' | '\n'))
    })
}

/// Whether the line starting at `start` holds only a comment and the block scalar
/// ending at `end` has only blank lines after it: ruamel, having ended the scalar
/// at the NEL before the line, skips the comment and the blank lines.
pub(super) fn only_comment_follows(chars: &[char], start: usize, end: usize) -> bool {
    let end = end.min(chars.len());
    let line_end = chars[start..]
        .iter()
        .position(|c| *c == '\n')
        .map_or(chars.len(), |p| start + p);
    let first = chars[start..line_end].iter().find(|c| **c != ' ');
    first == Some(&'#')
        && chars[line_end.min(end)..end]
            .iter()
            .all(|c| matches!(c, ' ' | '\n'))
}
