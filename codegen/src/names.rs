//! Every Rust identifier the generator produces is made here: snake_case and UpperCamelCase
//! conversion (heck), keyword escaping (a trailing `_`: `type_`, `self_`, `Self_`), collision
//! suffixes (`public_ip_2`), and rejection of names that cannot become identifiers.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;
use std::fmt;

/// Why a wire name cannot become a Rust identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The name is empty (or has no letters or digits at all).
    Empty,
    /// The converted name would start with a digit.
    StartsWithDigit(String),
    /// The name holds characters other than ASCII letters, digits, `_`, `.`, `-` and spaces.
    InvalidCharacter(char),
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("it is empty"),
            NameError::StartsWithDigit(s) => write!(f, "`{s}` would start with a digit"),
            NameError::InvalidCharacter(c) => write!(f, "it contains {c:?}"),
        }
    }
}

/// Rust keywords of every edition up to 2024, strict, reserved and weak. A converted name
/// equal to one of these gets a trailing `_` (raw identifiers cannot express `self`/`Self`
/// /`crate`/`super`, and a trailing underscore reads the same in every position).
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `s` is a Rust keyword (of any edition: strict, reserved or weak).
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

fn validate_source(name: &str) -> Result<(), NameError> {
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | ' ')))
    {
        return Err(NameError::InvalidCharacter(c));
    }
    if !name.chars().any(|c| c.is_ascii_alphanumeric()) {
        return Err(NameError::Empty);
    }
    Ok(())
}

fn finish(converted: String) -> Result<String, NameError> {
    match converted.chars().next() {
        None => Err(NameError::Empty),
        Some(c) if c.is_ascii_digit() => Err(NameError::StartsWithDigit(converted)),
        Some(_) if is_keyword(&converted) => Ok(converted + "_"),
        Some(_) => Ok(converted),
    }
}

/// snake_case Rust identifier for a wire name: `PublicIP` → `public_ip`, `Type` → `type_`,
/// `InternalError.MainDBFail` → `internal_error_main_db_fail`.
pub fn snake(name: &str) -> Result<String, NameError> {
    validate_source(name)?;
    finish(name.to_snake_case())
}

/// UpperCamelCase Rust identifier for a wire name: `ALLSUCCSESS` → `Allsuccsess`,
/// `InternalError.MainDBFail` → `InternalErrorMainDbFail`, `Self` → `Self_`.
pub fn upper_camel(name: &str) -> Result<String, NameError> {
    validate_source(name)?;
    finish(name.to_upper_camel_case())
}

/// Hands out names unique within one scope: the first `x` stays `x`, later ones become
/// `x_2`, `x_3`, ... (or `X2`, `X3` for type-like names, see [`Unique::new_camel`]), in the
/// order asked.
#[derive(Debug, Clone, Default)]
pub struct Unique {
    used: BTreeSet<String>,
    camel: bool,
}

impl Unique {
    /// A scope for snake_case names: suffixes `_2`, `_3`.
    pub fn new_snake() -> Self {
        Unique { used: BTreeSet::new(), camel: false }
    }

    /// A scope for UpperCamelCase names: suffixes `2`, `3`.
    pub fn new_camel() -> Self {
        Unique { used: BTreeSet::new(), camel: true }
    }

    /// Marks `name` as taken without asking for it.
    pub fn reserve(&mut self, name: &str) {
        self.used.insert(name.to_owned());
    }

    /// Whether `name` is already taken.
    pub fn contains(&self, name: &str) -> bool {
        self.used.contains(name)
    }

