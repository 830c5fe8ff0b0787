//! [`InstanceRoleProvider`]: the CVM instance role's temporary credentials, from the metadata
//! service.
//!
//! `GET <endpoint>/latest/meta-data/cam/security-credentials/` answers the role name (404: no
//! role is bound), then `GET …/security-credentials/<role>` answers JSON with `TmpSecretId`,
//! `TmpSecretKey`, `Token`, `ExpiredTime` (unix seconds) and `Code` (`Success`). The endpoint
//! is `http://metadata.tencentyun.com` unless configured ([`InstanceRoleProvider::endpoint`],
//! or `TENCENTCLOUD_METADATA_ENDPOINT`, for tests and proxies).
//!
//! Off CVM the host does not resolve or does not answer: a 1 s connect timeout (and 3 s for
//! the whole exchange) keeps the default chain fast there, and such a failure is
//! [`CredentialsError::MetadataUnavailable`], which the chain passes over. Proxies from the
//! environment are ignored (the metadata service is link-local), redirects are not followed,
//! and at most 64 KiB of an answer is read. Errors never quote an answer: it holds the keys.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;

use super::{Credentials, CredentialsError, CredentialsFuture, CredentialsSource, EnvLookup, ProvideCredentials};
use crate::config::Endpoint;

/// `TENCENTCLOUD_METADATA_ENDPOINT`: the metadata service (`http://127.0.0.1:8080`), instead
/// of `http://metadata.tencentyun.com`.
pub const ENV_METADATA_ENDPOINT: &str = "TENCENTCLOUD_METADATA_ENDPOINT";
/// The metadata service of CVM.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://metadata.tencentyun.com";
/// Connect timeout to the metadata service.
pub const METADATA_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Timeout of one metadata request, connecting included.
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(3);
/// At most this much of an answer is read.
pub const MAX_METADATA_BYTES: usize = 64 * 1024;

const ROLE_PATH: &str = "/latest/meta-data/cam/security-credentials/";

/// The CVM instance role's credentials. Wrap it in a [`super::CachedProvider`]: every call
/// of [`ProvideCredentials::provide_credentials`] asks the metadata service.
#[derive(Clone)]
pub struct InstanceRoleProvider {
    /// `scheme://authority`, no trailing slash.
    base: String,
    role: Option<String>,
    connect_timeout: Duration,
    timeout: Duration,
    http: Result<reqwest::Client, String>,
}

