//! The request pipeline: faults, then the checks of the real service in its order, then the
//! answer (the configured error, the configured or documented response, paginated items).
//!
//! Check order (the first failure answers): protocol (method, path, size, Content-Type) →
//! `X-TC-Action` present → `Authorization` present and well-formed → service (from a
//! `*.tencentcloudapi.com` Host, else from the credential scope) → action exists in it →
//! `X-TC-Version` → `X-TC-Timestamp` within the skew → SecretId known → token → credential
//! scope matches the service → signature → `X-TC-Language` → rate limit → parameters.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value, json};
use tc_codegen::ir::{Action, Field, Scalar, Service, Type};
use tc_runtime::sign::{self, VerifyError, VerifyRequest};

use crate::http::{Request, Response};
use crate::log::{Counters, LoggedRequest, Outcome, logged_headers};
use crate::state::{Behavior, Shared};
use crate::validate::{Encoding, validate_request};
use crate::{Fault, unflatten};

/// The largest GET query string accepted (PROTOCOL.md: 32 KB URL for GET).
pub(crate) const MAX_QUERY_BYTES: usize = 32 * 1024;
/// The public API domain: hosts under it name their service in the first label.
const API_DOMAIN: &str = "tencentcloudapi.com";

/// What to put on the wire for one request.
#[derive(Debug)]
pub(crate) enum Reply {
    /// A complete response.
    Full(Response),
    /// Close without responding.
    Drop,
    /// The head with the full length, half the body, then close.
    Partial(Response),
}

/// An error answer: code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiErr {
    pub(crate) code: String,
    pub(crate) message: String,
}

fn api_err(code: &str, message: impl Into<String>) -> ApiErr {
    ApiErr { code: code.to_owned(), message: message.into() }
}

/// `{"Response": {"Error": {...}, "RequestId": ...}}`.
pub(crate) fn error_envelope(err: &ApiErr, request_id: &str) -> Vec<u8> {
    let v = json!({"Response": {"Error": {"Code": err.code, "Message": err.message}, "RequestId": request_id}});
    v.to_string().into_bytes()
}

fn json_response(body: Vec<u8>) -> Response {
    Response { status: 200, content_type: "application/json", body }
}

/// A gateway's HTML error page.
fn html_page(status: u16) -> Response {
    let title = match status {
        502 => "502 Bad Gateway",
        503 => "503 Service Temporarily Unavailable",
        504 => "504 Gateway Time-out",
        500 => "500 Internal Server Error",
        s => return html_with(s, &format!("{s} Error")),
    };
    html_with(status, title)
}

fn html_with(status: u16, title: &str) -> Response {
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>tc-mock</center>\r\n</body>\r\n</html>\r\n"
    );
    Response { status, content_type: "text/html", body: body.into_bytes() }
}

/// The request-log entry of a request, before it is answered.
fn new_entry(shared: &Shared, req: &Request) -> LoggedRequest {
    LoggedRequest {
        seq: 0,
        received_at: req.received.saturating_duration_since(shared.started),
        method: req.method.clone(),
        action: action_name(req),
        service: None,
        secret_id: None,
        headers: logged_headers(&req.headers),
        params: None,
        fault: None,
        outcome: Outcome::Success,
        request_id: None,
    }
}

