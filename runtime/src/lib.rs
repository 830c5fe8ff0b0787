//! tc-runtime: what generated clients call: signing, credentials, HTTP, envelope, retries.
//!
//! The contract with generated code (see `ARCHITECTURE.md`): [`ServiceInfo`], [`ActionInfo`],
//! [`Client`] (`builder`, `from_env`, `call`), [`ErrorCode`], [`Error`], [`ApiError`] and the
//! lenient deserializers in [`de`]. Everything heavy is non-generic: [`Client::call`] only
//! serializes the request and deserializes the response around the boxed
//! [`Client::call_raw`].
//!
//! The signing ([`sign`]), GET flattening ([`query`]) and date ([`time`]) modules are pure and
//! public, so a test server can verify requests with the same code that signs them.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
pub mod config;
pub mod credentials;
pub mod de;
pub mod error;
mod idempotency;
mod ini;
pub mod limiter;
pub mod query;
pub mod retry;
pub mod sign;
pub mod support;
pub mod time;

pub use client::{Client, ClientBuilder, DEFAULT_REQUEST_CLIENT, RawCallFuture, RawResponse, decode_response};
pub use config::{ConfigError, Endpoint, Language, Method, RateLimitConfig, Scheme};
pub use credentials::{Credentials, CredentialsError, CredentialsProvider, SecretString};
pub use error::{
    ApiError, DecodeError, DecodeErrorKind, Error, ErrorClass, ErrorCode, JsonError, RawCode, Timeout, TransportError,
    TransportErrorKind, classify_code, is_retryable_code,
};
pub use idempotency::idempotency_token;
pub use retry::{MutatingRetry, RetryConfig};
pub use support::ActionFuture;
pub use support::codec::Correction;

/// A service: its name (the host prefix and signing scope), API version and hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ServiceInfo {
    /// `tcss`, `cwp`: the host prefix and the service in the credential scope.
    pub name: &'static str,
    /// `X-TC-Version`, e.g. `2020-11-01`.
    pub version: &'static str,
    /// e.g. `tcss.tencentcloudapi.com`.
    pub default_host: &'static str,
    /// e.g. `tcss.intl.tencentcloudapi.com`, when documented.
    pub intl_host: Option<&'static str>,
}

/// An action of a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActionInfo {
    /// The service the action belongs to.
    pub service: &'static ServiceInfo,
    /// `X-TC-Action`, e.g. `DescribeImageAuthorizedInfo`.
    pub name: &'static str,
    /// Documented requests per second, if any.
    pub rate_limit: Option<u32>,
    /// Whether the action may be sent again after a request may have reached the server
    /// (read-only actions, and those the spec marks idempotent). A mutating action is
    /// retried only when it cannot have executed, unless it has an idempotency token.
    pub idempotent: bool,
    /// Wire name of the request's idempotency-token parameter (a top-level string, e.g.
    /// `ClientToken`), if the action has one: the runtime fills it once per logical call when
    /// the caller left it empty and sends the same value on every attempt.
    pub idempotency_token: Option<&'static str>,
}
