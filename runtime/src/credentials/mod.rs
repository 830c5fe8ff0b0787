//! Credentials: explicit, from the environment, from the profile file, and the default chain.
//!
//! Secrets live in [`SecretString`], whose `Debug` and `Display` print `[redacted]`; a SecretId
//! is printed masked (first and last four characters at most). Environment and home lookups
//! are injectable (`*_with` functions take an env lookup), so tests never mutate process env.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ini;

/// `TENCENTCLOUD_SECRET_ID`.
pub const ENV_SECRET_ID: &str = "TENCENTCLOUD_SECRET_ID";
/// `TENCENTCLOUD_SECRET_KEY`.
pub const ENV_SECRET_KEY: &str = "TENCENTCLOUD_SECRET_KEY";
/// `TENCENTCLOUD_SECURITY_TOKEN` (temporary credentials).
pub const ENV_SECURITY_TOKEN: &str = "TENCENTCLOUD_SECURITY_TOKEN";
/// `TENCENTCLOUD_CREDENTIALS_FILE`: overrides `~/.tencentcloud/credentials`.
pub const ENV_CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";
/// The profile read when none is named.
pub const DEFAULT_PROFILE: &str = "default";
/// Profile files larger than this are rejected unread.
pub const MAX_PROFILE_FILE_BYTES: u64 = 1 << 20;

/// A string that never prints: `Debug` and `Display` show `[redacted]`.
#[derive(Clone)]
pub struct SecretString(Arc<str>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Arc::from(secret.into()))
    }

    /// The secret itself; call only where it is used (signing, a header).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        crate::sign::constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for SecretString {}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// A SecretId with everything but its first and last four characters hidden (`AKID…3abc`);
/// fully hidden (`****`) when shorter than 16 characters.
pub fn mask_secret_id(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() < 16 {
        return "****".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// A SecretId, a SecretKey and, for temporary credentials, a token (sent as `X-TC-Token`).
///
/// Cheap to clone (reference-counted strings).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    secret_id: Arc<str>,
    secret_key: SecretString,
    token: Option<SecretString>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("secret_id", &mask_secret_id(&self.secret_id))
            .field("secret_key", &self.secret_key)
            .field("token", &self.token)
            .finish()
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
}

impl fmt::Display for CredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Explicit => f.write_str("explicit credentials"),
            Self::Env(var) => write!(f, "environment variable {var}"),
            Self::Profile { path, profile } => write!(f, "profile [{profile}] in {}", path.display()),
        }
    }
}

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
    /// The default chain found nothing; each source's reason, in order.
    NotFound(Vec<CredentialsError>),
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

/// Supplies credentials for each call (static, or refreshed by the implementation).
pub trait CredentialsProvider: Send + Sync + fmt::Debug {
    /// The credentials to sign the next call with.
    fn credentials(&self) -> Result<Credentials, CredentialsError>;
}

impl CredentialsProvider for Credentials {
    fn credentials(&self) -> Result<Credentials, CredentialsError> {
        Ok(self.clone())
    }
}

/// What kind of file `meta` describes, for errors.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a directory" } else { "a special file" }
}

/// The process environment, as an injectable lookup.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.is_empty())
}

impl Credentials {
    /// Permanent credentials. Use [`Credentials::with_token`] for temporary ones.
    pub fn new(secret_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self { secret_id: Arc::from(secret_id.into()), secret_key: SecretString::new(secret_key), token: None }
    }

