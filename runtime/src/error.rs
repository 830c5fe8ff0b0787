//! Typed errors of a call: API errors (`Response.Error`), transport, decode, credentials.
//!
//! Transport and decode errors keep the HTTP status and a bounded excerpt of the raw body
//! (at most [`EXCERPT_BYTES`] bytes, cut on a character boundary), never the whole body.
//! No error holds a secret: credentials never reach this module.

use std::error::Error as StdError;
use std::fmt;

use crate::keys::CredentialsError;

/// The longest body excerpt an error keeps, in bytes of the raw body.
pub const EXCERPT_BYTES: usize = 512;

/// The longest parser message a [`DecodeError`] keeps (before the ` at line L column C`
/// suffix), in bytes. serde's messages quote the value they rejected (`invalid type: string
/// "..."`), which can be most of a 10 MiB body.
pub const MESSAGE_BYTES: usize = 256;

/// The longest `RequestId` a [`DecodeError`] keeps, in bytes (a real one is a 36-character
/// UUID; a longer one is not a request id).
pub const REQUEST_ID_BYTES: usize = 128;

/// The longest `Response.Error.Code` an [`ApiError`] keeps, in bytes (real codes are under
/// 80); a longer one is cut and says how much was cut.
pub const CODE_BYTES: usize = 128;

/// The longest `Response.Error.Message` an [`ApiError`] keeps, in bytes; a longer one is cut
/// and says how much was cut.
pub const API_MESSAGE_BYTES: usize = 1024;

/// Implemented by each generated per-action error code enum.
pub trait ErrorCode: Sized + Send + Sync + fmt::Debug + 'static {
    /// Maps a wire code (`"AuthFailure.SignatureFailure"`). Never fails: unknown codes keep
    /// the raw string.
    fn from_code(code: &str) -> Self;
    /// The wire code.
    fn as_str(&self) -> &str;
    /// Who is to act on this code: see [`ErrorClass`].
    fn class(&self) -> ErrorClass {
        classify_code(self.as_str())
    }
    /// Whether a call that failed with this code may succeed if retried later: throttling and
    /// server-side (internal) failures. The runtime itself retries only throttling, as the
    /// official SDKs do (see [`is_retryable_code`]); retrying internal errors is the caller's
    /// decision.
    fn is_retryable(&self) -> bool {
        matches!(self.class(), ErrorClass::Throttling | ErrorClass::Server)
    }
    /// Whether the request itself is at fault (credentials, signature, parameters,
    /// permissions, missing resources): retrying the same request cannot help.
    fn is_caller_fault(&self) -> bool {
        self.class() == ErrorClass::Caller
    }
}

/// How an API error code is to be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorClass {
    /// `RequestLimitExceeded*`: too many requests; retried by the runtime with backoff.
    Throttling,
    /// `InternalError*`, `ServiceUnavailable`: the service failed; may succeed later.
    Server,
    /// The request is at fault: authentication, signature, parameters, permissions, unknown
    /// action or version, missing resources, limits of the account.
    Caller,
    /// Anything else (`FailedOperation`, `ResourceUnavailable`, unknown codes): depends on the
    /// action's documentation.
    Other,
}

/// Classifies a wire code by its family (the part before the first `.`).
pub fn classify_code(code: &str) -> ErrorClass {
    let family = code.split('.').next().unwrap_or(code);
    match family {
        "RequestLimitExceeded" => ErrorClass::Throttling,
        "InternalError" | "ServiceUnavailable" => ErrorClass::Server,
        "AuthFailure" | "InvalidParameter" | "InvalidParameterValue" | "MissingParameter" | "UnknownParameter"
        | "InvalidAction" | "NoSuchVersion" | "NoSuchProduct" | "InvalidRequest" | "UnauthorizedOperation"
        | "UnsupportedOperation" | "UnsupportedProtocol" | "UnsupportedRegion" | "RequestSizeLimitExceeded"
        | "IpInBlacklist" | "IpNotInWhitelist" | "LimitExceeded" | "ResourceNotFound" | "ResourceInUse"
        | "ResourceInsufficient" | "DryRunOperation" | "OperationDenied" => ErrorClass::Caller,
        _ => ErrorClass::Other,
    }
}

