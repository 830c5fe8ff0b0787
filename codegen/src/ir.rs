//! The checked, plain-data model that every emitter (and the offline server) reads.
//!
//! Produced only by [`crate::check`]; by the time a value of these types exists, every
//! reference resolves, every name is a valid, collision-free Rust identifier, and every
//! documented example matches the declared shapes. The IR holds `String`s, `Vec`s and
//! enums only (no `syn` types, no maps with unstable order): every list is sorted or kept
//! in documented order, so emitting from it is deterministic.

use serde_json::Value;

/// The whole API surface: the shared common part and every service, sorted by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// What all API 3.0 actions share (common error codes, common parameters).
    pub common: Common,
    /// Services sorted by [`Service::name`].
    pub services: Vec<Service>,
}

/// Facts shared by every action of every service (`spec/common.yaml`).
#[derive(Debug, Clone, PartialEq)]
pub struct Common {
    /// Common error codes any action can return, sorted by code.
    pub errors: Vec<ErrorCode>,
    /// Common request parameters (Action, Version, Region, Timestamp, ...), in documented order.
    /// They are sent as headers by the runtime; listed for docs and the offline server.
    pub parameters: Vec<CommonParameter>,
}

/// One common request parameter (sent as an `X-TC-*` header under TC3 signing).
#[derive(Debug, Clone, PartialEq)]
pub struct CommonParameter {
    /// Wire name, e.g. `Region`.
    pub name: String,
    /// Header that carries it, e.g. `X-TC-Region`.
    pub header: String,
    /// Whether every request must carry it.
    pub required: bool,
    /// Documented type.
    pub ty: Type,
    /// Documentation text.
    pub description: String,
}

/// One service (one API version of one product), e.g. `tcss` 2020-11-01.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    /// Host prefix and signing service name, lowercase: `tcss`, `cwp`.
    pub name: String,
    /// Rust module / Cargo feature name (snake_case of `name`).
    pub module: String,
    /// Rust name of the client trait, e.g. `Tcss`.
    pub trait_name: String,
    /// Rust name of the concrete client, e.g. `TcssClient`.
    pub client_name: String,
    /// Human title, e.g. `Tencent Container Security Service`.
    pub title: String,
    /// API version, e.g. `2020-11-01`.
    pub version: String,
    /// Default endpoint host, e.g. `tcss.tencentcloudapi.com`.
    pub default_host: String,
    /// Other documented hosts (e.g. the intl site), in documented order.
    pub other_hosts: Vec<Host>,
    /// Documentation text.
    pub description: String,
    /// Named structures, sorted by wire name.
    pub structures: Vec<Structure>,
    /// Actions, sorted by wire name.
    pub actions: Vec<Action>,
    /// The service's own error codes (`<service>/errors.yaml`), which any of its actions can
    /// return, sorted by code.
    pub errors: Vec<ErrorCode>,
    /// Rust name of the service's error-code enum (its codes, the common codes, `Unknown`),
    /// e.g. `TcssErrorCode`.
    pub error_type: String,
    /// Spec file the service was declared in (relative to the spec root), for messages.
    pub source: String,
}

/// A documented endpoint host other than the default one.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// Host name, e.g. `tcss.intl.tencentcloudapi.com`.
    pub host: String,
    /// What it is for, e.g. `international site, nearest region`.
    pub description: String,
}

/// A named structure (data type) of a service, e.g. `AssetFilters`.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    /// Wire name (PascalCase as documented).
    pub name: String,
    /// Rust type name (UpperCamelCase, never a keyword, unique in the service).
    pub rust_name: String,
    /// Documentation text.
    pub description: String,
    /// Fields in documented order.
    pub fields: Vec<Field>,
    /// How the structure is used, computed from the actions: drives which derives it needs.
    pub usage: Usage,
    /// Wire names of the actions whose request or response reaches the structure, directly
    /// or through other structures, sorted: the Cargo features that compile it.
    pub actions: Vec<String>,
    /// Reviewer-facing notes (decisions where the page was silent), verbatim from the spec.
    pub notes: Vec<String>,
    /// Spec file, relative to the spec root.
    pub source: String,
}

/// Where a structure is reachable from: requests need `Serialize`, responses `Deserialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Reachable from some request.
    pub input: bool,
    /// Reachable from some response.
    pub output: bool,
}

