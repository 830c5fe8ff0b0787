//! The client: builder, the one call path, retries, timeouts, envelope parsing.
//!
//! [`Client::call`] is a thin generic shim: serialize the request to bytes, run the boxed,
//! non-generic [`Client::call_raw`] (sign, limit, send, retry, read, parse the envelope), then
//! deserialize `Resp` from the object inside `Response`. Each action thus adds only a
//! serializer and a deserializer to the binary, and the future `call` returns stays small.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use tracing::Instrument;

use crate::config::{
    ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, Endpoint, Language, Method,
    RateLimitConfig, RetryConfig,
};
use crate::credentials::{Credentials, CredentialsProvider, CredentialsSource};
use crate::error::{
    ApiError, DecodeError, DecodeErrorKind, EXCERPT_BYTES, Error, ErrorCode, RawCode, TransportError,
    TransportErrorKind,
};
use crate::limiter::Limiters;
use crate::retry::Jitter;
use crate::sign::{self, SignInput};
use crate::{ActionInfo, query, time};

/// The default `X-TC-RequestClient`: `tc-sdk-rust/<version>`.
pub const DEFAULT_REQUEST_CLIENT: &str = concat!("tc-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// The boxed future of [`Client::call_raw`].
pub type RawCallFuture<'a> = Pin<Box<dyn Future<Output = Result<RawResponse, Error<RawCode>>> + Send + 'a>>;

/// A Tencent Cloud API 3.0 client. Cheap to clone (an `Arc`); clones share the connection
/// pool and the rate limiters, so make one per process and clone it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    credentials: Arc<dyn CredentialsProvider>,
    endpoint: Endpoint,
    region: Option<String>,
    language: Language,
    request_client: HeaderValue,
    method: Method,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryConfig,
    max_response_bytes: usize,
    limiters: Limiters,
    jitter: Jitter,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("credentials", &i.credentials)
            .field("endpoint", &i.endpoint)
            .field("region", &i.region)
            .field("language", &i.language)
            .field("request_client", &i.request_client)
            .field("method", &i.method)
            .field("connect_timeout", &i.connect_timeout)
            .field("timeout", &i.timeout)
            .field("retry", &i.retry)
            .field("max_response_bytes", &i.max_response_bytes)
            .field("limiters", &i.limiters)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]. Every setting has a default; credentials default to the chain
/// (environment, then profile file).
#[derive(Debug)]
pub struct ClientBuilder {
    credentials: Option<Arc<dyn CredentialsProvider>>,
    endpoint: Endpoint,
    region: Option<String>,
    language: Language,
    request_client: String,
    method: Method,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryConfig,
    rate_limit: RateLimitConfig,
    max_response_bytes: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            credentials: None,
            endpoint: Endpoint::Default,
            region: None,
            language: Language::default(),
            request_client: DEFAULT_REQUEST_CLIENT.to_owned(),
            method: Method::Post,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryConfig::default(),
            rate_limit: RateLimitConfig::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl ClientBuilder {
    /// Fixed credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// Credentials asked for on every call (to refresh temporary ones, say).
    pub fn credentials_provider(mut self, provider: Arc<dyn CredentialsProvider>) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// Where requests go (default: each service's default host).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// The region (`X-TC-Region`), e.g. `ap-guangzhou`. Optional for region-less actions.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Language of messages (`X-TC-Language`, default `zh-CN`).
    pub fn language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }

    /// `X-TC-RequestClient` (default `tc-sdk-rust/<version>`).
    pub fn request_client(mut self, name: impl Into<String>) -> Self {
        self.request_client = name.into();
        self
    }

