//! Diagnostics: every problem found in the spec, each with its file and place, collected
//! (never thrown one at a time) and rendered one per line, sorted.
//!
//! ```text
//! tcss/actions/DescribeX.yaml:12:5: error: request[3].type: unknown type `AssetFilter`
//!   help: did you mean `AssetFilters`?
//! ```

use std::fmt;

/// A 1-based line and column in a spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineColumn {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

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
}

impl Diagnostic {
    /// A diagnostic about a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { file: file.into(), position: Position::File, message: message.into(), help: None }
    }

    /// A diagnostic at a line and column.
    pub fn at(file: impl Into<String>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            position: Position::Line { line, column },
            message: message.into(),
            help: None,
        }
    }

    /// A diagnostic at a key path, not yet located (see [`Diagnostics::locate`]).
    pub fn path(file: impl Into<String>, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            position: Position::KeyPath { path: path.into(), at: None },
            message: message.into(),
            help: None,
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
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
        Ok(())
    }
}

/// A sorted-on-demand collection of [`Diagnostic`]s. Renders one diagnostic per line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
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
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Drops every diagnostic after the first `len` (a check that turned out not to apply).
    pub fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    /// The diagnostics, in their current order (sorted after [`Diagnostics::sort`]).
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sorts by (file, line, column, key path, message) and drops exact duplicates.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            a.sort_key().cmp(&b.sort_key()).then_with(|| a.help.cmp(&b.help))
        });
        self.items.dedup();
    }

    /// Fills in the line and column of key-path diagnostics whose file text is known,
    /// using [`crate::locate::locate`]. `text_of` maps a file name to its text.
    pub fn locate<'a>(&mut self, text_of: impl Fn(&str) -> Option<&'a str>) {
        for d in &mut self.items {
            if let Position::KeyPath { path, at } = &mut d.position
                && at.is_none()
                && let Some(text) = text_of(&d.file)
            {
                *at = crate::locate::locate(text, path);
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
        Diagnostics { items: vec![d] }
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.items {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}
