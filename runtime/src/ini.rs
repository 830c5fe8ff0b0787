//! A small, total INI parser for the credentials profile file.
//!
//! Accepted: `[section]` headers, `key = value` or `key: value` (split at the first `=` or
//! `:`), full-line comments starting with `#` or `;`, blank lines, a UTF-8 BOM, LF, CRLF or CR
//! line ends, one pair of matching quotes around a value. Keys are case-insensitive (lowercased, as
//! Python's `configparser` does). Rejected, with the 1-based line: invalid UTF-8, a header
//! without `]` or with an empty name or text after `]`, a key before any section, a line that
//! is not a comment, header or `key=value`, an empty key, a duplicate section, a duplicate
//! key in a section. Error messages never quote a line, since a line may hold a secret: they
//! name only the well-known keys and plain section names.

use std::fmt;

/// One parsed file.
pub(crate) struct Ini {
    pub(crate) sections: Vec<Section>,
}

/// One `[name]` section.
pub(crate) struct Section {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) entries: Vec<Entry>,
}

/// One `key = value` line.
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) line: usize,
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values may be secrets: show only the key.
        write!(f, "Entry {{ key: {:?}, line: {} }}", self.key, self.line)
    }
}

impl Section {
    pub(crate) fn get(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
}

impl Ini {
    pub(crate) fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }
}

/// A syntax error at a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IniError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

/// Keys a message may name. Any other key is text from a line the parser could not make
/// sense of (a secret pasted on its own line, `abc:def`, splits into key `abc`), so it is
/// never shown; the line numbers say where it is.
const SHOWN_KEYS: &[&str] = &["secret_id", "secret_key", "token", "region"];

/// ` [name]` when a message may show a section name: at most 64 characters of letters,
/// digits, `_`, `-`, `.` and spaces. Anything else is not a name someone chose but text the
/// parser misread (a secret between a stray `[` and a later `]`), and is not shown.
fn shown_section(name: &str) -> String {
    let plain = name.chars().count() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    if plain { format!(" [{name}]") } else { String::new() }
}

/// The lines of `bytes`, split at `\n`, `\r\n` and a lone `\r` (old Mac files; Python's
/// `configparser`, which reads in universal-newline mode, splits the same way), so line
/// numbers match what an editor shows and a `\r`-separated file is not one long line.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(bytes);
    std::iter::from_fn(move || {
        let b = rest?;
        match b.iter().position(|&c| c == b'\n' || c == b'\r') {
            None => {
                rest = None;
                Some(b)
            }
            Some(i) => {
                let skip = if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') { 2 } else { 1 };
                rest = Some(&b[i + skip..]);
                Some(&b[..i])
            }
        }
    })
}

