//! Best-effort mapping from a key path (`request[3].type`) to the line and column of that
//! key in block-style YAML text.
//!
//! Why this exists: serde_yaml 0.9 reports a position only for errors it finds itself
//! (syntax errors, through `Error::location()`); a `serde_yaml::Value` carries no spans, so
//! the semantic errors found later (an unknown type, a duplicate field) know only their key
//! path. The spec files are block-style YAML written to a fixed layout, so the key can be
//! found again by scanning indentation:
//!
//! ```text
//! action: DescribeX            ← path `action`              → 1:1
//! request:                     ← path `request`             → 2:1
//!   - name: Filters            ← path `request[0]`          → 3:5 (the item's first key)
//!     type: Array of AssetFilter  ← path `request[0].type`  → 4:5
//! ```
//!
//! The scan walks one path segment at a time: a key is looked up among the lines of the
//! current scope at the scope's indentation; a `[n]` picks the n-th `- ` item. Lines inside
//! block scalars (`|`, `>-`) are skipped, so text in a description never matches a key.
//! Flow collections (`[a, b]`, `{value: 1}`) are not entered: the locator then answers with
//! the deepest key it did find (the diagnostic still names the full path). It never fails
//! loudly: no position is better than a wrong panic.

use crate::diag::LineColumn;

/// One segment of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Splits `request[3].type` into `[Key(request), Index(3), Key(type)]`. `None` for a
/// malformed path.
pub fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key.to_owned()));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']')?;
            out.push(Segment::Index(stripped[..end].parse().ok()?));
            rest = &stripped[end + 1..];
        }
        if !rest.is_empty() {
            return None;
        }
    }
    Some(out)
}

/// One significant line, or the part of a line after a `- ` sequence marker.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Logical<'a> {
    /// 1-based line number.
    pub(crate) line: usize,
    /// 0-based column where `content` starts.
    pub(crate) col: usize,
    /// The line without its indentation and trailing spaces.
    pub(crate) content: &'a str,
}

/// Significant lines: not blank, not comments, not inside block scalars.
pub(crate) fn significant_lines(text: &str) -> Vec<Logical<'_>> {
    let mut out = Vec::new();
    let mut block_indent: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start_matches(' ');
        let indent = raw.len() - trimmed.len();
        let blank = trimmed.trim().is_empty();
        if let Some(bi) = block_indent {
            if blank || indent > bi {
                continue;
            }
            block_indent = None;
        }
        if blank || trimmed.starts_with('#') || trimmed == "---" || trimmed == "..." {
            continue;
        }
        if opens_block_scalar(trimmed) {
            block_indent = Some(indent);
        }
        out.push(Logical { line: i + 1, col: indent, content: trimmed.trim_end() });
    }
    out
}

/// `key: |-`, `- >`, `key: |2`: the line's value is a block scalar on the following lines.
pub(crate) fn opens_block_scalar(content: &str) -> bool {
    let t = content.trim_end();
    let Some(space) = t.rfind(' ') else {
        return t.starts_with('|') || t.starts_with('>');
    };
    let token = &t[space + 1..];
    let before = t[..space].trim_end();
    // `|` and `>` are one byte, so `token[1..]` is only taken on a char boundary.
    let indicator = token.starts_with('|') || token.starts_with('>');
    indicator
        && token[1..].chars().all(|c| c == '+' || c == '-' || c.is_ascii_digit())
        && (before.ends_with(':') || before.ends_with('-'))
}

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

/// For a line starting with a sequence marker, the offset of the item's content (`- x` → 2)
/// or the line's length for a bare `-`.
fn dash_len(content: &str) -> Option<usize> {
    if content == "-" {
        return Some(1);
    }
    let rest = content.strip_prefix("- ")?;
    Some(content.len() - rest.trim_start_matches(' ').len())
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
pub fn locate(text: &str, path: &str) -> Option<LineColumn> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
action: DescribeX
# a comment
description: |-
  request:
    - name: NotAKey
request:
  - name: StartTime
    type: Date
  - name: Filters
    type: Array of AssetFilter
    filters:
      - name: Status
        values:
          - {value: A}
response:
- name: List
  type: Array of Foo
examples:
  - title: x
    request: |-
      https://x/?Action=DescribeX
      &type=1
    response: '{}'
";

    fn at(path: &str) -> Option<(usize, usize)> {
        locate(DOC, path).map(|p| (p.line, p.column))
    }

    #[test]
    fn paths_parse() {
        assert_eq!(
            parse_path("request[3].type"),
            Some(vec![Segment::Key("request".into()), Segment::Index(3), Segment::Key("type".into())])
        );
        assert_eq!(parse_path("a[1][2]"), Some(vec![Segment::Key("a".into()), Segment::Index(1), Segment::Index(2)]));
        assert_eq!(parse_path("a[x]"), None);
        assert_eq!(parse_path("a[1]b"), None);
    }

    #[test]
    fn finds_keys_and_items() {
        assert_eq!(at("action"), Some((1, 1)));
        assert_eq!(at("request"), Some((6, 1)));
        assert_eq!(at("request[0]"), Some((7, 5)));
        assert_eq!(at("request[0].type"), Some((8, 5)));
        assert_eq!(at("request[1].type"), Some((10, 5)));
        assert_eq!(at("request[1].filters[0].name"), Some((12, 9)));
        assert_eq!(at("request[1].filters[0].values"), Some((13, 9)));
        // Not entered: a flow mapping. The deepest found item answers.
        assert_eq!(at("request[1].filters[0].values[0].value"), Some((14, 13)));
        // A sequence at the key's own indentation.
        assert_eq!(at("response[0].type"), Some((17, 3)));
        assert_eq!(at("examples[0].response"), Some((23, 5)));
    }

    #[test]
    fn block_scalars_are_not_keys() {
        // `request:` inside the description block must not be found first.
        assert_eq!(at("request"), Some((6, 1)));
        // `&type=1` inside a block scalar is not a key `type`.
        assert_eq!(at("examples[0].type"), Some((19, 5)));
    }

    #[test]
    fn never_panics_on_odd_text() {
        let texts = ["a: é", "é: |", "- é\n  - ü: x", "\u{feff}a: b", "a:\r\n  b: c\r\n", "- - - x", "-", "a: |\n\n\n"];
        for t in texts {
            for p in ["a", "a.b", "[0]", "[0][0][0]", "é", ""] {
                let _ = locate(t, p);
            }
            let _ = opens_block_scalar(t);
        }
        assert_eq!(locate("- - - x", "[0][0][0]"), Some(LineColumn { line: 1, column: 7 }));
    }

    #[test]
    fn missing_paths_fall_back() {
        assert_eq!(at("nonexistent"), None);
        assert_eq!(at("request[7].name"), Some((6, 1)));
        assert_eq!(at("request[0].nope"), Some((7, 5)));
        assert_eq!(locate("", "a"), None);
        assert_eq!(locate("# c\n- x\n", ""), Some(LineColumn { line: 2, column: 1 }));
        assert_eq!(locate("a: [1, 2", "a[0]"), Some(LineColumn { line: 1, column: 1 }));
    }
}
