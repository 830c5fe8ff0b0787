//! [`WebIdentityProvider`]: TKE OIDC. STS `AssumeRoleWithWebIdentity` with the pod's web
//! identity token, configured by `TKE_REGION`, `TKE_PROVIDER_ID`,
//! `TKE_WEB_IDENTITY_TOKEN_FILE` and `TKE_ROLE_ARN`.
//!
//! As the official SDKs do (tencentcloud-sdk-go `OIDCRoleArnProvider`, which sets
//! `SkipSign`), the call is not signed: `Authorization: SKIP`, no `X-TC-Token`, the token
//! itself authenticates (spec/sts/actions/AssumeRoleWithWebIdentity.yaml: "`Authorization`
//! should be SKIP"). Parameters `ProviderId`, `WebIdentityToken`, `RoleArn`,
//! `RoleSessionName` (`tencentcloud-rust-sdk-<microseconds>` unless set), `DurationSeconds`
//! (7200 unless set). The token file is read again on every refresh (TKE rotates it), as a
//! regular file of at most 64 KiB, like the profile file. The token never appears in an
//! error, a log line or `Debug` output.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::keys::profile::{ReadError, read_regular_file};
use super::sts::{self, ASSUME_ROLE_WITH_WEB_IDENTITY, DEFAULT_DURATION_SECONDS};
use super::{Credentials, CredentialsError, CredentialsFuture, CredentialsSource, ProvideCredentials, SecretString};
use crate::config::Endpoint;
use crate::Client;

/// `TKE_REGION`: the region the STS call is sent with.
pub const ENV_TKE_REGION: &str = "TKE_REGION";
/// `TKE_PROVIDER_ID`: the OIDC identity provider's name.
pub const ENV_TKE_PROVIDER_ID: &str = "TKE_PROVIDER_ID";
/// `TKE_WEB_IDENTITY_TOKEN_FILE`: the file holding the web identity token.
pub const ENV_TKE_WEB_IDENTITY_TOKEN_FILE: &str = "TKE_WEB_IDENTITY_TOKEN_FILE";
/// `TKE_ROLE_ARN`: the role to assume.
pub const ENV_TKE_ROLE_ARN: &str = "TKE_ROLE_ARN";
/// A token file larger than this is refused.
pub const MAX_TOKEN_FILE_BYTES: u64 = 64 * 1024;
/// Prefix of the session name when none is set.
pub const DEFAULT_SESSION_PREFIX: &str = "tencentcloud-rust-sdk-";

/// Temporary credentials for a web identity (TKE OIDC). Every call of
/// [`ProvideCredentials::provide_credentials`] reads the token file and calls STS: wrap it in
/// a [`super::CachedProvider`].
pub struct WebIdentityProvider {
    client: Client,
    provider_id: String,
    token_file: PathBuf,
    role_arn: String,
    session_name: Option<String>,
    duration_seconds: u64,
}

impl fmt::Debug for WebIdentityProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityProvider")
            .field("provider_id", &self.provider_id)
            .field("token_file", &self.token_file)
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("duration_seconds", &self.duration_seconds)
            .field("client", &self.client)
            .finish()
    }
}

/// Settings of a [`WebIdentityProvider`].
#[derive(Clone, Debug)]
pub struct WebIdentityBuilder {
    region: String,
    provider_id: String,
    token_file: PathBuf,
    role_arn: String,
    session_name: Option<String>,
    duration_seconds: u64,
    endpoint: Endpoint,
}

impl WebIdentityProvider {
    /// Assumes `role_arn` with the token in `token_file`, issued by `provider_id`.
    pub fn builder(
        region: impl Into<String>,
        provider_id: impl Into<String>,
        token_file: impl Into<PathBuf>,
        role_arn: impl Into<String>,
    ) -> WebIdentityBuilder {
        WebIdentityBuilder {
            region: region.into(),
            provider_id: provider_id.into(),
            token_file: token_file.into(),
            role_arn: role_arn.into(),
            session_name: None,
            duration_seconds: DEFAULT_DURATION_SECONDS,
            endpoint: Endpoint::Default,
        }
    }

    /// The settings from `TKE_REGION`, `TKE_PROVIDER_ID`, `TKE_WEB_IDENTITY_TOKEN_FILE` and
    /// `TKE_ROLE_ARN` in `env`: [`CredentialsError::WebIdentityNotSet`] when none is set,
    /// [`CredentialsError::WebIdentityIncomplete`] naming the first missing one otherwise.
    pub fn builder_from_env_with(env: &dyn Fn(&str) -> Option<String>) -> Result<WebIdentityBuilder, CredentialsError> {
        let names = [ENV_TKE_REGION, ENV_TKE_PROVIDER_ID, ENV_TKE_WEB_IDENTITY_TOKEN_FILE, ENV_TKE_ROLE_ARN];
        let values: Vec<Option<String>> =
            names.iter().map(|n| env(n).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())).collect();
        if values.iter().all(Option::is_none) {
            return Err(CredentialsError::WebIdentityNotSet);
        }
        if let Some(i) = values.iter().position(Option::is_none) {
            return Err(CredentialsError::WebIdentityIncomplete { missing: names[i] });
        }
        let mut v = values.into_iter().flatten();
        let (region, provider, file, role) = (v.next(), v.next(), v.next(), v.next());
        match (region, provider, file, role) {
            (Some(r), Some(p), Some(f), Some(a)) => Ok(Self::builder(r, p, f, a)),
            _ => Err(CredentialsError::WebIdentityNotSet),
        }
    }

    fn source(&self) -> CredentialsSource {
        CredentialsSource::WebIdentity { role_arn: self.role_arn.clone() }
    }

    async fn assume(&self) -> Result<Credentials, CredentialsError> {
        let token = read_token(&self.token_file)?;
        let session = self.session_name.clone().unwrap_or_else(|| {
            let micros = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
            format!("{DEFAULT_SESSION_PREFIX}{micros}")
        });
        let params = json!({
            "ProviderId": self.provider_id,
            "WebIdentityToken": token.expose_secret(),
            "RoleArn": self.role_arn,
            "RoleSessionName": session,
            "DurationSeconds": self.duration_seconds,
        });
        drop(token);
        sts::call(&self.client, &ASSUME_ROLE_WITH_WEB_IDENTITY, params, &self.source()).await
    }
}

