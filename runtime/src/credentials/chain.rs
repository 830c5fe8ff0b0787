//! [`DefaultChain`]: the official SDKs' order. Explicit credentials given to the builder win
//! (the chain is not consulted); then the environment, the profile file, the CVM instance
//! role, TKE OIDC.
//!
//! A missing source (no variables, no file at the default path, no metadata service, no role
//! bound, no TKE variables) is cheap and silent: the next is tried. A *local* source that is
//! present but broken (one variable of the pair, a malformed file, a file named by
//! `TENCENTCLOUD_CREDENTIALS_FILE` that does not exist) stops the chain with its error, so a
//! typo never silently falls through to other credentials; remote sources that fail are noted
//! and the chain goes on. When nothing works, [`CredentialsError::NotFound`] lists every
//! source tried and why each failed.

use std::fmt;
use std::sync::Arc;

use super::metadata::{self, InstanceRoleProvider};
use super::oidc::WebIdentityProvider;
use crate::config::Endpoint;
use crate::keys::{
    Credentials, CredentialsError, CredentialsFuture, ENV_CREDENTIALS_FILE, EnvLookup, ProvideCredentials, non_empty,
    process_env,
};

/// Environment and profile file: the sources that need no request. `Ok(None)` when both are
/// absent (their reasons pushed to `tried`); `Err` when one is present but broken.
fn local_sources(
    env: &dyn Fn(&str) -> Option<String>,
    tried: &mut Vec<CredentialsError>,
) -> Result<Option<Credentials>, CredentialsError> {
    match Credentials::from_env_with(env) {
        Ok(c) => return Ok(Some(c)),
        Err(e @ CredentialsError::EnvNotSet) => tried.push(e),
        Err(e) => return Err(e),
    }
    let explicit_file = non_empty(env, ENV_CREDENTIALS_FILE).is_some();
    match Credentials::from_profile_with(env, None) {
        Ok(c) => Ok(Some(c)),
        Err(e @ CredentialsError::NoHomeDir) => {
            tried.push(e);
            Ok(None)
        }
        Err(e @ CredentialsError::FileNotFound { .. }) if !explicit_file => {
            tried.push(e);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

impl Credentials {
    /// The local part of the default chain with the process environment: see
    /// [`Credentials::default_chain_with`].
    pub fn default_chain() -> Result<Self, CredentialsError> {
        Self::default_chain_with(&process_env)
    }

    /// The local part of the default chain, synchronously: environment, then profile
    /// `default` of the profile file. [`DefaultChain`] goes on to the CVM role and TKE OIDC.
    ///
    /// A source that is absent (no variables set; no file at the default path) is skipped; a
    /// source that is present but broken stops the chain with its error.
    pub fn default_chain_with(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let mut tried = Vec::new();
        local_sources(env, &mut tried)?.ok_or(CredentialsError::NotFound(tried))
    }
}

/// The default chain: environment, profile file, CVM instance role, TKE OIDC. What a
/// [`crate::Client`] built without credentials uses, inside a [`super::CachedProvider`].
pub struct DefaultChain {
    env: EnvLookup,
    metadata: Result<InstanceRoleProvider, CredentialsError>,
    sts_endpoint: Endpoint,
}

impl fmt::Debug for DefaultChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultChain")
            .field("metadata", &self.metadata)
            .field("sts_endpoint", &self.sts_endpoint)
            .finish_non_exhaustive()
    }
}

impl Default for DefaultChain {
    fn default() -> Self {
        Self::new()
    }
}

impl DefaultChain {
    /// With the process environment.
    pub fn new() -> Self {
        Self::with_env(Arc::new(process_env))
    }

    /// With `env` as the environment (variables are looked up on each refresh; `HOME` finds
    /// the profile file). `TENCENTCLOUD_METADATA_ENDPOINT` in it sets the metadata service;
    /// an invalid value is reported as the CVM role source's failure.
    pub fn with_env(env: EnvLookup) -> Self {
        let metadata = metadata::from_env(&env);
        Self { env, metadata, sts_endpoint: Endpoint::Default }
    }

    /// The metadata service at `endpoint`, whatever the environment says.
    pub fn metadata_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.metadata = Ok(InstanceRoleProvider::new().endpoint(endpoint));
        self
    }

    /// The CVM instance role provider to use (role name, timeouts).
    pub fn instance_role(mut self, provider: InstanceRoleProvider) -> Self {
        self.metadata = Ok(provider);
        self
    }

    /// Where TKE OIDC's STS call goes (default `sts.tencentcloudapi.com`).
    pub fn sts_endpoint(mut self, endpoint: Endpoint) -> Self {
        self.sts_endpoint = endpoint;
        self
    }

    async fn resolve(&self) -> Result<Credentials, CredentialsError> {
        let mut tried = Vec::new();
        if let Some(c) = local_sources(&*self.env, &mut tried)? {
            return Ok(c);
        }
        match &self.metadata {
            Ok(m) => match m.fetch().await {
                Ok(c) => return Ok(c),
                Err(e) => tried.push(e),
            },
            Err(e) => tried.push(e.clone()),
        }
        let oidc = WebIdentityProvider::builder_from_env_with(&*self.env)
            .and_then(|b| b.endpoint(self.sts_endpoint.clone()).build());
        match oidc {
            Ok(p) => match p.provide_credentials().await {
                Ok(c) => return Ok(c),
                Err(e) => tried.push(e),
            },
            Err(e) => tried.push(e),
        }
        Err(CredentialsError::NotFound(tried))
    }
}

