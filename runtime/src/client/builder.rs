//! [`ClientBuilder`]: every setting with its default, checked once at `build()`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

use super::{Client, DEFAULT_REQUEST_CLIENT, Inner, Options, Shared};
use crate::config::{
    ConfigError, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_OPERATION_TIMEOUT, DEFAULT_TIMEOUT,
    Endpoint, Language, Method, RateLimitConfig,
};
use crate::credentials::{CachedProvider, Credentials, CredentialsSource, DefaultChain, ProvideCredentials};
use crate::limiter::{Limiters, SharedLimits};
use crate::retry::{Budgets, Jitter, RetryConfig};
use crate::support::codec::Corrections;

/// Builds a [`Client`]. Every setting has a default; credentials default to the chain
/// (environment, profile file, CVM instance role, TKE OIDC: [`DefaultChain`], cached). [`ClientBuilder::from_env`] starts from the
/// environment instead (see the crate docs for the variables).
#[derive(Debug)]
pub struct ClientBuilder {
    pub(crate) credentials: Option<Arc<dyn ProvideCredentials>>,
    pub(crate) metadata_endpoint: Option<Endpoint>,
    /// Calls are not signed (`Authorization: SKIP`); no credentials are used.
    pub(crate) unsigned: bool,
    pub(crate) sensitive: bool,
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
    /// Rate limits and retry budgets shared by a fleet (or the error of a bad Redis URL,
    /// returned by `build`).
    pub(crate) shared_limits: Option<Result<SharedLimits, ConfigError>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            credentials: None,
            metadata_endpoint: None,
            unsigned: false,
            sensitive: false,
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
            shared_limits: None,
        }
    }
}

