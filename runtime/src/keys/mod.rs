//! Credentials as values, below the client: what a call is signed with, where it came from,
//! the provider traits, the sources that need no service (explicit values, the environment,
//! the profile file) and the cache. Public through [`crate::credentials`], which adds the
//! providers that call a service (and so sit above the client); the client, the signer and
//! the error types use this module, never that one.
//!
//! | file | what |
//! |---|---|
//! | `mod.rs` | [`Credentials`], [`CredentialsSource`], the provider traits |
//! | `error.rs` | [`CredentialsError`]: every failure, naming its source |
//! | `env.rs` | `TENCENTCLOUD_SECRET_ID` / `_SECRET_KEY` / `_SECURITY_TOKEN` |
//! | `profile.rs` | the INI profile file (`~/.tencentcloud/credentials`), bounded reads |
//! | `cache.rs` | [`CachedProvider`]: reuse until shortly before expiry, one refresh for all callers |
//!
//! Two provider traits: [`CredentialsProvider`] is synchronous (a fixed value, a lookup);
//! [`ProvideCredentials`] is asynchronous (a provider may call a service) and is what a
//! [`crate::Client`] holds. Every `CredentialsProvider` is a `ProvideCredentials` through a
//! blanket impl, so providers written for the synchronous trait keep working.
//!
//! Secrets live in [`SecretString`], whose `Debug` and `Display` print `[redacted]`; a SecretId
//! is printed masked (first and last four characters at most). No error holds a secret, a
//! token or a service's answer. Environment and home lookups are injectable (`*_with`
//! functions take an env lookup), so tests never mutate process env.

pub mod cache;
pub(crate) mod env;
mod error;
pub(crate) mod profile;

use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub use crate::secret::{SecretString, mask_secret_id};
pub use cache::{CachedProvider, Clock, ManualClock, SystemClock};
pub use env::{ENV_SECRET_ID, ENV_SECRET_KEY, ENV_SECURITY_TOKEN};
pub use error::CredentialsError;
pub use profile::{DEFAULT_PROFILE, ENV_CREDENTIALS_FILE, MAX_PROFILE_FILE_BYTES};

/// A SecretId, a SecretKey and, for temporary credentials, a token (sent as `X-TC-Token`) and
/// when they expire.
///
/// One value is one consistent triple: a call takes one `Credentials` and signs every attempt
/// with it, so a refresh never mixes the id of one set with the key of another. Cheap to
/// clone (reference-counted strings).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    secret_id: Arc<str>,
    secret_key: SecretString,
    token: Option<SecretString>,
    expires_at: Option<SystemTime>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Credentials");
        d.field("secret_id", &mask_secret_id(&self.secret_id))
            .field("secret_key", &self.secret_key)
            .field("token", &self.token);
        match self.expires_at.map(unix_seconds) {
            Some(at) => d.field("expires_at_unix", &at),
            None => d.field("expires_at_unix", &None::<i64>),
        };
        d.finish()
    }
}

/// Seconds since the epoch (negative before it), for messages.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

impl Credentials {
    /// Permanent credentials. Use [`Credentials::with_token`] for temporary ones.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            secret_id: Arc::from(secret_id.into()),
            secret_key: SecretString::new(secret_key),
            token: None,
            expires_at: None,
        }
    }

    /// Adds the token of temporary credentials (sent as `X-TC-Token`).
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::new(token));
        self
    }

    /// Sets when temporary credentials expire: a [`CachedProvider`] refreshes them shortly
    /// before.
    pub fn with_expiry(mut self, expires_at: SystemTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// The SecretId (not a secret: it is sent in clear in `Authorization`).
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The SecretKey.
    pub fn secret_key(&self) -> &SecretString {
        &self.secret_key
    }

    /// The token of temporary credentials.
    pub fn token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }

    /// When they expire (`None`: they do not).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// Checks that every value can be sent: non-empty, printable ASCII without spaces for the
    /// SecretId and token, no control characters in the SecretKey.
    pub fn validate(&self, source: &CredentialsSource) -> Result<(), CredentialsError> {
        self.validate_at(source, None)
    }

    pub(crate) fn validate_at(&self, source: &CredentialsSource, line: Option<usize>) -> Result<(), CredentialsError> {
        let invalid = |what, reason| CredentialsError::Invalid { source: source.clone(), line, what, reason };
        let header_safe = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
        if self.secret_id.is_empty() {
            return Err(invalid("SecretId", "is empty"));
        }
        if !header_safe(&self.secret_id) {
            return Err(invalid("SecretId", "has spaces, control or non-ASCII characters"));
        }
        let key = self.secret_key.expose_secret();
        if key.is_empty() {
            return Err(invalid("SecretKey", "is empty"));
        }
        if key.chars().any(char::is_control) {
            return Err(invalid("SecretKey", "has control characters"));
        }
        if let Some(token) = &self.token {
            if !header_safe(token.expose_secret()) {
                return Err(invalid("token", "has spaces, control or non-ASCII characters"));
            }
        }
        Ok(())
    }
}

