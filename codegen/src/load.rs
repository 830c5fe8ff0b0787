//! Loading: spec files on disk → [`SpecFiles`] ([`read_dir`], the only function of the crate
//! that touches the disk) → [`spec::Spec`] ([`parse`]: syntax and shape errors).
//!
//! Each file is first parsed to a `serde_yaml::Value` (syntax errors, with serde_yaml's
//! line:column), then converted item by item, so one bad field does not hide the next:
//! every unknown key, missing key and wrong kind of value is reported, at its key path
//! (located to a line:column by [`crate::locate`]).

use crate::diag::{Diagnostic, Diagnostics};
use crate::names;
use crate::spec::{
    self, ActionSpec, CommonParameterSpec, CommonSpec, ErrorSpec, ExampleSpec, FieldSpec, FilterSpec,
    HostSpec, PaginationSpec, ServiceErrorsSpec, ServiceSpec, Spanned, StructureSpec, ValueSpec,
};
pub use crate::spec::{SourceFile, SpecFiles};
pub(crate) use crate::yaml_error::strip_position;

mod read;
pub use read::read_dir;
use read::{BOM, too_large};
use serde_yaml::Value as Yaml;

/// Spec files larger than this are rejected unread: one action or structure is a few KiB,
/// and a huge file is a mistake (or an attack on the parser), not a spec.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// Deepest flow nesting (`[[[...`, `{a: {a: ...`) handed to serde_yaml. serde_yaml stops at
/// 128 levels itself, but libyaml's scanner is quadratic in the flow depth before it gets
/// there (50,000 `{a: ` take tens of seconds), so deeper input is refused up front.
pub const MAX_FLOW_DEPTH: usize = 128;

/// What a spec file is, from its path.
enum Kind<'a> {
    Common,
    Service { dir: &'a str },
    ServiceErrors { dir: &'a str },
    Action { dir: &'a str, stem: &'a str },
    Structure { dir: &'a str, stem: &'a str },
}

fn classify(path: &str) -> Option<Kind<'_>> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["common.yaml"] => Some(Kind::Common),
        [dir, "service.yaml"] => Some(Kind::Service { dir }),
        [dir, "errors.yaml"] => Some(Kind::ServiceErrors { dir }),
        [dir, "actions", file] => file.strip_suffix(".yaml").map(|stem| Kind::Action { dir, stem }),
        [dir, "structures", file] => file.strip_suffix(".yaml").map(|stem| Kind::Structure { dir, stem }),
        _ => None,
    }
}

/// Parses every file into the spec model. Syntax errors carry serde_yaml's line:column;
/// shape errors (unknown key, missing key, wrong kind of value) carry a key path and its
/// best-effort line:column. Whatever parsed is returned even when there are errors, so the
/// checker can report more in the same run.
pub fn parse(files: &SpecFiles) -> (spec::Spec, Diagnostics) {
    let mut spec = spec::Spec { files: files.clone(), ..Default::default() };
    let mut diags = Diagnostics::new();
    // Each file parses on its own (on every core); the results are merged in file order, so
    // the spec and the diagnostics are the same whatever the number of threads.
    // Each file's diagnostics are placed and capped ([`crate::diag::MAX_PER_FILE`]) on its
    // own, so a hostile file holds no more than that in memory past this point.
    let parsed = crate::par::map(&files.files, |file| {
        let mut diags = Diagnostics::new();
        let parsed = parse_file(file, &mut diags);
        diags.locate(|_| Some(&file.text));
        diags.sort();
        (parsed, diags)
    });
    for (file, (parsed, file_diags)) in files.files.iter().zip(parsed) {
        diags.extend(file_diags);
        match parsed {
            Parsed::Unexpected => {}
            Parsed::Common(c) => {
                if let Some(c) = c {
                    if spec.common.is_some() {
                        Cx::new(&file.path, &mut diags).err("", "`common.yaml` given twice");
                    }
                    spec.common = Some(c);
                }
            }
            Parsed::Service(dir, s) => match s {
                Some(s) => spec.services.push(s),
                None => spec.broken_services.push(dir.to_owned()),
            },
            Parsed::Structure(dir, stem, s) => match s {
                Some(s) => spec.structures.push(s),
                None => spec.broken_structures.push((dir.to_owned(), stem.to_owned())),
            },
            Parsed::Action(a) => spec.actions.extend(a.map(|a| *a)),
            Parsed::ServiceErrors(e) => spec.service_errors.extend(e),
        }
    }
    diags.locate(|f| files.text(f));
    (spec, diags)
}