impl ProvideCredentials for DefaultChain {
    fn provide_credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.resolve())
    }

    /// The local sources: credentials from the environment or the profile file, or the error
    /// of one that is present but broken; `None` when both are absent (the remote sources are
    /// asked at the first call).
    fn credentials_now(&self) -> Option<Result<Credentials, CredentialsError>> {
        local_sources(&*self.env, &mut Vec::new()).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::env::tests::env;
    use crate::keys::profile::tests::temp_file;
    use crate::keys::tests::KEY;
    use crate::credentials::{ENV_SECRET_ID, ENV_SECRET_KEY};

    #[test]
    fn local_chain_order() {
        let path = temp_file("chain", format!("[default]\nsecret_id=AKIDfile\nsecret_key={KEY}\n").as_bytes());
        let p = path.to_str().unwrap();
        let both = env(&[(ENV_SECRET_ID, "AKIDenv"), (ENV_SECRET_KEY, KEY), (ENV_CREDENTIALS_FILE, p)]);
        assert_eq!(Credentials::default_chain_with(&both).unwrap().secret_id(), "AKIDenv");
        let file_only = env(&[(ENV_CREDENTIALS_FILE, p)]);
        assert_eq!(Credentials::default_chain_with(&file_only).unwrap().secret_id(), "AKIDfile");
        // A partial environment is an error, not a fall-through.
        let partial = env(&[(ENV_SECRET_ID, "AKIDenv"), (ENV_CREDENTIALS_FILE, p)]);
        assert!(matches!(
            Credentials::default_chain_with(&partial),
            Err(CredentialsError::EnvIncomplete { .. })
        ));
        // Nothing anywhere: both reasons are listed.
        let nothing = env(&[("HOME", "/nonexistent-home-for-tc-runtime-tests")]);
        let err = Credentials::default_chain_with(&nothing).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(ENV_SECRET_ID) && msg.contains("/nonexistent-home-for-tc-runtime-tests"), "{msg}");
        // An explicitly named file that is missing stops the chain.
        let missing = env(&[(ENV_CREDENTIALS_FILE, "/nonexistent/creds")]);
        assert!(matches!(
            Credentials::default_chain_with(&missing),
            Err(CredentialsError::FileNotFound { .. })
        ));
    }

    #[tokio::test]
    async fn local_sources_answer_without_requests() {
        let chain = DefaultChain::with_env(Arc::new(env(&[(ENV_SECRET_ID, "AKIDenv"), (ENV_SECRET_KEY, KEY)])));
        assert_eq!(chain.credentials_now().unwrap().unwrap().secret_id(), "AKIDenv");
        assert_eq!(chain.provide_credentials().await.unwrap().secret_id(), "AKIDenv");
        let broken = DefaultChain::with_env(Arc::new(env(&[(ENV_SECRET_ID, "AKIDenv")])));
        assert!(matches!(broken.credentials_now(), Some(Err(CredentialsError::EnvIncomplete { .. }))));
        let nothing = DefaultChain::with_env(Arc::new(env(&[])));
        assert!(nothing.credentials_now().is_none());
        assert!(!format!("{chain:?}").contains(KEY));
    }
}