/// Where credentials came from or were looked for; names the source in errors.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsSource {
    /// Passed explicitly by the program.
    Explicit,
    /// The environment variable of that name.
    Env(&'static str),
    /// A profile file and the profile (section) in it.
    Profile {
        /// The file.
        path: PathBuf,
        /// The section name.
        profile: String,
    },
    /// The CVM instance role, from the metadata service at `endpoint`.
    InstanceRole {
        /// `http://metadata.tencentyun.com`, or the configured endpoint.
        endpoint: String,
        /// The role name, once known.
        role: Option<String>,
    },
    /// STS `AssumeRole` of this role.
    AssumeRole {
        /// The role's ARN (`qcs::cam::uin/…:roleName/…`; not a secret).
        role_arn: String,
    },
    /// STS `AssumeRoleWithWebIdentity` (TKE OIDC) of this role.
    WebIdentity {
        /// The role's ARN.
        role_arn: String,
    },
}

impl fmt::Display for CredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("explicit credentials"),
            Self::Env(var) => write!(f, "environment variable {var}"),
            Self::Profile { path, profile } => write!(f, "profile [{profile}] in {}", path.display()),
            Self::InstanceRole { endpoint, role: Some(role) } => {
                write!(f, "CVM instance role {role:?} (metadata service {endpoint})")
            }
            Self::InstanceRole { endpoint, role: None } => write!(f, "CVM instance role (metadata service {endpoint})"),
            Self::AssumeRole { role_arn } => write!(f, "STS AssumeRole of {role_arn}"),
            Self::WebIdentity { role_arn } => write!(f, "TKE OIDC (STS AssumeRoleWithWebIdentity) of {role_arn}"),
        }
    }
}

/// Supplies credentials synchronously (a fixed value, a lookup). Every implementation is
/// also a [`ProvideCredentials`]; implement that one instead to call a service.
pub trait CredentialsProvider: Send + Sync + fmt::Debug {
    /// The credentials to sign the next call with.
    fn credentials(&self) -> Result<Credentials, CredentialsError>;
}

impl CredentialsProvider for Credentials {
    fn credentials(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.clone())
    }
}

/// The boxed future of [`ProvideCredentials::provide_credentials`].
pub type CredentialsFuture<'a> = Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// Supplies credentials for each call, possibly by calling a service (the metadata service,
/// STS). Object safe: a [`crate::Client`] holds an `Arc<dyn ProvideCredentials>`.
///
/// A provider that calls a service should be wrapped in a [`CachedProvider`], which reuses
/// its answer until shortly before it expires and refreshes it once for all callers.
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// The credentials to sign the next call with.
    fn provide_credentials(&self) -> CredentialsFuture<'_>;

    /// Credentials available without waiting, if this provider has them that way (a fixed
    /// value, the environment): [`crate::ClientBuilder::build`] checks them, so a typo fails
    /// when the client is built rather than at the first call. `None` (the default) for
    /// providers that ask a service.
    fn credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        None
    }
}

impl<T: CredentialsProvider + ?Sized> ProvideCredentials for T {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(std::future::ready(self.credentials()))
    }

    fn credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        Some(self.credentials())
    }
}

/// An environment lookup shared by providers that read variables on each refresh.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The process environment, as an injectable lookup.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

pub(crate) fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.is_empty())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const KEY: &str = "very-secret-key-9f8e7d";
    pub(crate) const TOKEN: &str = "very-secret-token-abc123";

    #[test]
    fn debug_and_display_redact() {
        let c = Credentials::new("AKIDabcdefghijklmnopqrstuvwxyz0123", KEY)
            .with_token(TOKEN)
            .with_expiry(UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000));
        let dbg = format!("{c:?} {:?} {}", c.secret_key(), c.secret_key());
        assert!(!dbg.contains(KEY) && !dbg.contains(TOKEN), "{dbg}");
        assert!(dbg.contains("AKID…0123") && dbg.contains("1700000000"), "{dbg}");
        assert!(!dbg.contains("AKIDabcdefghijklmnop"), "{dbg}");
        assert_eq!(mask_secret_id("short"), "****");
        assert_eq!(c.token().unwrap().expose_secret(), TOKEN);
    }

    #[test]
    fn sources_display() {
        let s = CredentialsSource::InstanceRole { endpoint: "http://m".into(), role: Some("r".into()) };
        assert_eq!(s.to_string(), "CVM instance role \"r\" (metadata service http://m)");
        assert!(CredentialsSource::WebIdentity { role_arn: "qcs::x".into() }.to_string().contains("TKE OIDC"));
        assert_eq!(unix_seconds(UNIX_EPOCH - std::time::Duration::from_secs(5)), -5);
    }

    #[tokio::test]
    async fn sync_providers_are_async_providers() {
        let c = Credentials::new("AKID", KEY);
        let p: Arc<dyn ProvideCredentials> = Arc::new(c.clone());
        assert_eq!(p.provide_credentials().await.unwrap(), c);
        assert_eq!(p.credentials_now().unwrap().unwrap(), c);
    }
}