/// One file's spec model, by kind; `None` inside when it did not parse.
enum Parsed<'a> {
    Unexpected,
    Common(Option<spec::CommonSpec>),
    Service(&'a str, Option<spec::ServiceSpec>),
    Structure(&'a str, &'a str, Option<spec::StructureSpec>),
    /// Boxed: an action is several times the size of the other kinds.
    Action(Option<Box<spec::ActionSpec>>),
    ServiceErrors(Option<ServiceErrorsSpec>),
}

fn parse_file<'a>(file: &'a SourceFile, diags: &mut Diagnostics) -> Parsed<'a> {
    let Some(kind) = classify(&file.path) else {
        diags.push(
            Diagnostic::file(&file.path, "unexpected file in the spec layout").with_help(
                "spec files are `common.yaml`, `<service>/service.yaml`, `<service>/errors.yaml`, \
                 `<service>/actions/<Action>.yaml` and `<service>/structures/<Name>.yaml`",
            ),
        );
        return Parsed::Unexpected;
    };
    let root = parse_yaml(file, diags);
    match kind {
        Kind::Common => Parsed::Common(root.and_then(|r| common(&mut Cx::new(&file.path, diags), &r))),
        Kind::Service { dir } => Parsed::Service(dir, root.and_then(|r| service(&mut Cx::new(&file.path, diags), &r, dir))),
        Kind::ServiceErrors { dir } => {
            Parsed::ServiceErrors(root.and_then(|r| service_errors(&mut Cx::new(&file.path, diags), &r, dir)))
        }
        Kind::Structure { dir, stem } => Parsed::Structure(
            dir,
            stem,
            root.and_then(|r| structure(&mut Cx::new(&file.path, diags), &r, dir, stem)),
        ),
        Kind::Action { dir, stem } => {
            Parsed::Action(root.and_then(|r| action(&mut Cx::new(&file.path, diags), &r, dir, stem).map(Box::new)))
        }
    }
}

fn parse_yaml(file: &SourceFile, diags: &mut Diagnostics) -> Option<Yaml> {
    if file.text.len() > MAX_FILE_BYTES {
        diags.push(Diagnostic::file(&file.path, too_large(&format!("{} bytes", file.text.len()))));
        return None;
    }
    // serde_yaml takes a leading byte order mark for the start of a second document. Lines
    // and columns are counted after it, as the locator and editors count them.
    let text = file.text.strip_prefix(BOM).unwrap_or(&file.text);
    if let Some(at) = flow_too_deep(text) {
        diags.push(Diagnostic::at(
            &file.path,
            at.line,
            at.column,
            format!("invalid YAML: flow collections nest deeper than {MAX_FLOW_DEPTH} levels"),
        ));
        return None;
    }
    match serde_yaml::from_str::<Yaml>(text) {
        Ok(Yaml::Null) => {
            diags.push(Diagnostic::file(&file.path, "file is empty"));
            None
        }
        Ok(v) => Some(v),
        Err(e) => {
            let raw = e.to_string();
            // serde_yaml gives no place for a second document; find where it starts.
            let place = e.location().map(|l| line_col_at(text, l.index())).or_else(|| {
                raw.contains("more than one document").then(|| second_document(text)).flatten()
            });
            diags.push(crate::yaml_error::diagnostic(&file.path, text, &raw, place));
            None
        }
    }
}

/// The 1-based line and column (in characters) of byte `index` of `text`, counting lines by
/// `\n` as every other place in the spec tooling does (the locator, editors, `grep -n`).
/// libyaml's own line numbers also break lines at a lone `\r`, U+0085, U+2028 and U+2029, so a
/// file with one of those got positions past its end; its byte index is exact.
fn line_col_at(text: &str, index: usize) -> (usize, usize) {
    let mut at = index.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (before.matches('\n').count() + 1, before[line_start..].chars().count() + 1)
}

