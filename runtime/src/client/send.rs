//! Sending one call: prepare the request once (endpoint, body or query, idempotency token),
//! then attempts under the operation timeout: rate limit, sign, send, read with the attempt
//! timeout, and retry by the action's safety within the retry budget.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use tokio::time::Instant;

use super::envelope::{parse_envelope, status_error};
use super::{Client, RawResponse};
use crate::config::Method;
use crate::keys::{Credentials, CredentialsSource};
use crate::error::{
    DecodeError, DecodeErrorKind, EXCERPT_BYTES, Error, RawCode, Timeout, TransportError, TransportErrorKind,
};
use crate::idempotency::{self, Token};
use crate::retry::{Retry, SUCCESS_REFUND, retry_cost};
use crate::sign::{self, SignInput};
use crate::{ActionInfo, ServiceInfo, query, time};

/// Per-call request parts that do not change between attempts.
struct Prepared {
    target: Arc<Target>,
    /// The URL with the query (GET); `None`: the target's URL.
    url: Option<reqwest::Url>,
    query: String,
    payload: Bytes,
    token: Token,
}

impl Prepared {
    fn url(&self) -> &reqwest::Url {
        self.url.as_ref().unwrap_or(&self.target.url)
    }
}

/// Where a service's calls go, parsed once per client: `scheme://host/`, the `Host` value
/// (signed), its header, and the region's header.
pub(super) struct Target {
    url: reqwest::Url,
    host: String,
    host_value: HeaderValue,
    region_value: Option<HeaderValue>,
}

/// The targets a client has resolved, by service descriptor (its address: descriptors are
/// `'static`). Few: one per service the process calls; past [`Targets::MAX`] (untyped actions
/// of many services) the others are resolved per call, as they all were before.
#[derive(Default)]
pub(super) struct Targets {
    resolved: RwLock<Vec<(usize, Arc<Target>)>>,
}

impl Targets {
    const MAX: usize = 64;

    fn get(
        &self,
        service: &'static ServiceInfo,
        resolve: impl FnOnce() -> Result<Target, Error<RawCode>>,
    ) -> Result<Arc<Target>, Error<RawCode>> {
        let key = std::ptr::from_ref(service) as usize;
        let found = |v: &[(usize, Arc<Target>)]| v.iter().find(|(k, _)| *k == key).map(|(_, t)| Arc::clone(t));
        if let Some(t) = found(&self.resolved.read().unwrap_or_else(PoisonError::into_inner)) {
            return Ok(t);
        }
        let target = Arc::new(resolve()?);
        let mut resolved = self.resolved.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(t) = found(&resolved) {
            return Ok(t);
        }
        if resolved.len() < Self::MAX {
            resolved.push((key, Arc::clone(&target)));
        }
        Ok(target)
    }
}

impl Client {
    /// The whole call under the operation timeout; transport errors say where they happened.
    pub(super) async fn run(
        &self,
        action: &'static ActionInfo,
        body: Vec<u8>,
        span: tracing::Span,
    ) -> Result<RawResponse, Error<RawCode>> {
        let mut made = 0;
        let result = self.attempts(action, body, &mut made, &span).await;
        result.map_err(|e| match e {
            Error::Transport(t) => {
                let shared = &self.inner.shared;
                let target = shared.endpoint.describe(action.service, shared.region.as_deref());
                let t = t.with_context(action.name, target, made);
                tracing::debug!(error = %t, "tc.call: failed");
                Error::Transport(t)
            }
            Error::Decode(d) if self.inner.options.sensitive => {
                // The excerpt of a reply that holds credentials must not reach a log.
                tracing::debug!(kind = ?d.kind(), status = d.status(), "tc.call: failed: undecodable reply (body not logged)");
                Error::Decode(d)
            }
            other => {
                tracing::debug!(error = %other, "tc.call: failed");
                other
            }
        })
    }

