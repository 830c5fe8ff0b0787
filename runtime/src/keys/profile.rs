//! Credentials from the profile file: `$TENCENTCLOUD_CREDENTIALS_FILE`, else
//! `~/.tencentcloud/credentials`, INI with `secret_id`, `secret_key` and an optional `token`.
//!
//! Also the bounded read of a regular file that the web identity token file shares
//! ([`read_regular_file`]).

use std::path::{Path, PathBuf};

use super::{Credentials, CredentialsError, CredentialsSource, non_empty, process_env};
use crate::ini;

/// `TENCENTCLOUD_CREDENTIALS_FILE`: overrides `~/.tencentcloud/credentials`.
pub const ENV_CREDENTIALS_FILE: &str = "TENCENTCLOUD_CREDENTIALS_FILE";
/// The profile read when none is named.
pub const DEFAULT_PROFILE: &str = "default";
/// Profile files larger than this are rejected unread.
pub const MAX_PROFILE_FILE_BYTES: u64 = 1 << 20;

/// Why [`read_regular_file`] failed.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Nothing at the path.
    NotFound,
    /// Anything else, as text (never the file's content).
    Other(String),
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

/// Reads a regular file (or a symlink to one), at most `cap` bytes of it: a FIFO, a device or
/// a directory is refused before it is opened (opening a FIFO would wait for a writer), and a
/// file that grows, or reports a size of 0 as `/proc` files do, is cut off at the cap.
pub(crate) fn read_regular_file(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ReadError::NotFound),
        Err(e) => return Err(ReadError::Other(e.to_string())),
    };
    if !meta.is_file() {
        return Err(ReadError::Other(format!("not a regular file ({})", file_kind(&meta))));
    }
    if meta.len() > cap {
        return Err(ReadError::Other(format!("larger than {cap} bytes")));
    }
    let mut file = std::fs::File::open(path).map_err(|e| ReadError::Other(e.to_string()))?;
    // The path may have been replaced between the check and the open: check what was opened.
    match file.metadata() {
        Ok(m) if m.is_file() => {}
        Ok(m) => return Err(ReadError::Other(format!("not a regular file ({})", file_kind(&m)))),
        Err(e) => return Err(ReadError::Other(e.to_string())),
    }
    read_capped(&mut file, cap)
}

/// Reads at most `cap` bytes (one more byte to tell that there is more).
fn read_capped(reader: &mut dyn std::io::Read, cap: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    reader.take(cap + 1).read_to_end(&mut bytes).map_err(|e| ReadError::Other(e.to_string()))?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::Other(format!("larger than {cap} bytes")));
    }
    Ok(bytes)
}

impl Credentials {
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
        let bytes = read_regular_file(path, MAX_PROFILE_FILE_BYTES).map_err(|e| match e {
            ReadError::NotFound => CredentialsError::FileNotFound { path: path.to_owned() },
            ReadError::Other(message) => CredentialsError::FileRead { path: path.to_owned(), message },
        })?;
        Self::from_profile_text(&bytes, path, profile)
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
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::keys::env::tests::env;
    use crate::keys::tests::{KEY, TOKEN};

    pub(crate) fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tc-runtime-creds-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("credentials");
        std::fs::write(&path, contents).unwrap();
        path
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
        let err = read_capped(&mut big.as_slice(), MAX_PROFILE_FILE_BYTES).unwrap_err();
        assert!(matches!(&err, ReadError::Other(message) if message.contains("larger than")), "{err:?}");
        let ok = read_capped(&mut &b"[default]\n"[..], MAX_PROFILE_FILE_BYTES).unwrap();
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
