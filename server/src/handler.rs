//! The request pipeline: a fault before execution, else the checks of the real service in
//! its order, then the execution (an idempotency token's first reply, or the answer of
//! `answer.rs`), then a fault after execution (`faults.rs` on phases).
//!
//! Check order (the first failure answers): protocol (method, path, size, Content-Type) →
//! action present → signature well-formed (TC3 `Authorization`, or signature v1 parameters:
//! `auth.rs`) → service (from a `*.tencentcloudapi.com` Host, else from the TC3 credential
//! scope, else, for v1, the service that has the action) → action exists in it → `Version` →
//! `Timestamp` within the skew → SecretId known → token → signature → `Language` → rate
//! limit → parameters → idempotency token length. A request that passes them all executes
//! (counted in [`crate::Counters::executed`]) unless its idempotency token was seen: then it
//! is answered the token's first reply (`idempotency.rs`).
//!
//! What is logged and counted is bounded whatever clients send (`log.rs`); messages that
//! echo what a client sent cut it to a readable length.

use std::sync::Arc;
use std::time::Instant;

use serde_json::{Map, Value, json};
use tc_codegen::ir::{Action, Api, Service};

use crate::answer::{answer, html_page};
use crate::auth::{Auth, V1_PARAMETERS};
use crate::faults::BEFORE_EXECUTION_CODE;
use crate::api_error::{ApiErr, api_err};
use crate::http::Response;
use crate::request::Request;
use crate::idempotency::TokenKey;
use crate::log::{
    Counters, LoggedRequest, MAX_LOGGED_NAME, Outcome, bounded_params, clip, error_outcome,
    logged_headers,
};
use crate::state::Shared;
use crate::validate::{Encoding, validate_request};
use crate::{Fault, MAX_IDEMPOTENCY_TOKEN_BYTES, Phase, unflatten};

/// The largest GET query string accepted (PROTOCOL.md: 32 KB URL for GET).
pub(crate) const MAX_QUERY_BYTES: usize = 32 * 1024;
/// The public API domain: hosts under it name their service in the first label.
const API_DOMAIN: &str = "tencentcloudapi.com";
/// How much of a client's text an error message echoes.
const ECHO: usize = 64;
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
/// The body of a [`Fault::NotJson`]: what an Envoy gateway answers when it cannot reach the
/// service.
const NOT_JSON: &[u8] =
    b"upstream connect error or disconnect/reset before headers. reset reason: connection failure";

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

/// A client's text cut for an error message.
fn echo(s: &str) -> String {
    clip(s, ECHO)
}

/// `{"Response": {"Error": {...}, "RequestId": ...}}`.
pub(crate) fn error_envelope(err: &ApiErr, request_id: &str) -> Vec<u8> {
    let v = json!({"Response": {"Error": {"Code": err.code, "Message": err.message}, "RequestId": request_id}});
    v.to_string().into_bytes()
}

fn json_response(body: Vec<u8>) -> Response {
    Response {
        status: 200,
        content_type: "application/json",
        body,
    }
}

/// The request-log entry of a request, before it is answered.
fn new_entry(shared: &Shared, req: &Request, action: Option<&str>) -> LoggedRequest {
    LoggedRequest {
        seq: 0,
        received_at: req.received.saturating_duration_since(shared.started),
        method: clip(&req.method, MAX_LOGGED_NAME),
        action: action.map(|a| shared.loggable_action(a)),
        service: None,
        secret_id: None,
        headers: logged_headers(&req.headers),
        params: None,
        fault: None,
        fault_phase: None,
        executed: false,
        replayed: false,
        outcome: Outcome::Success,
        request_id: None,
    }
}

/// The decoded parameters a request carries outside a JSON body: a GET query, or a
/// form-encoded POST body (signature v1). Empty for anything else.
fn form_pairs(req: &Request) -> Vec<(String, String)> {
    match req.method.as_str() {
        "GET" => tc_runtime::query::parse_query(&req.query),
        "POST" if media_type(req) == FORM => {
            tc_runtime::query::parse_query(&String::from_utf8_lossy(&req.body))
        }
        _ => Vec::new(),
    }
}

