//! Client configuration: endpoints, language, method, timeouts, rate limits, and the
//! settings read from the environment ([`mod@env`]). Retries are configured in [`crate::retry`].

pub mod env;

use std::fmt;
use std::time::Duration;

use crate::keys::CredentialsError;
use crate::ServiceInfo;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default timeout of one HTTP attempt, from sending to the last body byte (the official
/// SDKs' request timeout).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default timeout of a whole call: rate-limiter wait, every attempt and the backoff between
/// them. Two full attempts: a call that fails fast (refused, throttled, 5xx) still gets all
/// its retries well within it, and only a server slow on every attempt is cut short at the
/// third, which a request that already took 60 s twice is unlikely to make in time anyway.
/// Without it, three attempts of 60 s plus backoff could take 3 minutes.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(120);
/// Default cap on a response body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 10 * 1024 * 1024;
/// The public API domain that regional hosts are built on.
pub const API_DOMAIN: &str = "tencentcloudapi.com";

/// HTTP method the actions are sent with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// JSON body, `Content-Type: application/json` (the official SDKs' default).
    #[default]
    Post,
    /// Flattened query string, `Content-Type: application/x-www-form-urlencoded`.
    Get,
}

impl Method {
    /// `POST` or `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Get => "GET",
        }
    }

    /// The `Content-Type` sent (and signed) with this method.
    pub fn content_type(self) -> &'static str {
        match self {
            Method::Post => "application/json",
            Method::Get => "application/x-www-form-urlencoded",
        }
    }
}

/// Language of server messages (`X-TC-Language`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    /// `zh-CN`, the official SDKs' default.
    #[default]
    ZhCn,
    /// `en-US`.
    EnUs,
}

impl Language {
    /// `zh-CN` or `en-US`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::ZhCn => "zh-CN",
            Language::EnUs => "en-US",
        }
    }
}

/// URL scheme of a custom endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `http` (for local test servers).
    Http,
    /// `https`.
    Https,
}

impl Scheme {
    /// `http` or `https`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// Where requests go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Endpoint {
    /// The service's default host (`tcss.tencentcloudapi.com`), HTTPS.
    #[default]
    Default,
    /// `<service>.<region>.tencentcloudapi.com`, HTTPS; needs a region.
    Regional,
    /// The service's international host ([`ServiceInfo::intl_host`]), HTTPS; the default host
    /// when the service documents none.
    Intl,
    /// One fixed scheme and authority for every service (a proxy, a test server).
    Custom {
        /// `http` or `https`.
        scheme: Scheme,
        /// `host[:port]`, lowercase, without a default port; also the signed `Host`.
        authority: String,
        /// The text had no scheme and HTTPS was assumed (said in errors: a plain-HTTP server
        /// given as `127.0.0.1:9000` otherwise only shows up as a timeout).
        scheme_assumed: bool,
    },
}