/// Whether the runtime retries this code automatically: `RequestLimitExceeded` and its dotted
/// variants (`.UinLimitExceeded`, `.GlobalRegionUinLimitExceeded`, `.IPLimitExceeded`, ...),
/// as the official SDKs do.
pub fn is_retryable_code(code: &str) -> bool {
    classify_code(code) == ErrorClass::Throttling
}

/// An error code kept as the raw wire string; what the non-generic core uses, and a fallback
/// for callers that do not need a typed enum.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RawCode(pub String);

impl ErrorCode for RawCode {
    fn from_code(code: &str) -> Self {
        RawCode(code.to_owned())
    }
    fn as_str(&self) -> &str {
        &self.0
    }
}

/// Everything a call can fail with.
#[derive(Debug)]
pub enum Error<C> {
    /// The server answered with `Response.Error`.
    Api(ApiError<C>),
    /// Connecting, sending or receiving failed, or the HTTP status was not 200.
    Transport(TransportError),
    /// The body was not the expected JSON (or the request could not be encoded).
    Decode(DecodeError),
    /// Credentials could not be had or are unusable.
    Credentials(CredentialsError),
}

/// `Response.Error` of a reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError<C> {
    /// The error code.
    pub code: C,
    /// The server's message.
    pub message: String,
    /// `Response.RequestId` (empty if the server sent none).
    pub request_id: String,
}

impl<C> Error<C> {
    /// `RequestId` of the reply, when a reply with one arrived.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => Some(e.request_id.as_str()).filter(|s| !s.is_empty()),
            Error::Decode(e) => e.request_id(),
            Error::Transport(_) | Error::Credentials(_) => None,
        }
    }

    /// The HTTP status of a transport or decode failure (`None` when no response arrived, and
    /// for API errors, which always come with 200).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Transport(e) => e.status(),
            Error::Decode(e) => Some(e.status()),
            Error::Api(_) | Error::Credentials(_) => None,
        }
    }

    /// The API error code, for API errors.
    pub fn code(&self) -> Option<&C> {
        match self {
            Error::Api(e) => Some(&e.code),
            _ => None,
        }
    }

    /// Converts the code type (the generic layer maps [`RawCode`] to the action's enum).
    pub fn map_code<D>(self, f: impl FnOnce(C) -> D) -> Error<D> {
        match self {
            Error::Api(e) => Error::Api(ApiError { code: f(e.code), message: e.message, request_id: e.request_id }),
            Error::Transport(e) => Error::Transport(e),
            Error::Decode(e) => Error::Decode(e),
            Error::Credentials(e) => Error::Credentials(e),
        }
    }
}

impl<C: ErrorCode> Error<C> {
    /// Whether retrying may help: throttling and internal codes, network failures, timeouts,
    /// HTTP 5xx/429.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.code.is_retryable(),
            Error::Transport(e) => e.is_retryable(),
            Error::Decode(_) | Error::Credentials(_) => false,
        }
    }

    /// Whether the runtime retries this failure by itself for an idempotent action:
    /// throttling codes, network failures, timeouts, HTTP 5xx/429 (not internal API errors, as
    /// the official SDKs). A mutating action is retried only after what cannot have executed
    /// (see [`crate::retry`]).
    pub fn is_auto_retried(&self) -> bool {
        match self {
            Error::Api(e) => is_retryable_code(e.code.as_str()),
            Error::Transport(e) => e.is_retryable(),
            Error::Decode(_) | Error::Credentials(_) => false,
        }
    }

    /// Whether the caller's request is at fault (see [`ErrorCode::is_caller_fault`]).
    pub fn is_caller_fault(&self) -> bool {
        matches!(self, Error::Api(e) if e.code.is_caller_fault())
    }
}

impl<C: ErrorCode> fmt::Display for Error<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => fmt::Display::fmt(e, f),
            Error::Transport(e) => fmt::Display::fmt(e, f),
            Error::Decode(e) => fmt::Display::fmt(e, f),
            Error::Credentials(e) => write!(f, "credentials: {e}"),
        }
    }
}