    /// Adds the token of temporary credentials (sent as `X-TC-Token`).
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::new(token));
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

    /// Checks that every value can be sent: non-empty, printable ASCII without spaces for the
    /// SecretId and token, no control characters in the SecretKey.
    pub fn validate(&self, source: &CredentialsSource) -> Result<(), CredentialsError> {
        self.validate_at(source, None)
    }

    fn validate_at(&self, source: &CredentialsSource, line: Option<usize>) -> Result<(), CredentialsError> {
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

    /// The profile file path: `$TENCENTCLOUD_CREDENTIALS_FILE`, else
    /// `$HOME/.tencentcloud/credentials` (`%USERPROFILE%` on Windows).
    pub fn profile_path_with(env: &dyn Fn(&str) -> Option<String>) -> Result<PathBuf, CredentialsError> {
        if let Some(p) = non_empty(env, ENV_CREDENTIALS_FILE) {
            return Ok(PathBuf::from(p));
        }
        let home = non_empty(env, "HOME").or_else(|| non_empty(env, "USERPROFILE"));
        home.map(|h| Path::new(&h).join(".tencentcloud").join("credentials")).ok_or(CredentialsError::NoHomeDir)
    }

    /// From the profile file (see [`Credentials::profile_path_with`]), section `profile`
    /// (`default` when `None`), with the process environment.
    pub fn from_profile(profile: Option<&str>) -> Result<Self, CredentialsError> {
        Self::from_profile_with(&process_env, profile)
    }

    /// [`Credentials::from_profile`] with an injected environment lookup.
    pub fn from_profile_with(
        env: &dyn Fn(&str) -> Option<String>,
        profile: Option<&str>,
    ) -> Result<Self, CredentialsError> {
        Self::from_file(&Self::profile_path_with(env)?, profile)
    }

    /// From an INI file at `path`, section `profile` (`default` when `None`), keys
    /// `secret_id`, `secret_key`, optional `token`.
    ///
    /// Only a regular file (or a symlink to one) is read, and at most
    /// [`MAX_PROFILE_FILE_BYTES`] of it: a FIFO, a device or a directory is refused before it
    /// is opened (opening a FIFO would wait for a writer), and a file that grows, or reports
    /// a size of 0 as `/proc` files do, is cut off at the cap.
    pub fn from_file(path: &Path, profile: Option<&str>) -> Result<Self, CredentialsError> {
        let read_err = |message: String| CredentialsError::FileRead { path: path.to_owned(), message };
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(CredentialsError::FileNotFound { path: path.to_owned() });
            }
            Err(e) => return Err(read_err(e.to_string())),
        };
        if !meta.is_file() {
            return Err(read_err(format!("not a regular file ({})", file_kind(&meta))));
        }
        if meta.len() > MAX_PROFILE_FILE_BYTES {
            return Err(read_err(format!("larger than {MAX_PROFILE_FILE_BYTES} bytes")));
        }
        let mut file = std::fs::File::open(path).map_err(|e| read_err(e.to_string()))?;
        // The path may have been replaced between the check and the open: check what was opened.
        match file.metadata() {
            Ok(m) if m.is_file() => {}
            Ok(m) => return Err(read_err(format!("not a regular file ({})", file_kind(&m)))),
            Err(e) => return Err(read_err(e.to_string())),
        }
        let bytes = Self::read_capped(&mut file, path)?;
        Self::from_profile_text(&bytes, path, profile)
    }

    /// Reads at most [`MAX_PROFILE_FILE_BYTES`] (one more byte to tell that there is more).
    fn read_capped(reader: &mut dyn std::io::Read, path: &Path) -> Result<Vec<u8>, CredentialsError> {
        use std::io::Read as _;
        let read_err = |message: String| CredentialsError::FileRead { path: path.to_owned(), message };
        let mut bytes = Vec::new();
        reader.take(MAX_PROFILE_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| read_err(e.to_string()))?;
        if bytes.len() as u64 > MAX_PROFILE_FILE_BYTES {
            return Err(read_err(format!("larger than {MAX_PROFILE_FILE_BYTES} bytes")));
        }
        Ok(bytes)
    }

    /// Parses profile file contents (`path` only names the file in errors). Total: any bytes
    /// give credentials or an error naming the file and line, never a panic.
    pub fn from_profile_text(bytes: &[u8], path: &Path, profile: Option<&str>) -> Result<Self, CredentialsError> {
        let profile = profile.unwrap_or(DEFAULT_PROFILE);
        let ini = ini::parse(bytes).map_err(|e| CredentialsError::Syntax {
            path: path.to_owned(),
            line: e.line,
            message: e.message,
        })?;
        let section = ini.section(profile).ok_or_else(|| CredentialsError::ProfileNotFound {
            path: path.to_owned(),
            profile: profile.to_owned(),
        })?;
        let get = |key: &'static str| {
            section.get(key).ok_or_else(|| CredentialsError::KeyMissing {
                path: path.to_owned(),
                profile: profile.to_owned(),
                line: section.line,
                key,
            })
        };
        let (id, key) = (get("secret_id")?, get("secret_key")?);
        let token = section.get("token").filter(|t| !t.value.is_empty());
        let mut creds = Self::new(id.value.clone(), key.value.clone());
        if let Some(t) = token {
            creds = creds.with_token(t.value.clone());
        }
        let source = CredentialsSource::Profile { path: path.to_owned(), profile: profile.to_owned() };
        match creds.validate(&source) {
            Ok(()) => Ok(creds),
            Err(CredentialsError::Invalid { what, reason, .. }) => {
                let line = match what {
                    "SecretId" => id.line,
                    "SecretKey" => key.line,
                    _ => token.map_or(section.line, |t| t.line),
                };
                Err(CredentialsError::Invalid { source, line: Some(line), what, reason })
            }
            Err(e) => Err(e),
        }
    }

    /// The default chain with the process environment: see [`Credentials::default_chain_with`].
    pub fn default_chain() -> Result<Self, CredentialsError> {
        Self::default_chain_with(&process_env)
    }

    /// The default chain: environment, then profile `default` of the profile file.
    ///
    /// A source that is absent (no variables set; no file at the default path) is skipped; a
    /// source that is present but broken (one variable of the pair, a malformed file, a file
    /// named by `TENCENTCLOUD_CREDENTIALS_FILE` that does not exist) stops the chain with its
    /// error, so a typo never silently falls through to other credentials.
    pub fn default_chain_with(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let mut tried = Vec::new();
        match Self::from_env_with(env) {
            Ok(c) => return Ok(c),
            Err(e @ CredentialsError::EnvNotSet) => tried.push(e),
            Err(e) => return Err(e),
        }
        let explicit_file = non_empty(env, ENV_CREDENTIALS_FILE).is_some();
        match Self::from_profile_with(env, None) {
            Ok(c) => return Ok(c),
            Err(e @ CredentialsError::NoHomeDir) => tried.push(e),
            Err(e @ CredentialsError::FileNotFound { .. }) if !explicit_file => tried.push(e),
            Err(e) => return Err(e),
        }
        Err(CredentialsError::NotFound(tried))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KEY: &str = "very-secret-key-9f8e7d";
    const TOKEN: &str = "very-secret-token-abc123";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        move |k: &str| map.get(k).cloned()
    }

    fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tc-runtime-creds-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("credentials");
        std::fs::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn debug_and_display_redact() {
        let c = Credentials::new("AKIDabcdefghijklmnopqrstuvwxyz0123", KEY).with_token(TOKEN);
        let dbg = format!("{c:?} {:?} {}", c.secret_key(), c.secret_key());
        assert!(!dbg.contains(KEY) && !dbg.contains(TOKEN), "{dbg}");
        assert!(dbg.contains("AKID…0123"), "{dbg}");
        assert!(!dbg.contains("AKIDabcdefghijklmnop"), "{dbg}");
        assert_eq!(mask_secret_id("short"), "****");
        assert_eq!(c.token().unwrap().expose_secret(), TOKEN);
    }

    #[test]
    fn env_source() {
        let c = Credentials::from_env_with(&env(&[(ENV_SECRET_ID, "AKID1"), (ENV_SECRET_KEY, KEY)])).unwrap();
        assert_eq!(c.secret_id(), "AKID1");
        assert!(c.token().is_none());
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

    #[test]
    fn profile_file_and_paths() {
        let path = temp_file(
            "ok",
            format!("[default]\nsecret_id = AKIDdef\nsecret_key = {KEY}\n\n[prod]\nsecret_id=AKIDprod\nsecret_key={KEY}\ntoken={TOKEN}\n")
                .as_bytes(),
        );
        let p = path.to_str().unwrap();
        let e = env(&[(ENV_CREDENTIALS_FILE, p)]);
        assert_eq!(Credentials::from_profile_with(&e, None).unwrap().secret_id(), "AKIDdef");
        let prod = Credentials::from_profile_with(&e, Some("prod")).unwrap();
        assert_eq!(prod.secret_id(), "AKIDprod");
        assert_eq!(prod.token().unwrap().expose_secret(), TOKEN);
        let err = Credentials::from_profile_with(&e, Some("nope")).unwrap_err();
        assert!(matches!(err, CredentialsError::ProfileNotFound { .. }));
        assert!(err.to_string().contains("[nope]") && err.to_string().contains(p), "{err}");

        let home = env(&[("HOME", "/home/someone")]);
        assert_eq!(
            Credentials::profile_path_with(&home).unwrap(),
            PathBuf::from("/home/someone/.tencentcloud/credentials")
        );
        assert_eq!(Credentials::profile_path_with(&env(&[])), Err(CredentialsError::NoHomeDir));
    }

    #[test]
    fn profile_errors_name_file_and_line() {
        let path = Path::new("/etc/creds.ini");
        let cases: &[(&[u8], &str)] = &[
            (b"[default]\nsecret_id=AKID\n", "/etc/creds.ini:1: section [default] has no `secret_key`"),
            (b"# c\n[default]\nsecret_key=k\n", "/etc/creds.ini:2: section [default] has no `secret_id`"),
            (b"[default]\nsecret_id=AKID\nsecret_key=k\n[default]\n", "/etc/creds.ini:4: duplicate section"),
            (b"secret_id=AKID\n", "/etc/creds.ini:1: key outside"),
            (b"[default]\n\x00\x01\xff\xfe junk\n", "/etc/creds.ini:2: not valid UTF-8"),
            (b"[default]\nsecret_id=AK ID\nsecret_key=k\n", "/etc/creds.ini:2: [default] SecretId has spaces"),
            (b"[default]\nsecret_id=AKID\nsecret_key=\n", "/etc/creds.ini:3: [default] SecretKey is empty"),
            (b"[other]\nsecret_id=AKID\n", "profile file /etc/creds.ini: no section [default]"),
        ];
        for (text, want) in cases {
            let err = Credentials::from_profile_text(text, path, None).unwrap_err();
            assert!(err.to_string().starts_with(want), "got `{err}`, want `{want}`");
        }
        let err = Credentials::from_profile_text(format!("[default]\n{KEY}\n").as_bytes(), path, None).unwrap_err();
        assert!(!err.to_string().contains(KEY) && !format!("{err:?}").contains(KEY));
    }

    #[test]
    fn default_chain_order() {
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

    /// Regression (issue 13.7): the 1 MiB check used `metadata().len()`, which is 0 for
    /// special files: a symlink to /dev/zero was read until memory ran out, and a FIFO
    /// blocked `build()` forever (opening it waits for a writer). Anything but a regular file
    /// is refused before it is opened, and no read goes past the cap.
    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_reading_them() {
        let dir = std::env::temp_dir().join(format!("tc-runtime-creds-{}-special", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let zero = dir.join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
        let mut cases = vec![zero, dir.clone()];
        if made {
            cases.push(fifo);
        }
        for path in cases {
            // On a thread, so the old behaviour (blocking, or reading forever) fails the test
            // instead of hanging it.
            let (tx, rx) = std::sync::mpsc::channel();
            let p = path.clone();
            std::thread::spawn(move || {
                let _ = tx.send(Credentials::from_file(&p, None));
            });
            let got = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("from_file returned");
            match got {
                Err(CredentialsError::FileRead { message, .. }) => {
                    assert!(message.contains("not a regular file"), "{}: {message}", path.display());
                }
                other => panic!("{}: {other:?}", path.display()),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A file that reports a size under the cap (as /proc files report 0) is still read only
    /// up to the cap.
    #[test]
    fn reads_stop_at_the_cap() {
        let big = vec![b'#'; MAX_PROFILE_FILE_BYTES as usize + 10];
        let err = Credentials::read_capped(&mut big.as_slice(), Path::new("f")).unwrap_err();
        assert!(matches!(&err, CredentialsError::FileRead { message, .. } if message.contains("larger than")), "{err:?}");
        let ok = Credentials::read_capped(&mut &b"[default]\n"[..], Path::new("f")).unwrap();
        assert_eq!(ok, b"[default]\n");
    }

    proptest::proptest! {
        #[test]
        fn profile_text_is_total(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = Credentials::from_profile_text(&bytes, Path::new("f"), None);
        }

        #[test]
        fn profile_text_like_is_total(s in "(\\[default\\]|secret_id ?= ?[A-Za-z ]{0,5}|secret_key=[a-z]{0,3}|token=|#|;|\\[|=|\n|\r|\t| ){0,24}") {
            let _ = Credentials::from_profile_text(s.as_bytes(), Path::new("f"), None);
        }
    }
}
