//! The client: what it holds, its cheap per-call views, and the one call path.
//!
//! [`Client::call`] is a thin generic shim: serialize the request to bytes, run the boxed,
//! non-generic [`Client::call_raw`] (sign, limit, send, retry, read, parse the envelope), then
//! deserialize `Resp` from the object inside `Response`. Each action thus adds only a
//! serializer and a deserializer to the binary, and the future `call` returns stays small.
//!
//! A client is an `Arc` of its per-call options (retry policy, timeouts, strictness) over an
//! `Arc` of what every view shares (HTTP pool, credentials, endpoint, limiters, budgets):
//! [`Client::with_retry`] and friends make a view with other options for some calls, without
//! a new pool and without any change to generated code (`TcssClient::new(client.with_retry(...))`).

mod envelope;
mod send;
mod untyped;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::codec::Corrections;
use crate::config::{
    ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_OPERATION_TIMEOUT, DEFAULT_TIMEOUT,
    Endpoint, Language, Method, RateLimitConfig,
};
use crate::error::{DecodeError, DecodeErrorKind, Error, ErrorCode, RawCode};
use crate::keys::{CredentialsSource, ProvideCredentials};
use crate::limiter::{Limiters, SharedLimits};
use crate::retry::{Budgets, Jitter, RetryConfig};
use crate::ActionInfo;

pub use envelope::{RawResponse, decode_response};
pub use untyped::{MAX_UNTYPED_ACTIONS, UntypedAction, UntypedActionBuilder, UntypedActionError};

/// The default `X-TC-RequestClient`: `tc-sdk-rust/<version>`.
pub const DEFAULT_REQUEST_CLIENT: &str = concat!("tc-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// The boxed future of [`Client::call_raw`].
pub type RawCallFuture<'a> = Pin<Box<dyn Future<Output = Result<RawResponse, Error<RawCode>>> + Send + 'a>>;

/// A Tencent Cloud API 3.0 client. Cheap to clone (an `Arc`); clones and views share the
/// connection pool, the rate limiters and the retry budgets, so make one per process and
/// clone it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    options: Options,
}

/// What every view of a client shares.
struct Shared {
    http: reqwest::Client,
    /// `None`: calls are not signed (`Authorization: SKIP`), for STS `AssumeRoleWithWebIdentity`.
    credentials: Option<Arc<dyn ProvideCredentials>>,
    endpoint: Endpoint,
    region: Option<String>,
    language: Language,
    request_client: HeaderValue,
    method: Method,
    connect_timeout: Duration,
    max_response_bytes: usize,
    limiters: Limiters,
    budgets: Budgets,
    jitter: Jitter,
    corrections: Corrections,
    /// Each service's URL and `Host`, parsed at its first call.
    targets: send::Targets,
    /// Derived signing keys, once a day per service (never printed).
    signing_keys: crate::sign::SigningKeys,
}

/// What a view may change per call.
#[derive(Clone, Debug)]
struct Options {
    retry: RetryConfig,
    /// One attempt, from sending to the last body byte.
    timeout: Duration,
    /// The whole call: limiter wait, attempts, backoff.
    operation_timeout: Duration,
    /// Required response fields that are absent or `null` fail the call instead of being
    /// filled with their zero value.
    strict: bool,
    /// Replies may hold secrets (STS credentials): failure logs leave out the body excerpt.
    sensitive: bool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, o) = (&self.inner.shared, &self.inner.options);
        f.debug_struct("Client")
            .field("credentials", &s.credentials)
            .field("endpoint", &s.endpoint)
            .field("region", &s.region)
            .field("language", &s.language)
            .field("request_client", &s.request_client)
            .field("method", &s.method)
            .field("connect_timeout", &s.connect_timeout)
            .field("timeout", &o.timeout)
            .field("operation_timeout", &o.operation_timeout)
            .field("retry", &o.retry)
            .field("strict", &o.strict)
            .field("max_response_bytes", &s.max_response_bytes)
            .field("limiters", &s.limiters)
            .finish_non_exhaustive()
    }
}

/// Every setting of a client but where its credentials come from, with the defaults: what
/// [`crate::ClientBuilder`] fills and the credential providers that call STS set directly
/// (they sit below the builder, whose default credentials are their chain).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) endpoint: Endpoint,
    pub(crate) region: Option<String>,
    pub(crate) language: Language,
    pub(crate) request_client: String,
    pub(crate) method: Method,
    pub(crate) connect_timeout: Duration,
    pub(crate) timeout: Duration,
    pub(crate) operation_timeout: Duration,
    pub(crate) retry: RetryConfig,
    pub(crate) rate_limit: RateLimitConfig,
    pub(crate) max_response_bytes: usize,
    pub(crate) strict: bool,
    /// Replies hold secrets: failure logs leave out body excerpts.
    pub(crate) sensitive: bool,
    pub(crate) shared_limits: Option<SharedLimits>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            endpoint: Endpoint::Default,
            region: None,
            language: Language::default(),
            request_client: DEFAULT_REQUEST_CLIENT.to_owned(),
            method: Method::Post,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            operation_timeout: DEFAULT_OPERATION_TIMEOUT,
            retry: RetryConfig::default(),
            rate_limit: RateLimitConfig::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            strict: false,
            sensitive: false,
            shared_limits: None,
        }
    }
}