    /// Attempts until success, a failure that may not be retried, the last attempt, or the
    /// operation deadline. Every wait (the limiter, each attempt, each backoff) is bounded by
    /// the deadline itself, so the fast path arms one timer per attempt, not two.
    async fn attempts(
        &self,
        action: &'static ActionInfo,
        body: Vec<u8>,
        made: &mut u32,
        span: &tracing::Span,
    ) -> Result<RawResponse, Error<RawCode>> {
        let (shared, options) = (&*self.inner.shared, &self.inner.options);
        let retry = &options.retry;
        let operation_timeout = options.operation_timeout;
        let deadline = deadline_after(Instant::now(), operation_timeout);
        let timed_out = || Error::Transport(TransportError::timed_out(Timeout::Operation(operation_timeout)));
        let prepared = self.prepare(action, body)?;
        // One credentials value for every attempt of the call: one consistent (id, key, token).
        let creds = match &shared.credentials {
            _ if action.unsigned => None,
            None => None,
            Some(provider) => match tokio::time::timeout_at(deadline, provider.provide_credentials()).await {
                Err(_) => return Err(timed_out()),
                Ok(creds) => {
                    let creds = creds.map_err(Error::Credentials)?;
                    creds.validate(&CredentialsSource::Explicit).map_err(Error::Credentials)?;
                    Some(creds)
                }
            },
        };
        let limiter = shared.limiters.get(action, creds.as_ref().map_or("", |c| c.secret_id()));
        let budget = retry.retry_budget().map(|capacity| {
            shared.budgets.get(action.service.name, capacity, || {
                let (scheme, host) = shared.endpoint.resolve(action.service, shared.region.as_deref());
                format!("{}://{host}", scheme.as_str())
            })
        });
        let mut taken = 0;
        let mut attempt = 0;
        loop {
            attempt += 1;
            *made = attempt;
            span.record("attempt", attempt);
            if let Some(l) = &limiter {
                if tokio::time::timeout_at(deadline, l.acquire()).await.is_err() {
                    return Err(timed_out());
                }
            }
            let result = self.attempt(action, creds.as_ref(), &prepared, deadline).await;
            let request_id = match &result {
                Ok(raw) => raw.request_id(),
                Err(e) => e.request_id(),
            };
            if let Some(id) = request_id {
                span.record("request_id", id);
            }
            let e = match result {
                Ok(raw) => {
                    if let Some(b) = &budget {
                        b.refund(if taken == 0 { SUCCESS_REFUND } else { taken });
                    }
                    return Ok(raw);
                }
                Err(e) => e,
            };
            if attempt >= retry.max_attempts() || is_operation_timeout(&e) {
                return Err(e);
            }
            if let Retry::No(note) = retry.may_retry(&e, action.idempotent, prepared.token.present()) {
                return Err(noted(e, note));
            }
            let delay = shared.jitter.full_jitter(retry.backoff_cap(attempt));
            if Instant::now() + delay >= deadline {
                return Err(noted(e, Some("not retried: the backoff would outlast the operation timeout")));
            }
            if let Some(b) = &budget {
                let cost = retry_cost(&e);
                if !b.try_take(cost).await {
                    return Err(noted(e, Some("not retried: the retry budget of this endpoint is spent")));
                }
                taken += cost;
            }
            tracing::debug!(
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %e,
                "tc.call: retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// The URL, `Host` and region headers of `service`'s calls on this client.
    fn resolve(&self, service: &'static ServiceInfo) -> Result<Target, Error<RawCode>> {
        let shared = &*self.inner.shared;
        let (scheme, host) = shared.endpoint.resolve(service, shared.region.as_deref());
        let host_value = HeaderValue::from_str(&host).map_err(|e| {
            Error::Transport(TransportError::new(TransportErrorKind::Other).with_detail("invalid host").with_source(e))
        })?;
        let url = reqwest::Url::parse(&format!("{}://{host}/", scheme.as_str())).map_err(|e| {
            Error::Transport(TransportError::new(TransportErrorKind::Other).with_detail("invalid URL").with_source(e))
        })?;
        let region_value = match &shared.region {
            Some(region) => Some(HeaderValue::from_str(region).map_err(|_| header_error("region"))?),
            None => None,
        };
        Ok(Target { url, host, host_value, region_value })
    }

    fn prepare(&self, action: &'static ActionInfo, body: Vec<u8>) -> Result<Prepared, Error<RawCode>> {
        let shared = &*self.inner.shared;
        let target = shared.targets.get(action.service, || self.resolve(action.service))?;
        // A parameterless request serialized from `()` is `null`; the API expects `{}`.
        let body = if body == b"null" { b"{}".to_vec() } else { body };
        let mut token = Token::Absent;
        let (query, payload) = match (shared.method, action.idempotency_token) {
            (Method::Post, None) => (String::new(), Bytes::from(body)),
            (method, name) => {
                let mut value: Value = serde_json::from_slice(&body).map_err(|e| Error::Decode(encode_error(e)))?;
                if let Some(name) = name {
                    token = idempotency::fill(&mut value, name, self.inner.options.retry.idempotency_tokens());
                }
                match method {
                    Method::Get => (query::to_query_string(&value), Bytes::new()),
                    Method::Post if token == Token::Filled => {
                        let body = serde_json::to_vec(&value).map_err(|e| Error::Decode(encode_error(e)))?;
                        (String::new(), Bytes::from(body))
                    }
                    Method::Post => (String::new(), Bytes::from(body)),
                }
            }
        };
        let url = (!query.is_empty()).then(|| {
            let mut url = target.url.clone();
            url.set_query(Some(&query));
            url
        });
        Ok(Prepared { target, url, query, payload, token })
    }

    /// One attempt, bounded by the attempt timeout or the operation `deadline`, whichever
    /// comes first (the error says which).
    async fn attempt(
        &self,
        action: &'static ActionInfo,
        creds: Option<&Credentials>,
        p: &Prepared,
        deadline: Instant,
    ) -> Result<RawResponse, Error<RawCode>> {
        let shared = &*self.inner.shared;
        let method = shared.method;
        let timestamp = time::now_unix();
        let authorization = match creds {
            Some(creds) => sign::authorization_cached(
                &SignInput {
                    method: method.as_str(),
                    host: &p.target.host,
                    canonical_query: &p.query,
                    content_type: method.content_type(),
                    payload: &p.payload,
                    service: action.service.name,
                    timestamp,
                    secret_id: creds.secret_id(),
                    secret_key: creds.secret_key().expose_secret(),
                    extra_signed_headers: &[],
                },
                &shared.signing_keys,
            ),
            // What the official SDKs send for actions that take no signature.
            None => "SKIP".to_owned(),
        };
        let headers = self.headers(action, creds, p, timestamp, &authorization)?;
        let http_method = match method {
            Method::Post => reqwest::Method::POST,
            Method::Get => reqwest::Method::GET,
        };
        // The request as `RequestBuilder` would make it, without its copy of every header
        // into a second map.
        let mut request = reqwest::Request::new(http_method, p.url().clone());
        *request.headers_mut() = headers;
        *request.body_mut() = Some(p.payload.clone().into());
        let (cap, connect_timeout, http) = (shared.max_response_bytes, shared.connect_timeout, &shared.http);
        let exchange = async move {
            let response = http.execute(request).await.map_err(|e| transport_error(e, connect_timeout))?;
            read_body(response, cap).await
        };
        let options = &self.inner.options;
        let attempt_deadline = deadline_after(Instant::now(), options.timeout);
        let (until, which) = if attempt_deadline < deadline {
            (attempt_deadline, Timeout::Attempt(options.timeout))
        } else {
            (deadline, Timeout::Operation(options.operation_timeout))
        };
        let (status, body) = match tokio::time::timeout_at(until, exchange).await {
            Ok(result) => result.map_err(Error::Transport)?,
            Err(_) => return Err(Error::Transport(TransportError::timed_out(which))),
        };
        parse_envelope(status, body).map(|raw| raw.with_decoding(action.name, self.inner.options.strict, &shared.corrections))
    }

    fn headers(
        &self,
        action: &'static ActionInfo,
        creds: Option<&Credentials>,
        p: &Prepared,
        timestamp: i64,
        authorization: &str,
    ) -> Result<HeaderMap, Error<RawCode>> {
        let shared = &*self.inner.shared;
        let mut h = HeaderMap::with_capacity(12);
        let value = |s: &str, what: &'static str| HeaderValue::from_str(s).map_err(|_| header_error(what));
        h.insert(header::HOST, p.target.host_value.clone());
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static(shared.method.content_type()));
        h.insert(X_TC_ACTION, static_value(action.name, "action name")?);
        h.insert(X_TC_VERSION, static_value(action.service.version, "service version")?);
        h.insert(X_TC_TIMESTAMP, HeaderValue::from(timestamp));
        if let Some(region) = &p.target.region_value {
            h.insert(X_TC_REGION, region.clone());
        }
        if let Some(token) = creds.and_then(Credentials::token) {
            let mut v = value(token.expose_secret(), "token")?;
            v.set_sensitive(true);
            h.insert(X_TC_TOKEN, v);
        }
        h.insert(X_TC_LANGUAGE, HeaderValue::from_static(shared.language.as_str()));
        h.insert(X_TC_REQUESTCLIENT, shared.request_client.clone());
        h.insert(header::USER_AGENT, shared.request_client.clone());
        let mut auth = value(authorization, "Authorization")?;
        auth.set_sensitive(true);
        h.insert(header::AUTHORIZATION, auth);
        Ok(h)
    }
}

/// `now + timeout`, or about 30 years from now when that overflows (as tokio does).
fn deadline_after(now: Instant, timeout: Duration) -> Instant {
    now.checked_add(timeout).unwrap_or_else(|| now + Duration::from_secs(86_400 * 365 * 30))
}

fn is_operation_timeout(e: &Error<RawCode>) -> bool {
    matches!(e, Error::Transport(t) if matches!(t.timeout(), Some(Timeout::Operation(_))))
}

/// Adds why a failure was not retried, to transport errors (API errors have no room for it).
fn noted(e: Error<RawCode>, note: Option<&'static str>) -> Error<RawCode> {
    match (e, note) {
        (Error::Transport(t), Some(note)) => Error::Transport(t.with_note(note)),
        (e, _) => e,
    }
}

const X_TC_ACTION: HeaderName = HeaderName::from_static("x-tc-action");
const X_TC_VERSION: HeaderName = HeaderName::from_static("x-tc-version");
const X_TC_TIMESTAMP: HeaderName = HeaderName::from_static("x-tc-timestamp");
const X_TC_REGION: HeaderName = HeaderName::from_static("x-tc-region");
const X_TC_TOKEN: HeaderName = HeaderName::from_static("x-tc-token");
const X_TC_LANGUAGE: HeaderName = HeaderName::from_static("x-tc-language");
const X_TC_REQUESTCLIENT: HeaderName = HeaderName::from_static("x-tc-requestclient");

fn header_error(what: &'static str) -> Error<RawCode> {
    Error::Transport(
        TransportError::new(TransportErrorKind::Other).with_detail(format!("{what} is not a valid header value")),
    )
}

/// A header value of a descriptor's text, not copied. `HeaderValue::from_static` takes
/// visible ASCII only (and panics otherwise); other bytes `from_str` accepts (obs-text) are
/// copied as before.
fn static_value(s: &'static str, what: &'static str) -> Result<HeaderValue, Error<RawCode>> {
    if s.bytes().all(|b| b == b'\t' || (32..127).contains(&b)) {
        Ok(HeaderValue::from_static(s))
    } else {
        HeaderValue::from_str(s).map_err(|_| header_error(what))
    }
}

fn encode_error(e: serde_json::Error) -> DecodeError {
    DecodeError::new(DecodeErrorKind::Request, 0, b"", Some(e))
}

/// Classifies an error of the HTTP client. A connect error (refused, DNS, TLS, connect
/// timeout) is [`TransportErrorKind::Connect`] even when it is a timeout: what matters for
/// retries is that nothing was sent.
fn transport_error(e: reqwest::Error, connect_timeout: Duration) -> TransportError {
    let err = if e.is_connect() && e.is_timeout() {
        // The cause is the HTTP client's bare "operation timed out": the timeout says it.
        return TransportError::new(TransportErrorKind::Connect).with_timeout(Timeout::Connect(connect_timeout));
    } else if e.is_connect() {
        TransportError::new(TransportErrorKind::Connect)
    } else if e.is_timeout() {
        TransportError::new(TransportErrorKind::Timeout)
    } else if e.is_body() || e.is_decode() || e.is_request() {
        TransportError::new(TransportErrorKind::Network)
    } else {
        TransportError::new(TransportErrorKind::Other)
    };
    let status = e.status().map(|s| s.as_u16());
    let err = err.with_source(e.without_url());
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
    // A body that arrives in one chunk (a small reply usually does) is kept as it came, not
    // copied; a second chunk starts a buffer. The chunk is a slice of hyper's read buffer,
    // which `Client::call` releases as soon as the response is decoded (a caller of
    // `call_raw` that keeps the `RawResponse` keeps that buffer).
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let have = first.as_ref().map_or(body.len(), Bytes::len);
                if chunk.len() > cap - have {
                    let got = first.as_deref().unwrap_or(&body);
                    return Err(too_large(got, format!("body exceeds the {cap}-byte cap")));
                }
                if let Some(head) = first.take() {
                    let initial = declared.map_or(8 * 1024, |n| n as usize).min(cap).max(head.len() + chunk.len());
                    body.reserve(initial);
                    body.extend_from_slice(&head);
                    body.extend_from_slice(&chunk);
                } else if body.is_empty() {
                    first = Some(chunk);
                } else {
                    body.extend_from_slice(&chunk);
                }
            }
            Ok(None) => return Ok((status, first.unwrap_or_else(|| body.freeze()))),
            Err(e) => {
                if let Some(head) = first.take() {
                    body.extend_from_slice(&head);
                }
                let err = transport_error(e, Duration::ZERO);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Endpoint, Method};

    static TCSS: ServiceInfo =
        ServiceInfo { name: "tcss", version: "2020-11-01", default_host: "tcss.tencentcloudapi.com", intl_host: None };
    static CWP: ServiceInfo =
        ServiceInfo { name: "cwp", version: "2018-02-28", default_host: "cwp.tencentcloudapi.com", intl_host: None };
    static LIST: ActionInfo = ActionInfo {
        service: &TCSS,
        name: "DescribeImageAutoAuthorizedTaskList",
        rate_limit: None,
        idempotent: true,
        idempotency_token: None,
        unsigned: false,
    };
    static OTHER: ActionInfo = ActionInfo { name: "DescribeAbTestConfig", ..LIST };
    static MACHINES: ActionInfo = ActionInfo { service: &CWP, name: "DescribeMachines", ..LIST };

    fn client(method: Method) -> Client {
        Client::builder()
            .credentials(Credentials::new("AKIDtest0000000000000000", "test-key"))
            .endpoint(Endpoint::Regional)
            .region("ap-guangzhou")
            .method(method)
            .build()
            .unwrap()
    }

    #[test]
    fn targets_are_resolved_once_per_service() {
        let c = client(Method::Post);
        let a = c.prepare(&LIST, b"{}".to_vec()).unwrap();
        let b = c.prepare(&OTHER, b"{}".to_vec()).unwrap();
        let m = c.prepare(&MACHINES, b"{}".to_vec()).unwrap();
        assert!(Arc::ptr_eq(&a.target, &b.target), "one service, one target");
        assert!(!Arc::ptr_eq(&a.target, &m.target));
        assert_eq!(a.target.host, "tcss.ap-guangzhou.tencentcloudapi.com");
        assert_eq!(m.target.host, "cwp.ap-guangzhou.tencentcloudapi.com");
        assert_eq!(a.url().as_str(), "https://tcss.ap-guangzhou.tencentcloudapi.com/");
        assert_eq!(m.target.host_value, "cwp.ap-guangzhou.tencentcloudapi.com");
        assert_eq!(a.target.region_value.as_ref().unwrap(), "ap-guangzhou");
        // A view shares the client's targets.
        let v = c.with_retry(crate::RetryConfig::disabled()).prepare(&LIST, b"{}".to_vec()).unwrap();
        assert!(Arc::ptr_eq(&a.target, &v.target));
    }

    #[test]
    fn get_urls_are_what_parsing_the_whole_url_gives() {
        let c = client(Method::Get);
        let body = br#"{"Name":"a b/c?d#e&f=g","Filters":[{"Values":["\u672a\u547d\u540d","%20"]}],"On":true}"#;
        let p = c.prepare(&LIST, body.to_vec()).unwrap();
        let whole = format!("https://{}/?{}", p.target.host, p.query);
        assert_eq!(p.url(), &reqwest::Url::parse(&whole).unwrap());
        assert_eq!(p.url().query(), Some(p.query.as_str()));
        let empty = c.prepare(&LIST, b"{}".to_vec()).unwrap();
        assert_eq!(empty.url().as_str(), format!("https://{}/", empty.target.host));
    }

    #[test]
    fn descriptor_header_values_are_not_copied_but_checked() {
        assert_eq!(static_value("DescribeMachines", "action name").unwrap(), "DescribeMachines");
        assert!(static_value("bad\nname", "action name").is_err());
        // obs-text: accepted as `from_str` accepts it (copied).
        assert_eq!(static_value("caf\u{e9}", "action name").unwrap().as_bytes(), "caf\u{e9}".as_bytes());
    }
}
