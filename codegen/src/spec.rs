//! The spec as written: one struct per kind of spec file, shape-checked by [`crate::load`]
//! (every key known, every value of the right YAML kind) but not yet cross-checked (types
//! are still strings, references unresolved). [`crate::check`] turns it into [`crate::ir`].
//!
//! Every item remembers its file and key path (`request[3]`), so the checker can point at
//! it even when an earlier sibling was dropped for a shape error.

use serde_json::Value;

/// One spec file as read: its path relative to the spec root (with `/` separators) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the spec root, `/`-separated, e.g. `tcss/actions/DescribeX.yaml`.
    pub path: String,
    /// The file's text.
    pub text: String,
}

/// All spec files, sorted by path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecFiles {
    /// The files, sorted by path.
    pub files: Vec<SourceFile>,
}

impl SpecFiles {
    /// Builds a set from `(path, text)` pairs (sorted here), e.g. for in-memory tests.
    pub fn from_pairs<P: Into<String>, T: Into<String>>(pairs: impl IntoIterator<Item = (P, T)>) -> Self {
        let mut files: Vec<SourceFile> =
            pairs.into_iter().map(|(p, t)| SourceFile { path: p.into(), text: t.into() }).collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        SpecFiles { files }
    }

    /// The text of `path`, if present.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|i| self.files[i].text.as_str())
    }
}

/// The whole parsed spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spec {
    /// The source texts, for locating key paths in diagnostics.
    pub files: SpecFiles,
    /// `common.yaml`, when present and parsed.
    pub common: Option<CommonSpec>,
    /// Every `<service>/service.yaml` that parsed, sorted by file.
    pub services: Vec<ServiceSpec>,
    /// Every `<service>/structures/*.yaml` that parsed, sorted by file.
    pub structures: Vec<StructureSpec>,
    /// Every `<service>/actions/*.yaml` that parsed, sorted by file.
    pub actions: Vec<ActionSpec>,
    /// Every `<service>/errors.yaml` that parsed, sorted by file.
    pub service_errors: Vec<ServiceErrorsSpec>,
    /// `(service dir, file stem)` of structure files that failed to parse at all: the
    /// checker does not report references to them as unknown (the parse error says enough).
    pub broken_structures: Vec<(String, String)>,
    /// Service directories whose `service.yaml` exists but failed to parse.
    pub broken_services: Vec<String>,
}

/// `common.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommonSpec {
    /// Spec file.
    pub file: String,
    /// Provenance.
    pub source: String,
    /// `common_parameters`.
    pub parameters: Vec<CommonParameterSpec>,
    /// `errors`.
    pub errors: Vec<ErrorSpec>,
    /// `notes`.
    pub notes: Vec<String>,
}

/// One common request parameter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CommonParameterSpec {
    /// Key path, e.g. `common_parameters[2]`.
    pub path: String,
    /// `name`.
    pub name: String,
    /// `header`.
    pub header: String,
    /// `required` (default false).
    pub required: bool,
    /// `type`, unparsed.
    pub ty: String,
    /// `description`.
    pub description: String,
    /// `notes`.
    pub notes: Vec<String>,
}

/// `<service>/service.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceSpec {
    /// Spec file.
    pub file: String,
    /// The directory it sits in (must equal `service`).
    pub dir: String,
    /// `service`.
    pub service: String,
    /// `title`.
    pub title: String,
    /// `version`.
    pub version: String,
    /// `default_host`.
    pub default_host: String,
    /// `other_hosts`.
    pub other_hosts: Vec<HostSpec>,
    /// `description`.
    pub description: String,
    /// `source`.
    pub source: String,
    /// `notes`.
    pub notes: Vec<String>,
}

/// `<service>/errors.yaml`: the service's error codes, which any of its actions can return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServiceErrorsSpec {
    /// Spec file.
    pub file: String,
    /// The service directory.
    pub dir: String,
    /// `source`.
    pub source: String,
    /// `errors`.
    pub errors: Vec<ErrorSpec>,
    /// `notes`.
    pub notes: Vec<String>,
}

/// One entry of `other_hosts`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostSpec {
    /// Key path.
    pub path: String,
    /// `host`.
    pub host: String,
    /// `description`.
    pub description: String,
}

/// A string with the key path it was read from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spanned {
    /// Key path, e.g. `hosts[0]`.
    pub path: String,
    /// The value.
    pub value: String,
}

/// `<service>/structures/<Name>.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StructureSpec {
    /// Spec file.
    pub file: String,
    /// Service directory.
    pub dir: String,
    /// The file name without `.yaml` (must equal `structure`).
    pub stem: String,
    /// `structure`.
    pub structure: String,
    /// `description`.
    pub description: String,
    /// `source`.
    pub source: String,
    /// `fields`.
    pub fields: Vec<FieldSpec>,
    /// `notes`.
    pub notes: Vec<String>,
    /// False when some part of the file was dropped for a shape error: checks that need the
    /// whole item (examples) are skipped rather than reporting follow-on errors.
    pub complete: bool,
}