/// Each variant's `Display` is the inner error's, so `source()` is the inner error's source:
/// a chain printer (`anyhow`'s `{:#}`) shows every message once.
impl<C: ErrorCode> StdError for Error<C> {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Api(_) => None,
            Error::Transport(e) => e.source(),
            Error::Decode(e) => e.source(),
            Error::Credentials(e) => e.source(),
        }
    }
}

impl<C: ErrorCode> fmt::Display for ApiError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)?;
        if !self.request_id.is_empty() {
            write!(f, " (RequestId {})", self.request_id)?;
        }
        Ok(())
    }
}

impl<C: ErrorCode> StdError for ApiError<C> {}

/// What kind of transport failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect (refused, DNS, TLS, connect timeout): the request was never sent.
    Connect,
    /// A timeout passed: see [`TransportError::timeout`] for which.
    Timeout,
    /// The connection failed after connecting: reset, closed early, incomplete body.
    Network,
    /// The HTTP status was not 200.
    Status,
    /// The body is larger than the configured cap.
    TooLarge,
    /// The request could not be built or sent for another reason (not retried).
    Other,
}

/// Which timeout passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Timeout {
    /// Connecting (TCP and TLS) took longer than the connect timeout.
    Connect(std::time::Duration),
    /// One attempt got no complete response within the attempt timeout.
    Attempt(std::time::Duration),
    /// The whole call (rate-limiter wait, every attempt, backoff) took longer than the
    /// operation timeout.
    Operation(std::time::Duration),
}

/// A failure below the API level. Keeps the HTTP status and a bounded body excerpt when a
/// response arrived, and says where it happened: the action, the host and how many attempts
/// were made.
///
/// `Display` is one line without the underlying cause (`DescribeProVersionInfo to
/// tcss.tencentcloudapi.com: could not connect after 3 attempts`); `source()` is that cause,
/// the innermost error of the HTTP stack (`Connection refused (os error 111)`), so a chain
/// printer (`anyhow`'s `{:#}`) reads each part once. `Debug` keeps the whole chain.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    status: Option<u16>,
    attempts: u32,
    /// The rest, boxed: it keeps `Error<C>` (and every `Result` of the call path) small.
    parts: Box<Parts>,
}

#[derive(Debug, Default)]
struct Parts {
    excerpt: Option<String>,
    detail: Option<String>,
    timeout: Option<Timeout>,
    action: Option<&'static str>,
    target: Option<String>,
    note: Option<&'static str>,
    source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl TransportError {
    /// A new error of `kind`.
    pub fn new(kind: TransportErrorKind) -> Self {
        Self { kind, status: None, attempts: 0, parts: Box::default() }
    }

    /// A [`TransportErrorKind::Timeout`] error for `timeout`.
    pub fn timed_out(timeout: Timeout) -> Self {
        Self::new(TransportErrorKind::Timeout).with_timeout(timeout)
    }

    /// Adds the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds a bounded excerpt of `body` (see [`excerpt`]).
    pub fn with_body(mut self, body: &[u8]) -> Self {
        self.parts.excerpt = Some(excerpt(body));
        self
    }

    /// Adds a short description.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.parts.detail = Some(detail.into());
        self
    }

