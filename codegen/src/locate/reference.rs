//! The locator as it was before [`super::Outline`]: the whole scan again for every path.
//! Kept, for tests only, as the oracle the indexed locator must agree with.

use super::{Logical, Segment, dash_len, opens_block_scalar, parse_path, significant_lines};
use super::LineColumn;

/// The length of `key:` at the start of `content` when it is the mapping key `key`
/// (plain, or single- or double-quoted).
fn key_len(content: &str, key: &str) -> Option<usize> {
    for (open, close) in [("", ""), ("\"", "\""), ("'", "'")] {
        let Some(rest) = content.strip_prefix(open) else { continue };
        let Some(rest) = rest.strip_prefix(key) else { continue };
        let Some(rest) = rest.strip_prefix(close) else { continue };
        if let Some(after) = rest.strip_prefix(':')
            && (after.is_empty() || after.starts_with(' '))
        {
            return Some(open.len() + key.len() + close.len() + 1);
        }
    }
    None
}

/// Lines after `idx` that belong to the node at column `col` (more indented), plus, for a
/// key whose value is a sequence at the same indentation, the following `- ` lines.
fn children<'a>(scope: &[Logical<'a>], idx: usize, col: usize, allow_same_col_seq: bool) -> Vec<Logical<'a>> {
    let mut out = Vec::new();
    for l in &scope[idx + 1..] {
        if l.col > col || (allow_same_col_seq && l.col == col && dash_len(l.content).is_some()) {
            out.push(*l);
        } else {
            break;
        }
    }
    out
}

/// The line and column (1-based) of the key at `path` in `text`, or of the deepest
/// ancestor found; `None` when not even the first segment is found.
pub(super) fn locate(text: &str, path: &str) -> Option<LineColumn> {
    let segments = parse_path(path)?;
    let mut scope = significant_lines(text);
    // The empty path is the document itself: its first significant line.
    let mut best: Option<LineColumn> =
        scope.first().filter(|_| segments.is_empty()).map(|l| LineColumn { line: l.line, column: l.col + 1 });
    for seg in &segments {
        let Some(base) = scope.iter().map(|l| l.col).min() else { break };
        match seg {
            Segment::Key(key) => {
                let Some((idx, len)) = scope
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.col == base)
                    .find_map(|(i, l)| key_len(l.content, key).map(|n| (i, n)))
                else {
                    break;
                };
                let l = scope[idx];
                best = Some(LineColumn { line: l.line, column: l.col + 1 });
                let inline = l.content[len..].trim();
                if !inline.is_empty() && !inline.starts_with('#') && !opens_block_scalar(l.content) {
                    // `key: value` or a flow collection: nothing below to descend into.
                    scope = Vec::new();
                    continue;
                }
                scope = children(&scope, idx, l.col, true);
            }
            Segment::Index(n) => {
                let Some(idx) = scope
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| l.col == base && dash_len(l.content).is_some())
                    .map(|(i, _)| i)
                    .nth(*n)
                else {
                    break;
                };
                let l = scope[idx];
                let offset = dash_len(l.content).unwrap_or(1);
                let mut next = Vec::new();
                if offset < l.content.len() {
                    let item = Logical { line: l.line, col: l.col + offset, content: &l.content[offset..] };
                    best = Some(LineColumn { line: item.line, column: item.col + 1 });
                    next.push(item);
                } else {
                    best = Some(LineColumn { line: l.line, column: l.col + 1 });
                }
                next.extend(children(&scope, idx, l.col, false));
                scope = next;
            }
        }
    }
    best
}