/// `<service>/actions/<Action>.yaml`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionSpec {
    /// Spec file.
    pub file: String,
    /// Service directory.
    pub dir: String,
    /// The file name without `.yaml` (must equal `action`).
    pub stem: String,
    /// `action`.
    pub action: String,
    /// `title`: the action's short title, as upstream or the page gives it.
    pub title: String,
    /// `deprecated`.
    pub deprecated: bool,
    /// `source`.
    pub source: String,
    /// `description`.
    pub description: String,
    /// `hosts`.
    pub hosts: Vec<Spanned>,
    /// `rate_limit`.
    pub rate_limit: Option<i64>,
    /// `idempotent`: overrides what the action's verb implies about retrying it.
    pub idempotent: Option<bool>,
    /// `idempotency_token`: wire name of the request's idempotency-token parameter.
    pub idempotency_token: Option<String>,
    /// `unsigned`: the action is called without a signature (`Authorization: SKIP`).
    pub unsigned: bool,
    /// `request`.
    pub request: Vec<FieldSpec>,
    /// `response`.
    pub response: Vec<FieldSpec>,
    /// `errors`.
    pub errors: Vec<ErrorSpec>,
    /// `pagination`.
    pub pagination: Option<PaginationSpec>,
    /// `examples`.
    pub examples: Vec<ExampleSpec>,
    /// `notes`.
    pub notes: Vec<String>,
    /// False when a request or response field (or the action name) could not be read at
    /// all: the examples, which are checked against the fields, are then skipped rather than
    /// reporting follow-on errors. Other shape errors leave it true.
    pub complete: bool,
}

/// A request parameter, response field or structure field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSpec {
    /// Key path, e.g. `request[3]`.
    pub path: String,
    /// `name` (wire name).
    pub name: String,
    /// `type`, unparsed (`Array of AssetFilters`).
    pub ty: String,
    /// `description`.
    pub description: String,
    /// `required`, when given.
    pub required: Option<bool>,
    /// `output_required`, when given (structure fields: required in responses, when that
    /// differs from `required`).
    pub output_required: Option<bool>,
    /// `nullable`.
    pub nullable: bool,
    /// `disabled`: the API no longer sends or reads it.
    pub disabled: bool,
    /// `deprecated`.
    pub deprecated: bool,
    /// `example`: an example value, as text.
    pub example: Option<String>,
    /// `default`, as JSON.
    pub default: Option<Value>,
    /// `minimum`.
    pub minimum: Option<i64>,
    /// `maximum`.
    pub maximum: Option<i64>,
    /// `values`.
    pub values: Option<Vec<ValueSpec>>,
    /// `enum`.
    pub enum_name: Option<String>,
    /// `filters`.
    pub filters: Vec<FilterSpec>,
    /// `notes`.
    pub notes: Vec<String>,
}

/// One documented value of a value set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValueSpec {
    /// Key path, e.g. `response[0].values[2]`.
    pub path: String,
    /// `value`: a JSON string or integer.
    pub value: Value,
    /// `name`: the Rust variant name, when chosen.
    pub name: Option<String>,
    /// `description`.
    pub description: String,
}

/// One documented filter name of a `Filters.N` parameter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterSpec {
    /// Key path.
    pub path: String,
    /// `name`.
    pub name: String,
    /// `description`.
    pub description: String,
    /// `values`.
    pub values: Option<Vec<ValueSpec>>,
    /// `enum`.
    pub enum_name: Option<String>,
}

/// One error code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorSpec {
    /// Key path.
    pub path: String,
    /// `code`.
    pub code: String,
    /// `description`.
    pub description: String,
}

/// `pagination`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaginationSpec {
    /// Key path (`pagination`).
    pub path: String,
    /// `offset`.
    pub offset: String,
    /// `limit`.
    pub limit: String,
    /// `items`.
    pub items: String,
    /// `total`.
    pub total: Option<String>,
    /// `inferred`: drafted mechanically by `cargo xtask import`, not yet confirmed by a curator.
    pub inferred: bool,
}

/// One example.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExampleSpec {
    /// Key path, e.g. `examples[0]`.
    pub path: String,
    /// `title` (empty when the page shows none).
    pub title: String,
    /// `description`.
    pub description: String,
    /// `fault`: why this example is wrong (the checker confirms that it is, and leaves it out
    /// of the round-trip tests and the offline server).
    pub fault: Option<String>,
    /// `request`, verbatim.
    pub request: String,
    /// `response`, verbatim.
    pub response: String,
}
