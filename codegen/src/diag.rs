//! Diagnostics: every problem found in the spec, each with its file and place, collected
//! (never thrown one at a time) and rendered one per line, sorted.
//!
//! ```text
//! tcss/actions/DescribeX.yaml:12:5: error: request[3].type: unknown type `AssetFilter`
//!   help: did you mean `AssetFilters`?
//! ```
//!
//! That compact form is `Display`; [`Diagnostics::render`] (in [`crate::render`]) shows each
//! problem with its source line, rustc style. At most [`MAX_PER_FILE`] problems of one file
//! are kept, so hostile input cannot make the output (or the memory holding it) unbounded.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// Problems kept per file; the rest are counted and shown as one line. A real file has a
/// handful; hundreds mean the file is not a spec file at all (or is hostile).
pub const MAX_PER_FILE: usize = 200;

/// Places are the locator's (diagnostics point at them; the locator does not know diagnostics).
pub use crate::locate::LineColumn;

/// Where in its file a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// The file as a whole (unreadable, misplaced, too large).
    File,
    /// An exact place: syntax and YAML-level errors reported by the parser.
    Line {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A key path such as `request[3].type`, with the best-effort place of that key in the
    /// text (see [`crate::locate`]) when it could be found.
    KeyPath {
        /// The key path, e.g. `request[3].type`.
        path: String,
        /// Where the locator found the key (or its deepest found ancestor), if anywhere.
        at: Option<LineColumn>,
    },
}

impl Position {
    fn line_column(&self) -> Option<LineColumn> {
        match self {
            Position::File => None,
            Position::Line { line, column } => Some(LineColumn { line: *line, column: *column }),
            Position::KeyPath { at, .. } => *at,
        }
    }

    fn path(&self) -> &str {
        match self {
            Position::KeyPath { path, .. } => path,
            _ => "",
        }
    }
}

/// One problem in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Spec file, relative to the spec root with `/` separators (or `<spec>` for the whole
    /// spec, e.g. a missing `common.yaml`).
    pub file: String,
    /// Where in the file.
    pub position: Position,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub help: Option<String>,
    /// Background, e.g. the YAML parser's own message under a reworded one.
    pub note: Option<String>,
}

impl Diagnostic {
    /// A diagnostic about a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { file: file.into(), position: Position::File, message: message.into(), help: None, note: None }
    }

    /// A diagnostic at a line and column.
    pub fn at(file: impl Into<String>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            position: Position::Line { line, column },
            message: message.into(),
            help: None,
            note: None,
        }
    }

    /// A diagnostic at a key path, not yet located (see [`Diagnostics::locate`]).
    pub fn path(file: impl Into<String>, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            position: Position::KeyPath { path: path.into(), at: None },
            message: message.into(),
            help: None,
            note: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note line.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub(crate) fn line_column(&self) -> Option<LineColumn> {
        self.position.line_column()
    }

    fn sort_key(&self) -> (&str, usize, usize, &str, &str) {
        let lc = self.position.line_column();
        (
            &self.file,
            lc.map_or(0, |p| p.line),
            lc.map_or(0, |p| p.column),
            self.position.path(),
            &self.message,
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(lc) = self.position.line_column() {
            write!(f, ":{}:{}", lc.line, lc.column)?;
        }
        f.write_str(": error: ")?;
        if let Position::KeyPath { path, .. } = &self.position
            && !path.is_empty()
        {
            write!(f, "{path}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        if let Some(note) = &self.note {
            write!(f, "\n  note: {note}")?;
        }
        Ok(())
    }
}

/// A sorted-on-demand collection of [`Diagnostic`]s. Renders one diagnostic per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Per file, how many problems [`Diagnostics::sort`] dropped beyond [`MAX_PER_FILE`].
    omitted: BTreeMap<String, usize>,
}

impl Diagnostics {
    /// No diagnostics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    /// Adds all of `other`.
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
        for (file, n) in other.omitted {
            *self.omitted.entry(file).or_default() += n;
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.omitted.is_empty()
    }

    /// How many are kept (what [`Diagnostics::iter`] yields).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Drops every diagnostic after the first `len` (a check that turned out not to apply).
    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    /// How many problems of `file` were dropped beyond [`MAX_PER_FILE`].
    pub fn omitted(&self, file: &str) -> usize {
        self.omitted.get(file).copied().unwrap_or(0)
    }

    /// How many problems there are, kept and dropped.
    pub fn total(&self) -> usize {
        self.items.len() + self.omitted.values().sum::<usize>()
    }

    /// The diagnostics, in their current order (sorted after [`Diagnostics::sort`]).
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sorts by (file, line, column, key path, message), drops exact duplicates, and keeps
    /// the first [`MAX_PER_FILE`] of each file (the others are counted, see
    /// [`Diagnostics::omitted`]).
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            a.sort_key().cmp(&b.sort_key()).then_with(|| a.help.cmp(&b.help)).then_with(|| a.note.cmp(&b.note))
        });
        self.items.dedup();
        let mut kept = Vec::with_capacity(self.items.len());
        let mut in_file = 0;
        for d in std::mem::take(&mut self.items) {
            if kept.last().is_none_or(|last: &Diagnostic| last.file != d.file) {
                in_file = 0;
            }
            in_file += 1;
            if in_file > MAX_PER_FILE {
                *self.omitted.entry(d.file).or_default() += 1;
            } else {
                kept.push(d);
            }
        }
        self.items = kept;
    }

    /// Fills in the line and column of key-path diagnostics whose file text is known.
    /// `text_of` maps a file name to its text. Each file's text is outlined once
    /// ([`crate::locate::Outline`]) for all of its diagnostics.
    pub fn locate<'a>(&mut self, text_of: impl Fn(&str) -> Option<&'a str>) {
        let mut outlines: HashMap<String, Option<crate::locate::Outline<'a>>> = HashMap::new();
        for d in &mut self.items {
            let Diagnostic { file, position: Position::KeyPath { path, at }, .. } = d else { continue };
            if at.is_some() {
                continue;
            }
            if !outlines.contains_key(file.as_str()) {
                outlines.insert(file.clone(), text_of(file).map(crate::locate::Outline::new));
            }
            if let Some(Some(outline)) = outlines.get_mut(file.as_str()) {
                *at = outline.locate(path);
            }
        }
    }

    /// `Ok(value)` when there are no diagnostics, else the (sorted) diagnostics.
    pub fn into_result<T>(mut self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() {
            Ok(value)
        } else {
            self.sort();
            Err(self)
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics { items: vec![d], omitted: BTreeMap::new() }
    }
}

