//! The envelope of a reply: `{"Response": {...}}` split into success ([`RawResponse`]) or
//! `Response.Error` ([`Error::Api`]), and [`decode_response`], the pure decoder the call
//! path and the robustness tests share.

use bytes::Bytes;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::codec::{Corrections, correct};
use crate::error::{
    API_MESSAGE_BYTES, ApiError, CODE_BYTES, DecodeError, DecodeErrorKind, Error, ErrorCode, RawCode,
    REQUEST_ID_BYTES, TransportError, TransportErrorKind, truncate_noting,
};

/// A successful reply (HTTP 200, an envelope without `Response.Error`), before decoding.
#[derive(Debug)]
pub struct RawResponse {
    status: u16,
    body: Bytes,
    response: Box<RawValue>,
    request_id: Option<String>,
    decoding: Decoding,
}

/// How [`RawResponse::decode`] treats required fields that are absent or `null`: the
/// client's mode and where it reports corrections.
#[derive(Debug, Default)]
struct Decoding {
    action: Option<&'static str>,
    strict: bool,
    corrections: Option<Corrections>,
}

impl RawResponse {
    /// The HTTP status (always 200 here).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The whole body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The JSON text of the object inside `{"Response": ...}`.
    pub fn response_json(&self) -> &str {
        self.response.get()
    }

    /// `Response.RequestId`, if present.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Decodes as the client that received it does: `strict` or lenient about required
    /// fields, reporting corrections of `action` to `corrections`.
    pub(crate) fn with_decoding(mut self, action: &'static str, strict: bool, corrections: &Corrections) -> Self {
        self.decoding = Decoding { action: Some(action), strict, corrections: Some(corrections.clone()) };
        self
    }

    /// Deserializes the object inside `Response` as `T`. A required field that is absent or
    /// `null` is filled with its zero value and reported (a `tracing` warning naming the
    /// action and the field, and [`crate::Client::corrections`]), or, when the client that
    /// received the reply is strict, is an error naming the field.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        let d = &self.decoding;
        let (result, found) = correct::scoped(d.strict, || serde_json::from_str(self.response.get()));
        let value = result.map_err(|e| self.decode_error(e))?;
        correct::warn(d.action, &found);
        if let (Some(action), Some(sink)) = (d.action, &d.corrections) {
            sink.record(action, &found);
        }
        Ok(value)
    }

    fn decode_error(&self, e: serde_json::Error) -> DecodeError {
        DecodeError::new(DecodeErrorKind::Response, self.status, &self.body, Some(e))
            .with_request_id(self.request_id.clone())
    }
}

/// Decodes a reply exactly as [`Client::call`](crate::Client::call) does once the body is read: a status other
/// than 200 is a [`TransportErrorKind::Status`] error (with a bounded excerpt), a body that
/// is not a `{"Response": {...}}` envelope is a [`DecodeError`], `Response.Error` is an
/// [`Error::Api`] with the code mapped to `C`, anything else is decoded as `Resp`.
///
/// Pure and total: any status and bytes give `Ok` or a typed error, never a panic, and no
/// error keeps more than [`EXCERPT_BYTES`](crate::error::EXCERPT_BYTES) of the body. Useful to decode recorded replies,
/// and what the robustness tests drive.
///
/// ```
/// use tc_runtime::{Error, RawCode, decode_response};
/// let ok: serde_json::Value = decode_response::<_, RawCode>(200, br#"{"Response":{"RequestId":"r"}}"#).unwrap();
/// assert_eq!(ok["RequestId"], "r");
/// let err = decode_response::<serde_json::Value, RawCode>(502, b"<html>bad gateway</html>").unwrap_err();
/// assert_eq!(err.status(), Some(502));
/// ```
pub fn decode_response<Resp, C>(status: u16, body: &[u8]) -> Result<Resp, Error<C>>
where
    Resp: DeserializeOwned,
    C: ErrorCode,
{
    let raw = if status == 200 {
        parse_envelope(status, Bytes::copy_from_slice(body))
    } else {
        Err(Error::Transport(status_error(status, body)))
    };
    finish(raw)
}

/// The generic tail shared by [`Client::call`] and [`decode_response`]: decode `Resp` from a
/// successful envelope, or map the raw error code to `C`.
fn finish<Resp: DeserializeOwned, C: ErrorCode>(raw: Result<RawResponse, Error<RawCode>>) -> Result<Resp, Error<C>> {
    match raw {
        Ok(raw) => raw.decode().map_err(Error::Decode),
        Err(e) => Err(e.map_code(|c| C::from_code(&c.0))),
    }
}

/// A non-200 reply: kept as a status error with an excerpt of the start of its body.
pub(crate) fn status_error(status: u16, head: &[u8]) -> TransportError {
    TransportError::new(TransportErrorKind::Status).with_status(status).with_body(head)
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "Response")]
    response: Box<RawValue>,
}

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "Error", default)]
    error: Option<ApiErrorBody>,
    #[serde(rename = "RequestId", default)]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ApiErrorBody {
    #[serde(rename = "Code")]
    code: String,
    #[serde(rename = "Message", default)]
    message: Option<String>,
}