    /// POST JSON (default) or GET with a flattened query.
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Connect timeout (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Timeout of one attempt, from sending to the last body byte (default 60 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Retry policy (default: 3 attempts; [`RetryConfig::disabled`] for one).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Client-side rate limit (default: each action's documented rate, burst 1).
    pub fn rate_limit(mut self, rate_limit: RateLimitConfig) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Cap on a response body, enforced while reading (default 10 MiB).
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Checks the settings, resolves credentials (the default chain if none were given) and
    /// builds the HTTP client.
    pub fn build(self) -> Result<Client, ConfigError> {
        let credentials = match self.credentials {
            Some(c) => c,
            None => Arc::new(Credentials::default_chain()?),
        };
        // Validate what we can now, so a typo fails at build time rather than per call.
        credentials.credentials()?.validate(&CredentialsSource::Explicit)?;
        if let Some(r) = &self.region {
            let ok = !r.is_empty()
                && r.len() <= 64
                && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !ok {
                return Err(ConfigError::InvalidRegion(r.clone()));
            }
        }
        if self.endpoint == Endpoint::Regional && self.region.is_none() {
            return Err(ConfigError::MissingRegion);
        }
        if self.request_client.is_empty()
            || self.request_client.len() > 128
            || !self.request_client.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        {
            return Err(ConfigError::InvalidRequestClient);
        }
        let request_client =
            HeaderValue::from_str(&self.request_client).map_err(|_| ConfigError::InvalidRequestClient)?;
        let http = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                credentials,
                endpoint: self.endpoint,
                region: self.region,
                language: self.language,
                request_client,
                method: self.method,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                retry: self.retry,
                max_response_bytes: self.max_response_bytes,
                limiters: Limiters::new(self.rate_limit),
                jitter: Jitter::from_entropy(),
            }),
        })
    }
}

/// A successful reply (HTTP 200, an envelope without `Response.Error`), before decoding.
#[derive(Debug)]
pub struct RawResponse {
    status: u16,
    body: Bytes,
    response: Box<RawValue>,
    request_id: Option<String>,
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

    /// Deserializes the object inside `Response` as `T`.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        serde_json::from_str(self.response.get()).map_err(|e| self.decode_error(e))
    }

    fn decode_error(&self, e: serde_json::Error) -> DecodeError {
        DecodeError::new(DecodeErrorKind::Response, self.status, &self.body, Some(e))
            .with_request_id(self.request_id.clone())
    }
}

/// Decodes a reply exactly as [`Client::call`] does once the body is read: a status other
/// than 200 is a [`TransportErrorKind::Status`] error (with a bounded excerpt), a body that
/// is not a `{"Response": {...}}` envelope is a [`DecodeError`], `Response.Error` is an
/// [`Error::Api`] with the code mapped to `C`, anything else is decoded as `Resp`.
///
/// Pure and total: any status and bytes give `Ok` or a typed error, never a panic, and no
/// error keeps more than [`EXCERPT_BYTES`] of the body. Useful to decode recorded replies,
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
fn status_error(status: u16, head: &[u8]) -> TransportError {
    TransportError::new(TransportErrorKind::Status).with_status(status).with_body(head)
}

impl Client {
    /// A builder with every default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Credentials from the default chain, everything else default.
    pub fn from_env() -> Result<Client, ConfigError> {
        Self::builder().build()
    }

