//! Credentials: the value a call is signed with, where it comes from, and how it is kept fresh.
//!
//! The values, the provider traits, the sources that need no service and the cache live
//! below the client (`keys/`, re-exported here); this module adds the providers that call a
//! service, which use the client:
//!
//! | file | what |
//! |---|---|
//! | [`cache`] | [`CachedProvider`]: reuse until shortly before expiry, one refresh for all callers |
//! | [`metadata`] | [`InstanceRoleProvider`]: the CVM instance role from the metadata service |
//! | [`sts`] | [`AssumeRoleProvider`]: STS `AssumeRole` over any other provider |
//! | [`oidc`] | [`WebIdentityProvider`]: TKE OIDC, STS `AssumeRoleWithWebIdentity` |
//! | [`chain`] | [`DefaultChain`]: explicit, env, profile, CVM role, TKE OIDC |
//!
//! Two provider traits: [`CredentialsProvider`] is synchronous (a fixed value, a lookup);
//! [`ProvideCredentials`] is asynchronous (a provider may call a service) and is what a
//! [`crate::Client`] holds. Every `CredentialsProvider` is a `ProvideCredentials` through a
//! blanket impl, so providers written for the synchronous trait keep working.
//!
//! Secrets live in [`SecretString`], whose `Debug` and `Display` print `[redacted]`; a SecretId
//! is printed masked (first and last four characters at most). No error holds a secret, a
//! token or a service's answer.

pub mod chain;
pub mod metadata;
pub mod oidc;
pub mod sts;

pub use crate::keys::{
    CachedProvider, Clock, Credentials, CredentialsError, CredentialsFuture, CredentialsProvider, CredentialsSource,
    DEFAULT_PROFILE, ENV_CREDENTIALS_FILE, ENV_SECRET_ID, ENV_SECRET_KEY, ENV_SECURITY_TOKEN, EnvLookup,
    MAX_PROFILE_FILE_BYTES, ManualClock, ProvideCredentials, SecretString, SystemClock, cache, mask_secret_id,
    process_env,
};
pub use chain::DefaultChain;
pub use metadata::{ENV_METADATA_ENDPOINT, InstanceRoleProvider};
pub use oidc::WebIdentityProvider;
pub use sts::AssumeRoleProvider;
