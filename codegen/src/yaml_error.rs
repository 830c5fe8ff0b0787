//! serde_yaml's syntax errors said in the spec's terms: what is wrong and how to fix it, with
//! the parser's own words kept as a note (they are what a search engine knows).
//!
//! libyaml names its internal state (`mapping values are not allowed in this context`,
//! `did not find expected key`); a spec author needs the mistake behind it (a `: ` inside a
//! plain value, a key indented one space off). [`RULES`] maps each message to that, tried in
//! order; a message no rule knows is shown as it is.

use crate::diag::Diagnostic;

/// One reworded message.
struct Rule {
    /// Text of serde_yaml's message (without its positions) that selects the rule.
    needle: &'static str,
    /// The rule applies only when the character at the error's place is a tab.
    at_tab: bool,
    /// Point at the construct being parsed (serde_yaml's second `at line L column C`, as in
    /// "while scanning a simple key at ...") rather than where the parser gave up.
    at_start: bool,
    /// What is wrong. `{key}` is the key of a duplicate entry.
    message: &'static str,
    /// How to fix it. `{start}` is "line L, column C" of the construct being parsed.
    help: &'static str,
}

/// The reworded messages, tried in order (the first whose needle the message holds wins).
const RULES: &[Rule] = &[
    Rule {
        needle: "cannot start any token",
        at_tab: true,
        at_start: false,
        message: "a tab character here: YAML indents with spaces only",
        help: "replace the tab with spaces (spec files indent by two)",
    },
    Rule {
        needle: "tab character",
        at_tab: false,
        at_start: false,
        message: "a tab character in the indentation: YAML indents with spaces only",
        help: "replace the tab with spaces (spec files indent by two)",
    },
    Rule {
        needle: "cannot start any token",
        at_tab: false,
        at_start: false,
        message: "a plain value cannot start with this character (`@`, `` ` `` and `%` are reserved in YAML)",
        help: "quote the value: `key: '@value'`",
    },
    Rule {
        needle: "mapping values are not allowed in this context",
        at_tab: false,
        at_start: false,
        message: "a `: ` where no key can start: the value before it holds `: `, or this key is indented under a value",
        help: "quote a value that contains `: ` (`description: 'Default: 10'`), or line the key up with the other keys of its mapping",
    },
    Rule {
        needle: "block sequence entries are not allowed in this context",
        at_tab: false,
        at_start: false,
        message: "a `- ` list item on the same line as its key",
        help: "start the list on the next line: `key:`, then `  - item` below it",
    },
    Rule {
        needle: "did not find expected key",
        at_tab: false,
        at_start: false,
        message: "expected a key here: this line is not lined up with the keys of its mapping, or text follows a complete value",
        help: "indent the key exactly like the other keys of its mapping (spaces only); if the text belongs to the value before it, quote the whole value",
    },
    Rule {
        needle: "did not find expected '-' indicator",
        at_tab: false,
        at_start: false,
        message: "expected a `- ` list item here: the list above is not over at this indentation",
        help: "start the line with `- ` to add an item, indent it further to continue the item above, or indent it less to end the list",
    },
    Rule {
        needle: "could not find expected ':'",
        at_tab: false,
        at_start: true,
        message: "a line inside a mapping without `key: `: a key whose `:` is missing, or the continuation of a value indented like a key",
        help: "add `: ` after the key, or indent the continued value further than its key (or write it as a block scalar, `>-`)",
    },
    Rule {
        needle: "end of stream, while scanning a quoted scalar",
        at_tab: false,
        at_start: true,
        message: "a quoted value is never closed: the file ends inside it",
        help: "close the quote that opens here, at {start}",
    },
    Rule {
        needle: "did not find expected ',' or ']'",
        at_tab: false,
        at_start: false,
        message: "a flow list (`[...]`) is not closed, or two of its items have no `,` between them",
        help: "close the list opened at {start} with `]`, or write it in block style, one `- ` item per line",
    },
    Rule {
        needle: "did not find expected ',' or '}'",
        at_tab: false,
        at_start: false,
        message: "a flow mapping (`{...}`) is not closed, or two of its entries have no `,` between them",
        help: "close the mapping opened at {start} with `}`, or write it in block style, one `key: value` per line",
    },
    Rule {
        needle: "duplicate entry with key",
        at_tab: false,
        at_start: false,
        message: "the key `{key}` is given twice in one mapping",
        help: "a key appears once per mapping: remove one of the two, or rename it",
    },
    Rule {
        needle: "unknown anchor",
        at_tab: false,
        at_start: false,
        message: "an alias (`*name`) names no anchor (`&name`) defined before it",
        help: "write the value out: spec files need no anchors or aliases",
    },
    Rule {
        needle: "control characters are not allowed",
        at_tab: false,
        at_start: false,
        message: "a control character, which YAML does not allow in a file",
        help: "delete it (a binary paste or a stray escape); only tabs, line breaks and printable text may appear",
    },
    Rule {
        needle: "more than one document",
        at_tab: false,
        at_start: false,
        message: "a second YAML document starts here: a spec file is one mapping",
        help: "remove the `---` or `...` line, or the text after the end of the mapping",
    },
    Rule {
        needle: "recursion limit exceeded",
        at_tab: false,
        at_start: false,
        message: "values nest deeper than 128 levels",
        help: "a spec file nests a few levels deep: check the indentation of this part",
    },
    Rule {
        needle: "found unknown escape character",
        at_tab: false,
        at_start: false,
        message: "an unknown escape (`\\` followed by a character YAML does not know) in a double-quoted value",
        help: "write `\\\\` for a backslash, or use single quotes, inside which `\\` is an ordinary character",
    },
];