/// Where the second YAML document of `text` starts (1-based line and column), for the
/// "more than one document" error, to which serde_yaml attaches no place. libyaml starts a
/// document not only at `---` but wherever the first one ends (`  - a` then `b: 1`; `"" 0`),
/// so rather than re-implement that rule this asks serde_yaml itself: a binary search for the
/// shortest prefix (by line, then by character) that already holds two documents. An error
/// path only: O(log n) parses of at most [`MAX_FILE_BYTES`].
fn second_document(text: &str) -> Option<(usize, usize)> {
    let two = |prefix: &str| match serde_yaml::from_str::<Yaml>(prefix) {
        Err(e) => e.location().is_none() && e.to_string().contains("more than one document"),
        Ok(_) => false,
    };
    // The smallest index in `ends` whose prefix holds two documents (`ends` ends with one).
    let first_true = |ends: &[usize]| {
        let (mut lo, mut hi) = (0, ends.len() - 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if two(&text[..ends[mid]]) { hi = mid } else { lo = mid + 1 }
        }
        lo
    };
    if !two(text) {
        return None;
    }
    let line_ends: Vec<usize> =
        text.match_indices('\n').map(|(i, _)| i + 1).chain(std::iter::once(text.len())).collect();
    let line = first_true(&line_ends);
    let start = if line == 0 { 0 } else { line_ends[line - 1] };
    let this = &text[start..line_ends[line]];
    let column = if this.starts_with("---") || this.starts_with("...") {
        1
    } else {
        let char_ends: Vec<usize> = this.char_indices().map(|(i, c)| start + i + c.len_utf8()).collect();
        if char_ends.is_empty() { 1 } else { first_true(&char_ends) + 1 }
    };
    Some((line + 1, column))
}

/// Where flow collections first nest deeper than [`MAX_FLOW_DEPTH`], if they do. A cheap
/// scan of the significant lines (block scalars skipped): brackets count only where a
/// flow collection can start (at a value position or inside one), quoted text is skipped.
fn flow_too_deep(text: &str) -> Option<crate::diag::LineColumn> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for l in crate::locate::significant_lines(text) {
        let mut prev: Option<char> = None;
        let mut chars = l.content.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if let Some(q) = quote {
                if q == '"' && c == '\\' {
                    chars.next();
                } else if c == q {
                    if q == '\'' && chars.peek().is_some_and(|(_, n)| *n == '\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                continue;
            }
            let value_start = depth > 0 || matches!(prev, None | Some(':' | '-' | '?'));
            match c {
                '#' if i == 0 || l.content[..i].ends_with(' ') => break,
                '"' | '\'' if value_start || matches!(prev, Some(',' | '[' | '{')) => quote = Some(c),
                '[' | '{' if value_start => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        let column = l.col + l.content[..i].chars().count() + 1;
                        return Some(crate::diag::LineColumn { line: l.line, column });
                    }
                }
                ']' | '}' if depth > 0 => depth -= 1,
                _ => {}
            }
            if !c.is_whitespace() {
                prev = Some(c);
            }
        }
    }
    None
}

/// Shape-conversion context of one file: collects diagnostics and remembers whether
/// anything was dropped.
struct Cx<'a> {
    file: &'a str,
    diags: &'a mut Diagnostics,
    ok: bool,
}

impl<'a> Cx<'a> {
    fn new(file: &'a str, diags: &'a mut Diagnostics) -> Self {
        Cx { file, diags, ok: true }
    }

    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.ok = false;
        self.diags.push(Diagnostic::path(self.file, path, message));
    }

    /// An unknown key: reported, but nothing known was dropped, so the item stays complete.
    fn unknown(&mut self, path: &str, message: impl Into<String>, help: impl Into<String>) {
        self.diags.push(Diagnostic::path(self.file, path, message).with_help(help));
    }
}

fn kind_of(v: &Yaml) -> &'static str {
    match v {
        Yaml::Null => "null",
        Yaml::Bool(_) => "a boolean",
        Yaml::Number(n) if n.is_f64() => "a float",
        Yaml::Number(_) => "an integer",
        Yaml::String(_) => "a string",
        Yaml::Sequence(_) => "a list",
        Yaml::Mapping(_) => "a mapping",
        Yaml::Tagged(_) => "a tagged value",
    }
}