/// Splits a 200 body into success (the raw `Response` object) or `Response.Error`.
pub(crate) fn parse_envelope(status: u16, body: Bytes) -> Result<RawResponse, Error<RawCode>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::Decode(DecodeError::new(DecodeErrorKind::InvalidJson, status, &body, None)));
    }
    let envelope: Envelope = serde_json::from_slice(&body).map_err(|e| {
        let kind = match e.classify() {
            serde_json::error::Category::Eof => DecodeErrorKind::Truncated,
            serde_json::error::Category::Data => DecodeErrorKind::Envelope,
            // Valid JSON of another shape (`[1,2]`) can fail as a syntax error inside serde's
            // sequence-as-struct path; a second parse tells the two apart (error path only).
            _ if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok() => DecodeErrorKind::Envelope,
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => DecodeErrorKind::InvalidJson,
        };
        Error::Decode(DecodeError::new(kind, status, &body, Some(e)))
    })?;
    let probe: Probe = serde_json::from_str(envelope.response.get())
        .map_err(|e| Error::Decode(DecodeError::new(DecodeErrorKind::Envelope, status, &body, Some(e))))?;
    if let Some(err) = probe.error {
        // A hostile or broken server can send megabytes here: each part is bounded, and says
        // how much was cut.
        return Err(Error::Api(ApiError {
            code: RawCode(truncate_noting(err.code, CODE_BYTES)),
            message: truncate_noting(err.message.unwrap_or_default(), API_MESSAGE_BYTES),
            request_id: truncate_noting(probe.request_id.unwrap_or_default(), REQUEST_ID_BYTES),
        }));
    }
    Ok(RawResponse { status, body, response: envelope.response, request_id: probe.request_id, decoding: Decoding::default() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXCERPT_BYTES;
    use crate::query;

    fn parse(body: &str) -> Result<RawResponse, Error<RawCode>> {
        parse_envelope(200, Bytes::copy_from_slice(body.as_bytes()))
    }

    fn decode_kind(body: &str) -> DecodeErrorKind {
        match parse(body) {
            Err(Error::Decode(d)) => d.kind(),
            other => panic!("expected a decode error for {body:?}, got {other:?}"),
        }
    }

    #[test]
    fn envelopes() {
        let ok = parse(r#"{"Response":{"TotalCount":1,"RequestId":"r1"},"Extra":1}"#).unwrap();
        assert_eq!(ok.request_id(), Some("r1"));
        assert_eq!(ok.response_json(), r#"{"TotalCount":1,"RequestId":"r1"}"#);
        let err = parse(r#"{"Response":{"Error":{"Code":"InvalidParameter","Message":"bad"},"RequestId":"r2"}}"#)
            .unwrap_err();
        match err {
            Error::Api(a) => {
                assert_eq!(a.code, RawCode("InvalidParameter".into()));
                assert_eq!(a.message, "bad");
                assert_eq!(a.request_id, "r2");
            }
            other => panic!("{other:?}"),
        }
        assert!(parse(r#"{"Response":{"Error":null,"RequestId":"r"}}"#).is_ok());
        assert_eq!(decode_kind(""), DecodeErrorKind::InvalidJson);
        assert_eq!(decode_kind("<html>"), DecodeErrorKind::InvalidJson);
        assert_eq!(decode_kind(r#"{"Response":{"A":"#), DecodeErrorKind::Truncated);
        assert_eq!(decode_kind(r#"{"Other":{}}"#), DecodeErrorKind::Envelope);
        assert_eq!(decode_kind(r#"{"Response":5}"#), DecodeErrorKind::Envelope);
        assert_eq!(decode_kind(r#"{"Response":{"Error":"x"}}"#), DecodeErrorKind::Envelope);
        assert_eq!(decode_kind(r#"[1,2]"#), DecodeErrorKind::Envelope);
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Shape {
        #[serde(rename = "Count", deserialize_with = "crate::de::i64")]
        count: i64,
        #[serde(rename = "On", default)]
        on: bool,
    }

    /// Regression: serde's messages quote the rejected value (`invalid type: string "..."`),
    /// so a hostile 100 KB string in an integer field used to reach `Display` and `source()`
    /// whole; the excerpt was bounded but the message was not.
    #[test]
    fn decode_errors_keep_bounded_messages_and_request_ids() {
        let huge = "9".repeat(50_000) + &"x".repeat(50_000);
        let long_id = "r".repeat(10_000);
        let bodies = [
            format!(r#"{{"Response":{{"Count":"{huge}","RequestId":"{long_id}"}}}}"#),
            format!(r#"{{"Response":{{"Count":1,"On":"{huge}","RequestId":"{long_id}"}}}}"#),
            format!(r#"{{"Response":{{"Error":{{"Code":["{huge}"]}},"RequestId":"{long_id}"}}}}"#),
            format!(r#"{{"Response":"{huge}"}}"#),
        ];
        for body in &bodies {
            let err = decode_response::<Shape, RawCode>(200, body.as_bytes()).unwrap_err();
            let Error::Decode(d) = &err else { panic!("{err:?}") };
            let shown = err.to_string();
            let bound = EXCERPT_BYTES + crate::error::MESSAGE_BYTES + REQUEST_ID_BYTES + 300;
            assert!(shown.len() < bound, "{} bytes: {}", shown.len(), &shown[..400]);
            let source = std::error::Error::source(&err).expect("a parser error").to_string();
            assert!(source.len() < crate::error::MESSAGE_BYTES + 64, "{source}");
            assert!(d.request_id().is_none_or(|id| id.len() <= crate::error::REQUEST_ID_BYTES + 3));
            assert!(d.json_error().is_some_and(|j| j.line() == 1 && j.column() > 0));
        }
    }

    /// Regression (issue 13.5): `Response.Error`'s Code, Message and RequestId were kept whole,
    /// so a hostile server's 10 MiB message reached every `Display` and log line.
    #[test]
    fn api_error_parts_are_bounded_and_say_how_much_was_cut() {
        let (code, message, id) = ("C".repeat(5000), "m".repeat(100_000), "r".repeat(3000));
        let body = format!(r#"{{"Response":{{"Error":{{"Code":"{code}","Message":"{message}"}},"RequestId":"{id}"}}}}"#);
        let Err(Error::Api(e)) = parse(&body) else { panic!() };
        assert_eq!(e.code.0, format!("{}…[+{} bytes]", &code[..CODE_BYTES], 5000 - CODE_BYTES));
        assert_eq!(e.message, format!("{}…[+{} bytes]", &message[..API_MESSAGE_BYTES], 100_000 - API_MESSAGE_BYTES));
        assert_eq!(e.request_id, format!("{}…[+{} bytes]", &id[..REQUEST_ID_BYTES], 3000 - REQUEST_ID_BYTES));
        assert!(Error::Api(e).to_string().len() < CODE_BYTES + API_MESSAGE_BYTES + REQUEST_ID_BYTES + 100);
        // Short parts are kept exactly; a cut never splits a character.
        let body = format!(r#"{{"Response":{{"Error":{{"Code":"X","Message":"{}"}},"RequestId":"r"}}}}"#, "é".repeat(600));
        let Err(Error::Api(e)) = parse(&body) else { panic!() };
        assert_eq!(e.code.0, "X");
        assert!(e.message.starts_with(&"é".repeat(512)) && e.message.ends_with("…[+176 bytes]"), "{}", e.message);
    }

    #[test]
    fn decode_response_matches_the_call_path() {
        let ok: Shape = decode_response::<_, RawCode>(200, br#"{"Response":{"Count":"7","RequestId":"r"}}"#).unwrap();
        assert_eq!(ok.count, 7);
        let api = decode_response::<Shape, RawCode>(200, br#"{"Response":{"Error":{"Code":"X.Y"},"RequestId":"r"}}"#);
        assert!(matches!(api, Err(Error::Api(a)) if a.code.0 == "X.Y" && a.request_id == "r"));
        let big = vec![b'<'; 4000];
        match decode_response::<Shape, RawCode>(503, &big) {
            Err(Error::Transport(t)) => {
                assert_eq!((t.kind(), t.status()), (TransportErrorKind::Status, Some(503)));
                assert_eq!(t.body_excerpt().map(str::len), Some(EXCERPT_BYTES));
                assert!(t.is_retryable());
            }
            other => panic!("{other:?}"),
        }
        // A 200 with an error-shaped body of the wrong kind is a decode error, not a panic.
        assert!(matches!(decode_response::<Shape, RawCode>(200, b"\xff\xfe"), Err(Error::Decode(_))));
    }

    /// Regression (found by the robustness request round trips): serde_json's default float
    /// parser is off by one ULP for some values, so a GET request (serialized, re-parsed as a
    /// `Value`, flattened) sent another number than the caller's, and a Float response field
    /// decoded to a neighbour of the sent value. The runtime enables `float_roundtrip`.
    #[test]
    fn floats_survive_parsing_exactly() {
        for x in [-2.300511769476978e-11, 5e-324, 1.7976931348623157e308, 0.1, 123_456.789_012_345_68] {
            let text = serde_json::to_string(&x).unwrap();
            let back: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back.as_f64(), Some(x), "{text}");
            assert_eq!(query::to_query_string(&serde_json::json!({ "W": back })), format!("W={}", query::encode_component(&text)));
            let body = format!(r#"{{"Response":{{"W":{text},"RequestId":"r"}}}}"#);
            let v: serde_json::Value = decode_response::<_, RawCode>(200, body.as_bytes()).unwrap();
            assert_eq!(v["W"].as_f64(), Some(x), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn envelope_parsing_is_total(body in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_envelope(200, Bytes::from(body));
        }

        #[test]
        fn envelope_parsing_is_total_on_json_like(s in r#"[{}\[\]":,0-9a-zA-Z ]{0,80}"#) {
            let _ = parse(&format!(r#"{{"Response":{s}"#));
            let _ = parse(&s);
        }
    }
}
