//! What the server remembers about the requests it saw: a bounded request log and
//! per-action counters, for tests to inspect.
//!
//! Memory stays bounded whatever clients send: counters exist only for the spec's actions
//! (every other name shares [`UNKNOWN_ACTION`]), and each log entry keeps at most
//! [`MAX_LOG_ENTRY_BYTES`]: names and values are cut to fixed lengths, at most
//! [`MAX_LOGGED_HEADERS`] headers are kept, and parameters that would take more than
//! [`MAX_LOGGED_PARAMS_BYTES`] are replaced by a note of their size. The log holds at most
//! its capacity in entries and its byte budget in [`LoggedRequest::retained_bytes`].

use std::mem::size_of;
use std::time::Duration;

use serde_json::Value;

use crate::{Fault, Phase};

/// The counters bucket of every request whose action the spec does not have (or that names
/// none): a client cannot grow the counters by inventing names.
pub const UNKNOWN_ACTION: &str = "(unknown)";
/// Longest method, action, service, SecretId or error code kept in a log entry, in bytes
/// (longer ones end in `…`).
pub const MAX_LOGGED_NAME: usize = 128;
/// Most headers kept in a log entry.
pub const MAX_LOGGED_HEADERS: usize = 16;
/// Longest header name kept in a log entry.
const MAX_LOGGED_HEADER_NAME: usize = 64;
/// Longest header value kept in a log entry.
pub const MAX_LOGGED_HEADER_VALUE: usize = 256;
/// Longest error message kept in a log entry.
pub const MAX_LOGGED_MESSAGE: usize = 512;
/// Parameters larger than this (as counted by [`LoggedRequest::retained_bytes`]) are logged
/// as a note of their size.
pub const MAX_LOGGED_PARAMS_BYTES: usize = 8 * 1024;
/// What a request-log entry retains at most ([`LoggedRequest::retained_bytes`]) when no
/// configured fault rule hit it (a fault's own text is the tester's, not the client's).
pub const MAX_LOG_ENTRY_BYTES: usize = size_of::<LoggedRequest>()
    + 4 * MAX_LOGGED_NAME // method, action, service, SecretId
    + MAX_LOGGED_HEADERS * (size_of::<(String, String)>() + MAX_LOGGED_HEADER_NAME + MAX_LOGGED_HEADER_VALUE)
    + MAX_LOGGED_PARAMS_BYTES
    + MAX_LOGGED_NAME + MAX_LOGGED_MESSAGE // outcome
    + 64; // request id
/// What one counters entry retains at most (its key is the name of an action of the spec).
pub const MAX_COUNTER_ENTRY_BYTES: usize = 256;
/// Per-entry overhead of a `BTreeMap` counted by the estimates (nodes hold up to 11
/// entries, with lengths and parent and child pointers).
const MAP_ENTRY_OVERHEAD: usize = 32;

/// How one request was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// A success envelope (possibly corrupted afterwards by a fault, see
    /// [`LoggedRequest::fault`]).
    Success,
    /// An error envelope with this code.
    Error {
        /// `Response.Error.Code`.
        code: String,
        /// `Response.Error.Message`.
        message: String,
    },
    /// A non-200 HTTP status (an injected gateway error).
    HttpStatus(u16),
    /// The connection was closed without a complete response (an injected drop).
    Dropped,
}

/// One request as the server saw it. Secret material is never kept: the `Authorization`
/// header is logged with its `Signature` replaced by `***`, `X-TC-Token` as `***`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// 0-based arrival order.
    pub seq: u64,
    /// Arrival time, measured from the server's start.
    pub received_at: Duration,
    /// HTTP method as sent.
    pub method: String,
    /// `X-TC-Action` as sent (or `Action` from a GET query), if any.
    pub action: Option<String>,
    /// The service the request was routed to, once known.
    pub service: Option<String>,
    /// `SecretId` from the `Authorization` header, if it parsed.
    pub secret_id: Option<String>,
    /// `Host`, `Content-Type`, `Content-Length`, `Authorization` (redacted) and every `X-TC-*`
    /// header, names lowercased, in the order sent.
    pub headers: Vec<(String, String)>,
    /// The business parameters after validation, typed (GET strings coerced); `None` when the
    /// request was rejected before or by validation. Parameters larger than
    /// [`MAX_LOGGED_PARAMS_BYTES`] are a string saying how large they were.
    pub params: Option<Value>,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
    /// When that fault struck: before the action ran or after.
    pub fault_phase: Option<Phase>,
    /// Whether the action executed: the request passed every check (signature, rate limit,
    /// parameters) and produced a success or an action-level error (a configured
    /// [`crate::MockServer::fail_with`] error), whatever an after-execution fault then did to
    /// the reply. A replay of an idempotency token did not execute.
    pub executed: bool,
    /// Whether this was answered with the remembered first reply of its idempotency token
    /// (see [`crate::MockServer::executions`]).
    pub replayed: bool,
    /// How it was answered.
    pub outcome: Outcome,
    /// The `RequestId` of the answer, when an envelope was produced.
    pub request_id: Option<String>,
}