impl Shared {
    /// Handles one complete request.
    pub(crate) async fn handle(self: &Arc<Self>, req: Request) -> Reply {
        let received = req.received;
        let mut entry = new_entry(self, &req);
        let action = entry.action.clone();
        let fault = self.pick_fault(action.as_deref());
        entry.fault = fault.clone();
        match &fault {
            Some(Fault::Drop) => {
                entry.outcome = Outcome::Dropped;
                self.record(entry);
                return Reply::Drop;
            }
            Some(Fault::HttpStatus(status)) => {
                entry.outcome = Outcome::HttpStatus(*status);
                self.record(entry);
                return Reply::Full(html_page(*status));
            }
            Some(Fault::Error { code, message }) => {
                let err = api_err(code, message.clone());
                return Reply::Full(self.finish_error(entry, &err));
            }
            Some(Fault::Delay(d)) => tokio::time::sleep(*d).await,
            _ => {}
        }
        // A delay fault delays the arrival the limiter sees, as a slow network would.
        let arrival = if matches!(fault, Some(Fault::Delay(_))) { Instant::now() } else { received };
        let resp = match self.process(&req, &mut entry, arrival) {
            Ok(body) => {
                let request_id = body.get("RequestId").and_then(Value::as_str).map(str::to_owned);
                entry.request_id = request_id;
                entry.outcome = Outcome::Success;
                json_response(json!({ "Response": body }).to_string().into_bytes())
            }
            // The entry is recorded below, after the fault has had its say.
            Err(err) => self.finish_error_response(&mut entry, &err),
        };
        match fault {
            Some(Fault::NotJson) => {
                self.record(entry);
                Reply::Full(json_response(
                    b"upstream connect error or disconnect/reset before headers. reset reason: connection failure"
                        .to_vec(),
                ))
            }
            Some(Fault::TruncatedJson) => {
                self.record(entry);
                let mut body = resp.body;
                body.truncate(body.len() / 2);
                Reply::Full(json_response(body))
            }
            Some(Fault::DropMidBody) => {
                entry.outcome = Outcome::Dropped;
                self.record(entry);
                Reply::Partial(resp)
            }
            _ => {
                self.record(entry);
                Reply::Full(resp)
            }
        }
    }

    /// The answer to a request whose body exceeded the cap (its head only).
    pub(crate) fn too_large(&self, head: &Request) -> Response {
        let mut entry = new_entry(self, head);
        let err = api_err(
            "RequestSizeLimitExceeded",
            format!("The request body exceeds the limit of {} bytes.", self.config.max_body_bytes),
        );
        let resp = self.finish_error_response(&mut entry, &err);
        self.record(entry);
        resp
    }

    fn finish_error(&self, mut entry: LoggedRequest, err: &ApiErr) -> Response {
        let resp = self.finish_error_response(&mut entry, err);
        self.record(entry);
        resp
    }

    fn finish_error_response(&self, entry: &mut LoggedRequest, err: &ApiErr) -> Response {
        let request_id = self.ids.next();
        entry.outcome = Outcome::Error { code: err.code.clone(), message: err.message.clone() };
        let body = error_envelope(err, &request_id);
        entry.request_id = Some(request_id);
        json_response(body)
    }

    fn record(&self, log: LoggedRequest) {
        let key = log.action.clone().unwrap_or_default();
        let mut inner = self.lock();
        let c: &mut Counters = inner.counters.entry(key).or_default();
        c.requests += 1;
        if log.fault.is_some() {
            c.faulted += 1;
        }
        match &log.outcome {
            Outcome::Success => c.succeeded += 1,
            Outcome::Error { code, .. } => {
                c.errors += 1;
                if code.starts_with("RequestLimitExceeded") {
                    c.throttled += 1;
                }
            }
            Outcome::HttpStatus(_) | Outcome::Dropped => {}
        }
        inner.push_log(log, self.config.log_capacity);
    }

