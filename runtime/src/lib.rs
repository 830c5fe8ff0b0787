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
//!
//! # Retries, timeouts, rate limits
//!
//! | setting | default | why |
//! |---|---|---|
//! | attempts ([`RetryConfig`]) | 3, backoff 500 ms doubling to 8 s, full jitter | the official SDKs' 3 attempts |
//! | what is retried | idempotent actions: throttling, connect failures, timeouts, broken connections, 5xx, 429; mutating actions: only connect failures and throttling, unless they carry an idempotency token | a mutating call whose reply was lost may have executed ([`retry`]) |
//! | idempotency token | filled once per call (`ClientToken`, a UUID) when left empty, the same on every attempt | what makes retrying a mutating call safe |
//! | retry budget | 500 tokens per (endpoint, service), process-wide; a retry costs 5 (10 after a timeout), a success gives 1 back | aws-sdk-rust standard mode: an outage is not multiplied by the attempts |
//! | connect timeout | 10 s | |
//! | attempt timeout ([`ClientBuilder::timeout`]) | 60 s | the official SDKs' request timeout |
//! | operation timeout ([`ClientBuilder::operation_timeout`]) | 120 s: limiter wait, attempts and backoff | see [`config::DEFAULT_OPERATION_TIMEOUT`] |
//! | rate limit ([`RateLimitConfig`]) | each action's documented rate, burst 1, shared by every client with the same SecretId | the limit is the account's |
//! | shared limits ([`ClientBuilder::shared_limits`], `redis_url`) | none: each process holds the rate on its own | with them, the rate and the retry budget hold for a whole fleet |
//! | strict decoding ([`ClientBuilder::strict`]) | off: absent or `null` required fields get their zero value and are reported ([`Client::corrections`], a `tracing` warning) | Smithy's client error correction; tests turn it on |
//!
//! # Rate limits across a fleet
//!
//! The documented rate is the account's: N processes holding 20/s each send 20·N. With the
//! `redis` feature, `ClientBuilder::redis_url` (or `TENCENTCLOUD_REDIS_URL`) keeps one GCRA
//! state per (SecretId digest, service, action) and the retry budgets in Redis, updated by a
//! Lua script in one round trip on the server's clock, so every process that uses it shares
//! the documented rate. Keys (`tc-runtime:rate:<service>:<action>:<digest>`,
//! `tc-runtime:budget:<service>:<endpoint>`) hold no SecretId and expire on their own. When
//! Redis fails or takes longer than 50 ms ([`limiter::SharedLimits::with_timeout`]), calls
//! use the process's own limiter (one `tracing` warning per outage, the URL without its
//! password) and go back to Redis once a probe after the reconnect backoff (1 s doubling to
//! 30 s) is answered. Other stores plug in through [`limiter::SharedBackend`]. See
//! [`limiter::shared`].
//!
//! Per call, a view of the client changes any of these without a new connection pool:
//! `TcssClient::new(client.with_retry(RetryConfig::disabled()))`, [`Client::with_timeout`],
//! [`Client::with_operation_timeout`], [`Client::with_strict`].
//!
//! # Configuration from the environment
//!
//! [`Client::from_env`] (and [`ClientBuilder::from_env`]) read these variables; an empty
//! value counts as unset, an invalid one is a [`ConfigError::InvalidEnv`] naming the variable.
//!
//! | variable | what | values | default | convention |
//! |---|---|---|---|---|
//! | `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` | credentials | | the profile file, then the CVM role, then TKE OIDC ([`DefaultChain`]) | the official SDKs |
//! | `TENCENTCLOUD_SECURITY_TOKEN` | token of temporary credentials (`X-TC-Token`) | | none | the Terraform provider |
//! | `TENCENTCLOUD_CREDENTIALS_FILE` | the profile file | a path | `~/.tencentcloud/credentials` | the official SDKs |
//! | `TENCENTCLOUD_METADATA_ENDPOINT` | the CVM metadata service asked for the instance role's credentials | `http://127.0.0.1:8080` | `http://metadata.tencentyun.com` | |
//! | `TKE_REGION`, `TKE_PROVIDER_ID`, `TKE_WEB_IDENTITY_TOKEN_FILE`, `TKE_ROLE_ARN` | TKE OIDC (STS `AssumeRoleWithWebIdentity`), all four or none | | none | the official SDKs, set by TKE |
//! | `TENCENTCLOUD_REGION` | `X-TC-Region` | `ap-guangzhou`, ... | none | tccli |
//! | `TENCENTCLOUD_ENDPOINT` | one endpoint for every service | `http://127.0.0.1:9000`, `https://host`, `host[:port]` (HTTPS) | each service's host | the generated examples |
//! | `TENCENTCLOUD_LANGUAGE` | `X-TC-Language` | `zh-CN`, `en-US` | `zh-CN` | the SDKs' `language` |
//! | `TENCENTCLOUD_METHOD` | HTTP method | `POST`, `GET` | `POST` | the SDKs' `reqMethod` |
//! | `TENCENTCLOUD_CONNECT_TIMEOUT` | connect timeout | seconds (`2.5`) | 10 | |
//! | `TENCENTCLOUD_REQUEST_TIMEOUT` | timeout of one attempt | seconds | 60 | the SDKs' `reqTimeout` |
//! | `TENCENTCLOUD_OPERATION_TIMEOUT` | timeout of a call, retries included | seconds | 120 | |
//! | `TENCENTCLOUD_MAX_ATTEMPTS` | attempts per call, the first included | 1 to 100 | 3 | aws-sdk's `AWS_MAX_ATTEMPTS` |
//! | `TENCENTCLOUD_STRICT` | strict decoding | `true`/`false` (`1`/`0`, `yes`/`no`, `on`/`off`) | `false` | |
//! | `TENCENTCLOUD_REDIS_URL` | rate limits and retry budgets shared through Redis (feature `redis`; without it, setting it is an error) | `redis://[:password@]host[:port][/db]` | none | |

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod builder;
mod client;
pub mod codec;
pub mod config;
pub mod credentials;
pub mod de;
pub mod error;
mod idempotency;
mod ini;
mod keys;
pub mod limiter;
pub mod query;
pub mod retry;
mod secret;
pub mod sign;
pub mod support;
pub mod time;

pub use builder::ClientBuilder;
pub use client::{
    Client, DEFAULT_REQUEST_CLIENT, MAX_UNTYPED_ACTIONS, RawCallFuture, RawResponse, UntypedAction,
    UntypedActionBuilder, UntypedActionError, decode_response,
};
pub use config::{ConfigError, Endpoint, Language, Method, RateLimitConfig, Scheme};
pub use credentials::{
    CachedProvider, Credentials, CredentialsError, CredentialsProvider, DefaultChain, ProvideCredentials, SecretString,
};
pub use error::{
    ApiError, DecodeError, DecodeErrorKind, Error, ErrorClass, ErrorCode, JsonError, RawCode, Timeout, TransportError,
    TransportErrorKind, classify_code, is_retryable_code,
};
pub use idempotency::idempotency_token;
pub use retry::{MutatingRetry, RetryConfig};
pub use support::ActionFuture;
pub use codec::Correction;

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
    /// Sent without a signature (`Authorization: SKIP`, no credentials asked for), as the
    /// action is documented to be called: STS `AssumeRoleWithWebIdentity` and
    /// `AssumeRoleWithSAML`, which a caller uses to get its first credentials.
    pub unsigned: bool,
}