/// Whether `key` can stand as one segment of a key path: [`crate::locate::parse_path`] splits
/// paths at `.` and reads `[n]` as an index.
fn is_path_segment(key: &str) -> bool {
    !key.is_empty() && !key.contains(['.', '[', ']'])
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// A YAML mapping whose keys were checked against the allowed set.
struct Obj<'v> {
    path: String,
    entries: Vec<(String, &'v Yaml)>,
}

impl<'v> Obj<'v> {
    /// Checks that `v` is a mapping with string keys from `allowed`; reports every other key.
    fn new(cx: &mut Cx<'_>, v: &'v Yaml, path: &str, what: &str, allowed: &[&str]) -> Option<Obj<'v>> {
        let Yaml::Mapping(map) = v else {
            cx.err(path, format!("expected {what} (a mapping), found {}", kind_of(v)));
            return None;
        };
        let mut entries = Vec::new();
        for (k, val) in map {
            let Yaml::String(key) = k else {
                cx.err(path, format!("keys must be strings, found {}", kind_of(k)));
                continue;
            };
            if allowed.contains(&key.as_str()) {
                entries.push((key.clone(), val));
            } else {
                // A key that cannot be a key-path segment (`.A`, `a[0]`, ``) would make a path
                // that names another place, or none: report it at its mapping instead.
                let (at, msg) = if is_path_segment(key) {
                    (join(path, key), format!("unknown key `{key}` in {what}"))
                } else {
                    (path.to_owned(), format!("unknown key {key:?} in {what}"))
                };
                match names::did_you_mean(key, allowed.iter().copied()) {
                    Some(s) => cx.unknown(&at, msg, format!("did you mean `{s}`?")),
                    None => cx.unknown(&at, msg, format!("expected one of: {}", allowed.join(", "))),
                }
            }
        }
        Some(Obj { path: path.to_owned(), entries })
    }

    fn get(&self, key: &str) -> Option<&'v Yaml> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn opt_str(&self, cx: &mut Cx<'_>, key: &str) -> Option<String> {
        match self.get(key)? {
            Yaml::String(s) => Some(s.clone()),
            other => {
                cx.err(&self.at(key), format!("`{key}` must be a string, found {}", kind_of(other)));
                None
            }
        }
    }

    /// A string that must be present and not empty (the checker skips empty ones, which
    /// were reported here).
    fn req_str(&self, cx: &mut Cx<'_>, key: &str) -> String {
        if self.get(key).is_none() {
            cx.err(&self.path, format!("missing key `{key}`"));
            return String::new();
        }
        let s = self.opt_str(cx, key).unwrap_or_default();
        if s.trim().is_empty() && matches!(self.get(key), Some(Yaml::String(_))) {
            cx.err(&self.at(key), format!("`{key}` is empty"));
        }
        s
    }

    fn str_or_empty(&self, cx: &mut Cx<'_>, key: &str) -> String {
        self.opt_str(cx, key).unwrap_or_default()
    }

    fn opt_bool(&self, cx: &mut Cx<'_>, key: &str) -> Option<bool> {
        match self.get(key)? {
            Yaml::Bool(b) => Some(*b),
            other => {
                cx.err(&self.at(key), format!("`{key}` must be `true` or `false`, found {}", kind_of(other)));
                None
            }
        }
    }

    fn opt_int(&self, cx: &mut Cx<'_>, key: &str) -> Option<i64> {
        match self.get(key)? {
            Yaml::Number(n) if n.as_i64().is_some() => n.as_i64(),
            other => {
                cx.err(&self.at(key), format!("`{key}` must be an integer, found {}", kind_of(other)));
                None
            }
        }
    }

    /// A list; `key:` with nothing after it (null) counts as an empty list.
    fn opt_seq(&self, cx: &mut Cx<'_>, key: &str) -> Option<&'v [Yaml]> {
        match self.get(key)? {
            Yaml::Sequence(s) => Some(s.as_slice()),
            Yaml::Null => Some(&[]),
            other => {
                cx.err(&self.at(key), format!("`{key}` must be a list, found {}", kind_of(other)));
                None
            }
        }
    }

    fn notes(&self, cx: &mut Cx<'_>) -> Vec<String> {
        let mut out = Vec::new();
        for (i, v) in self.opt_seq(cx, "notes").unwrap_or_default().iter().enumerate() {
            match v {
                Yaml::String(s) => out.push(s.clone()),
                other => cx.err(
                    &format!("{}[{i}]", self.at("notes")),
                    format!("a note must be a string, found {}", kind_of(other)),
                ),
            }
        }
        out
    }

    /// Converts each item of the list at `key` with `f`, dropping the ones that fail.
    fn list<T>(
        &self,
        cx: &mut Cx<'_>,
        key: &str,
        mut f: impl FnMut(&mut Cx<'_>, &'v Yaml, &str) -> Option<T>,
    ) -> Vec<T> {
        let items = self.opt_seq(cx, key).unwrap_or_default();
        let base = self.at(key);
        items.iter().enumerate().filter_map(|(i, v)| f(cx, v, &format!("{base}[{i}]"))).collect()
    }
}