/// The token in `path`, trimmed: a regular file, at most [`MAX_TOKEN_FILE_BYTES`], printable
/// ASCII (a JWT).
fn read_token(path: &Path) -> Result<SecretString, CredentialsError> {
    let err = |message: String| CredentialsError::TokenFile { path: path.to_owned(), message };
    let bytes = read_regular_file(path, MAX_TOKEN_FILE_BYTES).map_err(|e| match e {
        ReadError::NotFound => err("not found".to_owned()),
        ReadError::Other(m) => err(m),
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| err("is not UTF-8".to_owned()))?.trim();
    if text.is_empty() {
        return Err(err("is empty".to_owned()));
    }
    if !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(err("has spaces, control or non-ASCII characters inside the token".to_owned()));
    }
    Ok(SecretString::new(text))
}

impl WebIdentityBuilder {
    /// `RoleSessionName` (default `tencentcloud-rust-sdk-<microseconds>`, new on each refresh).
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// `DurationSeconds`: 1 to 43200 (default 7200).
    pub fn duration_seconds(mut self, seconds: u64) -> Self {
        self.duration_seconds = seconds;
        self
    }

    /// Where STS is (default `sts.tencentcloudapi.com`; a custom endpoint for tests).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.endpoint = endpoint;
        self
    }

    /// Checks the settings and builds the (unsigned) client the STS calls go through. The
    /// token file is not read until the first refresh.
    pub fn build(self) -> Result<WebIdentityProvider, CredentialsError> {
        let duration_seconds = sts::check_duration(self.duration_seconds)?;
        let client = sts::sts_client(None, &self.region, self.endpoint)?;
        Ok(WebIdentityProvider {
            client,
            provider_id: self.provider_id,
            token_file: self.token_file,
            role_arn: self.role_arn,
            session_name: self.session_name,
            duration_seconds,
        })
    }
}

impl ProvideCredentials for WebIdentityProvider {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.assume())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::env::tests::env;
    use crate::keys::profile::tests::temp_file;

    #[test]
    fn settings_from_env() {
        assert_eq!(
            WebIdentityProvider::builder_from_env_with(&env(&[])).unwrap_err(),
            CredentialsError::WebIdentityNotSet
        );
        let partial = env(&[(ENV_TKE_REGION, "ap-guangzhou"), (ENV_TKE_ROLE_ARN, "qcs::r")]);
        let e = WebIdentityProvider::builder_from_env_with(&partial).unwrap_err();
        assert_eq!(e, CredentialsError::WebIdentityIncomplete { missing: ENV_TKE_PROVIDER_ID });
        assert!(e.to_string().contains(ENV_TKE_PROVIDER_ID), "{e}");
        let all = env(&[
            (ENV_TKE_REGION, "ap-guangzhou"),
            (ENV_TKE_PROVIDER_ID, "OIDC"),
            (ENV_TKE_WEB_IDENTITY_TOKEN_FILE, "/var/run/token"),
            (ENV_TKE_ROLE_ARN, "qcs::r"),
        ]);
        let p = WebIdentityProvider::builder_from_env_with(&all).unwrap().build().unwrap();
        let dbg = format!("{p:?}");
        assert!(dbg.contains("/var/run/token") && dbg.contains("qcs::r") && dbg.contains("OIDC"), "{dbg}");
        let e = WebIdentityProvider::builder_from_env_with(&all).unwrap().duration_seconds(0).build().unwrap_err();
        assert!(matches!(e, CredentialsError::InvalidConfig { .. }));
    }

    #[test]
    fn token_files_are_read_bounded_and_never_quoted() {
        let secret = "eyJhbGciOiJSUzI1NiJ9.secret-payload.sig";
        let ok = temp_file("token-ok", format!("  {secret}\n").as_bytes());
        assert_eq!(read_token(&ok).unwrap().expose_secret(), secret);
        for (name, contents) in [
            ("token-empty", " \n".to_owned()),
            ("token-space", format!("{secret} {secret}")),
            ("token-big", "a".repeat(MAX_TOKEN_FILE_BYTES as usize + 1)),
        ] {
            let e = read_token(&temp_file(name, contents.as_bytes())).unwrap_err();
            assert!(matches!(e, CredentialsError::TokenFile { .. }), "{e:?}");
            assert!(!e.to_string().contains(secret) && !format!("{e:?}").contains(secret), "{e}");
        }
        let e = read_token(Path::new("/nonexistent/tc-token")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/tc-token: not found"), "{e}");
        let e = read_token(&std::env::temp_dir()).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
}