impl Endpoint {
    /// Parses `http://127.0.0.1:8080`, `https://host`, or a bare `host[:port]` (HTTPS). A
    /// trailing `/` is allowed; other paths, queries, fragments and user info are not.
    pub fn custom(url: &str) -> Result<Endpoint, ConfigError> {
        let bad = |reason| ConfigError::InvalidEndpoint { endpoint: url.to_owned(), reason };
        let (scheme, rest, scheme_assumed) = if let Some(r) = strip_prefix_ci(url, "http://") {
            (Scheme::Http, r, false)
        } else if let Some(r) = strip_prefix_ci(url, "https://") {
            (Scheme::Https, r, false)
        } else if url.contains("://") {
            return Err(bad("only http:// and https:// are supported"));
        } else {
            (Scheme::Https, url, true)
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        if authority.contains(['/', '?', '#']) {
            return Err(bad("a path, query or fragment is not allowed: requests always go to `/`"));
        }
        if authority.contains('@') {
            return Err(bad("user info is not allowed"));
        }
        if !authority.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("spaces, control or non-ASCII characters"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| bad("malformed host or port"))?;
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let host = host.to_ascii_lowercase();
        let default_port = match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        let authority = match port {
            Some(p) if p != default_port => format!("{host}:{p}"),
            _ => host,
        };
        Ok(Endpoint::Custom { scheme, authority, scheme_assumed })
    }

    /// How errors name where a call to `service` went: the host for the Tencent Cloud hosts,
    /// the URL for a custom endpoint (saying when its scheme was assumed).
    pub fn describe(&self, service: &ServiceInfo, region: Option<&str>) -> String {
        let (scheme, host) = self.resolve(service, region);
        match self {
            Endpoint::Custom { scheme_assumed: true, .. } => {
                format!("{}://{host} (https assumed: the endpoint was given without a scheme)", scheme.as_str())
            }
            Endpoint::Custom { .. } => format!("{}://{host}", scheme.as_str()),
            _ => host,
        }
    }

    /// The scheme and host a call to `service` goes to.
    pub fn resolve(&self, service: &ServiceInfo, region: Option<&str>) -> (Scheme, String) {
        match self {
            Endpoint::Default => (Scheme::Https, service.default_host.to_owned()),
            Endpoint::Regional => match region {
                Some(r) => (Scheme::Https, format!("{}.{r}.{API_DOMAIN}", service.name)),
                None => (Scheme::Https, service.default_host.to_owned()),
            },
            Endpoint::Intl => (Scheme::Https, service.intl_host.unwrap_or(service.default_host).to_owned()),
            Endpoint::Custom { scheme, authority, .. } => (*scheme, authority.clone()),
        }
    }
}

/// Lowercase letters, digits and `-`, 1 to 64 of them (`ap-guangzhou`).
pub(crate) fn is_valid_region(r: &str) -> bool {
    !r.is_empty() && r.len() <= 64 && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// Splits `host`, `host:port`, `[v6]`, `[v6]:port`. `None` if malformed.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        if v6.is_empty() || !v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.') {
            return None;
        }
        let host = &authority[..v6.len() + 2];
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            None => (authority, None),
            Some((h, p)) => (h, Some(p)),
        }
    };
    if !host.starts_with('[')
        && !host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
    {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

/// Client-side rate limit per action (keyed by service and action name).
///
/// By default every action with a documented rate ([`crate::ActionInfo::rate_limit`]) is held
/// to it with a burst of 1: calls are spaced `1/rate` apart, so any window of `t` seconds
/// sees at most `rate * t + burst` calls, whatever the server's window boundaries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitConfig {
    enabled: bool,
    burst: u32,
    rate_override: Option<u32>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self { enabled: true, burst: 1, rate_override: None }
    }
}

impl RateLimitConfig {
    /// No client-side limit.
    pub fn disabled() -> Self {
        Self { enabled: false, ..Self::default() }
    }

    /// Calls allowed at once before spacing starts (0 is taken as 1).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }

    /// Uses this rate (per second) for every action instead of the documented one.
    pub fn with_rate_override(mut self, rate: u32) -> Self {
        self.rate_override = Some(rate);
        self
    }

    /// Whether limiting is on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The burst.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The rate applied to an action documented at `documented` per second (`None`: no limit).
    pub fn rate_for(&self, documented: Option<u32>) -> Option<u32> {
        if !self.enabled {
            return None;
        }
        self.rate_override.or(documented).filter(|&r| r > 0)
    }
}

/// A client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConfigError {
    /// No usable credentials.
    Credentials(CredentialsError),
    /// The custom endpoint is not a usable URL.
    InvalidEndpoint {
        /// The text given.
        endpoint: String,
        /// Why.
        reason: &'static str,
    },
    /// [`Endpoint::Regional`] without a region.
    MissingRegion,
    /// The region is not lowercase letters, digits and `-`.
    InvalidRegion(String),
    /// The request-client name cannot be sent as a header (printable ASCII only, up to 128).
    InvalidRequestClient,
    /// The HTTP client could not be built.
    Http(String),
    /// An environment variable has a value that cannot be used.
    InvalidEnv {
        /// The variable (`TENCENTCLOUD_LANGUAGE`).
        var: &'static str,
        /// Its value (at most its first 64 characters).
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// The Redis URL of shared limits cannot be used (feature `redis`).
    InvalidRedisUrl {
        /// The URL, its user info and query replaced by `***`.
        url: String,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Credentials(e) => write!(f, "credentials: {e}"),
            ConfigError::InvalidEndpoint { endpoint, reason } => {
                write!(f, "invalid endpoint {endpoint:?}: {reason}")
            }
            ConfigError::MissingRegion => f.write_str("a regional endpoint needs a region"),
            ConfigError::InvalidRegion(r) => {
                write!(f, "invalid region {r:?}: expected lowercase letters, digits and `-`")
            }
            ConfigError::InvalidRequestClient => {
                f.write_str("request client name must be 1-128 printable ASCII characters")
            }
            ConfigError::Http(e) => write!(f, "HTTP client: {e}"),
            ConfigError::InvalidEnv { var, value, expected } => {
                write!(f, "environment variable {var}={value:?}: expected {expected}")
            }
            ConfigError::InvalidRedisUrl { url, reason } => write!(f, "invalid Redis URL {url:?}: {reason}"),
        }
    }
}

