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
//!
//! A file can have thousands of diagnostics (20,000 unknown keys fit in 270 KB), so the scan
//! is not repeated per path: an [`Outline`] splits the text into lines once and indexes each
//! scope it enters (its keys in a hash map, its `- ` items in a list) the first time a path
//! goes through it. Locating every path of a file is then linear in the file and the paths,
//! not their product (see `BENCHMARKS.md`, "Placing diagnostics").

use std::collections::HashMap;

/// A 1-based line and column in a spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineColumn {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

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

/// Significant lines: not blank, not comments, not inside block scalars. A leading byte
/// order mark is not part of line 1 (editors do not show it, and columns count from after it).
pub(crate) fn significant_lines(text: &str) -> Vec<Logical<'_>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
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

/// The mapping keys a line can start with, each with the length of its `key:`: the plain
/// text before the first `:` that ends the line or is followed by a space, and, for a line
/// opening with a quote, the quoted text before the first closing quote followed by such a
/// `:`. So a key that itself holds `: ` is found only quoted, which is the only way YAML
/// can write it.
pub(crate) fn line_keys(content: &str) -> impl Iterator<Item = (&str, usize)> {
    // The first `<close>:` from byte `from` that ends the line or is followed by a space.
    let colon_at = |from: usize, close: &str| {
        let pattern = format!("{close}:");
        let mut i = from;
        while let Some(found) = content.get(i..).and_then(|rest| rest.find(&pattern)) {
            let at = i + found;
            let after = at + pattern.len();
            if matches!(content.as_bytes().get(after), None | Some(b' ')) {
                return Some(at);
            }
            i = after;
        }
        None
    };
    let plain = colon_at(0, "").map(|i| (&content[..i], i + 1));
    let quoted = ["\"", "'"]
        .into_iter()
        .find(|q| content.starts_with(q))
        .and_then(|q| colon_at(1, q).map(|i| (&content[1..i], i + 2)));
    plain.into_iter().chain(quoted)
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

/// The line and column (1-based) of the key at `path` in `text`, or of the deepest
/// ancestor found; `None` when not even the first segment is found. For many paths of one
/// text, build one [`Outline`] and ask it for each.
pub fn locate(text: &str, path: &str) -> Option<LineColumn> {
    Outline::new(text).locate(path)
}

/// One scope of the walk: the lines a path segment is looked up in. Its lines are a
/// contiguous run of the file's significant lines, after, for a `- ` item, the item's own
/// first line (the part after the `- `), which is named by its line and byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct ScopeId {
    /// `(index in the significant lines, byte offset in its content)` of the item's first
    /// line, for an item that starts on its `- ` line.
    first: Option<(usize, usize)>,
    start: usize,
    end: usize,
}

/// What a scope's lines at its own indentation (its base column) hold.
#[derive(Debug, Default)]
struct ScopeIndex<'a> {
    /// The first position (0-based, in the scope) of each key, with the length of `key:`.
    keys: HashMap<&'a str, (usize, usize)>,
    /// Positions of the `- ` items, in order.
    items: Vec<usize>,
}

/// A text split into its significant lines once, with each scope indexed the first time a
/// path enters it, so that locating every key path of a file costs time linear in the file
/// and the paths (a scope's lines are read when it is indexed, and when its end is found).
#[derive(Debug)]
pub struct Outline<'a> {
    lines: Vec<Logical<'a>>,
    scopes: HashMap<ScopeId, ScopeIndex<'a>>,
    /// Where the lines under a node end: `(first line, column, same-column items too)` →
    /// the index of the first line that does not belong.
    ends: HashMap<(usize, usize, bool), usize>,
    /// Lines read while indexing and finding ends: the work done, for tests that bound it.
    visits: usize,
}

impl<'a> Outline<'a> {
    /// Splits `text` into its significant lines (nothing is indexed yet).
    pub fn new(text: &'a str) -> Self {
        Outline { lines: significant_lines(text), scopes: HashMap::new(), ends: HashMap::new(), visits: 0 }
    }