const COMMON_KEYS: &[&str] = &["source", "common_parameters", "errors", "notes"];
const SERVICE_KEYS: &[&str] =
    &["service", "title", "version", "default_host", "other_hosts", "description", "source", "notes"];
const STRUCTURE_KEYS: &[&str] = &["structure", "source", "description", "fields", "notes"];
const ACTION_KEYS: &[&str] = &[
    "action", "title", "source", "description", "deprecated", "hosts", "rate_limit", "idempotent",
    "idempotency_token", "unsigned", "request", "response", "errors", "pagination", "examples", "notes",
];
const FIELD_KEYS: &[&str] = &[
    "name", "type", "description", "required", "output_required", "nullable", "disabled", "deprecated", "example",
    "default", "minimum", "maximum", "values", "enum", "filters", "notes",
];
const VALUE_KEYS: &[&str] = &["value", "name", "description"];
const FILTER_KEYS: &[&str] = &["name", "description", "values", "enum"];
const ERROR_KEYS: &[&str] = &["code", "description"];
const HOST_KEYS: &[&str] = &["host", "description"];
const PAGINATION_KEYS: &[&str] = &["offset", "limit", "items", "total", "inferred"];
const EXAMPLE_KEYS: &[&str] = &["title", "description", "request", "response", "fault"];
const SERVICE_ERRORS_KEYS: &[&str] = &["source", "errors", "notes"];
const COMMON_PARAMETER_KEYS: &[&str] = &["name", "header", "required", "type", "description", "notes"];

fn common(cx: &mut Cx<'_>, root: &Yaml) -> Option<CommonSpec> {
    let o = Obj::new(cx, root, "", "common.yaml", COMMON_KEYS)?;
    let parameters = o.list(cx, "common_parameters", |cx, v, path| {
        let p = Obj::new(cx, v, path, "a common parameter", COMMON_PARAMETER_KEYS)?;
        Some(CommonParameterSpec {
            path: path.to_owned(),
            name: p.req_str(cx, "name"),
            header: p.req_str(cx, "header"),
            required: p.opt_bool(cx, "required").unwrap_or(false),
            ty: p.req_str(cx, "type"),
            description: p.str_or_empty(cx, "description"),
            notes: p.notes(cx),
        })
    });
    let errors = o.list(cx, "errors", error);
    Some(CommonSpec {
        file: cx.file.to_owned(),
        source: o.str_or_empty(cx, "source"),
        parameters,
        errors,
        notes: o.notes(cx),
    })
}

fn error(cx: &mut Cx<'_>, v: &Yaml, path: &str) -> Option<ErrorSpec> {
    let e = Obj::new(cx, v, path, "an error code", ERROR_KEYS)?;
    Some(ErrorSpec { path: path.to_owned(), code: e.req_str(cx, "code"), description: e.str_or_empty(cx, "description") })
}

fn service(cx: &mut Cx<'_>, root: &Yaml, dir: &str) -> Option<ServiceSpec> {
    let o = Obj::new(cx, root, "", "a service file", SERVICE_KEYS)?;
    let other_hosts = o.list(cx, "other_hosts", |cx, v, path| {
        let h = Obj::new(cx, v, path, "a host", HOST_KEYS)?;
        Some(HostSpec { path: path.to_owned(), host: h.req_str(cx, "host"), description: h.str_or_empty(cx, "description") })
    });
    Some(ServiceSpec {
        file: cx.file.to_owned(),
        dir: dir.to_owned(),
        service: o.req_str(cx, "service"),
        title: o.str_or_empty(cx, "title"),
        version: o.req_str(cx, "version"),
        default_host: o.req_str(cx, "default_host"),
        other_hosts,
        description: o.str_or_empty(cx, "description"),
        source: o.str_or_empty(cx, "source"),
        notes: o.notes(cx),
    })
}

