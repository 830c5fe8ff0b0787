//! Diagnostics rendered rustc style: the message, the file and place, the source line with
//! the place underlined, then help and note.
//!
//! ```text
//! error: request[3].type: unknown type `AssetFilter`
//!   --> tcss/actions/DescribeX.yaml:12:11
//!    |
//! 12 |     type: Array of AssetFilter
//!    |           ^^^^^^^^^^^^^^^^^^^^
//!    = help: did you mean `AssetFilters`?
//! ```
//!
//! Hand-rolled rather than with `annotate-snippets` (what rustc uses): a diagnostic here has
//! one place on one line, so the whole renderer is the gutter, one line and one underline,
//! and the crate (with `anstyle` and `unicode-width`) would be three dependencies for it.
//! What the place underlines: for a key path the locator found, the value after `key: ` when
//! it is on the key's line, else the key (the key itself for an unknown key); for a list item
//! its first line; for any other place the token that starts there (a quoted string, a word),
//! or one character.

use crate::diag::{Diagnostic, Diagnostics, Entry, Position, omitted_line};
use crate::locate::{self, Segment};
use crate::spec::SpecFiles;
use std::fmt::Write as _;

/// Characters of a source line shown at most; a longer line is cut around the place.
const MAX_SHOWN: usize = 120;

impl Diagnostics {
    /// Every diagnostic with its source line (texts from `files`), then a count: what
    /// `cargo xtask gen` prints when the spec does not build.
    pub fn render(&self, files: &SpecFiles) -> String {
        let mut out = String::new();
        for entry in self.entries() {
            match entry {
                Entry::Problem(d) => {
                    out.push_str(&d.render(files.text(&d.file)));
                    out.push('\n');
                }
                Entry::Omitted(file, n) => {
                    let _ = writeln!(out, "note: {}\n --> {file}\n", omitted_line(n));
                }
            }
        }
        let n = self.total();
        let _ = writeln!(out, "error: {n} problem{} in the spec", if n == 1 { "" } else { "s" });
        out
    }
}

impl Diagnostic {
    /// This diagnostic with its source line, given the text of its file (`None` when unknown:
    /// then the place alone is shown).
    pub fn render(&self, text: Option<&str>) -> String {
        let mut out = String::from("error: ");
        if let Position::KeyPath { path, .. } = &self.position
            && !path.is_empty()
        {
            let _ = write!(out, "{path}: ");
        }
        out.push_str(&self.message);
        out.push('\n');
        let snippet = self.line_column().and_then(|lc| {
            let line = text?.split('\n').nth(lc.line.checked_sub(1)?)?;
            let line = if lc.line == 1 { line.strip_prefix('\u{feff}').unwrap_or(line) } else { line };
            Some((lc.line, line.trim_end_matches('\r'), lc.column))
        });
        let pad = " ".repeat(snippet.map_or(1, |(line, ..)| line.to_string().len()));
        match (snippet, self.line_column()) {
            (Some((number, line, column)), _) => {
                let (start, len) = underline(self, line, column);
                let shown = Shown::new(line, start, len);
                let _ = writeln!(out, "{pad}--> {}:{number}:{}", self.file, start + 1);
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{number} | {}", shown.text);
                let _ = writeln!(out, "{pad} | {}{}", " ".repeat(shown.before), "^".repeat(shown.carets.max(1)));
            }
            (None, Some(lc)) => {
                let _ = writeln!(out, "{pad}--> {}:{}:{}", self.file, lc.line, lc.column);
            }
            (None, None) => {
                let _ = writeln!(out, "{pad}--> {}", self.file);
            }
        }
        for (label, text) in [("help", &self.help), ("note", &self.note)] {
            if let Some(text) = text {
                let _ = writeln!(out, "{pad} = {label}: {text}");
            }
        }
        out
    }
}

