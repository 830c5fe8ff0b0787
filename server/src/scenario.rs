//! Scenario files: everything the library can set up, as one JSON document, for the command
//! line (`tc-mock --scenario FILE`) and for tests. Each key maps onto a builder setting or a
//! [`crate::MockServer`] method:
//!
//! ```json
//! {
//!   "credentials": [{"secret_id": "AKIDexample", "secret_key": "example-key", "token": "optional"}],
//!   "skew_secs": 300,
//!   "clock_offset_secs": -600,
//!   "rate_limit": "documented",
//!   "seed": 7,
//!   "max_body_bytes": 1048576,
//!   "log_capacity": 1000,
//!   "log_bytes": 8388608,
//!   "max_connections": 64,
//!   "idempotency_capacity": 10000,
//!   "idempotency_bytes": 16777216,
//!   "actions": {
//!     "DescribeImageAuthorizedInfo": {"response": {"TotalAuthorizedCnt": 7}},
//!     "DescribeLicenseGeneral": {"error": {"code": "InternalError", "message": "db down"}},
//!     "DescribeImageAutoAuthorizedTaskList": {"items": [{"TaskId": 1}, {"TaskId": 2}]}
//!   },
//!   "faults": [
//!     {"fault": "throttle", "times": 2, "action": "DescribeProVersionInfo"},
//!     {"fault": "delay", "ms": 200, "probability": 0.5},
//!     {"fault": "http_status", "status": 502, "always": true},
//!     {"fault": "drop", "times": 1, "action": "CreateRefreshTask", "phase": "after"}
//!   ]
//! }
//! ```
//!
//! `rate_limit` is `"documented"`, `"off"` or `{"rate": N, "burst": B}` (either key optional).
//! A fault is one of `delay` (`ms`), `http_status` (`status`), `error` (`code`, `message`),
//! `throttle`, `not_json`, `truncated_json`, `drop`, `drop_mid_body`, with exactly one
//! trigger (`times`, `probability` or `always: true`), optionally an `action`, and optionally
//! a `phase`: `"before"` (the action does not run) or `"after"` (it runs, then the reply is
//! lost or corrupted), by default [`Fault::default_phase`] (see [`crate::Phase`]). Unknown
//! keys are errors (a typo must not pass silently), each named by its path.
//!
//! The same faults have a one-line form for the command line ([`fault_from_spec`]):
//! `throttle,times=2,action=DescribeProVersionInfo`, `delay:200,p=0.5`, `http:502,always`,
//! `drop,times=1,phase=after`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::{Credential, Fault, FaultRule, MockServer, MockServerBuilder, Phase, RateLimit};

/// Why a scenario was refused: where (a key path such as `faults[1].times`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The key path of the offending value (empty for the document itself).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "`{}`: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

fn err(path: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// How one action answers valid requests (see [`MockServer::respond_with`],
/// [`MockServer::fail_with`], [`MockServer::set_items`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActionScript {
    /// The object inside `Response`.
    pub response: Option<Map<String, Value>>,
    /// An error code and message.
    pub error: Option<(String, String)>,
    /// Items served in pages.
    pub items: Option<Vec<Value>>,
}

/// A parsed scenario. Every field is optional; what is absent keeps the library's default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scenario {
    /// Accepted credentials (replacing the default pair when not empty).
    pub credentials: Vec<Credential>,
    /// Timestamp tolerance.
    pub skew_tolerance: Option<Duration>,
    /// The server clock's offset from the real one, in seconds.
    pub clock_offset_secs: Option<i64>,
    /// Throttling.
    pub rate_limit: Option<RateLimit>,
    /// Fault PRNG seed.
    pub seed: Option<u64>,
    /// Request body cap.
    pub max_body_bytes: Option<usize>,
    /// Request log entries kept.
    pub log_capacity: Option<usize>,
    /// The request log's byte budget.
    pub log_bytes: Option<usize>,
    /// Connections served at once.
    pub max_connections: Option<usize>,
    /// Idempotency tokens remembered.
    pub idempotency_capacity: Option<usize>,
    /// The idempotency store's byte budget.
    pub idempotency_bytes: Option<usize>,
    /// Per-action answers, by action name.
    pub actions: BTreeMap<String, ActionScript>,
    /// Fault rules, in order.
    pub faults: Vec<FaultRule>,
}