/// One API action, e.g. `DescribeImageAutoAuthorizedTaskList`.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Wire name (PascalCase), sent as `X-TC-Action`.
    pub name: String,
    /// Rust method name (snake_case, keyword-safe), e.g. `describe_image_authorized_info`.
    pub method: String,
    /// Rust name of the request type, e.g. `DescribeImageAuthorizedInfoRequest`.
    pub request_type: String,
    /// Rust name of the response type, e.g. `DescribeImageAuthorizedInfoResponse`.
    pub response_type: String,
    /// Rust name of the action's error code type, e.g. `DescribeImageAuthorizedInfoErrorCode`:
    /// an enum of its own when [`Action::own_errors`] is not empty, else an alias of the
    /// service's enum ([`Service::error_type`]).
    pub error_type: String,
    /// The documented codes that are neither the service's nor common ones, sorted by code:
    /// when there are any, the action's error type is an enum of its own.
    pub own_errors: Vec<ErrorCode>,
    /// Short title (upstream's action `name`), e.g. `Obtains the authorization overview`.
    pub title: String,
    /// Documented as deprecated: `#[deprecated]` in Rust, marked in the docs.
    pub deprecated: bool,
    /// Documentation text.
    pub description: String,
    /// Documented limit in requests per second, if any.
    pub rate_limit: Option<u32>,
    /// Whether the action may be sent again after a request may have reached the server:
    /// read-only verbs (`Describe`, `Get`, ...) yes, anything else no, unless the spec says
    /// otherwise (`idempotent:`). See [`crate::names::is_read_only_verb`].
    pub idempotent: bool,
    /// Wire name of the request's idempotency-token parameter (a top-level `String`), stated
    /// in the spec (`idempotency_token:`) or inferred from a `ClientToken` parameter: the
    /// runtime fills it once per logical call, so retries of a mutating call are safe.
    pub idempotency_token: Option<String>,
    /// Called without credentials: `Authorization: SKIP` instead of a signature (STS
    /// `AssumeRoleWithWebIdentity`, `AssumeRoleWithSAML`: the caller has no keys yet).
    pub unsigned: bool,
    /// Hosts the action's page names ("Domain name for API request"), in documented order.
    pub hosts: Vec<String>,
    /// Request parameters (business parameters only), in documented order.
    pub request: Vec<Field>,
    /// Response fields in documented order, without `RequestId` (always present, handled by
    /// the runtime).
    pub response: Vec<Field>,
    /// Error codes the page documents, sorted by code. Each may also be a common code.
    pub errors: Vec<ErrorCode>,
    /// Documented examples, in page order, without those the spec records as faulty.
    pub examples: Vec<Example>,
    /// Titles and recorded faults of the documented examples left out as wrong.
    pub faulty_examples: Vec<FaultyExample>,
    /// Offset/limit pagination, when the action pages.
    pub pagination: Option<Pagination>,
    /// Reviewer-facing notes, verbatim from the spec.
    pub notes: Vec<String>,
    /// Spec file, relative to the spec root.
    pub source: String,
}

/// One field of a request, response or structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Wire name, e.g. `Type`.
    pub name: String,
    /// Rust field name: snake_case, never a keyword (keywords get a trailing `_`, as in
    /// `type_`), unique within its owner (snake_case collisions such as `PublicIP` /
    /// `PublicIp` get a numeric suffix in declaration order: `public_ip`, `public_ip_2`).
    pub rust_name: String,
    /// Declared type.
    pub ty: Type,
    /// Request parameters: the caller must provide it. Response/structure fields: always
    /// `true` unless documented optional.
    pub required: bool,
    /// Always present in responses: equal to `required` except in structures both
    /// directions use, whose members may be required in one direction only.
    pub output_required: bool,
    /// No longer sent or read by the API (never required in responses).
    pub disabled: bool,
    /// Documented as deprecated: `#[deprecated]` in Rust, marked in the docs.
    pub deprecated: bool,
    /// An example value, as text.
    pub example: Option<String>,
    /// Documented "may return null": the value can be JSON `null` or absent.
    pub nullable: bool,
    /// Documentation text.
    pub description: String,
    /// Documented default value (JSON literal), if any.
    pub default: Option<Value>,
    /// Documented inclusive minimum (numbers) or minimum length (strings/arrays).
    pub minimum: Option<i64>,
    /// Documented inclusive maximum (numbers) or maximum length (strings/arrays).
    pub maximum: Option<i64>,
    /// Documented value set: becomes an open enum.
    pub values: Option<ValueSet>,
    /// For an array of filter structures (`Filters.N`): the documented filter names and,
    /// per name, the valid values.
    pub filters: Vec<Filter>,
    /// Reviewer-facing notes, verbatim from the spec.
    pub notes: Vec<String>,
}