/// serde_yaml's error, said in spec terms: a diagnostic for `file` with its place (`at`, as
/// serde_yaml gave it, or found otherwise), its message, help and the original as a note.
/// `raw` is serde_yaml's message with its positions; `text` the file's text as parsed.
pub(crate) fn diagnostic(file: &str, text: &str, raw: &str, at: Option<(usize, usize)>) -> Diagnostic {
    let original = strip_position(raw);
    let at_tab = at.and_then(|(line, column)| char_at(text, line, column)) == Some('\t');
    let Some(rule) = RULES.iter().find(|r| original.contains(r.needle) && (!r.at_tab || at_tab)) else {
        let message = format!("invalid YAML: {original}");
        return match at {
            Some((line, column)) => Diagnostic::at(file, line, column, message),
            None => Diagnostic::file(file, message),
        };
    };
    let start = context_mark(raw).filter(|_| libyaml_counts_lines_as_we_do(text));
    let key = duplicate_key(&original);
    let mut place = if rule.at_start { start.or(at) } else { at };
    if rule.needle == "control characters are not allowed" {
        place = first_control_char(text).or(place);
    }
    if let (Some(key), Some((line, column))) = (&key, place) {
        place = second_key(text, line, column, key).or(place);
    }
    // The duplicate's path (`fields[0]: duplicate entry ...`) stays in front of the message.
    let prefix = match key {
        Some(_) => original.find(rule.needle).map_or("", |i| &original[..i]),
        None => "",
    };
    let message = format!("invalid YAML: {prefix}{}", rule.message.replace("{key}", key.as_deref().unwrap_or("?")));
    let shown = start.map_or_else(|| "the place shown".to_owned(), |(l, c)| format!("line {l}, column {c}"));
    let help = rule.help.replace("{start}", &shown);
    let d = match place {
        Some((line, column)) => Diagnostic::at(file, line, column, message),
        None => Diagnostic::file(file, message),
    };
    d.with_help(help).with_note(format!("the YAML parser said: {original}"))
}

/// Strips serde_yaml's own " at line L column C" from a message (the position is given
/// separately).
pub(crate) fn strip_position(msg: &str) -> String {
    let mut out = String::new();
    let mut rest = msg;
    while let Some(i) = rest.find(" at line ") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + " at line ".len()..];
        let after_line = tail.trim_start_matches(|c: char| c.is_ascii_digit());
        rest = match after_line.strip_prefix(" column ") {
            Some(t) => t.trim_start_matches(|c: char| c.is_ascii_digit()),
            None => after_line,
        };
    }
    out.push_str(rest);
    out
}