    fn pick_fault(&self, action: Option<&str>) -> Option<Fault> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let rng = &mut inner.rng;
        inner.faults.pick(action, || rng.next_f64())
    }

    /// The checks and the answer; `Ok` is the object inside `Response`.
    fn process(&self, req: &Request, entry: &mut LoggedRequest, now: Instant) -> Result<Value, ApiErr> {
        // Protocol.
        let encoding = match req.method.as_str() {
            "POST" => Encoding::Json,
            "GET" => Encoding::Query,
            m => {
                return Err(api_err(
                    "UnsupportedProtocol",
                    format!("The HTTP method `{m}` is not supported; use GET or POST."),
                ));
            }
        };
        if req.path != "/" {
            return Err(api_err("UnsupportedProtocol", format!("The request path must be `/`, not `{}`.", req.path)));
        }
        if req.query.len() > MAX_QUERY_BYTES {
            return Err(api_err(
                "RequestSizeLimitExceeded",
                format!("The query string exceeds the limit of {MAX_QUERY_BYTES} bytes."),
            ));
        }
        let content_type = req.header("content-type").unwrap_or("");
        let media = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        let want = match encoding {
            Encoding::Json => "application/json",
            Encoding::Query => "application/x-www-form-urlencoded",
        };
        if media != want {
            return Err(api_err(
                "InvalidRequest",
                format!("The Content-Type `{content_type}` is not supported for {}; use `{want}`.", req.method),
            ));
        }

        // Action, credentials, service.
        let query_pairs = match encoding {
            Encoding::Query => tc_runtime::query::parse_query(&req.query),
            Encoding::Json => Vec::new(),
        };
        let action_name = entry
            .action
            .clone()
            .ok_or_else(|| api_err("MissingParameter", "The request is missing a required parameter `Action`."))?;
        let auth_header = req
            .header("authorization")
            .ok_or_else(|| api_err("AuthFailure.InvalidAuthorization", "The `Authorization` header is missing."))?;
        let auth = sign::parse_authorization(auth_header).map_err(|e| {
            api_err("AuthFailure.InvalidAuthorization", format!("The `Authorization` header is invalid: {e}."))
        })?;
        entry.secret_id = Some(auth.secret_id.clone());
        let host = req.header("host").unwrap_or("");
        let host_service = service_of_host(host);
        let service_name = host_service.clone().unwrap_or_else(|| auth.service.clone());
        let api = &self.api;
        let service = api
            .services
            .iter()
            .find(|s| s.name == service_name)
            .ok_or_else(|| api_err("NoSuchProduct", format!("The product `{service_name}` does not exist.")))?;
        entry.service = Some(service.name.clone());
        let action = service.actions.iter().find(|a| a.name == action_name).ok_or_else(|| {
            let elsewhere = api.services.iter().find(|s| s.actions.iter().any(|a| a.name == action_name));
            let hint =
                elsewhere.map_or(String::new(), |s| format!(" It is an action of `{}` ({}).", s.name, s.default_host));
            api_err(
                "InvalidAction",
                format!(
                    "The action `{action_name}` does not exist for `{}` version {}.{hint}",
                    service.name, service.version
                ),
            )
        })?;

        // Common parameters.
        let version = common_value(req, &query_pairs, "x-tc-version", "Version")
            .ok_or_else(|| api_err("MissingParameter", "The request is missing a required parameter `Version`."))?;
        if version != service.version {
            return Err(api_err(
                "NoSuchVersion",
                format!(
                    "The API version `{version}` does not exist for `{}`; it is {}.",
                    service.name, service.version
                ),
            ));
        }
        let ts_text = common_value(req, &query_pairs, "x-tc-timestamp", "Timestamp")
            .ok_or_else(|| api_err("MissingParameter", "The request is missing a required parameter `Timestamp`."))?;
        let timestamp: i64 =
            ts_text.parse().ok().filter(|_| ts_text.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| {
                api_err(
                    "InvalidParameter",
                    format!("The parameter `Timestamp` is invalid: `{ts_text}` is not a unix time in seconds."),
                )
            })?;
        let server_now = self.now_unix();
        let skew = self.config.skew_tolerance.as_secs();
        if server_now.abs_diff(timestamp) > skew {
            return Err(api_err(
                "AuthFailure.SignatureExpire",
                format!(
                    "Signature expired. Timestamp {timestamp} is more than {skew} s away from the server time {server_now}."
                ),
            ));
        }

        // Credentials and signature.
        let cred = self.config.credentials.iter().find(|c| c.secret_id == auth.secret_id).ok_or_else(|| {
            api_err(
                "AuthFailure.SecretIdNotFound",
                "The SecretId is not found, please ensure that your SecretId is correct.",
            )
        })?;
        if let Some(token) = &cred.token {
            if req.header("x-tc-token") != Some(token.as_str()) {
                return Err(api_err(
                    "AuthFailure.TokenFailure",
                    "The `X-TC-Token` is missing or does not match the SecretId.",
                ));
            }
        }
        if auth.service != service.name {
            return Err(api_err(
                "AuthFailure.SignatureFailure",
                format!(
                    "The credential scope names service `{}`, but the request is for `{}`.",
                    auth.service, service.name
                ),
            ));
        }
        let lookup = |name: &str| req.header(name).map(str::to_owned);
        let verify_req = VerifyRequest {
            method: &req.method,
            canonical_query: &req.query,
            payload: &req.body,
            timestamp,
            header: &lookup,
        };
        sign::verify(&auth, &verify_req, &cred.secret_key).map_err(|e| {
            let why = match e {
                VerifyError::SignatureMismatch => "the signature does not match".to_owned(),
                other => other.to_string(),
            };
            api_err(
                "AuthFailure.SignatureFailure",
                format!(
                    "The provided credentials could not be validated ({why}). Please check your signature is correct."
                ),
            )
        })?;
        if let Some(lang) = req.header("x-tc-language") {
            if lang != "zh-CN" && lang != "en-US" {
                return Err(api_err(
                    "InvalidParameterValue",
                    format!("The value of parameter `Language` is invalid: `{lang}` is not one of zh-CN, en-US."),
                ));
            }
        }

        // Rate limit.
        if !self.admit(&auth.secret_id, service, action, now) {
            return Err(api_err(
                "RequestLimitExceeded",
                format!(
                    "Your current request times exceed the frequency limit of {} per second for `{}`.",
                    self.rate_of(action).map_or(0, |(r, _)| r),
                    action.name
                ),
            ));
        }

        // Parameters.
        let raw = match encoding {
            Encoding::Json => parse_json_body(&req.body)?,
            Encoding::Query => {
                let common: Vec<&str> = api.common.parameters.iter().map(|p| p.name.as_str()).collect();
                let business: Vec<(String, String)> = query_pairs
                    .into_iter()
                    .filter(|(k, _)| !common.contains(&k.as_str()) || action.request.iter().any(|f| &f.name == k))
                    .collect();
                unflatten::unflatten(&business)
                    .map_err(|e| api_err("InvalidParameter", format!("The query string is invalid: {e}.")))?
            }
        };
        let params =
            validate_request(service, action, &raw, encoding).map_err(|v| api_err(v.kind.code(), v.message))?;
        entry.params = Some(params.clone());

        self.answer(service, action, &params)
    }

    fn answer(&self, service: &Service, action: &Action, params: &Value) -> Result<Value, ApiErr> {
        let behavior: Behavior = self.lock().behaviors.get(&action.name).cloned().unwrap_or_default();
        if let Some(err) = behavior.error {
            return Err(err);
        }
        let mut body = match behavior.response {
            Some(v) => v,
            None => default_response(service, action),
        };
        if let (Some(items), Some(p)) = (&behavior.items, &action.pagination) {
            let offset = page_param(action, params, &p.offset, 0)?;
            let limit = page_param(action, params, &p.limit, items.len() as i64)?;
            let start = usize::try_from(offset).unwrap_or(usize::MAX).min(items.len());
            let end = start.saturating_add(usize::try_from(limit).unwrap_or(usize::MAX)).min(items.len());
            body.insert(p.items.clone(), Value::Array(items[start..end].to_vec()));
            if let Some(total) = &p.total {
                body.insert(total.clone(), Value::from(items.len()));
            }
        }
        body.insert("RequestId".to_owned(), Value::String(self.ids.next()));
        Ok(Value::Object(body))
    }

    fn now_unix(&self) -> i64 {
        tc_runtime::time::now_unix().saturating_add(self.config.clock_offset_secs)
    }
}