/// `Display` already says what the inner error says, so `source()` skips it (issue 13.5:
/// `anyhow`'s `{:#}` printed `credentials: no credentials found: …: no credentials found: …`).
impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConfigError::Credentials(e) => std::error::Error::source(e),
            _ => None,
        }
    }
}

impl From<CredentialsError> for ConfigError {
    fn from(e: CredentialsError) -> Self {
        ConfigError::Credentials(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static SVC: ServiceInfo = ServiceInfo {
        name: "tcss",
        version: "2020-11-01",
        default_host: "tcss.tencentcloudapi.com",
        intl_host: Some("tcss.intl.tencentcloudapi.com"),
    };
    static CWP: ServiceInfo =
        ServiceInfo { name: "cwp", version: "2018-02-28", default_host: "cwp.tencentcloudapi.com", intl_host: None };

    #[test]
    fn resolves_hosts() {
        assert_eq!(Endpoint::Default.resolve(&SVC, None), (Scheme::Https, "tcss.tencentcloudapi.com".into()));
        assert_eq!(
            Endpoint::Regional.resolve(&SVC, Some("ap-guangzhou")),
            (Scheme::Https, "tcss.ap-guangzhou.tencentcloudapi.com".into())
        );
        assert_eq!(Endpoint::Intl.resolve(&SVC, None).1, "tcss.intl.tencentcloudapi.com");
        assert_eq!(Endpoint::Intl.resolve(&CWP, None).1, "cwp.tencentcloudapi.com");
        let c = Endpoint::custom("http://127.0.0.1:8080/").unwrap();
        assert_eq!(c.resolve(&SVC, Some("x")), (Scheme::Http, "127.0.0.1:8080".into()));
    }

    #[test]
    fn parses_custom_endpoints() {
        let ok = [
            ("http://127.0.0.1:8080", Scheme::Http, "127.0.0.1:8080"),
            ("HTTP://LocalHost:80/", Scheme::Http, "localhost"),
            ("https://tcss.tencentcloudapi.com", Scheme::Https, "tcss.tencentcloudapi.com"),
            ("https://example.com:443", Scheme::Https, "example.com"),
            ("example.com:8443", Scheme::Https, "example.com:8443"),
            ("http://[::1]:9000", Scheme::Http, "[::1]:9000"),
            ("http://[::1]", Scheme::Http, "[::1]"),
        ];
        for (url, scheme, authority) in ok {
            assert_eq!(
                Endpoint::custom(url).unwrap(),
                Endpoint::Custom { scheme, authority: authority.into(), scheme_assumed: !url.contains("://") },
                "{url}"
            );
        }
        let assumed = Endpoint::custom("127.0.0.1:9000").unwrap();
        assert_eq!(
            assumed.describe(&SVC, None),
            "https://127.0.0.1:9000 (https assumed: the endpoint was given without a scheme)"
        );
        assert_eq!(Endpoint::custom("http://127.0.0.1:9000").unwrap().describe(&SVC, None), "http://127.0.0.1:9000");
        assert_eq!(Endpoint::Default.describe(&SVC, None), "tcss.tencentcloudapi.com");
        for bad in [
            "",
            "http://",
            "ftp://x",
            "http://x/path",
            "http://x?q",
            "http://u@x",
            "http://x:",
            "http://x:99999",
            "http://x:8a",
            "http://[zz]:1",
            "http://[::1",
            "http://a b",
            "http://:80",
            "http://é.com",
        ] {
            assert!(Endpoint::custom(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rate_limit_config() {
        assert_eq!(RateLimitConfig::default().rate_for(Some(20)), Some(20));
        assert_eq!(RateLimitConfig::default().rate_for(None), None);
        assert_eq!(RateLimitConfig::default().rate_for(Some(0)), None);
        assert_eq!(RateLimitConfig::disabled().rate_for(Some(20)), None);
        assert_eq!(RateLimitConfig::default().with_rate_override(5).rate_for(Some(20)), Some(5));
    }
}