    /// Adds the underlying error (`source()` returns the innermost error of its chain).
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.parts.source = Some(Box::new(source));
        self
    }

    /// Says which timeout passed.
    pub fn with_timeout(mut self, timeout: Timeout) -> Self {
        self.parts.timeout = Some(timeout);
        self
    }

    /// Says where: the action, the host (or URL) it was sent to, and the attempts made.
    pub fn with_context(mut self, action: &'static str, target: impl Into<String>, attempts: u32) -> Self {
        self.parts.action = Some(action);
        self.parts.target = Some(target.into());
        self.attempts = attempts;
        self
    }

    /// Adds why the call stopped here (e.g. why it was not retried).
    pub fn with_note(mut self, note: &'static str) -> Self {
        self.parts.note = Some(note);
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// Which timeout passed, for [`TransportErrorKind::Timeout`] (and a connect timeout).
    pub fn timeout(&self) -> Option<Timeout> {
        self.parts.timeout
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The start of the body (at most [`EXCERPT_BYTES`] raw bytes), when a response arrived.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.parts.excerpt.as_deref()
    }

    /// The action that failed, once the client has added it.
    pub fn action(&self) -> Option<&str> {
        self.parts.action
    }

    /// The host (or URL) the request went to, once the client has added it.
    pub fn target(&self) -> Option<&str> {
        self.parts.target.as_deref()
    }

    /// How many attempts were made (0 when unknown).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Why the call stopped here (not retried, retry budget exhausted), if the client said.
    pub fn note(&self) -> Option<&str> {
        self.parts.note
    }

    /// Whether retrying may help: connect failures, timeouts, network failures, 5xx and 429.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Network => true,
            TransportErrorKind::Status => self.status.is_some_and(|s| s >= 500 || s == 429),
            TransportErrorKind::TooLarge | TransportErrorKind::Other => false,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.parts.action, &self.parts.target) {
            (Some(a), Some(t)) => write!(f, "{a} to {t}: ")?,
            (Some(a), None) => write!(f, "{a}: ")?,
            (None, Some(t)) => write!(f, "{t}: ")?,
            (None, None) => {}
        }
        let what = match (self.kind, self.parts.timeout) {
            (TransportErrorKind::Connect, _) => "could not connect",
            (TransportErrorKind::Timeout, Some(Timeout::Operation(_))) => "operation timed out",
            (TransportErrorKind::Timeout, _) => "request timed out",
            (TransportErrorKind::Network, _) => "connection failed mid-request",
            (TransportErrorKind::Status, _) => "unexpected HTTP status",
            (TransportErrorKind::TooLarge, _) => "response body too large",
            (TransportErrorKind::Other, _) => "request failed",
        };
        f.write_str(what)?;
        if let Some(s) = self.status {
            write!(f, " (HTTP {s})")?;
        }
        match self.attempts {
            0 => {}
            1 => f.write_str(" after 1 attempt")?,
            n => write!(f, " after {n} attempts")?,
        }
        match self.parts.timeout {
            Some(Timeout::Connect(d)) => write!(f, ": no connection within the connect timeout of {d:?}")?,
            Some(Timeout::Attempt(d)) => write!(f, ": no complete response within the attempt timeout of {d:?}")?,
            Some(Timeout::Operation(d)) => write!(
                f,
                ": the call (rate-limiter wait, attempts and backoff) took longer than the operation timeout of {d:?}"
            )?,
            None => {}
        }
        if let Some(d) = &self.parts.detail {
            write!(f, ": {d}")?;
        }
        if let Some(n) = self.parts.note {
            write!(f, " ({n})")?;
        }
        if let Some(b) = &self.parts.excerpt {
            write!(f, "; body starts: {b:?}")?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    /// The innermost error of the underlying chain (the HTTP client's own wrappers, such as
    /// `error sending request` and `client error (Connect)`, only repeat what `Display` says).
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        let mut cause: &(dyn StdError + 'static) = self.parts.source.as_deref()?;
        while let Some(inner) = cause.source() {
            cause = inner;
        }
        Some(cause)
    }
}

/// What kind of decode failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is not JSON.
    InvalidJson,
    /// The body is JSON cut short.
    Truncated,
    /// The body is JSON but not `{"Response": {...}}` (or `Response.Error` is malformed).
    Envelope,
    /// `Response` does not have the shape of the action's response type.
    Response,
    /// The request could not be encoded as JSON (a non-string map key, say).
    Request,
}

/// The body was not what the action returns. Keeps the HTTP status and a bounded excerpt.
#[derive(Debug)]
pub struct DecodeError {
    kind: DecodeErrorKind,
    status: u16,
    excerpt: String,
    request_id: Option<String>,
    source: Option<JsonError>,
}

impl DecodeError {
    /// A decode error of `kind` for a reply with `status` and `body`. Keeps at most
    /// [`EXCERPT_BYTES`] of `body` and [`MESSAGE_BYTES`] of the parser's message.
    pub fn new(kind: DecodeErrorKind, status: u16, body: &[u8], source: Option<serde_json::Error>) -> Self {
        Self { kind, status, excerpt: excerpt(body), request_id: None, source: source.map(JsonError::new) }
    }