/// The keys of an object, each checked against `allowed`.
fn object<'a>(
    v: &'a Value,
    path: &str,
    allowed: &[&str],
) -> Result<&'a Map<String, Value>, ScenarioError> {
    let map = v
        .as_object()
        .ok_or_else(|| err(path, "must be a JSON object"))?;
    if let Some(k) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(err(
            &join(path, k),
            format!("unknown key (expected one of: {})", allowed.join(", ")),
        ));
    }
    Ok(map)
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn string(v: &Value, path: &str) -> Result<String, ScenarioError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| err(path, "must be a string"))
}

fn unsigned(v: &Value, path: &str) -> Result<u64, ScenarioError> {
    v.as_u64()
        .ok_or_else(|| err(path, "must be a non-negative integer"))
}

fn size(v: &Value, path: &str) -> Result<usize, ScenarioError> {
    usize::try_from(unsigned(v, path)?).map_err(|_| err(path, "is too large"))
}

impl Scenario {
    /// Parses a scenario document.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| err("", format!("not valid JSON: {e}")))?;
        let top = object(
            &doc,
            "",
            &[
                "credentials",
                "skew_secs",
                "clock_offset_secs",
                "rate_limit",
                "seed",
                "max_body_bytes",
                "log_capacity",
                "log_bytes",
                "max_connections",
                "idempotency_capacity",
                "idempotency_bytes",
                "actions",
                "faults",
            ],
        )?;
        let mut s = Scenario::default();
        for (key, v) in top {
            let path = key.as_str();
            match path {
                "credentials" => {
                    let list = v.as_array().ok_or_else(|| err(path, "must be an array"))?;
                    for (i, c) in list.iter().enumerate() {
                        let p = format!("credentials[{i}]");
                        let m = object(c, &p, &["secret_id", "secret_key", "token"])?;
                        let field = |k: &str| {
                            m.get(k)
                                .ok_or_else(|| err(&join(&p, k), "is required"))
                                .and_then(|v| string(v, &join(&p, k)))
                        };
                        let mut cred = Credential::new(field("secret_id")?, field("secret_key")?);
                        if let Some(t) = m.get("token") {
                            cred = cred.with_token(string(t, &join(&p, "token"))?);
                        }
                        s.credentials.push(cred);
                    }
                }
                "skew_secs" => s.skew_tolerance = Some(Duration::from_secs(unsigned(v, path)?)),
                "clock_offset_secs" => {
                    s.clock_offset_secs =
                        Some(v.as_i64().ok_or_else(|| err(path, "must be an integer"))?);
                }
                "rate_limit" => s.rate_limit = Some(rate_limit(v, path)?),
                "seed" => s.seed = Some(unsigned(v, path)?),
                "max_body_bytes" => s.max_body_bytes = Some(size(v, path)?),
                "log_capacity" => s.log_capacity = Some(size(v, path)?),
                "log_bytes" => s.log_bytes = Some(size(v, path)?),
                "max_connections" => s.max_connections = Some(size(v, path)?),
                "idempotency_capacity" => s.idempotency_capacity = Some(size(v, path)?),
                "idempotency_bytes" => s.idempotency_bytes = Some(size(v, path)?),
                "actions" => {
                    let m = v
                        .as_object()
                        .ok_or_else(|| err(path, "must be an object keyed by action name"))?;
                    for (name, script) in m {
                        s.actions
                            .insert(name.clone(), action_script(script, &join(path, name))?);
                    }
                }
                "faults" => {
                    let list = v.as_array().ok_or_else(|| err(path, "must be an array"))?;
                    for (i, f) in list.iter().enumerate() {
                        s.faults.push(fault_rule(f, &format!("faults[{i}]"))?);
                    }
                }
                _ => unreachable!("checked by `object`"),
            }
        }
        Ok(s)
    }

    /// Reads and parses a scenario file.
    pub fn from_file(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| err("", format!("cannot read {}: {e}", path.display())))?;
        Scenario::from_json(&text).map_err(|e| ScenarioError {
            message: format!("{}: {}", path.display(), e.message),
            ..e
        })
    }

    /// The builder settings of this scenario, on top of `b`.
    pub fn configure(&self, mut b: MockServerBuilder) -> MockServerBuilder {
        for c in &self.credentials {
            b = b.credentials_entry(c.clone());
        }
        if let Some(d) = self.skew_tolerance {
            b = b.skew_tolerance(d);
        }
        if let Some(s) = self.clock_offset_secs {
            b = b.clock_offset_secs(s);
        }
        if let Some(r) = self.rate_limit {
            b = b.rate_limit(r);
        }
        if let Some(s) = self.seed {
            b = b.seed(s);
        }
        if let Some(n) = self.max_body_bytes {
            b = b.max_body_bytes(n);
        }
        if let Some(n) = self.log_capacity {
            b = b.log_capacity(n);
        }
        if let Some(n) = self.log_bytes {
            b = b.log_bytes(n);
        }
        if let Some(n) = self.max_connections {
            b = b.max_connections(n);
        }
        if let Some(n) = self.idempotency_capacity {
            b = b.idempotency_capacity(n);
        }
        if let Some(n) = self.idempotency_bytes {
            b = b.idempotency_bytes(n);
        }
        b
    }

    /// Installs the per-action answers and the fault rules on a running server, after
    /// checking every action name against its spec (and that paged items go to an action that
    /// paginates), so nothing is installed when anything is wrong.
    pub fn apply(&self, server: &MockServer) -> Result<(), ScenarioError> {
        let find = |name: &str| {
            server
                .api()
                .services
                .iter()
                .flat_map(|s| &s.actions)
                .find(|a| a.name == name)
        };
        for (name, script) in &self.actions {
            let path = join("actions", name);
            let action = find(name).ok_or_else(|| err(&path, "the spec has no such action"))?;
            if script.items.is_some() && action.pagination.is_none() {
                return Err(err(&join(&path, "items"), "the action does not paginate"));
            }
        }
        for (i, rule) in self.faults.iter().enumerate() {
            if let Some(a) = rule.action().filter(|a| find(a).is_none()) {
                return Err(err(
                    &format!("faults[{i}].action"),
                    format!("the spec has no action `{a}`"),
                ));
            }
        }
        for (name, script) in &self.actions {
            if let Some(r) = &script.response {
                server.respond_with(name, Value::Object(r.clone()));
            }
            if let Some((code, message)) = &script.error {
                server.fail_with(name, code.clone(), message.clone());
            }
            if let Some(items) = &script.items {
                server.set_items(name, items.clone());
            }
        }
        for rule in &self.faults {
            server.inject(rule.clone());
        }
        Ok(())
    }
}