/// A field type: the whole API 3.0 vocabulary. Arrays never nest (PROTOCOL.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    /// A scalar.
    Scalar(Scalar),
    /// A named structure of the same service: its wire name.
    Struct(String),
    /// `Array of X`, where X is a scalar or a structure.
    Array(Box<Type>),
}

impl Type {
    /// The structure this type holds, directly or as array elements (wire name).
    pub fn structure(&self) -> Option<&str> {
        match self {
            Type::Struct(name) => Some(name),
            Type::Array(inner) => inner.structure(),
            Type::Scalar(_) => None,
        }
    }
}

impl Field {
    /// The value sets the field names: its own, then those of its filters' values.
    pub fn value_sets(&self) -> impl Iterator<Item = &ValueSet> {
        self.values.iter().chain(self.filters.iter().filter_map(|f| f.values.as_ref()))
    }
}

/// Scalar types of API 3.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    /// UTF-8 text. Rust: `String`.
    String,
    /// Documented `Integer`: signed 64-bit (the docs never say signedness; i64 holds every
    /// value seen, including -1 sentinels). Rust: `i64`.
    Integer,
    /// Documented `UInt64` (or an integer explicitly documented unsigned). Rust: `u64`.
    UInteger,
    /// Documented `Float`. Rust: `f64`.
    Float,
    /// Documented `Boolean`. Rust: `bool`.
    Boolean,
    /// `2022-01-01`. Rust: `String` (kept verbatim, never reformatted).
    Date,
    /// `2020-2-2 13:00:00` (not RFC 3339, not always zero-padded). Rust: `String`.
    DateTime,
    /// ISO 8601 / RFC 3339 datetime, e.g. `2020-09-22T00:00:00+00:00`. Rust: `String`.
    Timestamp,
}

/// A documented set of valid values for a field: an open enum.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueSet {
    /// Rust name of the enum, unique within the service.
    pub rust_name: String,
    /// Whether the wire values are strings or integers.
    pub kind: ValueKind,
    /// Documented values, in documented order.
    pub values: Vec<EnumValue>,
}

/// Wire representation of a value set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// JSON strings.
    String,
    /// JSON integers.
    Integer,
}

/// One documented value.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumValue {
    /// Wire value: a JSON string or integer.
    pub wire: Value,
    /// Rust variant name (UpperCamelCase, unique in its enum, never `Unknown`).
    pub rust_name: String,
    /// Documentation text.
    pub description: String,
}

/// One documented filter name of a `Filters.N` parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    /// Filter name as sent in `Name`, e.g. `Status`.
    pub name: String,
    /// Documentation text.
    pub description: String,
    /// Valid values for `Values`, if documented.
    pub values: Option<ValueSet>,
}

/// One error code with its documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorCode {
    /// The code, e.g. `InternalError.MainDBFail`.
    pub code: String,
    /// Rust variant name, e.g. `InternalErrorMainDbFail`.
    pub rust_name: String,
    /// Documentation text.
    pub description: String,
}

/// One documented example, kept verbatim and also parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Title as on the page, e.g. `Querying the Purchase Information on TCSS`.
    pub title: String,
    /// Description, when documented.
    pub description: String,
    /// How the page shows the request.
    pub method: ExampleMethod,
    /// The request exactly as on the page (URL form or HTTP form).
    pub request_text: String,
    /// The business parameters of the request as a JSON object (from the URL's query or the
    /// JSON body). Checked against the request fields.
    pub request: Value,
    /// The response exactly as on the page.
    pub response_text: String,
    /// The parsed response body: the object inside `{"Response": ...}`, `RequestId` included.
    /// Checked against the response fields.
    pub response: Value,
}

/// A documented example that the spec records as wrong (and the checker confirmed).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultyExample {
    /// Title as documented.
    pub title: String,
    /// The recorded fault.
    pub fault: String,
}

/// How a documented example request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleMethod {
    /// `https://host/?Action=...&Param=...` (GET, form-encoded query).
    Get,
    /// `POST / HTTP/1.1` with a JSON body.
    Post,
}

/// Offset/limit pagination of an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    /// Wire name of the request's offset parameter, e.g. `Offset`.
    pub offset: String,
    /// Wire name of the request's limit parameter, e.g. `Limit`.
    pub limit: String,
    /// Wire name of the response's array field, e.g. `List`.
    pub items: String,
    /// Wire name of the response's total count field, e.g. `TotalCount`.
    pub total: Option<String>,
    /// Drafted by `cargo xtask import` from the shape of the action, not yet confirmed.
    pub inferred: bool,
}