    /// `base` if free, else the first free suffixed form. A keyword-escaped base (`type_`)
    /// is suffixed as `type_2`.
    pub fn unique(&mut self, base: &str) -> String {
        let mut candidate = base.to_owned();
        let mut n = 2usize;
        while self.used.contains(&candidate) {
            candidate = if self.camel || base.ends_with('_') {
                format!("{base}{n}")
            } else {
                format!("{base}_{n}")
            };
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

/// Edit distance in characters, counting an adjacent transposition as one edit (optimal
/// string alignment), so `tpye` is one edit from `type` (for "did you mean" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The leading verb of an action name: `Describe` of `DescribeImageList`.
pub fn verb(action: &str) -> &str {
    let end = action.char_indices().skip(1).find(|(_, c)| !c.is_ascii_lowercase()).map_or(action.len(), |(i, _)| i);
    &action[..end]
}

/// Verbs whose actions only read: sending one again after it may have reached the server is
/// harmless, so the runtime may retry it after a timeout or a dropped connection. Any other
/// verb (`Create`, `Modify`, `Delete`, `Scan`, `Export`, ...) is treated as mutating.
pub const READ_ONLY_VERBS: &[&str] = &["Check", "Describe", "Get", "Inquire", "Inquiry", "List", "Query", "Search"];

/// Whether an action's name starts with a [`READ_ONLY_VERBS`] verb.
pub fn is_read_only_verb(action: &str) -> bool {
    READ_ONLY_VERBS.contains(&verb(action))
}

/// The candidate closest to `name`, if close enough to be a plausible typo: equal ignoring
/// case, or within an edit distance of a third of the name's length (at least 1).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = if c.to_ascii_lowercase() == lower { 0 } else { edit_distance(name, c) };
        if d <= limit && best.is_none_or(|(bd, bc)| (d, c) < (bd, bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn verbs() {
        for (name, verb, read_only) in [
            ("DescribeImageList", "Describe", true),
            ("InquirePriceCreate", "Inquire", true),
            ("CheckRepeatAssetImageRegistry", "Check", true),
            ("ModifyMachine", "Modify", false),
            ("ScanImage", "Scan", false),
            ("ExportTasks", "Export", false),
            ("Describer", "Describer", false),
            ("Get", "Get", true),
            ("X", "X", false),
        ] {
            assert_eq!(super::verb(name), verb, "{name}");
            assert_eq!(super::is_read_only_verb(name), read_only, "{name}");
        }
    }

    use super::*;

    #[test]
    fn snake_table() {
        let table = [
            ("PublicIP", "public_ip"),
            ("PublicIp", "public_ip"),
            ("Type", "type_"),
            ("Where", "where_"),
            ("Self", "self_"),
            ("Crate", "crate_"),
            ("Async", "async_"),
            ("Gen", "gen_"),
            ("TotalAuthorizedCnt", "total_authorized_cnt"),
            ("AvailableLHLicenseCnt", "available_lh_license_cnt"),
            ("NotScannedLocalImageCnt", "not_scanned_local_image_cnt"),
            ("ImageID", "image_id"),
            ("DescribeImageAutoAuthorizedTaskList", "describe_image_auto_authorized_task_list"),
            ("InternalError.MainDBFail", "internal_error_main_db_fail"),
            ("tcss", "tcss"),
            ("Cvm2Id", "cvm2_id"),
            ("snake_already", "snake_already"),
        ];
        for (input, want) in table {
            assert_eq!(snake(input).as_deref(), Ok(want), "snake({input:?})");
        }
    }

    #[test]
    fn upper_camel_table() {
        let table = [
            ("ALLSUCCSESS", "Allsuccsess"),
            ("PROVERSION_POSTPAY", "ProversionPostpay"),
            ("InternalError.MainDBFail", "InternalErrorMainDbFail"),
            ("AuthFailure", "AuthFailure"),
            ("tcss", "Tcss"),
            ("Pending", "Pending"),
            ("zh-CN", "ZhCn"),
            ("Self", "Self_"),
            ("self", "Self_"),
            ("ImageAutoAuthorizedTask", "ImageAutoAuthorizedTask"),
        ];
        for (input, want) in table {
            assert_eq!(upper_camel(input).as_deref(), Ok(want), "upper_camel({input:?})");
        }
    }

    #[test]
    fn invalid_names() {
        assert_eq!(snake(""), Err(NameError::Empty));
        assert_eq!(snake("__"), Err(NameError::Empty));
        assert_eq!(snake("3Com"), Err(NameError::StartsWithDigit("3com".into())));
        assert_eq!(upper_camel("0"), Err(NameError::StartsWithDigit("0".into())));
        assert_eq!(snake("Größe"), Err(NameError::InvalidCharacter('ö')));
        assert_eq!(upper_camel("a/b"), Err(NameError::InvalidCharacter('/')));
    }

    #[test]
    fn unique_suffixes() {
        let mut u = Unique::new_snake();
        assert_eq!(u.unique("public_ip"), "public_ip");
        assert_eq!(u.unique("public_ip"), "public_ip_2");
        assert_eq!(u.unique("public_ip"), "public_ip_3");
        assert_eq!(u.unique("type_"), "type_");
        assert_eq!(u.unique("type_"), "type_2");
        let mut c = Unique::new_camel();
        c.reserve("Foo");
        assert_eq!(c.unique("Foo"), "Foo2");
        assert!(c.contains("Foo2"));
    }

    #[test]
    fn keywords_are_escaped_everywhere() {
        for kw in KEYWORDS {
            let s = snake(kw).expect("keywords are valid input");
            assert!(!is_keyword(&s), "{kw} -> {s}");
            let c = upper_camel(kw).expect("keywords are valid input");
            assert!(!is_keyword(&c), "{kw} -> {c}");
        }
    }

    #[test]
    fn distance_and_suggestions() {
        assert_eq!(edit_distance("AssetFilter", "AssetFilters"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("tpye", "type"), 1);
        let cands = ["AssetFilters", "ImageAutoAuthorizedTask", "String", "Integer"];
        assert_eq!(did_you_mean("AssetFilter", cands), Some("AssetFilters"));
        assert_eq!(did_you_mean("string", cands), Some("String"));
        assert_eq!(did_you_mean("Intger", cands), Some("Integer"));
        assert_eq!(did_you_mean("Completely", cands), None);
    }
}
