//! Credentials from the environment: `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and,
//! for temporary credentials, `TENCENTCLOUD_SECURITY_TOKEN`.

use super::{Credentials, CredentialsError, CredentialsSource, non_empty, process_env};

/// `TENCENTCLOUD_SECRET_ID`.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// `TENCENTCLOUD_SECRET_KEY`.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// `TENCENTCLOUD_SECURITY_TOKEN` (temporary credentials).
pub const ENV_SECURITY_TOKEN: &str = "TENCENTCLOUD_SECURITY_TOKEN";

impl Credentials {
    /// From `TENCENTCLOUD_SECRET_ID`, `TENCENTCLOUD_SECRET_KEY` and, if set,
    /// `TENCENTCLOUD_SECURITY_TOKEN` of the process environment.
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_env_with(&process_env)
    }

    /// [`Credentials::from_env`] with an injected environment lookup. Empty values count as unset.
    pub fn from_env_with(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let id = non_empty(env, ENV_SECRET_ID);
        let key = non_empty(env, ENV_SECRET_KEY);
        let creds = match (id, key) {
            (None, None) => return Err(CredentialsError::EnvNotSet),
            (None, Some(_)) => return Err(CredentialsError::EnvIncomplete { missing: ENV_SECRET_ID }),
            (Some(_), None) => return Err(CredentialsError::EnvIncomplete { missing: ENV_SECRET_KEY }),
            (Some(id), Some(key)) => Self::new(id, key),
        };
        let creds = match non_empty(env, ENV_SECURITY_TOKEN) {
            Some(t) => creds.with_token(t),
            None => creds,
        };
        let source = match creds.validate(&CredentialsSource::Explicit) {
            Err(CredentialsError::Invalid { what: "SecretId", .. }) => ENV_SECRET_ID,
            Err(CredentialsError::Invalid { what: "SecretKey", .. }) => ENV_SECRET_KEY,
            Err(_) => ENV_SECURITY_TOKEN,
            Ok(()) => return Ok(creds),
        };
        creds.validate(&CredentialsSource::Env(source)).map(|()| creds)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::keys::tests::{KEY, TOKEN};
    use std::collections::HashMap;

    pub(crate) fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn env_source() {
        let c = Credentials::from_env_with(&env(&[(ENV_SECRET_ID, "AKID1"), (ENV_SECRET_KEY, KEY)])).unwrap();
        assert_eq!(c.secret_id(), "AKID1");
        assert!(c.token().is_none() && c.expires_at().is_none());
        let c = Credentials::from_env_with(&env(&[
            (ENV_SECRET_ID, "AKID1"),
            (ENV_SECRET_KEY, KEY),
            (ENV_SECURITY_TOKEN, TOKEN),
        ]))
        .unwrap();
        assert_eq!(c.token().unwrap().expose_secret(), TOKEN);
        assert_eq!(Credentials::from_env_with(&env(&[])), Err(CredentialsError::EnvNotSet));
        assert_eq!(
            Credentials::from_env_with(&env(&[(ENV_SECRET_ID, "AKID1"), (ENV_SECRET_KEY, "")])),
            Err(CredentialsError::EnvIncomplete { missing: ENV_SECRET_KEY })
        );
        let e = Credentials::from_env_with(&env(&[(ENV_SECRET_ID, "AK ID"), (ENV_SECRET_KEY, KEY)])).unwrap_err();
        assert!(e.to_string().contains(ENV_SECRET_ID), "{e}");
        let e = Credentials::from_env_with(&env(&[
            (ENV_SECRET_ID, "AKID"),
            (ENV_SECRET_KEY, KEY),
            (ENV_SECURITY_TOKEN, "a\nb"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains(ENV_SECURITY_TOKEN), "{e}");
    }
}
