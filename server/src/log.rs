//! What the server remembers about the requests it saw: a bounded request log and
//! per-action counters, for tests to inspect.

use std::time::Duration;

use serde_json::Value;

use crate::Fault;

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
    /// request was rejected before or by validation.
    pub params: Option<Value>,
    /// The fault injected into this request, if any.
    pub fault: Option<Fault>,
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
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Per-action counts (keyed by the `X-TC-Action` sent, known or not).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Requests received.
    pub requests: u64,
    /// Answered with a success envelope.
    pub succeeded: u64,
    /// Answered with an error envelope (throttling included).
    pub errors: u64,
    /// Answered `RequestLimitExceeded*` (by the limiter or by an injected fault).
    pub throttled: u64,
    /// Hit by an injected fault of any kind.
    pub faulted: u64,
}

/// The `headers` of a log entry: the useful subset, without secret material.
pub(crate) fn logged_headers(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
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
            Some((name, value))
        })
        .collect()
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
}