fn service_errors(cx: &mut Cx<'_>, root: &Yaml, dir: &str) -> Option<ServiceErrorsSpec> {
    let o = Obj::new(cx, root, "", "a service's error codes", SERVICE_ERRORS_KEYS)?;
    Some(ServiceErrorsSpec {
        file: cx.file.to_owned(),
        dir: dir.to_owned(),
        source: o.req_str(cx, "source"),
        errors: o.list(cx, "errors", error),
        notes: o.notes(cx),
    })
}

fn structure(cx: &mut Cx<'_>, root: &Yaml, dir: &str, stem: &str) -> Option<StructureSpec> {
    let o = Obj::new(cx, root, "", "a structure file", STRUCTURE_KEYS)?;
    if o.get("fields").is_none() {
        cx.err("", "missing key `fields`");
    }
    let mut s = StructureSpec {
        file: cx.file.to_owned(),
        dir: dir.to_owned(),
        stem: stem.to_owned(),
        structure: o.req_str(cx, "structure"),
        description: o.str_or_empty(cx, "description"),
        source: o.req_str(cx, "source"),
        fields: o.list(cx, "fields", field),
        notes: o.notes(cx),
        complete: true,
    };
    s.complete = cx.ok;
    Some(s)
}

fn action(cx: &mut Cx<'_>, root: &Yaml, dir: &str, stem: &str) -> Option<ActionSpec> {
    let o = Obj::new(cx, root, "", "an action file", ACTION_KEYS)?;
    let hosts = o.list(cx, "hosts", |cx, v, path| match v {
        Yaml::String(s) => Some(Spanned { path: path.to_owned(), value: s.clone() }),
        other => {
            cx.err(path, format!("a host must be a string, found {}", kind_of(other)));
            None
        }
    });
    let pagination = o.get("pagination").and_then(|v| {
        let path = o.at("pagination");
        let p = Obj::new(cx, v, &path, "pagination", PAGINATION_KEYS)?;
        Some(PaginationSpec {
            offset: p.req_str(cx, "offset"),
            limit: p.req_str(cx, "limit"),
            items: p.req_str(cx, "items"),
            total: p.opt_str(cx, "total"),
            inferred: p.opt_bool(cx, "inferred").unwrap_or(false),
            path,
        })
    });
    let examples = o.list(cx, "examples", |cx, v, path| {
        let e = Obj::new(cx, v, path, "an example", EXAMPLE_KEYS)?;
        Some(ExampleSpec {
            path: path.to_owned(),
            title: e.str_or_empty(cx, "title"),
            description: e.str_or_empty(cx, "description"),
            request: e.req_str(cx, "request"),
            response: e.req_str(cx, "response"),
            fault: e.opt_str(cx, "fault"),
        })
    });
    // Examples are checked against the fields, so they wait only for a dropped field (one
    // whose entry could not be read at all); any other shape error is reported beside what
    // the examples show, in the same run.
    let entries = |key: &str| match o.get(key) {
        None | Some(Yaml::Null) => Some(0),
        Some(Yaml::Sequence(items)) => Some(items.len()),
        Some(_) => None,
    };
    let (request_entries, response_entries) = (entries("request"), entries("response"));
    let request = o.list(cx, "request", field);
    let response = o.list(cx, "response", field);
    let fields_complete = request_entries == Some(request.len()) && response_entries == Some(response.len());
    let mut a = ActionSpec {
        file: cx.file.to_owned(),
        dir: dir.to_owned(),
        stem: stem.to_owned(),
        action: o.req_str(cx, "action"),
        title: o.str_or_empty(cx, "title"),
        deprecated: o.opt_bool(cx, "deprecated").unwrap_or(false),
        source: o.req_str(cx, "source"),
        description: o.str_or_empty(cx, "description"),
        hosts,
        rate_limit: o.opt_int(cx, "rate_limit"),
        idempotent: o.opt_bool(cx, "idempotent"),
        idempotency_token: o.opt_str(cx, "idempotency_token"),
        unsigned: o.opt_bool(cx, "unsigned").unwrap_or(false),
        request,
        response,
        errors: o.list(cx, "errors", error),
        pagination,
        examples,
        notes: o.notes(cx),
        complete: true,
    };
    a.complete = fields_complete && !a.action.is_empty();
    Some(a)
}