impl LoggedRequest {
    /// The error code of the answer, if it was an error envelope.
    pub fn error_code(&self) -> Option<&str> {
        match &self.outcome {
            Outcome::Error { code, .. } => Some(code),
            _ => None,
        }
    }

    /// A logged header by lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The heap and inline bytes this entry holds (an estimate that errs high: string
    /// capacities, vector capacities, JSON nodes with map overhead).
    pub fn retained_bytes(&self) -> usize {
        let opt = |s: &Option<String>| s.as_ref().map_or(0, String::capacity);
        let headers = self.headers.capacity() * size_of::<(String, String)>()
            + self
                .headers
                .iter()
                .map(|(k, v)| k.capacity() + v.capacity())
                .sum::<usize>();
        let outcome = match &self.outcome {
            Outcome::Error { code, message } => code.capacity() + message.capacity(),
            _ => 0,
        };
        let fault = match &self.fault {
            Some(Fault::Error { code, message }) => code.capacity() + message.capacity(),
            _ => 0,
        };
        size_of::<Self>()
            + self.method.capacity()
            + opt(&self.action)
            + opt(&self.service)
            + opt(&self.secret_id)
            + headers
            + self.params.as_ref().map_or(0, value_heap_bytes)
            + outcome
            + fault
            + opt(&self.request_id)
    }
}

/// The heap bytes of a JSON value (its own inline size is its parent's).
fn value_heap_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.capacity(),
        Value::Array(items) => {
            items.capacity() * size_of::<Value>()
                + items.iter().map(value_heap_bytes).sum::<usize>()
        }
        Value::Object(map) => map_heap_bytes(map),
        Value::Null | Value::Bool(_) | Value::Number(_) => 0,
    }
}

/// The heap bytes of a JSON object's entries.
pub(crate) fn map_heap_bytes(map: &serde_json::Map<String, Value>) -> usize {
    map.iter()
        .map(|(k, v)| {
            size_of::<String>()
                + size_of::<Value>()
                + MAP_ENTRY_OVERHEAD
                + k.capacity()
                + value_heap_bytes(v)
        })
        .sum()
}

/// The parameters to log: as they are, or a note of their size when they are large.
pub(crate) fn bounded_params(params: Value) -> Value {
    let bytes = value_heap_bytes(&params);
    if bytes <= MAX_LOGGED_PARAMS_BYTES {
        params
    } else {
        Value::String(format!("<parameters of about {bytes} bytes, not logged>"))
    }
}

/// What one counters entry retains.
pub(crate) fn counter_entry_bytes(key: &str) -> usize {
    size_of::<String>() + size_of::<Counters>() + MAP_ENTRY_OVERHEAD + key.len()
}

/// `s` cut to at most `max` bytes at a character boundary, ending in `…` when cut; the
/// result's capacity is its length.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let ellipsis = "…";
    let mut end = max.saturating_sub(ellipsis.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + ellipsis.len());
    out.push_str(&s[..end]);
    out.push_str(ellipsis);
    out
}

/// An error outcome with its code and message cut to the log's lengths.
pub(crate) fn error_outcome(code: &str, message: &str) -> Outcome {
    Outcome::Error {
        code: clip(code, MAX_LOGGED_NAME),
        message: clip(message, MAX_LOGGED_MESSAGE),
    }
}