impl fmt::Debug for InstanceRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstanceRoleProvider")
            .field("endpoint", &self.base)
            .field("role", &self.role)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Default for InstanceRoleProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl InstanceRoleProvider {
    /// The metadata service at `http://metadata.tencentyun.com`, role name asked for.
    pub fn new() -> Self {
        let mut p = Self {
            base: DEFAULT_METADATA_ENDPOINT.to_owned(),
            role: None,
            connect_timeout: METADATA_CONNECT_TIMEOUT,
            timeout: METADATA_TIMEOUT,
            http: Err(String::new()),
        };
        p.http = p.http_client();
        p
    }

    /// With the endpoint of `TENCENTCLOUD_METADATA_ENDPOINT` in `env`, if set.
    pub fn from_env_with(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let p = Self::new();
        match env(ENV_METADATA_ENDPOINT).filter(|v| !v.trim().is_empty()) {
            None => Ok(p),
            Some(v) => match Endpoint::custom(v.trim()) {
                Ok(e) => Ok(p.endpoint(e)),
                Err(e) => Err(CredentialsError::InvalidConfig { what: ENV_METADATA_ENDPOINT, message: e.to_string() }),
            },
        }
    }

    /// The metadata service at this endpoint ([`Endpoint::Custom`]; any other variant means
    /// the default, `http://metadata.tencentyun.com`).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.base = match endpoint {
            Endpoint::Custom { scheme, authority, .. } => format!("{}://{authority}", scheme.as_str()),
            _ => DEFAULT_METADATA_ENDPOINT.to_owned(),
        };
        self
    }

    /// Uses this role instead of asking the metadata service for the bound one.
    pub fn role(mut self, name: impl Into<String>) -> Self {
        self.role = Some(name.into());
        self
    }

    /// Connect timeout (default 1 s) and timeout of each request (default 3 s).
    pub fn timeouts(mut self, connect: Duration, total: Duration) -> Self {
        self.connect_timeout = connect;
        self.timeout = total;
        self.http = self.http_client();
        self
    }

    /// The endpoint, `scheme://host[:port]`.
    pub fn endpoint_url(&self) -> &str {
        &self.base
    }

    fn http_client(&self) -> Result<reqwest::Client, String> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|e| e.to_string())
    }

    fn source(&self, role: Option<&str>) -> CredentialsSource {
        CredentialsSource::InstanceRole { endpoint: self.base.clone(), role: role.map(str::to_owned) }
    }

    /// Asks the metadata service (the role name unless set, then its credentials).
    pub async fn fetch(&self) -> Result<Credentials, CredentialsError> {
        let http = self.http.as_ref().map_err(|e| CredentialsError::Metadata {
            source: self.source(None),
            message: format!("the HTTP client could not be built: {e}"),
        })?;
        let role = match &self.role {
            Some(r) => r.clone(),
            None => self.role_name(http).await?,
        };
        let source = self.source(Some(&role));
        let broken = |message: String| CredentialsError::Metadata { source: source.clone(), message };
        let url = format!("{}{ROLE_PATH}{role}", self.base);
        let (status, body) = get(http, &url).await.map_err(|f| broken(f.describe("credentials", self.timeout)))?;
        if status != 200 {
            return Err(broken(format!("credentials request answered HTTP {status}")));
        }
        let creds = parse_credentials(&body).map_err(broken)?;
        creds.validate(&source)?;
        Ok(creds)
    }

    async fn role_name(&self, http: &reqwest::Client) -> Result<String, CredentialsError> {
        let url = format!("{}{ROLE_PATH}", self.base);
        let (status, body) = get(http, &url).await.map_err(|f| match f {
            Failure::Connect | Failure::Timeout => CredentialsError::MetadataUnavailable {
                endpoint: self.base.clone(),
                message: f.describe("role name", self.timeout),
            },
            other => CredentialsError::Metadata {
                source: self.source(None),
                message: other.describe("role name", self.timeout),
            },
        })?;
        let broken = |message: String| CredentialsError::Metadata { source: self.source(None), message };
        match status {
            200 => {}
            404 => return Err(CredentialsError::NoInstanceRole { endpoint: self.base.clone() }),
            s => return Err(broken(format!("role name request answered HTTP {s}"))),
        }
        let name = std::str::from_utf8(&body).map(str::trim).unwrap_or("");
        // One name per line when several roles are listed: the first is the bound one.
        let name = name.lines().next().unwrap_or("").trim();
        let valid = !name.is_empty()
            && name.len() <= 128
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        if !valid {
            return Err(broken(format!(
                "the role name answered is not a CAM role name ({} bytes; letters, digits and +=,.@_- expected)",
                body.len()
            )));
        }
        Ok(name.to_owned())
    }
}

impl ProvideCredentials for InstanceRoleProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// Builds an [`InstanceRoleProvider`] from an env lookup, for the default chain.
pub(crate) fn from_env(env: &EnvLookup) -> Result<InstanceRoleProvider, CredentialsError> {
    InstanceRoleProvider::from_env_with(&**env)
}

/// How a metadata request failed, without the answer.
#[derive(Debug)]
enum Failure {
    Connect,
    Timeout,
    TooLarge,
    Other,
}

impl Failure {
    fn describe(&self, what: &str, timeout: Duration) -> String {
        match self {
            Failure::Connect => format!("{what} request: could not connect"),
            Failure::Timeout => format!("{what} request: no answer within {timeout:?}"),
            Failure::TooLarge => format!("{what} request: answer larger than {MAX_METADATA_BYTES} bytes"),
            Failure::Other => format!("{what} request failed mid-way"),
        }
    }
}

fn failure(e: &reqwest::Error) -> Failure {
    if e.is_connect() {
        Failure::Connect
    } else if e.is_timeout() {
        Failure::Timeout
    } else {
        Failure::Other
    }
}