fn field(cx: &mut Cx<'_>, v: &Yaml, path: &str) -> Option<FieldSpec> {
    let o = Obj::new(cx, v, path, "a field", FIELD_KEYS)?;
    let default = o.get("default").and_then(|d| scalar_json(cx, d, &o.at("default"), "a default"));
    let values = o.get("values").map(|_| o.list(cx, "values", value));
    let filters = o.list(cx, "filters", |cx, v, path| {
        let f = Obj::new(cx, v, path, "a filter", FILTER_KEYS)?;
        Some(FilterSpec {
            path: path.to_owned(),
            name: f.req_str(cx, "name"),
            description: f.str_or_empty(cx, "description"),
            values: f.get("values").map(|_| f.list(cx, "values", value)),
            enum_name: f.opt_str(cx, "enum"),
        })
    });
    Some(FieldSpec {
        path: path.to_owned(),
        name: o.req_str(cx, "name"),
        ty: o.req_str(cx, "type"),
        description: o.str_or_empty(cx, "description"),
        required: o.opt_bool(cx, "required"),
        output_required: o.opt_bool(cx, "output_required"),
        nullable: o.opt_bool(cx, "nullable").unwrap_or(false),
        disabled: o.opt_bool(cx, "disabled").unwrap_or(false),
        deprecated: o.opt_bool(cx, "deprecated").unwrap_or(false),
        example: o.opt_str(cx, "example"),
        default,
        minimum: o.opt_int(cx, "minimum"),
        maximum: o.opt_int(cx, "maximum"),
        values,
        enum_name: o.opt_str(cx, "enum"),
        filters,
        notes: o.notes(cx),
    })
}

fn value(cx: &mut Cx<'_>, v: &Yaml, path: &str) -> Option<ValueSpec> {
    let o = Obj::new(cx, v, path, "a value", VALUE_KEYS)?;
    let Some(raw) = o.get("value") else {
        cx.err(path, "missing key `value`");
        return None;
    };
    let value = match raw {
        Yaml::String(s) => serde_json::Value::String(s.clone()),
        Yaml::Number(n) if n.as_i64().is_some() => serde_json::Value::from(n.as_i64().unwrap_or_default()),
        other => {
            cx.err(&o.at("value"), format!("`value` must be a string or an integer, found {}", kind_of(other)));
            return None;
        }
    };
    Some(ValueSpec {
        path: path.to_owned(),
        value,
        name: o.opt_str(cx, "name"),
        description: o.str_or_empty(cx, "description"),
    })
}