    /// Adds the `RequestId` found in the reply (at most [`REQUEST_ID_BYTES`] of it).
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id.filter(|s| !s.is_empty()).map(|s| truncate(&s, REQUEST_ID_BYTES));
        self
    }

    /// The parser's error, with its message bounded.
    pub fn json_error(&self) -> Option<&JsonError> {
        self.source.as_ref()
    }

    /// The kind of failure.
    pub fn kind(&self) -> DecodeErrorKind {
        self.kind
    }

    /// The HTTP status of the reply (0 for [`DecodeErrorKind::Request`], sent nothing).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The start of the body (at most [`EXCERPT_BYTES`] raw bytes).
    pub fn body_excerpt(&self) -> &str {
        &self.excerpt
    }

    /// `RequestId`, when the reply had one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DecodeErrorKind::InvalidJson => "response body is not JSON",
            DecodeErrorKind::Truncated => "response body is truncated JSON",
            DecodeErrorKind::Envelope => "response body is not a {\"Response\": {...}} envelope",
            DecodeErrorKind::Response => "response does not match the action's response type",
            DecodeErrorKind::Request => "request could not be encoded as JSON",
        };
        f.write_str(what)?;
        if self.kind != DecodeErrorKind::Request {
            write!(f, " (HTTP {})", self.status)?;
        }
        if let Some(src) = &self.source {
            write!(f, ": {src}")?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " (RequestId {id})")?;
        }
        if self.kind != DecodeErrorKind::Request {
            write!(f, "; body starts: {:?}", self.excerpt)?;
        }
        Ok(())
    }
}

impl StdError for DecodeError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// A JSON parser error with its message cut to [`MESSAGE_BYTES`]: what a [`DecodeError`]
/// keeps (and returns as its `source()`) instead of the `serde_json::Error`, whose message
/// can quote an unbounded part of the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    message: String,
    line: usize,
    column: usize,
    category: serde_json::error::Category,
}

impl JsonError {
    fn new(e: serde_json::Error) -> Self {
        let full = e.to_string();
        // serde_json appends ` at line L column C` when it knows the place; keep that whole.
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = match full.strip_suffix(suffix.as_str()) {
            Some(m) if e.line() > 0 => m,
            _ => full.as_str(),
        };
        Self { message: truncate(message, MESSAGE_BYTES), line: e.line(), column: e.column(), category: e.classify() }
    }

    /// The parser's message (at most [`MESSAGE_BYTES`] plus an ellipsis), without the place.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 1-based line of the error in the parsed text (0 when unknown).
    pub fn line(&self) -> usize {
        self.line
    }

    /// 1-based column of the error in the parsed text (0 when unknown).
    pub fn column(&self) -> usize {
        self.column
    }

    /// Syntax, data (wrong shape), end of input or I/O.
    pub fn classify(&self) -> serde_json::error::Category {
        self.category
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.line > 0 {
            write!(f, " at line {} column {}", self.line, self.column)?;
        }
        Ok(())
    }
}

impl StdError for JsonError {}

/// `s` cut to at most `max` bytes on a character boundary, with `…` appended when cut.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// `s` cut to at most `max` bytes on a character boundary, saying how much was cut
/// (`…[+123 bytes]`).
pub(crate) fn truncate_noting(s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[+{} bytes]", &s[..end], s.len() - end)
}