impl Client {
    /// Checks `settings` and the credentials that need no request (explicit ones, the
    /// environment, the profile file: a typo fails here rather than at the first call) and
    /// builds the HTTP client. `credentials` `None`: calls are sent unsigned.
    pub(crate) fn from_settings(
        settings: Settings,
        credentials: Option<Arc<dyn ProvideCredentials>>,
    ) -> Result<Client, ConfigError> {
        if let Some(now) = credentials.as_ref().and_then(|c| c.credentials_now()) {
            now?.validate(&CredentialsSource::Explicit)?;
        }
        if let Some(r) = &settings.region {
            if !crate::config::is_valid_region(r) {
                return Err(ConfigError::InvalidRegion(r.clone()));
            }
        }
        if settings.endpoint == Endpoint::Regional && settings.region.is_none() {
            return Err(ConfigError::MissingRegion);
        }
        if let Endpoint::Custom { authority, scheme_assumed: true, .. } = &settings.endpoint {
            tracing::info!(endpoint = %authority, "tc-runtime: the endpoint has no scheme; using https://{authority}");
        }
        let name = &settings.request_client;
        if name.is_empty() || name.len() > 128 || !name.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidRequestClient);
        }
        let request_client = HeaderValue::from_str(name).map_err(|_| ConfigError::InvalidRequestClient)?;
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| ConfigError::Http(e.to_string()))?;
        let shared = Shared {
            http,
            credentials,
            endpoint: settings.endpoint,
            region: settings.region,
            language: settings.language,
            request_client,
            method: settings.method,
            connect_timeout: settings.connect_timeout,
            max_response_bytes: settings.max_response_bytes,
            limiters: Limiters::new(settings.rate_limit, settings.shared_limits.clone()),
            budgets: Budgets::new(settings.shared_limits),
            jitter: Jitter::from_entropy(),
            corrections: Corrections::default(),
            targets: Default::default(),
            signing_keys: Default::default(),
        };
        let options = Options {
            retry: settings.retry,
            timeout: settings.timeout,
            operation_timeout: settings.operation_timeout,
            strict: settings.strict,
            sensitive: settings.sensitive,
        };
        Ok(Client { inner: Arc::new(Inner { shared: Arc::new(shared), options }) })
    }

    /// A view of this client whose calls use `retry` (the pool, limiters and budgets stay
    /// shared). For one call: `TcssClient::new(client.with_retry(RetryConfig::disabled()))`.
    pub fn with_retry(&self, retry: RetryConfig) -> Client {
        self.view(|o| o.retry = retry)
    }

    /// A view whose attempts each time out after `timeout`.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        self.view(|o| o.timeout = timeout)
    }

    /// A view whose calls, retries included, time out after `timeout`.
    pub fn with_operation_timeout(&self, timeout: Duration) -> Client {
        self.view(|o| o.operation_timeout = timeout)
    }

    /// A view that is strict (or lenient) about required response fields: see
    /// [`crate::ClientBuilder::strict`].
    pub fn with_strict(&self, strict: bool) -> Client {
        self.view(|o| o.strict = strict)
    }

    fn view(&self, change: impl FnOnce(&mut Options)) -> Client {
        let mut options = self.inner.options.clone();
        change(&mut options);
        Client { inner: Arc::new(Inner { shared: Arc::clone(&self.inner.shared), options }) }
    }

    /// The retry policy of this client (or view).
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.options.retry
    }

    /// The timeout of one attempt.
    pub fn timeout(&self) -> Duration {
        self.inner.options.timeout
    }

    /// The timeout of a whole call.
    pub fn operation_timeout(&self) -> Duration {
        self.inner.options.operation_timeout
    }

    /// Whether absent or `null` required response fields fail the call.
    pub fn is_strict(&self) -> bool {
        self.inner.options.strict
    }

    /// The corrections made so far by this client and its views (lenient mode): each
    /// (action, field path) whose required value was absent or `null` and was filled with
    /// its zero value, with how often. Sorted; bounded by the schema.
    pub fn corrections(&self) -> Vec<crate::codec::Correction> {
        self.inner.shared.corrections.snapshot()
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
            Err(e) => return Err(Error::Decode(DecodeError::new(DecodeErrorKind::Request, 0, b"", Some(e)))),
        };
        match self.call_raw(action, body).await {
            Ok(raw) => raw.decode().map_err(Error::Decode),
            Err(e) => Err(e.map_code(|c| C::from_code(&c.0))),
        }
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
}