/// The second "at line L column C" of serde_yaml's message: where the construct it was
/// parsing starts ("while scanning a quoted scalar at line 1 column 4").
fn context_mark(raw: &str) -> Option<(usize, usize)> {
    let mut marks = raw.match_indices(" at line ").map(|(i, m)| &raw[i + m.len()..]);
    let tail = marks.nth(1)?;
    let (line, rest) = tail.split_once(" column ")?;
    let column: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, column.parse().ok()?))
}

/// Whether libyaml's line numbers are ours: it also breaks lines at a lone `\r`, U+0085,
/// U+2028 and U+2029. Only the main place of an error comes with a byte index (converted by
/// the loader); the second is a bare line and column, right only without those.
fn libyaml_counts_lines_as_we_do(text: &str) -> bool {
    let bytes = text.as_bytes();
    !text.contains(['\u{85}', '\u{2028}', '\u{2029}'])
        && bytes.iter().enumerate().all(|(i, &b)| b != b'\r' || bytes.get(i + 1) == Some(&b'\n'))
}

/// The key of serde_yaml's `duplicate entry with key "type"`.
fn duplicate_key(message: &str) -> Option<String> {
    let quoted = message.split_once("duplicate entry with key ")?.1;
    serde_json::from_str::<String>(quoted).ok().or_else(|| Some(quoted.trim_matches('"').to_owned()))
}

/// The character at a 1-based line and column (in characters).
fn char_at(text: &str, line: usize, column: usize) -> Option<char> {
    text.split('\n').nth(line.checked_sub(1)?)?.chars().nth(column.checked_sub(1)?)
}