/// The first [`EXCERPT_BYTES`] bytes of `body` as text: cut back to a UTF-8 character
/// boundary, invalid bytes replaced by U+FFFD.
pub fn excerpt(body: &[u8]) -> String {
    let mut end = body.len().min(EXCERPT_BYTES);
    if end < body.len() {
        // Step back over at most three continuation bytes so a character is not split.
        let mut back = 0;
        while back < 3 && end > 0 && (body[end] & 0xC0) == 0x80 {
            end -= 1;
            back += 1;
        }
    }
    String::from_utf8_lossy(&body[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_codes() {
        for c in [
            "RequestLimitExceeded",
            "RequestLimitExceeded.UinLimitExceeded",
            "RequestLimitExceeded.GlobalRegionUinLimitExceeded",
            "RequestLimitExceeded.IPLimitExceeded",
        ] {
            assert!(is_retryable_code(c), "{c}");
        }
        for c in ["RequestLimitExceededX", "LimitExceeded", "InternalError", "", "AuthFailure.SignatureExpire"] {
            assert!(!is_retryable_code(c), "{c}");
        }
    }

    #[test]
    fn classes() {
        let table = [
            ("RequestLimitExceeded.UinLimitExceeded", ErrorClass::Throttling),
            ("InternalError", ErrorClass::Server),
            ("InternalError.MainDBFail", ErrorClass::Server),
            ("ServiceUnavailable", ErrorClass::Server),
            ("AuthFailure.SignatureFailure", ErrorClass::Caller),
            ("InvalidParameter.ParsingError", ErrorClass::Caller),
            ("MissingParameter", ErrorClass::Caller),
            ("ResourceNotFound", ErrorClass::Caller),
            ("FailedOperation", ErrorClass::Other),
            ("SomethingNew", ErrorClass::Other),
            ("", ErrorClass::Other),
        ];
        for (code, class) in table {
            assert_eq!(classify_code(code), class, "{code}");
            let raw = RawCode(code.to_owned());
            assert_eq!(raw.is_retryable(), matches!(class, ErrorClass::Throttling | ErrorClass::Server), "{code}");
            assert_eq!(raw.is_caller_fault(), class == ErrorClass::Caller, "{code}");
        }
        // The runtime retries throttling only; internal errors are the caller's call.
        let internal: Error<RawCode> = Error::Api(ApiError {
            code: RawCode("InternalError".into()),
            message: String::new(),
            request_id: String::new(),
        });
        assert!(internal.is_retryable() && !internal.is_auto_retried());
    }

    #[test]
    fn excerpt_is_bounded_and_on_a_boundary() {
        assert_eq!(excerpt(b"short"), "short");
        let long = "é".repeat(400); // 800 bytes, 2 per char
        let e = excerpt(long.as_bytes());
        assert_eq!(e.len(), 512);
        assert!(e.chars().all(|c| c == 'é'));
        let mut odd = vec![b'a'];
        odd.extend_from_slice(long.as_bytes()); // the 512th byte is the middle of a char
        let e = excerpt(&odd);
        assert_eq!(e.len(), 511);
        assert!(!e.contains('\u{fffd}'));
        assert_eq!(excerpt(&[0xff, b'a']), "\u{fffd}a");
    }

    #[test]
    fn display_and_accessors() {
        let e: Error<RawCode> = Error::Api(ApiError {
            code: RawCode("RequestLimitExceeded".into()),
            message: "slow down".into(),
            request_id: "rid-1".into(),
        });
        assert_eq!(e.to_string(), "RequestLimitExceeded: slow down (RequestId rid-1)");
        assert_eq!(e.request_id(), Some("rid-1"));
        assert!(e.is_retryable());
        assert_eq!(e.status(), None);
        let t: Error<RawCode> =
            Error::Transport(TransportError::new(TransportErrorKind::Status).with_status(502).with_body(b"<html>bad gateway</html>"));
        assert_eq!(t.status(), Some(502));
        assert!(t.is_retryable());
        assert_eq!(t.to_string(), "unexpected HTTP status (HTTP 502); body starts: \"<html>bad gateway</html>\"");
        let t404: Error<RawCode> = Error::Transport(TransportError::new(TransportErrorKind::Status).with_status(404));
        assert!(!t404.is_retryable());
        let d: Error<RawCode> = Error::Decode(
            DecodeError::new(DecodeErrorKind::InvalidJson, 200, b"nope", None).with_request_id(Some("r".into())),
        );
        assert_eq!(d.status(), Some(200));
        assert_eq!(d.request_id(), Some("r"));
        assert!(!d.is_retryable());
    }

    proptest::proptest! {
        #[test]
        fn excerpt_never_panics(body in proptest::collection::vec(proptest::num::u8::ANY, 0..1200)) {
            let e = excerpt(&body);
            proptest::prop_assert!(e.chars().count() <= EXCERPT_BYTES);
        }
    }
}
