//! Credentials files: [`tc_runtime::Credentials::from_profile_text`] (and the INI parser under
//! it) on arbitrary text and bytes.
//!
//! [`check_profile`] is the oracle: never a panic; every error names the file, and the line
//! when it is about one (within the file); no error and no `Debug` of the credentials shows a
//! secret. What counts as a secret is derived from the text itself ([`secrets_in`]): every
//! value, every line the parser cannot split, and every unknown key, so the same oracle
//! serves generated inputs and raw fuzz bytes.

use std::path::Path;

use proptest::prelude::*;
use tc_runtime::{Credentials, CredentialsError};

/// The file name every check uses (no digits: see [`is_secret_like`]).
pub const PATH: &str = "/home/someone/.tencentcloud/credentials";

/// Keys the parser may name in a message (see `runtime/src/ini.rs`).
const SHOWN_KEYS: &[&str] = &["secret_id", "secret_key", "token", "region"];

/// Whether `s` could be a credential and could not be message text: at least 8 bytes, no
/// whitespace, with both a letter and a digit (message text puts numbers apart from words).
pub fn is_secret_like(s: &str) -> bool {
    s.len() >= 8
        && !s.chars().any(char::is_whitespace)
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Lines as the profile parser splits them: at `\n`, `\r\n` and a lone `\r`.
pub fn split_lines(text: &str) -> Vec<&str> {
    text.split('\n').flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r')).collect()
}

/// Everything in `text` that may be a secret and that no message may show: values (after the
/// first `=` or `:`), lines that are neither headers, comments nor `key=value`, and unknown
/// keys (the first part of a pasted `abc:def`).
pub fn secrets_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in split_lines(text) {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() || line.starts_with(['[', '#', ';']) {
            continue;
        }
        match line.find(['=', ':']) {
            Some(i) => {
                let (key, value) = (line[..i].trim(), line[i + 1..].trim());
                out.push(value.trim_matches(['"', '\'']).to_owned());
                out.push(value.to_owned());
                if !SHOWN_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    out.push(key.to_owned());
                }
            }
            None => out.push(line.to_owned()),
        }
    }
    // A section header is a name the user chose and messages may show: text that also
    // appears in one is not counted as a secret.
    let headers: Vec<String> = split_lines(text)
        .into_iter()
        .map(|l| l.trim_start_matches('\u{feff}').trim())
        .filter(|l| l.starts_with('['))
        .map(str::to_lowercase)
        .collect();
    out.retain(|s| is_secret_like(s) && !headers.iter().any(|h| h.contains(&s.to_lowercase())));
    out
}

/// Parses `bytes` as a profile file and checks the result.
///
/// # Panics
///
/// When the parser panics or a property is violated.
pub fn check_profile(bytes: &[u8], profile: Option<&str>) {
    let path = Path::new(PATH);
    let text = String::from_utf8_lossy(bytes);
    let lines = split_lines(&text).len();
    let secrets = secrets_in(&text);
    match Credentials::from_profile_text(bytes, path, profile) {
        Ok(c) => {
            let shown = format!("{c:?}");
            for secret in [Some(c.secret_key()), c.token()].into_iter().flatten() {
                let s = secret.expose_secret();
                assert!(!(is_secret_like(s) && shown.contains(s)), "Debug of credentials shows a secret: {shown}");
            }
            c.validate(&tc_runtime::credentials::CredentialsSource::Explicit).expect("parsed credentials are valid");
        }
        Err(e) => {
            let shown = e.to_string();
            let debug = format!("{e:?}");
            assert!(shown.contains(PATH), "error does not name the file: {shown}");
            let line = match &e {
                CredentialsError::Syntax { line, .. } | CredentialsError::KeyMissing { line, .. } => Some(*line),
                CredentialsError::Invalid { line, .. } => *line,
                _ => None,
            };
            if let Some(line) = line {
                assert!((1..=lines).contains(&line), "line {line} outside the file's {lines} lines: {shown}");
                assert!(shown.contains(&format!("{PATH}:{line}:")), "error does not name file:line: {shown}");
            }
            // The file name is in every message by design: look for secrets in the rest.
            let (shown_l, debug_l) = (shown.replace(PATH, "\n").to_lowercase(), debug.replace(PATH, "\n").to_lowercase());
            for s in &secrets {
                let s = s.to_lowercase();
                assert!(!shown_l.contains(&s) && !debug_l.contains(&s), "error echoes `{s}`: {shown}");
            }
        }
    }
}

/// The fuzz entry: the bytes are a profile file, read for `[default]` and for `[prod]`.
pub fn fuzz(data: &[u8]) {
    check_profile(data, None);
    check_profile(data, Some("prod"));
}

/// A secret-looking token: letters and digits with `=`, `:`, `/`, `+` inside.
pub fn arb_secret() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9=:/+]{10,30}[0-9]"
}

