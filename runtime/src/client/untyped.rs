//! The untyped call: any service, version and action, with JSON parameters, through the same
//! path as generated calls (signing, rate limit, retries, timeouts), for actions no spec
//! covers yet. What the official SDKs' `CommonClient` gives their users.
//!
//! An untyped action is **mutating unless said otherwise**: a call whose reply was lost is
//! retried only when it cannot have executed ([`crate::retry`]), exactly as a generated
//! mutating action. Say [`UntypedActionBuilder::idempotent`] for a read-only action, or name
//! its idempotency token.
//!
//! The call path keys limiters, budgets and logs by `&'static` descriptors (what generated
//! code has for free), so [`UntypedActionBuilder::build`] interns each distinct descriptor
//! once per process: at most [`MAX_UNTYPED_ACTIONS`] of them, a few hundred bytes each; a
//! program that builds more (say, from user input) gets [`UntypedActionError::TooMany`]
//! instead of growing without bound.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use serde::Serialize;
use serde_json::Value;

use super::Client;
use crate::error::{DecodeError, DecodeErrorKind, Error, RawCode};
use crate::{ActionInfo, ServiceInfo};

/// Distinct untyped actions a process may build (see the module docs).
pub const MAX_UNTYPED_ACTIONS: usize = 1024;

/// An action described at run time, for [`Client::call_untyped`]. Cheap to copy; build one
/// per action and keep it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UntypedAction {
    info: &'static ActionInfo,
}

impl UntypedAction {
    /// Describes `action` of `service` at API `version`: mutating, no rate limit, no
    /// idempotency token, host `<service>.tencentcloudapi.com` (or the client's endpoint).
    pub fn builder(service: &str, version: &str, action: &str) -> UntypedActionBuilder {
        UntypedActionBuilder {
            service: service.to_owned(),
            version: version.to_owned(),
            action: action.to_owned(),
            idempotent: false,
            idempotency_token: None,
            rate_limit: None,
        }
    }

    /// The descriptor the call path uses.
    pub fn info(&self) -> &'static ActionInfo {
        self.info
    }
}

/// Builds an [`UntypedAction`]: see [`UntypedAction::builder`].
#[derive(Clone, Debug)]
#[must_use]
pub struct UntypedActionBuilder {
    service: String,
    version: String,
    action: String,
    idempotent: bool,
    idempotency_token: Option<String>,
    rate_limit: Option<u32>,
}

impl UntypedActionBuilder {
    /// The action only reads, or may be executed twice: retried after any retryable failure.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// The request's idempotency-token parameter (a top-level string such as `ClientToken`):
    /// filled once per call when the parameters leave it out, the same on every attempt,
    /// which makes retrying the mutating action safe.
    pub fn idempotency_token(mut self, parameter: &str) -> Self {
        self.idempotency_token = Some(parameter.to_owned());
        self
    }

    /// The action's documented requests per second, shared like a generated action's.
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Checks the names and interns the descriptor.
    pub fn build(self) -> Result<UntypedAction, UntypedActionError> {
        let service_ok = !self.service.is_empty()
            && self.service.len() <= 32
            && self
                .service
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !service_ok {
            return Err(UntypedActionError::InvalidName {
                what: "service",
                expected: "1-32 lowercase letters and digits",
            });
        }
        let v = self.version.as_bytes();
        let version_ok = v.len() == 10
            && v.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !version_ok {
            return Err(UntypedActionError::InvalidName {
                what: "version",
                expected: "a date, YYYY-MM-DD",
            });
        }
        if !is_pascal_name(&self.action) {
            return Err(UntypedActionError::InvalidName {
                what: "action",
                expected: "1-128 ASCII letters and digits, starting with an uppercase letter",
            });
        }
        if let Some(token) = &self.idempotency_token {
            if !is_pascal_name(token) {
                return Err(UntypedActionError::InvalidName {
                    what: "idempotency token parameter",
                    expected: "1-128 ASCII letters and digits, starting with an uppercase letter",
                });
            }
        }
        if self.rate_limit == Some(0) {
            return Err(UntypedActionError::InvalidName {
                what: "rate limit",
                expected: "at least 1 per second",
            });
        }
        intern(self).map(|info| UntypedAction { info })
    }
}

fn is_pascal_name(s: &str) -> bool {
    s.len() <= 128
        && s.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Why an [`UntypedAction`] could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UntypedActionError {
    /// A name cannot be sent (it would not be a valid host label, header or parameter).
    InvalidName {
        /// Which name.
        what: &'static str,
        /// What is accepted.
        expected: &'static str,
    },
    /// This process has built [`MAX_UNTYPED_ACTIONS`] distinct untyped actions already.
    TooMany,
}

impl fmt::Display for UntypedActionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UntypedActionError::InvalidName { what, expected } => {
                write!(f, "invalid untyped {what}: expected {expected}")
            }
            UntypedActionError::TooMany => {
                write!(
                    f,
                    "more than {MAX_UNTYPED_ACTIONS} distinct untyped actions in one process"
                )
            }
        }
    }
}

impl std::error::Error for UntypedActionError {}

type Key = (String, String, String, bool, Option<String>, Option<u32>);

fn intern(b: UntypedActionBuilder) -> Result<&'static ActionInfo, UntypedActionError> {
    static INTERNED: OnceLock<Mutex<HashMap<Key, &'static ActionInfo>>> = OnceLock::new();
    let mut map = INTERNED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    intern_in(&mut map, b)
}