/// Where the first character YAML does not allow is: C0 controls other than tab and line
/// breaks, DEL, C1 controls other than NEL, and U+FFFE/U+FFFF.
fn first_control_char(text: &str) -> Option<(usize, usize)> {
    let bad = |c: char| {
        (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}')) || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    text.split('\n')
        .enumerate()
        .find_map(|(i, l)| l.chars().position(bad).map(|c| (i + 1, c + 1)))
}

/// For a duplicate key: serde_yaml points at the mapping (its first key, at `line:column`);
/// the second entry named `key` among the keys in that column is the one to show.
fn second_key(text: &str, line: usize, column: usize, key: &str) -> Option<(usize, usize)> {
    let mut seen = 0;
    for (i, raw) in text.split('\n').enumerate().skip(line - 1) {
        let indent = raw.len() - raw.trim_start_matches(' ').len();
        let content = raw.trim_end();
        if i + 1 > line && !content.trim().is_empty() && indent + 1 < column {
            break;
        }
        // Only lines whose key starts in the mapping's column (the first may start after `- `).
        let Some(at) = content.char_indices().nth(column - 1).map(|(b, _)| b) else { continue };
        if i + 1 > line && indent + 1 != column {
            continue;
        }
        let rest = &content[at..];
        let names = [key.to_owned(), format!("\"{key}\""), format!("'{key}'")];
        if names.iter().any(|n| rest.strip_prefix(n.as_str()).is_some_and(|r| r.starts_with(':'))) {
            seen += 1;
            if seen == 2 {
                return Some((i + 1, column));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::LineColumn;

    fn parse(text: &str) -> Diagnostic {
        let err = serde_yaml::from_str::<serde_yaml::Value>(text).expect_err(text);
        let at = err.location().map(|l| (l.line(), l.column()));
        diagnostic("f.yaml", text, &err.to_string(), at)
    }

    /// Each rule, with a text that triggers it: its message, and the place it points at.
    #[test]
    fn every_rule_rewords_its_message() {
        let cases: &[(&str, &str, (usize, usize))] = &[
            ("a:\n\tb: 1\n", "a tab character here", (2, 1)),
            ("a: 1\n\tb: 2\n", "a tab character in the indentation", (2, 1)),
            ("a: 1\n@b: 2\n", "cannot start with this character", (2, 1)),
            ("a: b: c\n", "a `: ` where no key can start", (1, 5)),
            ("a: - b\n", "a `- ` list item on the same line", (1, 4)),
            ("a:\n  b: 1\n c: 2\n", "expected a key here", (3, 2)),
            ("- a\nb: 1\n", "expected a `- ` list item here", (2, 1)),
            ("a:\n  b: 1\n  c\n", "a line inside a mapping without `key: `", (3, 3)),
            ("a: 'x\n", "a quoted value is never closed", (1, 4)),
            ("a: [1, 2\n", "a flow list", (2, 1)),
            ("a: {b: 1\n", "a flow mapping", (2, 1)),
            ("a: 1\nb: 2\na: 3\n", "the key `a` is given twice", (3, 1)),
            ("a: *x\n", "names no anchor", (1, 4)),
            ("a: b\nc: \u{1}\n", "a control character", (2, 4)),
            ("a: 1\n---\nb: 2\n", "a second YAML document", (0, 0)),
            ("a: \"\\q\"\n", "an unknown escape", (1, 5)),
        ];
        for &(text, want, place) in cases {
            let err = serde_yaml::from_str::<serde_yaml::Value>(text);
            if want.starts_with("a second") {
                // serde_yaml gives no place; the loader finds it (`load::second_document`).
                let raw = err.expect_err(text).to_string();
                let d = diagnostic("f.yaml", text, &raw, None);
                assert!(d.message.contains(want), "{text:?}: {d}");
                continue;
            }
            let d = parse(text);
            assert!(d.message.starts_with("invalid YAML: ") && d.message.contains(want), "{text:?}: {d}");
            assert!(d.help.is_some(), "{text:?}: {d}");
            assert!(d.note.as_deref().is_some_and(|n| n.starts_with("the YAML parser said: ")), "{text:?}: {d}");
            assert_eq!(d.line_column(), Some(LineColumn { line: place.0, column: place.1 }), "{text:?}: {d}");
        }
    }

    #[test]
    fn deep_nesting_and_unknown_messages() {
        let d = parse(&format!("a: {}", "[".repeat(130)));
        assert!(d.message.contains("deeper than 128 levels"), "{d}");
        assert!(d.note.as_deref().is_some_and(|n| n.contains("recursion limit exceeded")), "{d}");
        let d = diagnostic("f.yaml", "x", "something new at line 1 column 1", Some((1, 1)));
        assert_eq!(d.to_string(), "f.yaml:1:1: error: invalid YAML: something new");
    }

    #[test]
    fn a_duplicate_keeps_its_path_and_points_at_the_second_key() {
        let text = "fields:\n  - name: A\n    type: String\n    description: d\n    type: Integer\n";
        let d = parse(text);
        assert_eq!(d.message, "invalid YAML: fields[0]: the key `type` is given twice in one mapping", "{d}");
        assert_eq!(d.line_column(), Some(LineColumn { line: 5, column: 5 }), "{d}");
    }

    #[test]
    fn unclosed_quote_help_names_where_it_opens() {
        let d = parse("a: 1\nb: \"x\n");
        assert_eq!(d.help.as_deref(), Some("close the quote that opens here, at line 2, column 4"), "{d}");
    }

    #[test]
    fn strips_serde_positions() {
        assert_eq!(strip_position("did not find expected key at line 3 column 5"), "did not find expected key");
        assert_eq!(
            strip_position("mapping values are not allowed in this context at line 1 column 9, while x at line 1 column 2"),
            "mapping values are not allowed in this context, while x"
        );
        assert_eq!(strip_position("plain"), "plain");
        assert_eq!(context_mark("a at line 1 column 9, while x at line 12 column 2"), Some((12, 2)));
        assert_eq!(context_mark("a at line 1 column 9"), None);
    }
}