/// One line of a plausible, often broken, profile file.
pub fn arb_line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("secret_id".to_owned()),
        Just("secret_key".to_owned()),
        Just("SECRET_KEY".to_owned()),
        Just("token".to_owned()),
        Just("region".to_owned()),
        "[a-z_]{1,8}",
        Just(String::new()),
    ];
    let sep = proptest::sample::select(&["=", " = ", ":", ": ", "==", "=:"][..]);
    let value = prop_oneof![
        arb_secret(),
        arb_secret().prop_map(|s| format!("\"{s}\"")),
        arb_secret().prop_map(|s| format!("'{s}")),
        Just(String::new()),
        "\\PC{0,10}",
        "[ \t]{0,3}[A-Za-z]{0,4} [A-Za-z]{0,4}",
    ];
    prop_oneof![
        4 => (key, sep, value).prop_map(|(k, s, v)| format!("{k}{s}{v}")),
        2 => proptest::sample::select(&["[default]", "[prod]", " [default] ; c", "[default", "[]", "[default] x", "[Default]"][..])
            .prop_map(str::to_owned),
        1 => arb_secret(),
        1 => "[A-Za-z]{3,6}[0-9]{3,6}[:=][A-Za-z0-9]{8}",
        1 => proptest::sample::select(&["", "# comment", "; comment", "   ", "\t", "\u{feff}[default]", "\r"][..])
            .prop_map(str::to_owned),
        1 => "\\PC{0,16}",
    ]
}

/// The lines of a valid `[default]` profile, with 0 to 2 arbitrary lines inserted.
fn arb_mostly_valid_lines() -> impl Strategy<Value = Vec<String>> {
    (
        arb_secret(),
        arb_secret(),
        proptest::option::of(arb_secret()),
        proptest::collection::vec((any::<usize>(), arb_line()), 0..3),
    )
        .prop_map(|(id, key, token, extra)| {
            let mut lines = vec!["# profile".to_owned(), "[default]".to_owned(), format!("secret_id = {id}"), format!("secret_key = {key}")];
            if let Some(t) = token {
                lines.push(format!("token = {t}"));
            }
            for (at, line) in extra {
                let at = at % (lines.len() + 1);
                lines.insert(at, line);
            }
            lines
        })
}

/// A profile file: lines joined by `\n` or `\r\n`, sometimes with a BOM, sometimes with an
/// invalid UTF-8 byte.
pub fn arb_profile() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            proptest::collection::vec(arb_line(), 0..12),
            arb_mostly_valid_lines(),
            // A secret pasted into a valid file, once or twice (`abc:def` parses as a key).
            (arb_mostly_valid_lines(), "[A-Za-z]{3,6}[0-9]{3,6}[:=][A-Za-z0-9=:]{8}", any::<(usize, usize)>()).prop_map(
                |(mut lines, pasted, (a, b))| {
                    for at in [a, b] {
                        let at = 2 + at % (lines.len() - 1);
                        lines.insert(at, pasted.clone());
                    }
                    lines
                }
            ),
        ],
        any::<bool>(),
        any::<bool>(),
        proptest::option::weighted(0.1, (any::<usize>(), 0x80u8..=0xff)),
        proptest::option::weighted(0.3, any::<usize>()),
    )
        .prop_map(|(mut lines, crlf, bom, bad, dup)| {
            // A repeated line: duplicate keys and sections, a secret pasted twice.
            if let Some(d) = dup
                && !lines.is_empty()
            {
                let line = lines[d % lines.len()].clone();
                lines.push(line);
            }
            let mut text = if bom { "\u{feff}".to_owned() } else { String::new() };
            text.push_str(&lines.join(if crlf { "\r\n" } else { "\n" }));
            let mut bytes = text.into_bytes();
            if let Some((at, b)) = bad {
                let at = at % (bytes.len() + 1);
                bytes.insert(at, b);
            }
            bytes
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression for the oracle (found by `cargo fuzz run credentials_ini`): a value that
    /// quotes the file name is not echoed by a message that names the file.
    #[test]
    fn the_file_name_is_not_a_secret() {
        check_profile(b"\xef\x3d\x0a\x0d\x01D1A='ncentcloud/credentials:1:'''\n\xff", None);
    }

    /// Regression for the oracle (found by `cargo fuzz run credentials_ini`): a value that
    /// also appears in a section header the message may show is not a secret.
    #[test]
    fn text_of_a_section_header_is_not_a_secret() {
        check_profile(b"[OOOO toDz8kt]\nsecret_id = a\nen = toDz8kt]\nsecret_id = b\n", None);
    }

    #[test]
    fn secrets_are_found_in_every_shape() {
        let text = "[default]\nsecret_key = Ab3:xyz9\nAbcdefg9:hijkl12\nloneToken42\nregion=ap-guangzhou\n";
        let s = secrets_in(text);
        assert!(s.contains(&"Ab3:xyz9".to_owned()), "{s:?}");
        assert!(s.contains(&"Abcdefg9".to_owned()), "an unknown key is secret-like: {s:?}");
        assert!(s.contains(&"loneToken42".to_owned()), "{s:?}");
        assert!(!s.iter().any(|x| x.contains("guangzhou")), "no digit: not secret-like: {s:?}");
    }
}