/// A YAML scalar as JSON (for `default`): null, booleans, numbers and strings.
fn scalar_json(cx: &mut Cx<'_>, v: &Yaml, path: &str, what: &str) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    match v {
        Yaml::Bool(b) => Some(J::Bool(*b)),
        Yaml::String(s) => Some(J::String(s.clone())),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(J::from(i))
            } else if let Some(u) = n.as_u64() {
                Some(J::from(u))
            } else if let Some(f) = n.as_f64().and_then(serde_json::Number::from_f64) {
                Some(J::Number(f))
            } else {
                cx.err(path, format!("{what} must be a finite number"));
                None
            }
        }
        other => {
            cx.err(path, format!("{what} must be a string, number or boolean, found {}", kind_of(other)));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_depth_guard() {
        let at = |t: &str| flow_too_deep(t).map(|p| (p.line, p.column));
        assert_eq!(at(&"[".repeat(200)), Some((1, 129)));
        assert_eq!(at(&"{a: ".repeat(200)), Some((1, 513)));
        assert_eq!(at(&format!("key:\n  - {}", "[".repeat(129))), Some((2, 133)));
        // Brackets in text do not count: plain scalars, quotes, comments, block scalars.
        let text = format!(
            "a: see {b}\nb: \"{b}\"\nc: '{b}'\n# {b}\nd: |\n  {b}\ne: [[x], {{y: [1]}}]\n",
            b = "[".repeat(300)
        );
        assert_eq!(at(&text), None);
    }

    /// Regression (found by the spec-loader property test with more cases): libyaml counts a
    /// lone `\r`, U+0085 and U+2028 as line breaks, so `A:\u{2028}x` was reported at line 3
    /// of a one-line file. Positions now count `\n` only, columns in characters.
    #[test]
    fn yaml_positions_count_newlines_only() {
        let cases = [
            ("A:\u{2028}\u{10597}", (1, 5)),
            ("a: 1\rb: [\n", (2, 1)),
            ("a: 1\u{85}b: c: d\n", (1, 10)),
            ("x: \"\u{1F600}\" : y\n", (1, 8)),
            ("a: 1\r\nb: c: d\r\n", (2, 5)),
        ];
        for (text, want) in cases {
            let file = SourceFile { path: "common.yaml".into(), text: text.into() };
            let mut diags = Diagnostics::new();
            assert!(parse_yaml(&file, &mut diags).is_none(), "{text:?}");
            let d = diags.iter().next().expect("a diagnostic");
            assert_eq!(d.position, crate::diag::Position::Line { line: want.0, column: want.1 }, "{text:?}: {d}");
        }
    }

    /// Regression (found by the spec-mutation property test): a file that libyaml reads as
    /// two documents got a diagnostic with no line.
    #[test]
    fn a_second_document_has_a_place() {
        let cases = [
            ("  - name: A\naction: B\n", (2, 1)),
            ("action: A\n---\naction: B\n", (2, 1)),
            ("---\naction: A\n...\naction: B\n", (4, 1)),
            ("\"\"0", (1, 3)),
        ];
        for (text, want) in cases {
            let file = SourceFile { path: "tcss/actions/A.yaml".into(), text: text.into() };
            let mut diags = Diagnostics::new();
            assert!(parse_yaml(&file, &mut diags).is_none(), "{text:?}");
            let d = diags.iter().next().expect("a diagnostic");
            assert!(d.message.contains("a second YAML document"), "{d}");
            assert!(d.note.as_deref().is_some_and(|n| n.contains("more than one document")), "{d}");
            assert_eq!(d.position, crate::diag::Position::Line { line: want.0, column: want.1 }, "{text:?}");
        }
    }

    /// Regression (found by the spec-mutation property test): an unknown key containing `.`
    /// or `[` made a key path that named another place (`.A` reads as `A`) and located to
    /// nothing; such keys are reported at their mapping, quoted.
    #[test]
    fn odd_unknown_keys_are_reported_at_their_mapping() {
        let text = "structure: S\nsource: s\nfields:\n  - name: A\n    type: String\n    \".x[0]\": 1\n\".A\": 2\n";
        let files = SpecFiles { files: vec![SourceFile { path: "tcss/structures/S.yaml".into(), text: text.into() }] };
        let (_, diags) = parse(&files);
        let odd: Vec<_> = diags.iter().filter(|d| d.message.starts_with("unknown key \"")).collect();
        assert_eq!(odd.len(), 2, "{diags}");
        for d in odd {
            let crate::diag::Position::KeyPath { path, at } = &d.position else { panic!("{d}") };
            assert!(path.is_empty() || path == "fields[0]", "{d}");
            assert!(at.is_some(), "{d}");
        }
    }

    /// Regression (issue 13 item 9): a file starting with a byte order mark was "more than
    /// one document". The mark is dropped, and places count from after it (reading from
    /// disk drops it too: `read::tests`).
    #[test]
    fn a_leading_byte_order_mark_is_dropped() {
        let text = "\u{feff}structure: S\nsource: s\nfields: []\nbogus: 1\n";
        let files = SpecFiles { files: vec![SourceFile { path: "tcss/structures/S.yaml".into(), text: text.into() }] };
        let (spec, diags) = parse(&files);
        assert_eq!(spec.structures.len(), 1, "{diags}");
        let d = diags.iter().next().expect("the unknown key");
        assert_eq!(d.to_string(), "tcss/structures/S.yaml:4:1: error: bogus: unknown key `bogus` in a structure file\n  help: expected one of: structure, source, description, fields, notes");
        let syntax = SpecFiles { files: vec![SourceFile { path: "tcss/structures/S.yaml".into(), text: "\u{feff}a: b: c\n".into() }] };
        let (_, diags) = parse(&syntax);
        assert_eq!(diags.iter().next().map(|d| d.position.clone()), Some(crate::diag::Position::Line { line: 1, column: 5 }));
    }
}