/// What to underline on `line` for the diagnostic placed at 1-based `column` (in characters):
/// `(first character, number of characters)`, 0-based.
fn underline(d: &Diagnostic, line: &str, column: usize) -> (usize, usize) {
    let start = column.saturating_sub(1).min(line.chars().count());
    let at = line.char_indices().nth(start).map_or(line.len(), |(i, _)| i);
    let rest = &line[at..];
    let chars = |s: &str| s.chars().count();
    let last = match &d.position {
        Position::KeyPath { path, .. } => locate::parse_path(path).and_then(|s| s.last().cloned()),
        _ => None,
    };
    let key_here = locate::line_keys(rest).next();
    match (&last, key_here) {
        (Some(Segment::Key(key)), Some((found, len))) if found == key => {
            let value = rest[len..].trim_start();
            let value = cut_comment(value);
            let block = value.starts_with('|') || value.starts_with('>');
            if d.message.starts_with("unknown key") || value.is_empty() || block {
                (start, chars(&rest[..len - 1]))
            } else {
                (start + chars(&rest[..rest.len() - rest[len..].trim_start().len()]), chars(value))
            }
        }
        (Some(Segment::Index(_)), _) => (start, chars(cut_comment(rest))),
        (_, Some((_, len))) => (start, chars(&rest[..len - 1])),
        _ => (start, chars(token(rest))),
    }
}

/// `value # comment` → `value` (a `#` after a space starts a comment, outside quotes).
fn cut_comment(value: &str) -> &str {
    let value = value.trim_end();
    if value.starts_with(['"', '\'']) {
        return value;
    }
    match value.find(" #") {
        Some(i) => value[..i].trim_end(),
        None => value,
    }
}

/// The token at the start of `rest`: a double-quoted string, or the text up to a space or
/// a flow indicator.
fn token(rest: &str) -> &str {
    if let Some(body) = rest.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return &rest[..i + 2],
                _ => escaped = false,
            }
        }
        return rest;
    }
    let end = rest.find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}')).unwrap_or(rest.len());
    &rest[..end]
}

/// A source line as shown: tabs and control characters made visible at a known width, cut
/// to [`MAX_SHOWN`] characters around the underline.
struct Shown {
    text: String,
    /// Columns before the underline.
    before: usize,
    /// Columns of the underline.
    carets: usize,
}

impl Shown {
    fn new(line: &str, start: usize, len: usize) -> Self {
        let chars: Vec<char> = line.chars().collect();
        let from = if chars.len() > MAX_SHOWN { start.saturating_sub(MAX_SHOWN / 3) } else { 0 };
        let to = chars.len().min(from + MAX_SHOWN);
        let mut shown = Shown { text: String::new(), before: 0, carets: 0 };
        if from > 0 {
            shown.text.push('…');
            shown.before += 1;
        }
        for (i, &c) in chars.iter().enumerate().take(to).skip(from) {
            let (text, width) = visible(c);
            shown.text.push_str(&text);
            if i < start {
                shown.before += width;
            } else if i < start + len {
                shown.carets += width;
            }
        }
        if to < chars.len() {
            shown.text.push('…');
        }
        shown
    }
}

/// How `c` is shown, and how many columns it takes: a tab as four spaces, other control
/// characters as U+FFFD, East Asian wide characters as two columns.
fn visible(c: char) -> (String, usize) {
    match c {
        '\t' => ("    ".to_owned(), 4),
        c if c.is_control() || c == '\u{feff}' => ('\u{fffd}'.to_string(), 1),
        c => (c.to_string(), if is_wide(c) { 2 } else { 1 }),
    }
}