    /// How many lines indexing has read so far (each line once per scope that holds it).
    pub fn visits(&self) -> usize {
        self.visits
    }

    /// The line and column (1-based) of the key at `path`, or of the deepest ancestor found;
    /// `None` when not even the first segment is found (or the path is malformed).
    pub fn locate(&mut self, path: &str) -> Option<LineColumn> {
        let segments = parse_path(path)?;
        let at = |l: Logical<'_>| LineColumn { line: l.line, column: l.col + 1 };
        // The empty path is the document itself: its first significant line.
        let mut best = self.lines.first().filter(|_| segments.is_empty()).map(|l| at(*l));
        let mut scope = Some(ScopeId { first: None, start: 0, end: self.lines.len() });
        for seg in &segments {
            let Some(id) = scope else { break };
            self.index(id);
            let index = &self.scopes[&id];
            match seg {
                Segment::Key(key) => {
                    let Some(&(pos, len)) = index.keys.get(key.as_str()) else { break };
                    let l = self.item(id, pos);
                    best = Some(at(l));
                    let inline = l.content[len..].trim();
                    scope = if !inline.is_empty() && !inline.starts_with('#') && !opens_block_scalar(l.content) {
                        // `key: value` or a flow collection: nothing below to descend into.
                        None
                    } else {
                        Some(self.children(id, pos, l.col, true))
                    };
                }
                Segment::Index(n) => {
                    let Some(&pos) = index.items.get(*n) else { break };
                    let l = self.item(id, pos);
                    let offset = dash_len(l.content).unwrap_or(1);
                    let mut next = self.children(id, pos, l.col, false);
                    if offset < l.content.len() {
                        let (line, off) = match id.first {
                            Some(first) if pos == 0 => first,
                            _ => (self.full_index(id, pos), 0),
                        };
                        next.first = Some((line, off + offset));
                        best = Some(LineColumn { line: l.line, column: l.col + offset + 1 });
                    } else {
                        best = Some(at(l));
                    }
                    scope = Some(next);
                }
            }
        }
        best
    }

    fn len(id: ScopeId) -> usize {
        usize::from(id.first.is_some()) + (id.end - id.start)
    }

    /// Index in `lines` of a scope position that is not the item's own first line.
    fn full_index(&self, id: ScopeId, pos: usize) -> usize {
        id.start + pos - usize::from(id.first.is_some())
    }

    /// The line at position `pos` of the scope.
    fn item(&self, id: ScopeId, pos: usize) -> Logical<'a> {
        match id.first {
            Some((line, off)) if pos == 0 => {
                let l = self.lines[line];
                Logical { line: l.line, col: l.col + off, content: &l.content[off..] }
            }
            _ => self.lines[self.full_index(id, pos)],
        }
    }

    /// Indexes the scope's lines at its base column, once.
    fn index(&mut self, id: ScopeId) {
        if self.scopes.contains_key(&id) {
            return;
        }
        let n = Self::len(id);
        self.visits += 2 * n;
        let base = (0..n).map(|pos| self.item(id, pos).col).min();
        let mut index = ScopeIndex::default();
        for pos in 0..n {
            let l = self.item(id, pos);
            if Some(l.col) != base {
                continue;
            }
            for (key, len) in line_keys(l.content) {
                index.keys.entry(key).or_insert((pos, len));
            }
            if dash_len(l.content).is_some() {
                index.items.push(pos);
            }
        }
        self.scopes.insert(id, index);
    }

    /// The lines after position `pos` that belong to the node at column `col` (more
    /// indented), plus, for a key whose value is a sequence at the same indentation
    /// (`same_col_items`), the following `- ` lines.
    fn children(&mut self, id: ScopeId, pos: usize, col: usize, same_col_items: bool) -> ScopeId {
        let start = match id.first {
            Some(_) if pos == 0 => id.start,
            _ => self.full_index(id, pos) + 1,
        };
        let end = match self.ends.get(&(start, col, same_col_items)) {
            Some(&end) => end,
            None => {
                let belongs = |l: &Logical<'_>| {
                    l.col > col || (same_col_items && l.col == col && dash_len(l.content).is_some())
                };
                let len = self.lines[start.min(self.lines.len())..].iter().take_while(|l| belongs(l)).count();
                self.visits += len + 1;
                self.ends.insert((start, col, same_col_items), start + len);
                start + len
            }
        };
        ScopeId { first: None, start, end: end.min(id.end) }
    }
}