/// `X-TC-Action`, or `Action` in a GET query (the seed pages' URL form).
fn action_name(req: &Request) -> Option<String> {
    if let Some(a) = req.header("x-tc-action") {
        return Some(a.to_owned());
    }
    if req.method == "GET" {
        return tc_runtime::query::parse_query(&req.query).into_iter().find(|(k, _)| k == "Action").map(|(_, v)| v);
    }
    None
}

/// A common parameter from its header, or else from the GET query.
fn common_value(req: &Request, query: &[(String, String)], header: &str, name: &str) -> Option<String> {
    req.header(header).map(str::to_owned).or_else(|| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
}

/// The service a `*.tencentcloudapi.com` host names (`tcss.ap-guangzhou.tencentcloudapi.com`
/// → `tcss`); `None` for other hosts (loopback, custom names), which leave the choice to the
/// credential scope.
pub(crate) fn service_of_host(host: &str) -> Option<String> {
    let host = host.trim().to_ascii_lowercase();
    if host.starts_with('[') {
        return None; // an IPv6 literal
    }
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h.to_owned(),
        _ => host,
    };
    let prefix = name.strip_suffix(API_DOMAIN)?.strip_suffix('.')?;
    let first = prefix.split('.').next().filter(|s| !s.is_empty())?;
    Some(first.to_owned())
}