/// The East Asian wide and fullwidth blocks (CJK, Hangul, fullwidth forms, emoji): enough for
/// the underline to stay under Chinese text without a width table.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6 | 0x1F300..=0x1F64F | 0x1F900..=0x1F9FF | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::LineColumn;

    fn at_path(path: &str, line: usize, column: usize, message: &str) -> Diagnostic {
        let mut d = Diagnostic::path("tcss/actions/DescribeX.yaml", path, message);
        d.position = Position::KeyPath { path: path.into(), at: Some(LineColumn { line, column }) };
        d
    }

    const TEXT: &str = "\
action: DescribeX
request:
  - name: Filters
    type: Array of AssetFilter   # a comment
    notes:
      - x
    description: |-
      {\"Key\": \"value\"}
";

    #[test]
    fn the_value_after_its_key_is_underlined() {
        let d = at_path("request[0].type", 4, 5, "unknown type `AssetFilter`").with_help("did you mean `AssetFilters`?");
        assert_eq!(
            d.render(Some(TEXT)),
            "\
error: request[0].type: unknown type `AssetFilter`
 --> tcss/actions/DescribeX.yaml:4:11
  |
4 |     type: Array of AssetFilter   # a comment
  |           ^^^^^^^^^^^^^^^^^^^^
  = help: did you mean `AssetFilters`?
"
        );
    }

    #[test]
    fn keys_items_and_tokens() {
        let carets = |d: &Diagnostic| {
            let r = d.render(Some(TEXT));
            r.lines().nth(4).map(|l| l.trim_start_matches([' ', '|']).len()).unwrap_or(0)
        };
        // A key whose value is below it: the key.
        assert_eq!(carets(&at_path("request[0].notes", 5, 5, "m")), "notes".len());
        // An unknown key: the key, not its value.
        assert_eq!(carets(&at_path("request[0].type", 4, 5, "unknown key `type`")), "type".len());
        // A list item: its first line.
        assert_eq!(carets(&at_path("request[0]", 3, 5, "m")), "name: Filters".len());
        // An ancestor found instead of the key: the ancestor's key.
        assert_eq!(carets(&at_path("request[0].nope", 3, 5, "m")), "name".len());
        // A place inside a block scalar (an example): the token there.
        assert_eq!(carets(&at_path("request[0].description", 8, 15, "m")), "\"value\"".len());
        // A syntax error: the word at the place; past the end of the line, one caret.
        assert_eq!(carets(&Diagnostic::at("f.yaml", 2, 1, "m")), "request".len());
        assert_eq!(carets(&Diagnostic::at("f.yaml", 9, 1, "m")), 1);
    }

    #[test]
    fn places_without_a_line() {
        let d = Diagnostic::file("demo/service.yaml", "file is empty").with_note("n");
        assert_eq!(d.render(None), "error: file is empty\n --> demo/service.yaml\n  = note: n\n");
        let d = Diagnostic::at("x.yaml", 40, 2, "m");
        assert_eq!(d.render(Some("a: 1\n")), "error: m\n --> x.yaml:40:2\n");
        assert_eq!(Diagnostic::path("x.yaml", "a.b", "m").render(None), "error: a.b: m\n --> x.yaml\n");
    }

    #[test]
    fn wide_characters_tabs_and_long_lines() {
        let line = "d: 未命名\tx";
        let d = Diagnostic::at("x.yaml", 1, 8, "m");
        let r = d.render(Some(line));
        assert!(r.contains("1 | d: 未命名    x\n  |              ^\n"), "{r}");
        let long = format!("a: {}b{}", "x".repeat(500), "y".repeat(500));
        let r = Diagnostic::at("x.yaml", 1, 504, "m").render(Some(&long));
        let shown = r.lines().nth(3).expect("the line");
        assert!(shown.chars().count() < MAX_SHOWN + 10 && shown.contains("…xx") && shown.ends_with("y…"), "{r}");
        let caret = r.lines().nth(4).expect("the underline");
        let b = shown.chars().position(|c| c == 'b').expect("b shown");
        assert_eq!(caret.chars().position(|c| c == '^'), Some(b), "{r}");
    }

    #[test]
    fn many_diagnostics_end_with_a_count() {
        let files = SpecFiles::from_pairs([("a.yaml", "x: 1\n")]);
        let mut diags = Diagnostics::new();
        for i in 0..crate::diag::MAX_PER_FILE + 3 {
            diags.push(Diagnostic::at("a.yaml", 1, 1, format!("problem {i:03}")));
        }
        diags.sort();
        let r = diags.render(&files);
        assert_eq!(r.matches("error: problem").count(), crate::diag::MAX_PER_FILE, "{r}");
        assert!(r.ends_with("note: … and 3 more problems in this file\n --> a.yaml\n\nerror: 203 problems in the spec\n"), "{r}");
    }
}
