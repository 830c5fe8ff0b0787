//! [`CredentialsError`]: why credentials could not be had. Every variant names its source and
//! what failed; none holds a secret, a token, a web identity token or a service's answer.

use std::fmt;
use std::path::PathBuf;

use super::{CredentialsSource, ENV_CREDENTIALS_FILE, ENV_SECRET_ID, ENV_SECRET_KEY};

/// Why credentials could not be had. Every variant names its source; none holds a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsError {
    /// Neither `TENCENTCLOUD_SECRET_ID` nor `TENCENTCLOUD_SECRET_KEY` is set.
    EnvNotSet,
    /// One of the pair is set, the other (named) is not.
    EnvIncomplete {
        /// The variable that is missing.
        missing: &'static str,
    },
    /// No home directory (`HOME`/`USERPROFILE`) to find `~/.tencentcloud/credentials` in.
    NoHomeDir,
    /// The profile file does not exist.
    FileNotFound {
        /// The file looked for.
        path: PathBuf,
    },
    /// The profile file exists but could not be read (or is over 1 MiB, or is not a regular
    /// file).
    FileRead {
        /// The file.
        path: PathBuf,
        /// The I/O error, as text.
        message: String,
    },
    /// The profile file is not valid INI.
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong (never the line's text).
        message: String,
    },
    /// The file has no such profile section.
    ProfileNotFound {
        /// The file.
        path: PathBuf,
        /// The section looked for.
        profile: String,
    },
    /// The profile section lacks a key.
    KeyMissing {
        /// The file.
        path: PathBuf,
        /// The section.
        profile: String,
        /// Line of the section header.
        line: usize,
        /// `secret_id` or `secret_key`.
        key: &'static str,
    },
    /// A value is empty or has characters that cannot be sent in a header.
    Invalid {
        /// Where the value came from.
        source: CredentialsSource,
        /// Line in the profile file, when it came from one.
        line: Option<usize>,
        /// Which value: `SecretId`, `SecretKey` or `token`.
        what: &'static str,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// The metadata service could not be reached (refused, no such host, connect timeout):
    /// not running on CVM. The default chain passes over it silently.
    MetadataUnavailable {
        /// The metadata endpoint.
        endpoint: String,
        /// What failed, without any answer's content.
        message: String,
    },
    /// The metadata service answered 404 for the role name: no role is bound to the instance.
    /// The default chain passes over it silently.
    NoInstanceRole {
        /// The metadata endpoint.
        endpoint: String,
    },
    /// The metadata service answered, but not with usable credentials.
    Metadata {
        /// The instance role, with the endpoint.
        source: CredentialsSource,
        /// What failed (a status, a missing field), never the answer's content.
        message: String,
    },
    /// An STS call (`AssumeRole`, `AssumeRoleWithWebIdentity`) failed.
    Sts {
        /// Which role, by which action.
        source: CredentialsSource,
        /// What failed: the API error code and message, the transport failure, or the field
        /// of the answer that is missing; never the answer's content.
        message: String,
    },
    /// None of `TKE_REGION`, `TKE_PROVIDER_ID`, `TKE_WEB_IDENTITY_TOKEN_FILE`,
    /// `TKE_ROLE_ARN` is set: not running with TKE OIDC. The default chain passes over it
    /// silently.
    WebIdentityNotSet,
    /// Some of the TKE OIDC variables are set; this one is not.
    WebIdentityIncomplete {
        /// The variable that is missing.
        missing: &'static str,
    },
    /// The web identity token file could not be read (or is empty, too large, or not a
    /// regular file).
    TokenFile {
        /// The file (`TKE_WEB_IDENTITY_TOKEN_FILE`).
        path: PathBuf,
        /// What failed; never the token.
        message: String,
    },
    /// A provider's setting cannot be used.
    InvalidConfig {
        /// The setting (`DurationSeconds`, `TENCENTCLOUD_METADATA_ENDPOINT`).
        what: &'static str,
        /// Why.
        message: String,
    },
    /// The cached credentials have expired and could not be refreshed; the refresh failure
    /// (naming its source) is `error`.
    Expired {
        /// When they expired, in seconds since the epoch.
        expired_at_unix: i64,
        /// Why the refresh failed.
        error: Box<CredentialsError>,
    },
    /// The default chain found nothing; each source's reason, in order.
    NotFound(Vec<CredentialsError>),
}