/// The lowercase media type of the Content-Type, without parameters.
fn media_type(req: &Request) -> String {
    req.header("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `X-TC-Action`, or else `Action` among the query or form parameters.
fn action_name(req: &Request, pairs: &[(String, String)]) -> Option<String> {
    if let Some(a) = req.header("x-tc-action") {
        return Some(a.to_owned());
    }
    pairs
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
}

impl Shared {
    /// Handles one complete request.
    pub(crate) async fn handle(self: &Arc<Self>, req: Request) -> Reply {
        let pairs = form_pairs(&req);
        let action = action_name(&req, &pairs);
        let mut entry = new_entry(self, &req, action.as_deref());
        let picked = self.pick_fault(action.as_deref());
        if let Some((fault, phase)) = &picked {
            entry.fault = Some(fault.clone());
            entry.fault_phase = Some(*phase);
        }
        let mut arrival = req.received;
        if let Some((fault, Phase::BeforeExecution)) = &picked {
            match fault {
                // Late on its way in: the limiter sees the delayed arrival, as after a slow
                // network; then it is checked and executed as usual.
                Fault::Delay(d) => {
                    tokio::time::sleep(*d).await;
                    arrival = Instant::now();
                }
                other => return self.refuse(entry, other),
            }
        }
        let resp = match self.process(&req, &pairs, action.as_deref(), &mut entry, arrival) {
            Ok(body) => {
                let request_id = body
                    .get("RequestId")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                entry.request_id = request_id;
                entry.outcome = Outcome::Success;
                json_response(json!({ "Response": body }).to_string().into_bytes())
            }
            Err(err) => self.finish_error_response(&mut entry, &err),
        };
        match picked {
            Some((fault, Phase::AfterExecution)) => self.spoil(entry, &fault, resp).await,
            _ => {
                self.record(entry);
                Reply::Full(resp)
            }
        }
    }

    /// A request that a fault answers before execution: not checked, not executed.
    fn refuse(&self, mut entry: LoggedRequest, fault: &Fault) -> Reply {
        let not_executed = || {
            api_err(
                BEFORE_EXECUTION_CODE,
                "An internal error occurred before the request reached the service (injected by tc-mock).",
            )
        };
        let reply = match fault {
            Fault::Drop => {
                entry.outcome = Outcome::Dropped;
                Reply::Drop
            }
            Fault::HttpStatus(status) => {
                entry.outcome = Outcome::HttpStatus(*status);
                Reply::Full(html_page(*status))
            }
            Fault::Error { code, message } => {
                Reply::Full(self.finish_error_response(&mut entry, &api_err(code, message.clone())))
            }
            Fault::NotJson => {
                self.finish_error_response(&mut entry, &not_executed());
                Reply::Full(json_response(NOT_JSON.to_vec()))
            }
            Fault::TruncatedJson => {
                let mut resp = self.finish_error_response(&mut entry, &not_executed());
                resp.body.truncate(resp.body.len() / 2);
                Reply::Full(resp)
            }
            Fault::DropMidBody => {
                let resp = self.finish_error_response(&mut entry, &not_executed());
                entry.outcome = Outcome::Dropped;
                Reply::Partial(resp)
            }
            // Handled by the caller: a delay before execution does not refuse.
            Fault::Delay(_) => unreachable!("a delay before execution is not a refusal"),
        };
        self.record(entry);
        reply
    }

    /// The reply of a request that was checked (and executed when valid), as a fault after
    /// execution leaves it. The entry is recorded before any delay, so the execution is
    /// counted when it happened.
    async fn spoil(&self, mut entry: LoggedRequest, fault: &Fault, resp: Response) -> Reply {
        match fault {
            Fault::Delay(d) => {
                self.record(entry);
                tokio::time::sleep(*d).await;
                Reply::Full(resp)
            }
            Fault::Drop => {
                entry.outcome = Outcome::Dropped;
                self.record(entry);
                Reply::Drop
            }
            Fault::HttpStatus(status) => {
                entry.outcome = Outcome::HttpStatus(*status);
                self.record(entry);
                Reply::Full(html_page(*status))
            }
            Fault::Error { code, message } => {
                Reply::Full(self.finish_error(entry, &api_err(code, message.clone())))
            }
            Fault::NotJson => {
                self.record(entry);
                Reply::Full(json_response(NOT_JSON.to_vec()))
            }
            Fault::TruncatedJson => {
                self.record(entry);
                let mut body = resp.body;
                body.truncate(body.len() / 2);
                Reply::Full(json_response(body))
            }
            Fault::DropMidBody => {
                entry.outcome = Outcome::Dropped;
                self.record(entry);
                Reply::Partial(resp)
            }
        }
    }

    /// The answer to a request whose body exceeded the cap (its head only).
    pub(crate) fn too_large(&self, head: &Request) -> Response {
        let action = action_name(head, &[]);
        let mut entry = new_entry(self, head, action.as_deref());
        let err = api_err(
            "RequestSizeLimitExceeded",
            format!(
                "The request body exceeds the limit of {} bytes.",
                self.config.max_body_bytes
            ),
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
        entry.outcome = error_outcome(&err.code, &err.message);
        let body = error_envelope(err, &request_id);
        entry.request_id = Some(request_id);
        json_response(body)
    }

    fn record(&self, mut log: LoggedRequest) {
        let key = self.counters_key(log.action.as_deref()).to_owned();
        if let Some(id) = &mut log.request_id {
            id.shrink_to_fit();
        }
        let mut inner = self.lock();
        let c: &mut Counters = inner.counters.entry(key).or_default();
        c.requests += 1;
        c.executed += u64::from(log.executed);
        c.replayed += u64::from(log.replayed);
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
        inner.push_log(log, self.config.log_capacity, self.config.log_bytes);
    }

    fn pick_fault(&self, action: Option<&str>) -> Option<(Fault, Phase)> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let rng = &mut inner.rng;
        inner.faults.pick(action, || rng.next_f64())
    }

    /// The checks and the answer; `Ok` is the object inside `Response`.
    fn process(
        &self,
        req: &Request,
        pairs: &[(String, String)],
        action_name: Option<&str>,
        entry: &mut LoggedRequest,
        now: Instant,
    ) -> Result<Value, ApiErr> {
        // Protocol.
        let media = media_type(req);
        let encoding = match (req.method.as_str(), media.as_str()) {
            ("POST", JSON) => Encoding::Json,
            // Form bodies are signature v1's; a TC3 POST sends JSON.
            ("POST", FORM) if req.header("authorization").is_none() => Encoding::Query,
            ("GET", FORM) => Encoding::Query,
            ("POST" | "GET", _) => {
                let want = if req.method == "GET" {
                    FORM
                } else {
                    "application/json (or a form body with signature v1)"
                };
                let sent = req.header("content-type").unwrap_or("");
                return Err(api_err(
                    "InvalidRequest",
                    format!(
                        "The Content-Type `{}` is not supported for {}; use `{want}`.",
                        echo(sent),
                        req.method
                    ),
                ));
            }
            (m, _) => {
                return Err(api_err(
                    "UnsupportedProtocol",
                    format!(
                        "The HTTP method `{}` is not supported; use GET or POST.",
                        echo(m)
                    ),
                ));
            }
        };
        if req.path != "/" {
            return Err(api_err(
                "UnsupportedProtocol",
                format!("The request path must be `/`, not `{}`.", echo(&req.path)),
            ));
        }
        if req.query.len() > MAX_QUERY_BYTES {
            return Err(api_err(
                "RequestSizeLimitExceeded",
                format!("The query string exceeds the limit of {MAX_QUERY_BYTES} bytes."),
            ));
        }

        // Action, signature, service.
        let action_name = action_name.ok_or_else(|| {
            api_err(
                "MissingParameter",
                "The request is missing a required parameter `Action`.",
            )
        })?;
        let auth = Auth::parse(req, pairs)?;
        entry.secret_id = Some(clip(auth.secret_id(), MAX_LOGGED_NAME));
        let version = auth.common(req, pairs, "x-tc-version", "Version");
        let api = &self.api;
        let service = route(
            api,
            req.header("host").unwrap_or(""),
            auth.scope_service(),
            action_name,
            version,
        )?;
        entry.service = Some(service.name.clone());
        let action = service
            .actions
            .iter()
            .find(|a| a.name == action_name)
            .ok_or_else(|| {
                let elsewhere = api
                    .services
                    .iter()
                    .find(|s| s.actions.iter().any(|a| a.name == action_name));
                let hint = elsewhere.map_or(String::new(), |s| {
                    format!(" It is an action of `{}` ({}).", s.name, s.default_host)
                });
                api_err(
                    "InvalidAction",
                    format!(
                        "The action `{}` does not exist for `{}` version {}.{hint}",
                        echo(action_name),
                        service.name,
                        service.version
                    ),
                )
            })?;

        // Common parameters.
        let version = version.ok_or_else(|| {
            api_err(
                "MissingParameter",
                "The request is missing a required parameter `Version`.",
            )
        })?;
        if version != service.version {
            return Err(api_err(
                "NoSuchVersion",
                format!(
                    "The API version `{}` does not exist for `{}`; it is {}.",
                    echo(version),
                    service.name,
                    service.version
                ),
            ));
        }
        let ts_text = auth
            .common(req, pairs, "x-tc-timestamp", "Timestamp")
            .ok_or_else(|| {
                api_err(
                    "MissingParameter",
                    "The request is missing a required parameter `Timestamp`.",
                )
            })?;
        let timestamp: i64 = ts_text
            .parse()
            .ok()
            .filter(|_| ts_text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                api_err(
                    "InvalidParameter",
                    format!(
                        "The parameter `Timestamp` is invalid: `{}` is not a unix time in seconds.",
                        echo(ts_text)
                    ),
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

        // Credentials and signature: none for an unsigned request of an action that takes
        // one (its rate limit is then shared by every unsigned caller).
        let unsigned = matches!(auth, Auth::Unsigned);
        if unsigned && !action.unsigned {
            return Err(api_err(
                "AuthFailure.InvalidAuthorization",
                format!("The `Authorization` header is `SKIP`, but `{}` must be signed.", action.name),
            ));
        }
        let cred = if unsigned {
            None
        } else {
            Some(self
            .config
            .credentials
            .iter()
            .find(|c| c.secret_id == auth.secret_id())
            .ok_or_else(|| {
                api_err(
                    "AuthFailure.SecretIdNotFound",
                    "The SecretId is not found, please ensure that your SecretId is correct.",
                )
            })?)
        };
        if let Some(cred) = cred {
            auth.verify(req, pairs, &service.name, timestamp, cred)?;
        }
        if let Some(lang) = auth.common(req, pairs, "x-tc-language", "Language") {
            if lang != "zh-CN" && lang != "en-US" {
                return Err(api_err(
                    "InvalidParameterValue",
                    format!(
                        "The value of parameter `Language` is invalid: `{}` is not one of zh-CN, en-US.",
                        echo(lang)
                    ),
                ));
            }
        }

        // Rate limit.
        if !self.admit(auth.secret_id(), service, action, now) {
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
                let v1 = matches!(auth, Auth::V1(_));
                let common = |k: &str| {
                    api.common.parameters.iter().any(|p| p.name == k)
                        || (v1 && V1_PARAMETERS.contains(&k))
                };
                let business: Vec<(String, String)> = pairs
                    .iter()
                    .filter(|(k, _)| !common(k) || action.request.iter().any(|f| &f.name == k))
                    .cloned()
                    .collect();
                unflatten::unflatten(&business).map_err(|e| {
                    api_err(
                        "InvalidParameter",
                        format!("The parameters are invalid: {}.", clip(&e.to_string(), 256)),
                    )
                })?
            }
        };
        let params = validate_request(service, action, &raw, encoding)
            .map_err(|v| api_err(v.kind.code(), v.message))?;
        entry.params = Some(bounded_params(params.clone()));
        let token = idempotency_key(action, auth.secret_id(), &params)?;
        self.execute(service, action, &params, token, entry)
    }

    /// Runs a valid request: the first reply of its idempotency token when the token was
    /// seen (a replay, not an execution), else the action's answer, remembered under the
    /// token. One lock covers the look-up, the answer and the insertion, so two concurrent
    /// requests with one token execute once.
    fn execute(
        &self,
        service: &Service,
        action: &Action,
        params: &Value,
        token: Option<TokenKey>,
        entry: &mut LoggedRequest,
    ) -> Result<Value, ApiErr> {
        let mut inner = self.lock();
        let remembered = token.as_ref().and_then(|k| inner.tokens.get(k));
        let result = match remembered {
            Some(first) => {
                entry.replayed = true;
                first.clone()
            }
            None => {
                entry.executed = true;
                let result = answer(service, action, params, inner.behaviors.get(&action.name));
                if let Some(k) = token {
                    inner.tokens.insert(k, result.clone());
                }
                result
            }
        };
        drop(inner);
        let mut body = result?;
        body.insert("RequestId".to_owned(), Value::String(self.ids.next()));
        Ok(Value::Object(body))
    }

    fn now_unix(&self) -> i64 {
        tc_runtime::time::now_unix().saturating_add(self.config.clock_offset_secs)
    }
}

/// The idempotency key of a valid request of `action`: its token parameter when the action
/// has one and the request set it (not empty); a token longer than
/// [`MAX_IDEMPOTENCY_TOKEN_BYTES`] is refused.
fn idempotency_key(
    action: &Action,
    secret_id: &str,
    params: &Value,
) -> Result<Option<TokenKey>, ApiErr> {
    let Some(name) = &action.idempotency_token else {
        return Ok(None);
    };
    let Some(token) = params
        .get(name)
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    if token.len() > MAX_IDEMPOTENCY_TOKEN_BYTES {
        return Err(api_err(
            "InvalidParameterValue",
            format!(
                "The value of parameter `{name}` is invalid: it is {} bytes long, more than {MAX_IDEMPOTENCY_TOKEN_BYTES}.",
                token.len()
            ),
        ));
    }
    Ok(Some(TokenKey {
        secret_id: secret_id.to_owned(),
        action: action.name.clone(),
        token: token.to_owned(),
    }))
}

/// The service a request is for: named by a `*.tencentcloudapi.com` host, else by the TC3
/// credential scope, else (signature v1 on another host) the service that has the action,
/// the one of that `version` first.
fn route<'a>(
    api: &'a Api,
    host: &str,
    scope: Option<&str>,
    action: &str,
    version: Option<&str>,
) -> Result<&'a Service, ApiErr> {
    if let Some(name) = service_of_host(host).or_else(|| scope.map(str::to_owned)) {
        return api.services.iter().find(|s| s.name == name).ok_or_else(|| {
            api_err(
                "NoSuchProduct",
                format!("The product `{}` does not exist.", echo(&name)),
            )
        });
    }
    let mut having = api
        .services
        .iter()
        .filter(|s| s.actions.iter().any(|a| a.name == action));
    let first = having.clone().next();
    having
        .find(|s| Some(s.version.as_str()) == version)
        .or(first)
        .ok_or_else(|| {
            api_err(
                "InvalidAction",
                format!(
                    "The action `{}` does not exist in any product of this server.",
                    echo(action)
                ),
            )
        })
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
        Ok(_) => Err(api_err(
            "InvalidParameter",
            "The request body is not a JSON object.",
        )),
        Err(e) => Err(api_err(
            "InvalidParameter",
            format!("The request body is not valid JSON: {e}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_to_service() {
        assert_eq!(
            service_of_host("tcss.tencentcloudapi.com").as_deref(),
            Some("tcss")
        );
        assert_eq!(
            service_of_host("TCSS.intl.tencentcloudapi.com").as_deref(),
            Some("tcss")
        );
        assert_eq!(
            service_of_host("cwp.ap-guangzhou.tencentcloudapi.com:443").as_deref(),
            Some("cwp")
        );
        assert_eq!(service_of_host("127.0.0.1:9000"), None);
        assert_eq!(service_of_host("localhost"), None);
        assert_eq!(service_of_host("tencentcloudapi.com"), None);
        assert_eq!(service_of_host("evil-tencentcloudapi.com"), None);
        assert_eq!(service_of_host("[::1]:80"), None);
    }
}
