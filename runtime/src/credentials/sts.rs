//! [`AssumeRoleProvider`]: STS `AssumeRole` over any other provider, and what it shares with
//! `AssumeRoleWithWebIdentity` ([`super::oidc`]): the STS service, the call and the answer.
//!
//! `AssumeRole` is an ordinary signed API 3.0 call (host `sts.tencentcloudapi.com`, service
//! `sts`, version `2018-08-13`, region `ap-guangzhou` unless set), made with this crate's own
//! [`Client`] and the source provider's credentials. Parameters `RoleArn`, `RoleSessionName`,
//! `DurationSeconds` (default 7200, at most 43200) and optionally `ExternalId`; the answer's
//! `Credentials` hold `TmpSecretId`, `TmpSecretKey` and `Token`, and `ExpiredTime` (unix
//! seconds) says when they expire (spec/sts/actions/AssumeRole.yaml).
//!
//! The answer holds the temporary keys: it is parsed here field by field, and no error, log
//! line or `Debug` output quotes it (the client that makes the call is marked so its own
//! failure logs leave the body out).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::{Credentials, CredentialsError, CredentialsFuture, CredentialsSource, ProvideCredentials};
use crate::client::Settings;
use crate::config::{ConfigError, Endpoint, RateLimitConfig};
use crate::error::{Error, RawCode};
use crate::{ActionInfo, Client, ServiceInfo};

/// STS, version 2018-08-13.
pub static STS: ServiceInfo = ServiceInfo {
    name: "sts",
    version: "2018-08-13",
    default_host: "sts.tencentcloudapi.com",
    intl_host: Some("sts.intl.tencentcloudapi.com"),
};

/// `AssumeRole` (signed). Safe to send again: each call only issues new credentials.
pub static ASSUME_ROLE: ActionInfo =
    ActionInfo { service: &STS, name: "AssumeRole", rate_limit: None, idempotent: true, idempotency_token: None, unsigned: false };

/// `AssumeRoleWithWebIdentity` (unsigned: `Authorization: SKIP`).
pub static ASSUME_ROLE_WITH_WEB_IDENTITY: ActionInfo = ActionInfo {
    service: &STS,
    name: "AssumeRoleWithWebIdentity",
    rate_limit: None,
    idempotent: true,
    idempotency_token: None,
    unsigned: true,
};

/// The region STS calls are sent with unless set.
pub const DEFAULT_STS_REGION: &str = "ap-guangzhou";
/// `DurationSeconds` unless set.
pub const DEFAULT_DURATION_SECONDS: u64 = 7200;
/// The largest `DurationSeconds` STS accepts.
pub const MAX_DURATION_SECONDS: u64 = 43_200;
/// Connect timeout, attempt timeout and operation timeout of STS calls: a refresh holds up
/// every call waiting for credentials, so it is bounded tighter than API calls.
pub const STS_TIMEOUTS: (Duration, Duration, Duration) =
    (Duration::from_secs(5), Duration::from_secs(10), Duration::from_secs(20));

/// The client STS calls go through: signed with `credentials` (`None`: unsigned), `region`,
/// `endpoint`, the tighter timeouts, no client-side rate limit, failure logs without bodies.
pub(crate) fn sts_client(
    credentials: Option<Arc<dyn ProvideCredentials>>,
    region: &str,
    endpoint: Endpoint,
) -> Result<Client, CredentialsError> {
    let (connect_timeout, timeout, operation_timeout) = STS_TIMEOUTS;
    let settings = Settings {
        region: Some(region.to_owned()),
        endpoint,
        connect_timeout,
        timeout,
        operation_timeout,
        rate_limit: RateLimitConfig::disabled(),
        sensitive: true,
        ..Settings::default()
    };
    Client::from_settings(settings, credentials).map_err(|e| match e {
        ConfigError::Credentials(e) => e,
        other => CredentialsError::InvalidConfig { what: "STS client", message: other.to_string() },
    })
}

/// Checks `DurationSeconds`.
pub(crate) fn check_duration(seconds: u64) -> Result<u64, CredentialsError> {
    if (1..=MAX_DURATION_SECONDS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(CredentialsError::InvalidConfig {
            what: "DurationSeconds",
            message: format!("{seconds} is not between 1 and {MAX_DURATION_SECONDS}"),
        })
    }
}