fn parse_json_body(body: &[u8]) -> Result<Value, ApiErr> {
    // An action without parameters sends `{}`; an empty body is taken as the same.
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(api_err("InvalidParameter", "The request body is not a JSON object.")),
        Err(e) => Err(api_err("InvalidParameter", format!("The request body is not valid JSON: {e}."))),
    }
}

/// Offset or limit of a paginated request: given, else the documented default, else `fallback`.
fn page_param(action: &Action, params: &Value, name: &str, fallback: i64) -> Result<i64, ApiErr> {
    let documented =
        action.request.iter().find(|f| f.name == name).and_then(|f| f.default.as_ref()).and_then(Value::as_i64);
    let v = params.get(name).and_then(Value::as_i64).or(documented).unwrap_or(fallback);
    if v < 0 {
        return Err(api_err(
            "InvalidParameterValue",
            format!("The value of parameter `{name}` is invalid: `{v}` is negative."),
        ));
    }
    Ok(v)
}

/// The first documented success example's response (without `RequestId`; error examples
/// are skipped), or a skeleton of the declared fields when the spec has none.
pub(crate) fn default_response(service: &Service, action: &Action) -> Map<String, Value> {
    let success = action.examples.iter().map(|e| &e.response).find(|r| r.get("Error").is_none());
    if let Some(Value::Object(obj)) = success {
        let mut obj = obj.clone();
        obj.remove("RequestId");
        return obj;
    }
    skeleton(service, &action.response, 0)
}

fn skeleton(service: &Service, fields: &[Field], depth: usize) -> Map<String, Value> {
    fields
        .iter()
        .filter(|f| f.required || !f.nullable)
        .map(|f| (f.name.clone(), zero(service, &f.ty, f.default.as_ref(), depth)))
        .collect()
}

fn zero(service: &Service, ty: &Type, default: Option<&Value>, depth: usize) -> Value {
    if let Some(d) = default {
        return d.clone();
    }
    match ty {
        Type::Scalar(Scalar::Integer | Scalar::UInteger) => json!(0),
        Type::Scalar(Scalar::Float) => json!(0.0),
        Type::Scalar(Scalar::Boolean) => json!(false),
        Type::Scalar(Scalar::String) => json!(""),
        Type::Scalar(Scalar::Date) => json!("1970-01-01"),
        Type::Scalar(Scalar::DateTime) => json!("1970-01-01 00:00:00"),
        Type::Scalar(Scalar::Timestamp) => json!("1970-01-01T00:00:00Z"),
        Type::Array(_) => json!([]),
        Type::Struct(name) => match service.structures.iter().find(|s| &s.name == name) {
            // Structures nest at most 5 deep (PROTOCOL.md); the bound guards a malformed IR.
            Some(s) if depth < 16 => Value::Object(skeleton(service, &s.fields, depth + 1)),
            _ => json!({}),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_to_service() {
        assert_eq!(service_of_host("tcss.tencentcloudapi.com").as_deref(), Some("tcss"));
        assert_eq!(service_of_host("TCSS.intl.tencentcloudapi.com").as_deref(), Some("tcss"));
        assert_eq!(service_of_host("cwp.ap-guangzhou.tencentcloudapi.com:443").as_deref(), Some("cwp"));
        assert_eq!(service_of_host("127.0.0.1:9000"), None);
        assert_eq!(service_of_host("localhost"), None);
        assert_eq!(service_of_host("tencentcloudapi.com"), None);
        assert_eq!(service_of_host("evil-tencentcloudapi.com"), None);
        assert_eq!(service_of_host("[::1]:80"), None);
    }
}