fn rate_limit(v: &Value, path: &str) -> Result<RateLimit, ScenarioError> {
    match v {
        Value::String(s) if s == "documented" => Ok(RateLimit::documented()),
        Value::String(s) if s == "off" => Ok(RateLimit::off()),
        Value::Object(_) => {
            let m = object(v, path, &["rate", "burst"])?;
            let mut r = RateLimit::documented();
            let n = |k: &str| -> Result<Option<u32>, ScenarioError> {
                m.get(k)
                    .map(|x| {
                        let p = join(path, k);
                        u32::try_from(unsigned(x, &p)?)
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| err(&p, "must be 1 or more"))
                    })
                    .transpose()
            };
            if let Some(rate) = n("rate")? {
                r = r.with_rate(rate);
            }
            if let Some(burst) = n("burst")? {
                r = r.with_burst(burst);
            }
            Ok(r)
        }
        _ => Err(err(
            path,
            r#"must be "documented", "off" or {"rate": N, "burst": B}"#,
        )),
    }
}

fn action_script(v: &Value, path: &str) -> Result<ActionScript, ScenarioError> {
    let m = object(v, path, &["response", "error", "items"])?;
    let mut s = ActionScript::default();
    if let Some(r) = m.get("response") {
        let r = match r {
            // A whole envelope is accepted too, as `respond_with` does.
            Value::Object(o) if o.len() == 1 && o.get("Response").is_some_and(Value::is_object) => {
                &o["Response"]
            }
            other => other,
        };
        s.response = Some(
            r.as_object()
                .cloned()
                .ok_or_else(|| err(&join(path, "response"), "must be a JSON object"))?,
        );
    }
    if let Some(e) = m.get("error") {
        let p = join(path, "error");
        let e = object(e, &p, &["code", "message"])?;
        let code = string(
            e.get("code")
                .ok_or_else(|| err(&join(&p, "code"), "is required"))?,
            &join(&p, "code"),
        )?;
        let message = match e.get("message") {
            Some(v) => string(v, &join(&p, "message"))?,
            None => format!("{code} (configured by the tc-mock scenario)"),
        };
        s.error = Some((code, message));
    }
    if let Some(items) = m.get("items") {
        s.items = Some(
            items
                .as_array()
                .cloned()
                .ok_or_else(|| err(&join(path, "items"), "must be an array"))?,
        );
    }
    Ok(s)
}