/// Makes one STS call and reads the credentials of its answer. Errors name `source` and what
/// failed, never the answer.
pub(crate) async fn call(
    client: &Client,
    action: &'static ActionInfo,
    params: Value,
    source: &CredentialsSource,
) -> Result<Credentials, CredentialsError> {
    let failed = |message: String| CredentialsError::Sts { source: source.clone(), message };
    let body = serde_json::to_vec(&params).map_err(|_| failed("the request could not be encoded".to_owned()))?;
    let raw = client.call_raw(action, body).await.map_err(|e| failed(describe(e)))?;
    let creds = parse_answer(raw.response_json(), action.name).map_err(failed)?;
    creds.validate(source)?;
    Ok(creds)
}

/// What a failed STS call says, without any part of the answer's body.
fn describe(e: Error<RawCode>) -> String {
    match e {
        Error::Api(e) => format!("STS answered {e}"),
        Error::Transport(t) => t.to_string(),
        Error::Decode(d) => {
            format!("the answer is not an API 3.0 envelope ({:?}, HTTP {}; body not shown: it may hold keys)", d.kind(), d.status())
        }
        Error::Credentials(e) => format!("the source credentials: {e}"),
    }
}

/// The credentials in `Response` of an STS answer.
pub(crate) fn parse_answer(response: &str, action: &str) -> Result<Credentials, String> {
    let v: Value = serde_json::from_str(response).map_err(|_| format!("the {action} answer is not JSON"))?;
    let creds = v.get("Credentials").ok_or_else(|| format!("the {action} answer has no `Credentials`"))?;
    let field = |name: &str| {
        creds
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("the {action} answer has no string `Credentials.{name}`"))
    };
    let (id, key, token) = (field("TmpSecretId")?, field("TmpSecretKey")?, field("Token")?);
    let expires = super::metadata::expiry(&v, "ExpiredTime")
        .ok_or_else(|| format!("the {action} answer has no `ExpiredTime` (unix seconds)"))?;
    Ok(Credentials::new(id, key).with_token(token).with_expiry(expires))
}

/// Temporary credentials of a role, from STS `AssumeRole` signed with a source provider's
/// credentials. Every call of [`ProvideCredentials::provide_credentials`] calls STS: wrap it
/// in a [`super::CachedProvider`].
///
/// ```no_run
/// # fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use tc_runtime::credentials::{AssumeRoleProvider, CachedProvider, Credentials};
/// let long_term = Arc::new(Credentials::from_env()?);
/// let role = AssumeRoleProvider::builder(long_term, "qcs::cam::uin/100000:roleName/reader", "my-app").build()?;
/// let client = tc_runtime::Client::builder().credentials_provider(Arc::new(CachedProvider::new(Arc::new(role)))).build()?;
/// # Ok(()) }
/// ```
pub struct AssumeRoleProvider {
    client: Client,
    role_arn: String,
    session_name: String,
    duration_seconds: u64,
    external_id: Option<String>,
}

impl fmt::Debug for AssumeRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleProvider")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("external_id", &self.external_id.as_ref().map(|_| "[set]"))
            .field("client", &self.client)
            .finish()
    }
}

/// Settings of an [`AssumeRoleProvider`].
#[derive(Debug)]
pub struct AssumeRoleBuilder {
    source: Arc<dyn super::ProvideCredentials>,
    role_arn: String,
    session_name: String,
    duration_seconds: u64,
    external_id: Option<String>,
    region: String,
    endpoint: Endpoint,
}

impl AssumeRoleProvider {
    /// Assumes `role_arn` as session `session_name` with `source`'s credentials.
    pub fn builder(
        source: Arc<dyn ProvideCredentials>,
        role_arn: impl Into<String>,
        session_name: impl Into<String>,
    ) -> AssumeRoleBuilder {
        AssumeRoleBuilder {
            source,
            role_arn: role_arn.into(),
            session_name: session_name.into(),
            duration_seconds: DEFAULT_DURATION_SECONDS,
            external_id: None,
            region: DEFAULT_STS_REGION.to_owned(),
            endpoint: Endpoint::Default,
        }
    }