/// The line that stands for a file's `n` problems beyond [`MAX_PER_FILE`].
pub(crate) fn omitted_line(n: usize) -> String {
    format!("… and {n} more problem{} in this file", if n == 1 { "" } else { "s" })
}

/// One line of the rendered list: a diagnostic, or the count of a file's dropped ones.
pub(crate) enum Entry<'a> {
    Problem(&'a Diagnostic),
    Omitted(&'a str, usize),
}

impl Diagnostics {
    /// The diagnostics in order, each file's count of dropped ones after its last one kept.
    pub(crate) fn entries(&self) -> Vec<Entry<'_>> {
        let mut out = Vec::with_capacity(self.items.len() + self.omitted.len());
        let mut shown = std::collections::BTreeSet::new();
        for (i, d) in self.items.iter().enumerate() {
            out.push(Entry::Problem(d));
            let last_of_file = self.items.get(i + 1).is_none_or(|next| next.file != d.file);
            if last_of_file && let Some(&n) = self.omitted.get(&d.file) && shown.insert(d.file.as_str()) {
                out.push(Entry::Omitted(&d.file, n));
            }
        }
        for (file, &n) in &self.omitted {
            if !shown.contains(file.as_str()) {
                out.push(Entry::Omitted(file, n));
            }
        }
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for entry in self.entries() {
            match entry {
                Entry::Problem(d) => writeln!(f, "{d}")?,
                Entry::Omitted(file, n) => writeln!(f, "{file}: {}", omitted_line(n))?,
            }
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    fn many(file: &str, lines: std::ops::Range<usize>) -> Diagnostics {
        let mut d = Diagnostics::new();
        for line in lines {
            d.push(Diagnostic::at(file, line, 1, "m"));
        }
        d
    }

    /// The cap keeps the first problems of each file by place, counts the others once,
    /// and holds across sorts and merges (the loader and the checker each sort).
    #[test]
    fn the_cap_per_file_counts_what_it_drops() {
        let mut d = many("a.yaml", 100..350);
        d.extend(many("b.yaml", 1..4));
        d.sort();
        assert_eq!((d.len(), d.omitted("a.yaml"), d.omitted("b.yaml"), d.total()), (203, 50, 0, 253));
        d.sort();
        assert_eq!((d.len(), d.total()), (203, 253));
        d.extend(many("a.yaml", 1..11));
        d.sort();
        assert_eq!((d.len(), d.omitted("a.yaml"), d.total()), (203, 60, 263));
        let first: Vec<usize> = d.iter().take(11).filter_map(|x| x.line_column()).map(|p| p.line).collect();
        assert_eq!(first, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100]);
        let text = d.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[MAX_PER_FILE], "a.yaml: … and 60 more problems in this file");
        assert_eq!(lines[MAX_PER_FILE + 1], "b.yaml:1:1: error: m");
        assert_eq!(lines.len(), 204);
    }

    #[test]
    fn help_and_note_lines() {
        let d = Diagnostic::at("a.yaml", 2, 3, "m").with_help("h").with_note("n");
        assert_eq!(d.to_string(), "a.yaml:2:3: error: m\n  help: h\n  note: n");
    }
}