#[cfg(test)]
mod reference;

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

    /// Regression (issue 13 item 9): placing 20,000 unknown keys scanned the file once per
    /// key (14 s). One outline reads each line a bounded number of times, whatever the
    /// number of paths.
    #[test]
    fn locating_many_paths_reads_each_line_a_bounded_number_of_times() {
        let n = 20_000;
        let mut text = String::from("structure: X\nfields:\n");
        for i in 0..n {
            text.push_str(&format!("  - name: F{i}\n    type: String\n    bogus{i}: 1\n"));
        }
        for i in 0..n {
            text.push_str(&format!("bogus{i}: 1\n"));
        }
        let lines = text.lines().count();
        let mut outline = Outline::new(&text);
        for i in 0..n {
            assert_eq!(outline.locate(&format!("bogus{i}")), Some(LineColumn { line: 2 + 3 * n + i + 1, column: 1 }));
            let item = outline.locate(&format!("fields[{i}].bogus{i}"));
            assert_eq!(item, Some(LineColumn { line: 2 + 3 * i + 3, column: 5 }));
        }
        assert!(outline.visits() <= 8 * lines, "{} line visits for {lines} lines", outline.visits());
    }

    /// The indexed locator answers as the rescanning one did (`reference`), on generated
    /// block-style texts and paths (deterministic: a fixed xorshift sequence).
    #[test]
    fn agrees_with_the_rescanning_locator() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        const KEYS: &[&str] = &["a", "b", "name", "type", "\"a\"", "'b'", "c d"];
        const VALUES: &[&str] = &["", " x", " |-", " >", " [1, 2]", " {a: 1}", " # c", " 'q: r'"];
        let (mut asked, mut deep) = (0, 0);
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..next(12) {
                let indent = " ".repeat(2 * next(4));
                let dashes = "- ".repeat(next(3));
                let key = KEYS[next(KEYS.len())];
                match next(6) {
                    0 => text.push_str(&format!("{indent}{dashes}x\n")),
                    1 => text.push_str(&format!("{indent}# {key}:\n")),
                    2 => text.push_str(&format!("{indent}{dashes}-\n")),
                    _ => text.push_str(&format!("{indent}{dashes}{key}:{}\n", VALUES[next(VALUES.len())])),
                }
            }
            let mut outline = Outline::new(&text);
            for _ in 0..8 {
                let mut path = String::new();
                for _ in 0..next(4) {
                    if next(2) == 0 {
                        path.push_str(&format!("[{}]", next(3)));
                    } else {
                        let key = ["a", "b", "name", "type", "c d"][next(5)];
                        path.push_str(&if path.is_empty() { key.to_owned() } else { format!(".{key}") });
                    }
                }
                let want = reference::locate(&text, &path);
                assert_eq!(outline.locate(&path), want, "{path:?} in\n{text}");
                asked += 1;
                // Found below the first line of the first segment: the walk went down.
                if want.is_some() && want != reference::locate(&text, path.split(['.', '[']).next().unwrap_or("")) {
                    deep += 1;
                }
            }
        }
        assert!(deep * 10 > asked, "only {deep} of {asked} paths went below their first segment");
    }

    #[test]
    fn a_leading_byte_order_mark_is_not_in_line_one() {
        assert_eq!(locate("\u{feff}action: X\nsource: y\n", "source"), Some(LineColumn { line: 2, column: 1 }));
        assert_eq!(locate("\u{feff}action: X\n", "action"), Some(LineColumn { line: 1, column: 1 }));
    }
}