fn intern_in(
    map: &mut HashMap<Key, &'static ActionInfo>,
    b: UntypedActionBuilder,
) -> Result<&'static ActionInfo, UntypedActionError> {
    let key: Key = (
        b.service,
        b.version,
        b.action,
        b.idempotent,
        b.idempotency_token,
        b.rate_limit,
    );
    if let Some(info) = map.get(&key) {
        return Ok(info);
    }
    if map.len() >= MAX_UNTYPED_ACTIONS {
        return Err(UntypedActionError::TooMany);
    }
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    let (service, version, action, idempotent, token, rate_limit) = key.clone();
    let service: &'static ServiceInfo = Box::leak(Box::new(ServiceInfo {
        default_host: leak(format!("{service}.tencentcloudapi.com")),
        intl_host: Some(leak(format!("{service}.intl.tencentcloudapi.com"))),
        name: leak(service),
        version: leak(version),
    }));
    let info: &'static ActionInfo = Box::leak(Box::new(ActionInfo {
        service,
        name: leak(action),
        rate_limit,
        idempotent,
        idempotency_token: token.map(leak),
        unsigned: false,
    }));
    map.insert(key, info);
    Ok(info)
}

impl Client {
    /// Calls any action with JSON parameters (an object; `serde_json::json!({...})` or any
    /// `Serialize` value) and returns the reply's `Response` object, `RequestId` included.
    ///
    /// Signed, rate-limited, retried and timed out like a generated call, by the same policy;
    /// the action is mutating unless its [`UntypedAction`] says otherwise. An error reply is
    /// [`Error::Api`] with the raw code.
    ///
    /// ```no_run
    /// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
    /// use tc_runtime::{Client, UntypedAction};
    ///
    /// let client = Client::builder().region("ap-guangzhou").build()?;
    /// let describe = UntypedAction::builder("cvm", "2017-03-12", "DescribeInstances").idempotent().build()?;
    /// let response = client.call_untyped(&describe, &serde_json::json!({ "Limit": 10 })).await?;
    /// println!("{} instances", response["TotalCount"]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn call_untyped<P>(
        &self,
        action: &UntypedAction,
        params: &P,
    ) -> Result<Value, Error<RawCode>>
    where
        P: Serialize + ?Sized,
    {
        let request_error =
            |source| Error::Decode(DecodeError::new(DecodeErrorKind::Request, 0, b"", source));
        let body = match serde_json::to_vec(params) {
            Ok(body) if body.first() == Some(&b'{') => body,
            Ok(_) => return Err(request_error(None)),
            Err(e) => return Err(request_error(Some(e))),
        };
        let raw = self.call_raw(action.info, body).await?;
        raw.decode().map_err(Error::Decode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_sent_are_refused() {
        let bad = [
            ("CVM", "2017-03-12", "DescribeInstances", "service"),
            (
                "cvm.evil.example",
                "2017-03-12",
                "DescribeInstances",
                "service",
            ),
            ("", "2017-03-12", "DescribeInstances", "service"),
            ("cvm", "2017-3-12", "DescribeInstances", "version"),
            ("cvm", "2017-03-12\r\nX: y", "DescribeInstances", "version"),
            ("cvm", "2017-03-12", "describeInstances", "action"),
            ("cvm", "2017-03-12", "Describe Instances", "action"),
            ("cvm", "2017-03-12", "", "action"),
        ];
        for (service, version, action, what) in bad {
            let err = UntypedAction::builder(service, version, action)
                .build()
                .unwrap_err();
            assert!(
                matches!(err, UntypedActionError::InvalidName { what: w, .. } if w == what),
                "{err}"
            );
        }
        let err = UntypedAction::builder("cvm", "2017-03-12", "RunInstances")
            .idempotency_token("client-token")
            .build();
        assert!(err.is_err());
        assert!(
            UntypedAction::builder("cvm", "2017-03-12", "RunInstances")
                .rate_limit(0)
                .build()
                .is_err()
        );
    }

    #[test]
    fn a_descriptor_is_interned_once_and_mutating_by_default() {
        let a = UntypedAction::builder("cvm", "2017-03-12", "RunInstances")
            .build()
            .unwrap();
        let b = UntypedAction::builder("cvm", "2017-03-12", "RunInstances")
            .build()
            .unwrap();
        assert!(std::ptr::eq(a.info(), b.info()));
        assert!(!a.info().idempotent);
        assert_eq!(a.info().service.default_host, "cvm.tencentcloudapi.com");
        let c = UntypedAction::builder("cvm", "2017-03-12", "RunInstances")
            .idempotency_token("ClientToken")
            .rate_limit(10)
            .build()
            .unwrap();
        assert!(!std::ptr::eq(a.info(), c.info()));
        assert_eq!(
            (c.info().idempotency_token, c.info().rate_limit),
            (Some("ClientToken"), Some(10))
        );
    }

    #[test]
    fn the_interned_set_is_bounded() {
        let mut map = HashMap::new();
        let build = |n: usize| UntypedAction::builder("svc", "2020-01-01", &format!("Action{n}"));
        for n in 0..MAX_UNTYPED_ACTIONS {
            intern_in(&mut map, build(n)).unwrap();
        }
        assert_eq!(
            intern_in(&mut map, build(MAX_UNTYPED_ACTIONS)),
            Err(UntypedActionError::TooMany)
        );
        assert!(
            intern_in(&mut map, build(7)).is_ok(),
            "a known descriptor is still found"
        );
        assert_eq!(map.len(), MAX_UNTYPED_ACTIONS);
    }
}
