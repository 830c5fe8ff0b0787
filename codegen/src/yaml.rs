//! Writing block-style spec YAML: scalars quoted only where YAML needs it, example texts as
//! literal blocks (`|-`) wherever a block can hold them exactly, so the checker can point at
//! their lines. Used by [`crate::import`]; the output parses back to the same strings.

/// A scalar for `key: <here>`: plain when that reads back as the same string, else a
/// double-quoted JSON string (a valid YAML double-quoted scalar).
pub fn scalar(s: &str) -> String {
    if is_plain(s) { s.to_owned() } else { quoted(s) }
}

/// A double-quoted scalar.
pub fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn is_plain(s: &str) -> bool {
    const WORDS: &[&str] = &["true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"];
    let Some(first) = s.chars().next() else { return false };
    (first.is_ascii_alphabetic() || first == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | ' ' | '(' | ')' | ','))
        && !s.ends_with(' ')
        && !s.contains(" #")
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
}

/// Whether `text` can be written as a `|-` literal block and read back unchanged.
pub fn fits_literal_block(text: &str) -> bool {
    !text.is_empty()
        && !text.ends_with('\n')
        && !text.starts_with(['\n', ' ', '\t'])
        && text.lines().all(|l| !l.ends_with([' ', '\t']) && !l.starts_with('\t'))
        && !text.contains('\r')
        && text.chars().all(|c| c == '\n' || c == '\t' || !c.is_control())
}

/// `key: value` at `indent` spaces, for any string: a literal block when `block` is asked
/// for and the text fits one, else a scalar.
pub fn push_str(out: &mut String, indent: usize, key: &str, value: &str, block: bool) {
    let pad = " ".repeat(indent);
    if block && fits_literal_block(value) {
        out.push_str(&format!("{pad}{key}: |-\n"));
        for line in value.split('\n') {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("{pad}  {line}\n"));
            }
        }
    } else {
        out.push_str(&format!("{pad}{key}: {}\n", scalar(value)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(value: &str, block: bool) {
        let mut out = String::new();
        push_str(&mut out, 0, "k", value, block);
        let back: serde_yaml::Value = serde_yaml::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
        assert_eq!(back["k"].as_str(), Some(value), "{out}");
    }

    #[test]
    fn every_string_reads_back() {
        for s in [
            "", "plain", "true", "No", "12", "a: b", "a #b", "- x", "'q'", "\"dq\"", "x ", " x", "line\nline", "tab\there",
            "{\n  \"Response\": {}\n}", "trailing \nspaces", "中文", "&<Common request parameters>", "@x", "*x", "a\r\nb",
            "ends\n", "\nstarts", "ctl\u{7}",
        ] {
            round_trip(s, false);
            round_trip(s, true);
        }
    }

    #[test]
    fn blocks_only_where_exact() {
        assert!(fits_literal_block("{\n  \"a\": 1\n}"));
        assert!(!fits_literal_block("x \ny"));
        assert!(!fits_literal_block("x\n"));
    }
}