    /// The one call path: serialize `req` (POST JSON body or GET query), sign, send with
    /// retries/timeouts/rate limit, parse the envelope, decode `Resp` or map `Response.Error`
    /// to `C`. Generic only in this thin layer; the inner future is boxed.
    pub async fn call<Req, Resp, C>(&self, action: &'static ActionInfo, req: &Req) -> Result<Resp, Error<C>>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
        C: ErrorCode,
    {
        let body = match serde_json::to_vec(req) {
            Ok(body) => body,
            Err(e) => return Err(Error::Decode(encode_error(e))),
        };
        finish(self.call_raw(action, body).await)
    }

    /// The non-generic core of [`Client::call`]: `body` is the request as JSON bytes.
    pub fn call_raw(&self, action: &'static ActionInfo, body: Vec<u8>) -> RawCallFuture<'_> {
        let span = tracing::info_span!(
            "tc.call",
            service = action.service.name,
            action = action.name,
            attempt = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        Box::pin(self.run(action, body, span.clone()).instrument(span))
    }

    async fn run(
        &self,
        action: &'static ActionInfo,
        body: Vec<u8>,
        span: tracing::Span,
    ) -> Result<RawResponse, Error<RawCode>> {
        let inner = &*self.inner;
        let prepared = self.prepare(action, body)?;
        let creds = inner.credentials.credentials().map_err(Error::Credentials)?;
        creds.validate(&CredentialsSource::Explicit).map_err(Error::Credentials)?;
        let limiter = inner.limiters.get(action, creds.secret_id());
        let max_attempts = inner.retry.max_attempts().max(1);
        let mut attempt = 1;
        loop {
            span.record("attempt", attempt);
            if let Some(l) = &limiter {
                l.acquire().await;
            }
            let result = self.attempt(action, &creds, &prepared).await;
            let request_id = match &result {
                Ok(raw) => raw.request_id(),
                Err(e) => e.request_id(),
            };
            if let Some(id) = request_id {
                span.record("request_id", id);
            }
            match result {
                Ok(raw) => return Ok(raw),
                Err(e) if attempt < max_attempts && e.is_auto_retried() => {
                    let delay = inner.jitter.full_jitter(inner.retry.backoff_cap(attempt));
                    tracing::debug!(
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %e,
                        "tc.call: retrying"
                    );
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => {
                    tracing::debug!(attempt, error = %e, "tc.call: failed");
                    return Err(e);
                }
            }
        }
    }

    fn prepare(&self, action: &'static ActionInfo, body: Vec<u8>) -> Result<Prepared, Error<RawCode>> {
        let inner = &*self.inner;
        let (scheme, host) = inner.endpoint.resolve(action.service, inner.region.as_deref());
        let host_value = HeaderValue::from_str(&host).map_err(|e| {
            Error::Transport(TransportError::new(TransportErrorKind::Other).with_detail("invalid host").with_source(e))
        })?;
        // A parameterless request serialized from `()` is `null`; the API expects `{}`.
        let body = if body == b"null" { b"{}".to_vec() } else { body };
        let (query, payload) = match inner.method {
            Method::Post => (String::new(), Bytes::from(body)),
            Method::Get => {
                let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| Error::Decode(encode_error(e)))?;
                (query::to_query_string(&value), Bytes::new())
            }
        };
        let url = if query.is_empty() {
            format!("{}://{host}/", scheme.as_str())
        } else {
            format!("{}://{host}/?{query}", scheme.as_str())
        };
        let url = reqwest::Url::parse(&url).map_err(|e| {
            Error::Transport(TransportError::new(TransportErrorKind::Other).with_detail("invalid URL").with_source(e))
        })?;
        Ok(Prepared { url, host, host_value, query, payload })
    }

    async fn attempt(
        &self,
        action: &'static ActionInfo,
        creds: &Credentials,
        p: &Prepared,
    ) -> Result<RawResponse, Error<RawCode>> {
        let inner = &*self.inner;
        let method = inner.method;
        let timestamp = time::now_unix();
        let signature = sign::sign(&SignInput {
            method: method.as_str(),
            host: &p.host,
            canonical_query: &p.query,
            content_type: method.content_type(),
            payload: &p.payload,
            service: action.service.name,
            timestamp,
            secret_id: creds.secret_id(),
            secret_key: creds.secret_key().expose_secret(),
            extra_signed_headers: &[],
        });
        let headers = self.headers(action, creds, p, timestamp, &signature.authorization)?;
        let http_method = match method {
            Method::Post => reqwest::Method::POST,
            Method::Get => reqwest::Method::GET,
        };
        let request = inner.http.request(http_method, p.url.clone()).headers(headers).body(p.payload.clone());
        let cap = inner.max_response_bytes;
        let exchange = async move {
            let response = request.send().await.map_err(transport_error)?;
            read_body(response, cap).await
        };
        let (status, body) = match tokio::time::timeout(inner.timeout, exchange).await {
            Ok(result) => result.map_err(Error::Transport)?,
            Err(_) => {
                return Err(Error::Transport(
                    TransportError::new(TransportErrorKind::Timeout)
                        .with_detail(format!("no complete response within {:?}", inner.timeout)),
                ));
            }
        };
        parse_envelope(status, body)
    }

    fn headers(
        &self,
        action: &'static ActionInfo,
        creds: &Credentials,
        p: &Prepared,
        timestamp: i64,
        authorization: &str,
    ) -> Result<HeaderMap, Error<RawCode>> {
        let inner = &*self.inner;
        let mut h = HeaderMap::with_capacity(12);
        let header_error = |what: &'static str| {
            Error::Transport(
                TransportError::new(TransportErrorKind::Other).with_detail(format!("{what} is not a valid header value")),
            )
        };
        let value = |s: &str, what: &'static str| HeaderValue::from_str(s).map_err(|_| header_error(what));
        h.insert(header::HOST, p.host_value.clone());
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(inner.method.content_type()));
        h.insert(name("x-tc-action"), value(action.name, "action name")?);
        h.insert(name("x-tc-version"), value(action.service.version, "service version")?);
        h.insert(name("x-tc-timestamp"), HeaderValue::from(timestamp));
        if let Some(region) = &inner.region {
            h.insert(name("x-tc-region"), value(region, "region")?);
        }
        if let Some(token) = creds.token() {
            let mut v = value(token.expose_secret(), "token")?;
            v.set_sensitive(true);
            h.insert(name("x-tc-token"), v);
        }
        h.insert(name("x-tc-language"), HeaderValue::from_static(inner.language.as_str()));
        h.insert(name("x-tc-requestclient"), inner.request_client.clone());
        h.insert(header::USER_AGENT, inner.request_client.clone());
        let mut auth = value(authorization, "Authorization")?;
        auth.set_sensitive(true);
        h.insert(header::AUTHORIZATION, auth);
        Ok(h)
    }
}

fn name(n: &'static str) -> HeaderName {
    HeaderName::from_static(n)
}

/// Per-call request parts that do not change between attempts.
struct Prepared {
    url: reqwest::Url,
    host: String,
    host_value: HeaderValue,
    query: String,
    payload: Bytes,
}

fn encode_error(e: serde_json::Error) -> DecodeError {
    DecodeError::new(DecodeErrorKind::Request, 0, b"", Some(e))
}

fn transport_error(e: reqwest::Error) -> TransportError {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportErrorKind::Network
    } else {
        TransportErrorKind::Other
    };
    let status = e.status().map(|s| s.as_u16());
    let err = TransportError::new(kind).with_source(e.without_url());
    match status {
        Some(s) => err.with_status(s),
        None => err,
    }
}