/// Parses the whole file. Total: any bytes give `Ok` or an `IniError`, never a panic.
pub(crate) fn parse(bytes: &[u8]) -> Result<Ini, IniError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut sections: Vec<Section> = Vec::new();
    for (idx, raw) in lines(bytes).enumerate() {
        let line_no = idx + 1;
        let err = |message: String| IniError { line: line_no, message };
        let text = std::str::from_utf8(raw).map_err(|_| err("not valid UTF-8".into()))?;
        let line = text.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let (name, after) = rest.split_once(']').ok_or_else(|| err("section header has no closing `]`".into()))?;
            let after = after.trim();
            if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
                return Err(err("unexpected text after a section header".into()));
            }
            let name = name.trim();
            if name.is_empty() {
                return Err(err("empty section name".into()));
            }
            if let Some(prev) = sections.iter().find(|s| s.name == name) {
                return Err(err(format!("duplicate section{} (first at line {})", shown_section(name), prev.line)));
            }
            sections.push(Section { name: name.to_owned(), line: line_no, entries: Vec::new() });
            continue;
        }
        let split = line.find(['=', ':']).ok_or_else(|| err("expected `key = value`, a [section] or a comment".into()))?;
        let (key, value) = (line[..split].trim(), line[split + 1..].trim());
        if key.is_empty() {
            return Err(err("empty key before `=`".into()));
        }
        let section = sections.last_mut().ok_or_else(|| err("key outside of any [section]".into()))?;
        let key = key.to_ascii_lowercase();
        if let Some(prev) = section.get(&key) {
            let what = if SHOWN_KEYS.contains(&key.as_str()) { format!("key `{key}`") } else { "key".to_owned() };
            return Err(err(format!(
                "duplicate {what} in the section{} at line {} (first at line {})",
                shown_section(&section.name),
                section.line,
                prev.line
            )));
        }
        section.entries.push(Entry { key, value: unquote(value).to_owned(), line: line_no });
    }
    Ok(Ini { sections })
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_line(text: &[u8]) -> (usize, String) {
        match parse(text) {
            Ok(_) => panic!("expected an error for {text:?}"),
            Err(e) => (e.line, e.message),
        }
    }

    #[test]
    fn parses_comments_whitespace_quotes() {
        let text = b"\xEF\xBB\xBF# top comment\r\n; other\n\n  [default]  ; trailing\n\tsecret_id =  AKID1 \r\nSECRET_KEY: 'k=:ey'\n\n[prod]\ntoken=\"t\"\nempty=\n";
        let ini = parse(text).unwrap();
        let d = ini.section("default").unwrap();
        assert_eq!(d.line, 4);
        assert_eq!(d.get("secret_id").unwrap().value, "AKID1");
        assert_eq!(d.get("secret_key").unwrap().value, "k=:ey");
        assert_eq!(d.get("secret_key").unwrap().line, 6);
        let p = ini.section("prod").unwrap();
        assert_eq!(p.get("token").unwrap().value, "t");
        assert_eq!(p.get("empty").unwrap().value, "");
        assert!(ini.section("Default").is_none());
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(err_line(b"[default\nx=1").0, 1);
        assert_eq!(err_line(b"\n\nsecret_id=1").0, 3);
        assert_eq!(err_line(b"[a]\njust some words").0, 2);
        assert_eq!(err_line(b"[a]\n = v").0, 2);
        assert_eq!(err_line(b"[]").0, 1);
        assert_eq!(err_line(b"[a] junk").0, 1);
        let (line, msg) = err_line(b"[a]\nk=1\n[b]\n[a]");
        assert_eq!(line, 4);
        assert!(msg.contains("duplicate section [a]") && msg.contains("line 1"), "{msg}");
        let (line, msg) = err_line(b"[a]\nsecret_id=1\nSECRET_ID = 2");
        assert_eq!(line, 3);
        assert!(msg.contains("duplicate key `secret_id`"), "{msg}");
        assert_eq!(err_line(b"[a]\nk=\xff\xfe\x00").0, 2);
    }

    #[test]
    fn messages_never_quote_values() {
        let (_, msg) = err_line(b"[a]\nsupersecretvalue-without-delimiter");
        assert!(!msg.contains("supersecret"), "{msg}");
        let (_, msg) = err_line(b"[a]\nsecret_key=supersecret\nsecret_key=supersecret");
        assert!(!msg.contains("supersecret"), "{msg}");
    }

    /// Regression (found by the robustness property tests): a secret pasted on its own line
    /// twice, when it holds `=` or `:`, parsed as a duplicate key whose name (the secret's
    /// first part) the message quoted.
    #[test]
    fn duplicate_unknown_keys_are_not_quoted() {
        let (line, msg) = err_line(b"[default]\nAbc:Def-secret-part\nAbc:Def-secret-part\n");
        assert_eq!(line, 3);
        assert!(!msg.to_ascii_lowercase().contains("abc"), "{msg}");
        assert!(msg.contains("duplicate key") && msg.contains("line 2"), "{msg}");
    }

    /// Regression (found by `cargo fuzz run credentials_ini`): with only `\n` as a line
    /// break, `[x\rsecret_id = AKID...\r]` was one section header whose name (a secret) the
    /// duplicate-key message quoted. Lone `\r` now ends a line, and a section name is shown
    /// only when it looks like one.
    #[test]
    fn lone_carriage_returns_end_lines_and_odd_section_names_are_not_shown() {
        let ini = parse(b"[default]\rsecret_id = AKID1\r\nsecret_key = k\r[prod]\rtoken=t").unwrap();
        assert_eq!(ini.section("default").unwrap().get("secret_key").unwrap().line, 3);
        assert_eq!(ini.section("prod").unwrap().line, 4);
        let (line, msg) = err_line(b"[a = Secret0123456789]\nsecret_id=1\nsecret_id=2\n");
        assert_eq!(line, 3);
        assert!(!msg.contains("Secret0123") && msg.contains("section at line 1"), "{msg}");
        let (_, msg) = err_line(b"[a = Secret0123456789]\n[a = Secret0123456789]\n");
        assert!(!msg.contains("Secret0123") && msg.contains("duplicate section (first at line 1)"), "{msg}");
        let (_, msg) = err_line(b"[profile dev]\n[profile dev]\n");
        assert!(msg.contains("[profile dev]"), "{msg}");
    }

    proptest::proptest! {
        #[test]
        fn total_on_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn total_on_ini_like_text(s in "([\\[\\]=:;# \t\r\na-z_\u{fffd}é\"']{0,40}\n?){0,12}") {
            if let Err(e) = parse(s.as_bytes()) {
                proptest::prop_assert!(e.line >= 1 && e.line <= lines(s.as_bytes()).count());
            }
        }
    }
}