    fn source(&self) -> CredentialsSource {
        CredentialsSource::AssumeRole { role_arn: self.role_arn.clone() }
    }

    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let mut params = json!({
            "RoleArn": self.role_arn,
            "RoleSessionName": self.session_name,
            "DurationSeconds": self.duration_seconds,
        });
        if let Some(id) = &self.external_id {
            params["ExternalId"] = Value::String(id.clone());
        }
        call(&self.client, &ASSUME_ROLE, params, &self.source()).await
    }
}

impl AssumeRoleBuilder {
    /// `DurationSeconds`: 1 to 43200 (default 7200).
    pub fn duration_seconds(mut self, seconds: u64) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// `ExternalId`, when the role's trust policy asks for one.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The region sent (default `ap-guangzhou`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Where STS is (default `sts.tencentcloudapi.com`; a custom endpoint for tests).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Checks the settings and builds the client STS calls go through.
    pub fn build(self) -> Result<AssumeRoleProvider, CredentialsError> {
        let duration_seconds = check_duration(self.duration_seconds)?;
        if self.role_arn.is_empty() || self.session_name.is_empty() {
            return Err(CredentialsError::InvalidConfig {
                what: "AssumeRole",
                message: "RoleArn and RoleSessionName must not be empty".to_owned(),
            });
        }
        let client = sts_client(Some(self.source), &self.region, self.endpoint)?;
        Ok(AssumeRoleProvider {
            client,
            role_arn: self.role_arn,
            session_name: self.session_name,
            duration_seconds,
            external_id: self.external_id,
        })
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.assume())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sts-secret-key-789";
    const TOKEN: &str = "sts-token-abc";

    #[test]
    fn parses_answers_without_quoting_them() {
        let ok = format!(
            r#"{{"Credentials":{{"Token":"{TOKEN}","TmpSecretId":"AKIDsts","TmpSecretKey":"{KEY}"}},"ExpiredTime":1543914376,"Expiration":"2018-12-04T09:06:16Z","RequestId":"r"}}"#
        );
        let c = parse_answer(&ok, "AssumeRole").unwrap();
        assert_eq!((c.secret_id(), c.secret_key().expose_secret()), ("AKIDsts", KEY));
        assert_eq!(c.expires_at().map(crate::keys::unix_seconds), Some(1_543_914_376));
        for bad in [
            format!(r#"{{"Credentials":{{"Token":"{TOKEN}","TmpSecretKey":"{KEY}"}},"ExpiredTime":1}}"#),
            format!(r#"{{"Credentials":{{"Token":"{TOKEN}","TmpSecretId":"a","TmpSecretKey":"{KEY}"}}}}"#),
            format!(r#"{{"Token":"{TOKEN}","TmpSecretKey":"{KEY}"}}"#),
            format!(r#"{{"Credentials":"{KEY}{TOKEN}""#),
        ] {
            let e = parse_answer(&bad, "AssumeRole").unwrap_err();
            assert!(!e.contains(KEY) && !e.contains(TOKEN) && e.contains("AssumeRole"), "{e}");
        }
    }

    #[test]
    fn settings_are_checked() {
        let src: Arc<dyn ProvideCredentials> = Arc::new(Credentials::new("AKIDsrc", KEY));
        for d in [0, 43_201] {
            let e = AssumeRoleProvider::builder(src.clone(), "qcs::r", "s").duration_seconds(d).build().unwrap_err();
            assert!(matches!(e, CredentialsError::InvalidConfig { what: "DurationSeconds", .. }), "{e:?}");
        }
        assert!(AssumeRoleProvider::builder(src.clone(), "", "s").build().is_err());
        let bad_src: Arc<dyn ProvideCredentials> = Arc::new(Credentials::new("", KEY));
        let e = AssumeRoleProvider::builder(bad_src, "qcs::r", "s").build().unwrap_err();
        assert!(matches!(e, CredentialsError::Invalid { what: "SecretId", .. }), "{e:?}");
        let p = AssumeRoleProvider::builder(src, "qcs::r", "s").external_id("ext-secret").build().unwrap();
        let dbg = format!("{p:?}");
        assert!(dbg.contains("qcs::r") && !dbg.contains(KEY) && !dbg.contains("ext-secret"), "{dbg}");
    }
}