/// GET `url`, reading at most [`MAX_METADATA_BYTES`] of the body.
async fn get(http: &reqwest::Client, url: &str) -> Result<(u16, Vec<u8>), Failure> {
    let mut response = http.get(url).send().await.map_err(|e| failure(&e))?;
    let status = response.status().as_u16();
    if response.content_length().is_some_and(|n| n > MAX_METADATA_BYTES as u64) {
        return Err(Failure::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failure(&e))? {
        if chunk.len() > MAX_METADATA_BYTES - body.len() {
            return Err(Failure::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// The credentials in the metadata service's JSON. The message never quotes the answer.
pub(crate) fn parse_credentials(body: &[u8]) -> Result<Credentials, String> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| format!("the credentials answer is not JSON (line {} column {})", e.line(), e.column()))?;
    if let Some(code) = v.get("Code") {
        if code.as_str() != Some("Success") {
            let shown: String = code.as_str().map_or_else(|| "not a string".to_owned(), |s| s.chars().take(64).collect());
            return Err(format!("the credentials answer has Code {shown:?}, not \"Success\""));
        }
    }
    let field = |name: &str| {
        v.get(name).and_then(Value::as_str).ok_or_else(|| format!("the credentials answer has no string `{name}`"))
    };
    let (id, key, token) = (field("TmpSecretId")?, field("TmpSecretKey")?, field("Token")?);
    let expires = expiry(&v, "ExpiredTime").ok_or("the credentials answer has no `ExpiredTime` (unix seconds)")?;
    Ok(Credentials::new(id, key).with_token(token).with_expiry(expires))
}

/// `name` as unix seconds (an integer, or a string of digits), as a time.
pub(crate) fn expiry(v: &Value, name: &str) -> Option<std::time::SystemTime> {
    let secs = match v.get(name)? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "metadata-secret-key-123";
    const TOKEN: &str = "metadata-token-456";

    #[test]
    fn parses_the_answer_and_never_quotes_it() {
        let ok = format!(
            r#"{{"TmpSecretId":"AKIDtmp","TmpSecretKey":"{KEY}","ExpiredTime":1700000000,"Expiration":"x","Token":"{TOKEN}","Code":"Success"}}"#
        );
        let c = parse_credentials(ok.as_bytes()).unwrap();
        assert_eq!((c.secret_id(), c.token().unwrap().expose_secret()), ("AKIDtmp", TOKEN));
        assert_eq!(c.expires_at(), Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
        let bad = [
            format!(r#"{{"TmpSecretId":"AKIDtmp","TmpSecretKey":"{KEY}","Token":"{TOKEN}"}}"#),
            format!(r#"{{"TmpSecretId":"AKIDtmp","TmpSecretKey":{KEY:?},"Token":5,"ExpiredTime":1}}"#),
            format!(r#"{{"TmpSecretKey":"{KEY}","Token":"{TOKEN}","Code":"Fail"}}"#),
            format!(r#"{{"TmpSecretKey":"{KEY}","Token":"{TOKEN}""#),
            format!("<html>{KEY}{TOKEN}</html>"),
        ];
        for b in bad {
            let e = parse_credentials(b.as_bytes()).unwrap_err();
            assert!(!e.contains(KEY) && !e.contains(TOKEN), "{e}");
        }
    }

    #[test]
    fn endpoints_and_debug() {
        let p = InstanceRoleProvider::new();
        assert_eq!(p.endpoint_url(), DEFAULT_METADATA_ENDPOINT);
        let p = p.endpoint(Endpoint::custom("http://127.0.0.1:1234").unwrap()).role("r");
        assert_eq!(p.endpoint_url(), "http://127.0.0.1:1234");
        assert!(format!("{p:?}").contains("127.0.0.1:1234"));
        let env = |k: &str| (k == ENV_METADATA_ENDPOINT).then(|| "ftp://x".to_owned());
        let e = InstanceRoleProvider::from_env_with(&env).unwrap_err();
        assert!(e.to_string().starts_with(ENV_METADATA_ENDPOINT), "{e}");
    }
}