impl ClientBuilder {
    /// Fixed credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(Arc::new(credentials));
        self
    }

    /// Credentials asked for on every call: any [`ProvideCredentials`] (every synchronous
    /// [`crate::CredentialsProvider`] is one). Wrap a provider that calls a service in a
    /// [`CachedProvider`].
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// The CVM metadata service the default chain asks for the instance role's credentials
    /// (default `http://metadata.tencentyun.com`, or `TENCENTCLOUD_METADATA_ENDPOINT`).
    /// Unused when credentials are set.
    pub fn metadata_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.metadata_endpoint = Some(endpoint);
        self
    }

    /// Calls are sent unsigned (`Authorization: SKIP`, no credentials needed or used), as the
    /// official SDKs send STS `AssumeRoleWithWebIdentity` and `AssumeRoleWithSAML`: the
    /// actions a caller uses to get its first credentials (the spec marks them `unsigned`).
    /// Every other action fails on such a client with `AuthFailure.InvalidAuthorization`.
    /// (Those actions' descriptors say [`crate::ActionInfo::unsigned`], so any client sends
    /// them unsigned; this is for a client that has no credentials at all.)
    pub fn unsigned(mut self) -> Self {
        self.unsigned = true;
        self
    }

    /// Replies hold secrets: failure logs leave out body excerpts.
    pub(crate) fn sensitive_responses(mut self) -> Self {
        self.sensitive = true;
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

    /// Connect timeout, TCP and TLS (default 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Timeout of one attempt, from sending to the last body byte (default 60 s, the
    /// official SDKs' request timeout).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Timeout of a whole call: the rate-limiter wait, every attempt and the backoff between
    /// them (default 120 s: see [`DEFAULT_OPERATION_TIMEOUT`]). A call returns within it with
    /// a [`crate::error::Timeout::Operation`] error.
    pub fn operation_timeout(mut self, d: Duration) -> Self {
        self.operation_timeout = d;
        self
    }

    /// Retry policy (default: 3 attempts, by the action's safety, with a retry budget;
    /// [`RetryConfig::disabled`] for one attempt).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Client-side rate limit (default: each action's documented rate, burst 1, shared by
    /// every client of the process with the same SecretId).
    pub fn rate_limit(mut self, rate_limit: RateLimitConfig) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Cap on a response body, enforced while reading (default 10 MiB).
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Strict decoding (default off). Off, a response that leaves out a required field or
    /// sends it as `null` decodes with the field's zero value (`""`, `0`, `false`, empty
    /// list, a structure of zero values), as Smithy's client error correction does: a
    /// `tracing` warning names the action and the field, and [`Client::corrections`] counts
    /// it. On, such a response is a [`crate::DecodeError`] naming the field: what tests of
    /// the project itself use, so that a server that breaks the documented shape fails them.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Rate limits and retry budgets shared by every process that uses the same `limits`
    /// backend (default: none, each process holds the limits on its own; see
    /// [`crate::limiter::shared`]). Clients given clones of one `SharedLimits` share its
    /// connection.
    pub fn shared_limits(mut self, limits: SharedLimits) -> Self {
        self.shared_limits = Some(Ok(limits));
        self
    }

    /// Shares rate limits and retry budgets through the Redis server at `url`
    /// (`redis://[:password@]host[:port][/db]`), with the defaults of [`SharedLimits`] (50 ms
    /// timeout, then the local limiter). A bad URL fails [`ClientBuilder::build`]; the URL is
    /// never shown with its password. Also `TENCENTCLOUD_REDIS_URL`.
    #[cfg(feature = "redis")]
    pub fn redis_url(mut self, url: &str) -> Self {
        self.shared_limits = Some(SharedLimits::redis(url));
        self
    }

    /// Checks the settings and the credentials that need no request (explicit ones, the
    /// environment, the profile file: a typo fails here rather than at the first call) and
    /// builds the HTTP client. Without explicit credentials the client uses the
    /// [`DefaultChain`] behind a [`CachedProvider`]; when neither the environment nor the
    /// profile file has credentials, the CVM role and TKE OIDC are asked at the first call,
    /// and a call fails with the list of every source tried if none works.
    pub fn build(self) -> Result<Client, ConfigError> {
        let shared_limits = self.shared_limits.transpose()?;
        let credentials: Option<Arc<dyn ProvideCredentials>> = match (self.unsigned, self.credentials) {
            (true, _) => None,
            (false, Some(c)) => Some(c),
            (false, None) => {
                let chain = match self.metadata_endpoint {
                    Some(e) => DefaultChain::new().metadata_endpoint(e),
                    None => DefaultChain::new(),
                };
                Some(Arc::new(CachedProvider::new(Arc::new(chain))))
            }
        };
        // Validate what we can now, so a typo fails at build time rather than per call.
        if let Some(now) = credentials.as_ref().and_then(|c| c.credentials_now()) {
            now?.validate(&CredentialsSource::Explicit)?;
        }
        if let Some(r) = &self.region {
            if !crate::config::is_valid_region(r) {
                return Err(ConfigError::InvalidRegion(r.clone()));
            }
        }
        if self.endpoint == Endpoint::Regional && self.region.is_none() {
            return Err(ConfigError::MissingRegion);
        }
        if let Endpoint::Custom { authority, scheme_assumed: true, .. } = &self.endpoint {
            tracing::info!(endpoint = %authority, "tc-runtime: the endpoint has no scheme; using https://{authority}");
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
        let shared = Shared {
            http,
            credentials,
            endpoint: self.endpoint,
            region: self.region,
            language: self.language,
            request_client,
            method: self.method,
            connect_timeout: self.connect_timeout,
            max_response_bytes: self.max_response_bytes,
            limiters: Limiters::new(self.rate_limit, shared_limits.clone()),
            budgets: Budgets::new(shared_limits),
            jitter: Jitter::from_entropy(),
            corrections: Corrections::default(),
            targets: Default::default(),
            signing_keys: Default::default(),
        };
        let options = Options {
            retry: self.retry,
            timeout: self.timeout,
            operation_timeout: self.operation_timeout,
            strict: self.strict,
            sensitive: self.sensitive,
        };
        Ok(Client { inner: Arc::new(Inner { shared: Arc::new(shared), options }) })
    }
}