impl CredentialsError {
    /// Whether this says the source is simply not there (no variables, no file, not on CVM,
    /// no role, no OIDC), which the default chain passes over silently.
    pub fn is_absent(&self) -> bool {
        matches!(
            self,
            Self::EnvNotSet
                | Self::NoHomeDir
                | Self::FileNotFound { .. }
                | Self::MetadataUnavailable { .. }
                | Self::NoInstanceRole { .. }
                | Self::WebIdentityNotSet
        )
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EnvNotSet => write!(f, "environment: {ENV_SECRET_ID} and {ENV_SECRET_KEY} are not set"),
            Self::EnvIncomplete { missing } => write!(
                f,
                "environment: {missing} is not set (both {ENV_SECRET_ID} and {ENV_SECRET_KEY} are needed)"
            ),
            Self::NoHomeDir => write!(
                f,
                "profile file: no home directory (HOME) to find ~/.tencentcloud/credentials, and {ENV_CREDENTIALS_FILE} is not set"
            ),
            Self::FileNotFound { path } => write!(f, "profile file {}: not found", path.display()),
            Self::FileRead { path, message } => write!(f, "profile file {}: {message}", path.display()),
            Self::Syntax { path, line, message } => write!(f, "{}:{line}: {message}", path.display()),
            Self::ProfileNotFound { path, profile } => {
                write!(f, "profile file {}: no section [{profile}]", path.display())
            }
            Self::KeyMissing { path, profile, line, key } => {
                write!(f, "{}:{line}: section [{profile}] has no `{key}`", path.display())
            }
            Self::Invalid { source, line, what, reason } => match (source, line) {
                (CredentialsSource::Profile { path, profile }, Some(line)) => {
                    write!(f, "{}:{line}: [{profile}] {what} {reason}", path.display())
                }
                _ => write!(f, "{source}: {what} {reason}"),
            },
            Self::MetadataUnavailable { endpoint, message } => {
                write!(f, "CVM instance role: metadata service {endpoint} unreachable (not on CVM?): {message}")
            }
            Self::NoInstanceRole { endpoint } => {
                write!(f, "CVM instance role: no role is bound to this instance (metadata service {endpoint} answered 404)")
            }
            Self::Metadata { source, message } => write!(f, "{source}: {message}"),
            Self::Sts { source, message } => write!(f, "{source}: {message}"),
            Self::WebIdentityNotSet => f.write_str(
                "TKE OIDC: TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE and TKE_ROLE_ARN are not set",
            ),
            Self::WebIdentityIncomplete { missing } => write!(
                f,
                "TKE OIDC: {missing} is not set (TKE_REGION, TKE_PROVIDER_ID, TKE_WEB_IDENTITY_TOKEN_FILE and TKE_ROLE_ARN are all needed)"
            ),
            Self::TokenFile { path, message } => {
                write!(f, "TKE OIDC: web identity token file {}: {message}", path.display())
            }
            Self::InvalidConfig { what, message } => write!(f, "{what}: {message}"),
            Self::Expired { expired_at_unix, error } => {
                write!(f, "the cached credentials expired at {expired_at_unix} (unix seconds) and could not be refreshed: {error}")
            }
            Self::NotFound(tried) => {
                f.write_str("no credentials found")?;
                for (i, e) in tried.iter().enumerate() {
                    write!(f, "{} {e}", if i == 0 { ":" } else { ";" })?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for CredentialsError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each new variant's `Display` names its source and what failed; the chain's silence
    /// covers exactly the absent ones.
    #[test]
    fn remote_source_errors_name_source_and_failure() {
        let role = CredentialsSource::InstanceRole { endpoint: "http://m".into(), role: Some("r".into()) };
        let cases = [
            (CredentialsError::MetadataUnavailable { endpoint: "http://m".into(), message: "could not connect".into() }, "CVM instance role: metadata service http://m unreachable", true),
            (CredentialsError::NoInstanceRole { endpoint: "http://m".into() }, "no role is bound", true),
            (CredentialsError::Metadata { source: role, message: "HTTP 500".into() }, "CVM instance role \"r\" (metadata service http://m): HTTP 500", false),
            (CredentialsError::Sts { source: CredentialsSource::AssumeRole { role_arn: "qcs::r".into() }, message: "STS answered X".into() }, "STS AssumeRole of qcs::r: STS answered X", false),
            (CredentialsError::WebIdentityNotSet, "TKE OIDC: TKE_REGION", true),
            (CredentialsError::WebIdentityIncomplete { missing: "TKE_ROLE_ARN" }, "TKE OIDC: TKE_ROLE_ARN is not set", false),
            (CredentialsError::TokenFile { path: "/t".into(), message: "is empty".into() }, "web identity token file /t: is empty", false),
            (CredentialsError::InvalidConfig { what: "DurationSeconds", message: "0".into() }, "DurationSeconds: 0", false),
            (CredentialsError::Expired { expired_at_unix: 5, error: Box::new(CredentialsError::WebIdentityNotSet) }, "expired at 5 (unix seconds) and could not be refreshed: TKE OIDC", false),
        ];
        for (e, want, absent) in cases {
            assert!(e.to_string().contains(want), "{e} lacks {want}");
            assert_eq!(e.is_absent(), absent, "{e:?}");
        }
    }
}