/// Per-action counts (keyed by the action sent when the spec has it, else [`UNKNOWN_ACTION`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests received.
    pub requests: u64,
    /// Requests that executed (see [`LoggedRequest::executed`]): not those refused by a
    /// check (authentication, the server's rate limit, parameters), nor those a fault struck
    /// before execution, nor replays of an idempotency token.
    pub executed: u64,
    /// Requests answered with the first reply of their idempotency token, without executing.
    pub replayed: u64,
    /// Answered with a success envelope.
    pub succeeded: u64,
    /// Answered with an error envelope (throttling included).
    pub errors: u64,
    /// Answered `RequestLimitExceeded*` (by the limiter or by an injected fault).
    pub throttled: u64,
    /// Hit by an injected fault of any kind.
    pub faulted: u64,
}

/// The `headers` of a log entry: the useful subset, without secret material, at most
/// [`MAX_LOGGED_HEADERS`], names and values cut to fixed lengths.
pub(crate) fn logged_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| {
            let name = k.to_ascii_lowercase();
            let value = match name.as_str() {
                "authorization" => redact_signature(v),
                "x-tc-token" => "***".to_owned(),
                "host" | "content-type" | "content-length" => v.clone(),
                n if n.starts_with("x-tc-") => v.clone(),
                _ => return None,
            };
            Some((
                clip(&name, MAX_LOGGED_HEADER_NAME),
                clip(&value, MAX_LOGGED_HEADER_VALUE),
            ))
        })
        .take(MAX_LOGGED_HEADERS)
        .collect();
    out.shrink_to_fit();
    out
}

fn redact_signature(auth: &str) -> String {
    match auth.find("Signature=") {
        Some(i) => {
            let end = auth[i..].find(',').map_or(auth.len(), |j| i + j);
            format!("{}Signature=***{}", &auth[..i], &auth[end..])
        }
        None => auth.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secret_material() {
        let headers = vec![
            ("Host".to_owned(), "127.0.0.1:1".to_owned()),
            (
                "Authorization".to_owned(),
                "TC3-HMAC-SHA256 Credential=AKID/2022-01-01/tcss/tc3_request, SignedHeaders=content-type;host, Signature=abcdef".to_owned(),
            ),
            ("X-TC-Token".to_owned(), "tok".to_owned()),
            ("X-TC-Action".to_owned(), "A".to_owned()),
            ("User-Agent".to_owned(), "x".to_owned()),
        ];
        let logged = logged_headers(&headers);
        assert_eq!(
            logged,
            vec![
                ("host".to_owned(), "127.0.0.1:1".to_owned()),
                (
                    "authorization".to_owned(),
                    "TC3-HMAC-SHA256 Credential=AKID/2022-01-01/tcss/tc3_request, SignedHeaders=content-type;host, Signature=***".to_owned()
                ),
                ("x-tc-token".to_owned(), "***".to_owned()),
                ("x-tc-action".to_owned(), "A".to_owned()),
            ]
        );
        assert_eq!(redact_signature("Signature=ab, X=1"), "Signature=***, X=1");
    }

    #[test]
    fn bounded_sizes() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcdef", 5), "ab…");
        assert_eq!(clip("ééé", 5), "é…");
        assert!(clip(&"x".repeat(100_000), MAX_LOGGED_NAME).len() <= MAX_LOGGED_NAME);
        let many: Vec<(String, String)> = (0..100)
            .map(|i| (format!("X-TC-{i}{}", "n".repeat(500)), "v".repeat(10_000)))
            .collect();
        let logged = logged_headers(&many);
        assert_eq!(logged.len(), MAX_LOGGED_HEADERS);
        assert!(
            logged
                .iter()
                .all(|(k, v)| k.len() <= MAX_LOGGED_HEADER_NAME
                    && v.len() <= MAX_LOGGED_HEADER_VALUE)
        );
        let small = serde_json::json!({"Limit": 10, "Filters": [{"Name": "a", "Values": ["b"]}]});
        assert_eq!(bounded_params(small.clone()), small);
        let big = Value::Array(vec![Value::from(0); 10_000]);
        assert!(
            bounded_params(big)
                .as_str()
                .is_some_and(|s| s.contains("not logged"))
        );
        assert!(
            counter_entry_bytes("DescribeImageAutoAuthorizedTaskList") <= MAX_COUNTER_ENTRY_BYTES
        );
    }
}