/// Reads the body, never holding more than `cap` bytes. A non-200 status reads only an
/// excerpt and fails.
async fn read_body(mut response: reqwest::Response, cap: usize) -> Result<(u16, Bytes), TransportError> {
    let status = response.status().as_u16();
    if status != 200 {
        let mut head = BytesMut::new();
        while head.len() < EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => head.extend_from_slice(&chunk[..chunk.len().min(EXCERPT_BYTES - head.len())]),
                Ok(None) | Err(_) => break,
            }
        }
        return Err(status_error(status, &head));
    }
    let too_large = |got: &[u8], detail: String| {
        TransportError::new(TransportErrorKind::TooLarge).with_status(status).with_body(got).with_detail(detail)
    };
    let declared = response.content_length();
    if let Some(len) = declared {
        if len > cap as u64 {
            return Err(too_large(b"", format!("Content-Length {len} exceeds the {cap}-byte cap")));
        }
    }
    let initial = declared.map_or(8 * 1024, |n| n as usize).min(cap);
    let mut body = BytesMut::with_capacity(initial);
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if chunk.len() > cap - body.len() {
                    return Err(too_large(&body, format!("body exceeds the {cap}-byte cap")));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok((status, body.freeze())),
            Err(e) => {
                let err = transport_error(e);
                return Err(match err.kind() {
                    TransportErrorKind::Timeout => err,
                    _ => TransportError::new(TransportErrorKind::Network)
                        .with_status(status)
                        .with_body(&body)
                        .with_detail(format!("body ended after {} bytes", body.len()))
                        .with_source(err),
                });
            }
        }
    }
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
fn parse_envelope(status: u16, body: Bytes) -> Result<RawResponse, Error<RawCode>> {
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
        return Err(Error::Api(ApiError {
            code: RawCode(err.code),
            message: err.message.unwrap_or_default(),
            request_id: probe.request_id.unwrap_or_default(),
        }));
    }
    Ok(RawResponse { status, body, response: envelope.response, request_id: probe.request_id })
}

#[cfg(test)]
mod tests {
    use super::*;

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
            let bound = EXCERPT_BYTES + crate::error::MESSAGE_BYTES + crate::error::REQUEST_ID_BYTES + 300;
            assert!(shown.len() < bound, "{} bytes: {}", shown.len(), &shown[..400]);
            let source = std::error::Error::source(&err).expect("a parser error").to_string();
            assert!(source.len() < crate::error::MESSAGE_BYTES + 64, "{source}");
            assert!(d.request_id().is_none_or(|id| id.len() <= crate::error::REQUEST_ID_BYTES + 3));
            assert!(d.json_error().is_some_and(|j| j.line() == 1 && j.column() > 0));
        }
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