fn fault_rule(v: &Value, path: &str) -> Result<FaultRule, ScenarioError> {
    let m = object(
        v,
        path,
        &[
            "fault",
            "ms",
            "status",
            "code",
            "message",
            "times",
            "probability",
            "always",
            "action",
            "phase",
        ],
    )?;
    let kind = string(
        m.get("fault")
            .ok_or_else(|| err(&join(path, "fault"), "is required"))?,
        &join(path, "fault"),
    )?;
    let arg = |k: &str| {
        m.get(k)
            .ok_or_else(|| err(&join(path, k), format!("is required for `{kind}`")))
    };
    let fault = match kind.as_str() {
        "delay" => Fault::Delay(Duration::from_millis(unsigned(
            arg("ms")?,
            &join(path, "ms"),
        )?)),
        "http_status" => {
            let p = join(path, "status");
            let status = unsigned(arg("status")?, &p)?;
            Fault::HttpStatus(
                http_status(status)
                    .ok_or_else(|| err(&p, "must be an HTTP status from 100 to 599"))?,
            )
        }
        "error" => {
            let code = string(arg("code")?, &join(path, "code"))?;
            let message = match m.get("message") {
                Some(v) => string(v, &join(path, "message"))?,
                None => format!("{code} (injected by tc-mock)"),
            };
            Fault::error(code, message)
        }
        "throttle" => Fault::throttle(),
        "not_json" => Fault::NotJson,
        "truncated_json" => Fault::TruncatedJson,
        "drop" => Fault::Drop,
        "drop_mid_body" => Fault::DropMidBody,
        other => {
            return Err(err(
                &join(path, "fault"),
                format!(
                    "unknown fault `{other}` (expected delay, http_status, error, throttle, not_json, \
                     truncated_json, drop, drop_mid_body)"
                ),
            ));
        }
    };
    let triggers: Vec<&str> = ["times", "probability", "always"]
        .into_iter()
        .filter(|k| m.contains_key(*k))
        .collect();
    let rule = match triggers.as_slice() {
        ["times"] => {
            let p = join(path, "times");
            fault.times(
                u32::try_from(unsigned(&m["times"], &p)?).map_err(|_| err(&p, "is too large"))?,
            )
        }
        ["probability"] => {
            let p = join(path, "probability");
            let prob = m["probability"]
                .as_f64()
                .filter(|x| (0.0..=1.0).contains(x));
            fault.with_probability(prob.ok_or_else(|| err(&p, "must be a number from 0 to 1"))?)
        }
        ["always"] if m["always"] == Value::Bool(true) => fault.always(),
        _ => {
            return Err(err(
                path,
                r#"give exactly one trigger: "times": N, "probability": P or "always": true"#,
            ));
        }
    };
    let rule = match m.get("phase") {
        Some(v) => {
            let p = join(path, "phase");
            let name = string(v, &p)?;
            rule.in_phase(
                Phase::from_name(&name).ok_or_else(|| err(&p, r#"must be "before" or "after""#))?,
            )
        }
        None => rule,
    };
    Ok(match m.get("action") {
        Some(a) => rule.for_action(string(a, &join(path, "action"))?),
        None => rule,
    })
}

fn http_status(n: u64) -> Option<u16> {
    u16::try_from(n).ok().filter(|s| (100..=599).contains(s))
}

/// A fault rule from its command-line form: `KIND[:ARG][,TRIGGER][,action=NAME][,phase=PHASE]`
/// where KIND is `delay:MS`, `http:STATUS`, `error:CODE`, `throttle`, `not-json`,
/// `truncated-json`, `drop`, `drop-mid-body`, TRIGGER is `times=N`, `p=P` or `always` (the
/// default), and PHASE is `before` or `after` (default: [`Fault::default_phase`]).
pub fn fault_from_spec(spec: &str) -> Result<FaultRule, ScenarioError> {
    let path = "--fault";
    let mut parts = spec.split(',');
    let head = parts.next().unwrap_or("");
    let (kind, arg) = head
        .split_once(':')
        .map_or((head, None), |(k, a)| (k, Some(a)));
    let need = |what: &str| arg.ok_or_else(|| err(path, format!("`{kind}` needs `:{what}`")));
    let fault = match kind {
        "delay" => Fault::Delay(Duration::from_millis(
            need("MS")?
                .parse()
                .map_err(|_| err(path, "the delay is a number of milliseconds"))?,
        )),
        "http" => Fault::HttpStatus(
            need("STATUS")?
                .parse()
                .ok()
                .and_then(http_status)
                .ok_or_else(|| err(path, "the status is a number from 100 to 599"))?,
        ),
        "error" => {
            let code = need("CODE")?;
            Fault::error(code, format!("{code} (injected by tc-mock)"))
        }
        "throttle" => Fault::throttle(),
        "not-json" => Fault::NotJson,
        "truncated-json" => Fault::TruncatedJson,
        "drop" => Fault::Drop,
        "drop-mid-body" => Fault::DropMidBody,
        other => {
            return Err(err(
                path,
                format!(
                    "unknown fault `{other}` (expected delay:MS, http:STATUS, error:CODE, throttle, not-json, \
                     truncated-json, drop, drop-mid-body)"
                ),
            ));
        }
    };
    if !matches!(kind, "delay" | "http" | "error") && arg.is_some() {
        return Err(err(path, format!("`{kind}` takes no `:` argument")));
    }
    let (mut trigger, mut action, mut phase) = (None, None, None);
    for part in parts {
        let t = match part.split_once('=') {
            Some(("times", n)) => Some(
                fault
                    .clone()
                    .times(n.parse().map_err(|_| err(path, "times=N needs a count"))?),
            ),
            Some(("p", p)) => {
                let p: f64 = p
                    .parse()
                    .ok()
                    .filter(|x| (0.0..=1.0).contains(x))
                    .ok_or_else(|| err(path, "p=P needs a probability from 0 to 1"))?;
                Some(fault.clone().with_probability(p))
            }
            None if part == "always" => Some(fault.clone().always()),
            Some(("action", a)) if !a.is_empty() => {
                action = Some(a.to_owned());
                None
            }
            Some(("phase", p)) => {
                let p = Phase::from_name(p)
                    .ok_or_else(|| err(path, "phase=PHASE is `before` or `after`"))?;
                if phase.replace(p).is_some() {
                    return Err(err(path, "give phase=PHASE at most once"));
                }
                None
            }
            _ => {
                return Err(err(
                    path,
                    format!(
                        "unknown part `{part}` (times=N, p=P, always, action=NAME, phase=before|after)"
                    ),
                ));
            }
        };
        if let Some(t) = t {
            if trigger.replace(t).is_some() {
                return Err(err(path, "give at most one of times=N, p=P, always"));
            }
        }
    }
    let mut rule = trigger.unwrap_or_else(|| fault.always());
    if let Some(p) = phase {
        rule = rule.in_phase(p);
    }
    Ok(match action {
        Some(a) => rule.for_action(a),
        None => rule,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Trigger;
    use serde_json::json;

    #[test]
    fn parses_every_key() {
        let s = Scenario::from_json(
            &json!({
                "credentials": [{"secret_id": "A", "secret_key": "K"}, {"secret_id": "T", "secret_key": "K2", "token": "tok"}],
                "skew_secs": 60,
                "clock_offset_secs": -600,
                "rate_limit": {"rate": 5, "burst": 2},
                "seed": 9,
                "max_body_bytes": 1000,
                "log_capacity": 10,
                "log_bytes": 5000,
                "max_connections": 4,
                "idempotency_capacity": 7,
                "idempotency_bytes": 70000,
                "actions": {
                    "A1": {"response": {"Response": {"X": 1}}},
                    "A2": {"error": {"code": "InternalError"}},
                    "A3": {"items": [{"TaskId": 1}]}
                },
                "faults": [
                    {"fault": "throttle", "times": 2, "action": "A1"},
                    {"fault": "delay", "ms": 200, "probability": 0.5},
                    {"fault": "http_status", "status": 502, "always": true},
                    {"fault": "error", "code": "C", "message": "m", "times": 1},
                    {"fault": "not_json", "always": true},
                    {"fault": "truncated_json", "always": true},
                    {"fault": "drop", "always": true},
                    {"fault": "drop_mid_body", "always": true},
                    {"fault": "drop", "times": 1, "phase": "after", "action": "A1"},
                    {"fault": "not_json", "always": true, "phase": "before"}
                ]
            })
            .to_string(),
        )
        .unwrap();
        assert_eq!(
            s.credentials[1],
            Credential::new("T", "K2").with_token("tok")
        );
        assert_eq!(s.skew_tolerance, Some(Duration::from_secs(60)));
        assert_eq!(s.clock_offset_secs, Some(-600));
        assert_eq!(
            s.rate_limit,
            Some(RateLimit::documented().with_rate(5).with_burst(2))
        );
        assert_eq!(
            (s.seed, s.max_body_bytes, s.log_capacity, s.max_connections),
            (Some(9), Some(1000), Some(10), Some(4))
        );
        assert_eq!(s.log_bytes, Some(5000));
        assert_eq!(
            s.actions["A1"].response,
            Some(json!({"X": 1}).as_object().unwrap().clone())
        );
        assert_eq!(
            s.actions["A2"].error.as_ref().map(|e| e.0.as_str()),
            Some("InternalError")
        );
        assert_eq!(s.actions["A3"].items, Some(vec![json!({"TaskId": 1})]));
        assert_eq!(s.faults[0], Fault::throttle().times(2).for_action("A1"));
        assert_eq!(
            s.faults[1],
            Fault::Delay(Duration::from_millis(200)).with_probability(0.5)
        );
        assert_eq!(s.faults[2], Fault::HttpStatus(502).always());
        assert_eq!(s.faults[3], Fault::error("C", "m").times(1));
        assert_eq!(s.faults[7].fault(), &Fault::DropMidBody);
        assert_eq!(s.faults[7].phase(), Phase::AfterExecution);
        assert_eq!(s.faults[6].phase(), Phase::BeforeExecution);
        assert_eq!(
            s.faults[8],
            Fault::Drop.times(1).after_execution().for_action("A1")
        );
        assert_eq!(s.faults[9], Fault::NotJson.always().before_execution());
        assert_eq!(
            (s.idempotency_capacity, s.idempotency_bytes),
            (Some(7), Some(70000))
        );
        assert_eq!(
            Scenario::from_json(r#"{"rate_limit": "off"}"#)
                .unwrap()
                .rate_limit,
            Some(RateLimit::off())
        );
        assert_eq!(Scenario::from_json("{}").unwrap(), Scenario::default());
    }

    #[test]
    fn errors_name_the_path() {
        for (doc, path) in [
            (r#"{"bogus": 1}"#, "bogus"),
            (r#"{"seed": -1}"#, "seed"),
            (
                r#"{"credentials": [{"secret_id": "A"}]}"#,
                "credentials[0].secret_key",
            ),
            (
                r#"{"credentials": [{"secret_id": "A", "secret_key": "K", "tokn": "x"}]}"#,
                "credentials[0].tokn",
            ),
            (r#"{"rate_limit": "fast"}"#, "rate_limit"),
            (r#"{"rate_limit": {"rate": 0}}"#, "rate_limit.rate"),
            (
                r#"{"actions": {"A": {"respond": {}}}}"#,
                "actions.A.respond",
            ),
            (
                r#"{"actions": {"A": {"response": [1]}}}"#,
                "actions.A.response",
            ),
            (
                r#"{"actions": {"A": {"error": {"message": "m"}}}}"#,
                "actions.A.error.code",
            ),
            (r#"{"actions": {"A": {"items": {}}}}"#, "actions.A.items"),
            (
                r#"{"faults": [{"fault": "boom", "always": true}]}"#,
                "faults[0].fault",
            ),
            (r#"{"faults": [{"fault": "drop"}]}"#, "faults[0]"),
            (
                r#"{"faults": [{"fault": "drop", "times": 1, "always": true}]}"#,
                "faults[0]",
            ),
            (
                r#"{"faults": [{"fault": "drop", "always": false}]}"#,
                "faults[0]",
            ),
            (
                r#"{"faults": [{"fault": "drop", "probability": 2}]}"#,
                "faults[0].probability",
            ),
            (
                r#"{"faults": [{"fault": "delay", "always": true}]}"#,
                "faults[0].ms",
            ),
            (
                r#"{"faults": [{"fault": "http_status", "status": 99, "always": true}]}"#,
                "faults[0].status",
            ),
            (
                r#"{"faults": [{"fault": "drop", "always": true, "phase": "during"}]}"#,
                "faults[0].phase",
            ),
            (
                r#"{"faults": [{"fault": "drop", "always": true, "phase": 1}]}"#,
                "faults[0].phase",
            ),
            (r#"{"idempotency_capacity": -1}"#, "idempotency_capacity"),
            (r#"{"idempotency_bytes": "big"}"#, "idempotency_bytes"),
        ] {
            let e = Scenario::from_json(doc).unwrap_err();
            assert_eq!(e.path, path, "{doc}: {e}");
        }
        assert_eq!(Scenario::from_json("[").unwrap_err().path, "");
        assert_eq!(Scenario::from_json("[]").unwrap_err().path, "");
    }

    #[test]
    fn fault_specs() {
        let action = "DescribeProVersionInfo";
        assert_eq!(
            fault_from_spec("throttle").unwrap(),
            Fault::throttle().always()
        );
        assert_eq!(
            fault_from_spec(&format!("throttle,times=2,action={action}")).unwrap(),
            Fault::throttle().times(2).for_action(action)
        );
        assert_eq!(
            fault_from_spec("delay:250,p=0.5").unwrap(),
            Fault::Delay(Duration::from_millis(250)).with_probability(0.5)
        );
        assert_eq!(
            fault_from_spec("http:503,always").unwrap(),
            Fault::HttpStatus(503).always()
        );
        assert_eq!(
            fault_from_spec("error:InternalError,times=1")
                .unwrap()
                .trigger(),
            Trigger::Next(1)
        );
        assert_eq!(
            fault_from_spec(&format!("drop,times=1,phase=after,action={action}")).unwrap(),
            Fault::Drop.times(1).after_execution().for_action(action)
        );
        assert_eq!(
            fault_from_spec("not-json,phase=before").unwrap(),
            Fault::NotJson.always().before_execution()
        );
        assert_eq!(
            fault_from_spec("drop-mid-body").unwrap().phase(),
            Phase::AfterExecution
        );
        for (spec, fault) in [
            ("not-json", Fault::NotJson),
            ("truncated-json", Fault::TruncatedJson),
            ("drop", Fault::Drop),
            ("drop-mid-body", Fault::DropMidBody),
        ] {
            assert_eq!(fault_from_spec(spec).unwrap().fault(), &fault);
        }
        for bad in [
            "",
            "boom",
            "delay",
            "delay:x",
            "http:700",
            "error",
            "drop:1",
            "drop,times=x",
            "drop,p=2",
            "drop,times=1,always",
            "drop,action=",
            "drop,when=now",
            "drop,phase=during",
            "drop,phase=",
            "drop,phase=after,phase=before",
        ] {
            assert!(fault_from_spec(bad).is_err(), "{bad}");
        }
    }
}
