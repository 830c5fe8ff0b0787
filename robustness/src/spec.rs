//! Spec files: the loader and checker ([`tc_codegen::build`]) on mutated versions of the real
//! spec, and the emitter on every mutant that still builds.
//!
//! [`check_build`] is the oracle: never a panic; a rejection names, for every diagnostic, a
//! spec file that exists and a place in it (a line and column, or a key path); a mutant that
//! is accepted emits a crate without error. Mutations come in two layers: [`TextMutation`]s
//! edit the text (drop, duplicate or re-indent a line, insert garbage, open deep flow
//! nesting, truncate), [`TreeMutation`]s edit the parsed YAML (drop a key, retype a value,
//! duplicate an item or a name, nest a value deeply) and re-serialize it.

use proptest::prelude::*;
use serde_yaml::Value as Yaml;
use tc_codegen::diag::Position;
use tc_codegen::{SourceFile, SpecFiles};

/// Messages of diagnostics about a whole file (its size, its place in the layout, its
/// absence), which have no finer place to give.
const WHOLE_FILE: &[&str] = &[
    "file is empty",
    "file is too large",
    "unexpected file in the spec layout",
    "no service file for directory",
    "missing `common.yaml`",
];

/// Builds `files` and checks the outcome. Returns the number of diagnostics (0 when the
/// mutant was accepted), for the tests' statistics.
///
/// # Panics
///
/// When loading, checking or emitting panics, or a property is violated.
pub fn check_build(files: &SpecFiles) -> usize {
    match tc_codegen::build(files) {
        Ok(api) => {
            if let Err(e) = tc_codegen::emit::generate(&api, &tc_codegen::emit::Options::default()) {
                panic!("a spec that checks emits unformattable code: {e}");
            }
            0
        }
        Err(diags) => {
            assert!(!diags.is_empty(), "an error without diagnostics");
            let mut per_file: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
            for d in &diags {
                check_diagnostic(d, files);
                *per_file.entry(d.file.as_str()).or_default() += 1;
            }
            // Output is bounded: no file shows more than the cap, the rest is counted.
            for (file, n) in per_file {
                assert!(n <= tc_codegen::diag::MAX_PER_FILE, "{n} diagnostics shown for {file}");
            }
            // The rich rendering is total too, and shows every kept diagnostic.
            let rendered = diags.render(files);
            assert_eq!(rendered.matches("\nerror: ").count() + usize::from(rendered.starts_with("error: ")), diags.len() + 1);
            diags.len()
        }
    }
}

fn check_diagnostic(d: &tc_codegen::Diagnostic, files: &SpecFiles) {
    assert!(!d.message.trim().is_empty(), "empty message: {d}");
    assert!(!d.file.is_empty(), "no file: {d}");
    let text = files.text(&d.file);
    if d.file != "<spec>" && !d.message.starts_with("missing `") {
        assert!(text.is_some(), "names a file that is not in the spec: {d}");
    }
    let lines = text.map_or(0, |t| t.split('\n').count());
    let in_file = |line: usize, column: usize| {
        line >= 1 && column >= 1 && (text.is_none() || line <= lines + 1)
    };
    match &d.position {
        Position::File => assert!(
            d.file == "<spec>" || WHOLE_FILE.iter().any(|m| d.message.starts_with(m)),
            "no place in the file: {d}"
        ),
        Position::Line { line, column } => assert!(in_file(*line, *column), "place outside the file: {d}"),
        Position::KeyPath { path, at } => {
            assert!(!path.is_empty() || at.is_some(), "neither a key path nor a line: {d}");
            if let Some(at) = at {
                assert!(in_file(at.line, at.column), "place outside the file: {d}");
            }
            // A key path must be a well-formed place: it parses, and no segment is empty
            // (`.A` would read as `A`, another place).
            let segments = tc_codegen::locate::parse_path(path);
            assert!(segments.is_some(), "malformed key path: {d}");
            assert!(path.is_empty() || path.split('.').all(|s| !s.is_empty() && !s.starts_with('[')), "malformed key path: {d}");
        }
    }
    // Rendering is total too.
    let _ = d.to_string();
}

/// The curated part of the real spec (its hand-written actions and what they reach), read
/// once: every case rebuilds the spec, and the whole imported surface is two thousand files.
pub fn real_files() -> &'static SpecFiles {
    static FILES: std::sync::OnceLock<SpecFiles> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let root = crate::spec_root();
        let files = tc_codegen::load::read_dir(&root).unwrap_or_else(|d| panic!("{}: {d}", root.display()));
        tc_codegen::import::curated_subset(&files).unwrap_or_else(|| panic!("{} does not build", root.display()))
    })
}

/// The fuzz entry: the first byte picks a file of the real spec, the rest (lossy UTF-8, as
/// the loader only ever sees text) replaces it.
pub fn fuzz(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    let mut files = real_files().clone();
    let i = usize::from(pick) % files.files.len();
    files.files[i].text = String::from_utf8_lossy(rest).into_owned();
    check_build(&files);
}

/// One edit of a file's text. Selectors are taken modulo the line count or length.
#[derive(Debug, Clone)]
pub enum TextMutation {
    /// Delete a line.
    DropLine(usize),
    /// Repeat a line right after itself (a duplicated key or list item).
    DuplicateLine(usize),
    /// Exchange two lines.
    SwapLines(usize, usize),
    /// Indent a line by `n` more spaces.
    Indent(usize, usize),
    /// Remove a line's indentation.
    Dedent(usize),
    /// Insert text at a byte position (moved back to a character boundary).
    Insert(usize, String),
    /// Open `n` flow collections at the end of a line (`[[[[...`).
    DeepFlow(usize, usize),
    /// Cut the file at a byte position.
    Truncate(usize),
}

/// One edit of a file's parsed YAML. Node selectors are pre-order indices (modulo the count).
#[derive(Debug, Clone)]
pub enum TreeMutation {
    /// Remove a mapping entry or a list item.
    Drop(usize),
    /// Replace a value with one of another kind.
    Retype(usize, Yaml),
    /// Append a copy of a list's item (a duplicated field, value or error code).
    DuplicateItem(usize),
    /// Give a list item the `name` of another item of the same list.
    CopyName(usize, usize),
    /// Wrap a value in `depth` block mappings or lists.
    Deepen(usize, usize, bool),
    /// Rename a mapping key.
    RenameKey(usize, String),
}

/// Text that YAML (or the checker) treats specially.
const GARBAGE: &[&str] = &[
    "\0", "\t", "\u{feff}", "\u{85}", "\u{2028}", ": ", "- ", "{", "}", "[", "]", "&a ", "*a", "!!binary ", "!tag ",
    "%YAML 1.2\n", "---\n", "...\n", "\"", "'", "# ", "|\n", ">-\n", "? ", "<<: *a\n", "~", "null", "0x1F", "1e999",
    "Array of ", "Array of Array of String", "Integer", "Struct", "é", "未命名", "\r", "\n\n", ":\n  - ",
];

/// An arbitrary [`TextMutation`].
pub fn arb_text_mutation() -> impl Strategy<Value = TextMutation> {
    let garbage = prop_oneof![
        3 => proptest::sample::select(GARBAGE).prop_map(str::to_owned),
        1 => "\\PC{1,6}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop_oneof![
        3 => any::<usize>().prop_map(TextMutation::DropLine),
        2 => any::<usize>().prop_map(TextMutation::DuplicateLine),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| TextMutation::SwapLines(a, b)),
        1 => (any::<usize>(), 1usize..5).prop_map(|(l, n)| TextMutation::Indent(l, n)),
        1 => any::<usize>().prop_map(TextMutation::Dedent),
        3 => (any::<usize>(), garbage).prop_map(|(at, g)| TextMutation::Insert(at, g)),
        1 => (any::<usize>(), prop_oneof![1usize..10, 120usize..140, 2000usize..5000])
            .prop_map(|(l, n)| TextMutation::DeepFlow(l, n)),
        1 => any::<usize>().prop_map(TextMutation::Truncate),
    ]
}

/// An arbitrary YAML scalar or small collection, for [`TreeMutation::Retype`].
pub fn arb_yaml() -> impl Strategy<Value = Yaml> {
    let leaf = prop_oneof![
        Just(Yaml::Null),
        any::<bool>().prop_map(Yaml::Bool),
        any::<i64>().prop_map(|i| Yaml::Number(i.into())),
        any::<f64>().prop_map(|f| Yaml::Number(f.into())),
        "\\PC{0,10}".prop_map(Yaml::String),
        proptest::sample::select(&["String", "Integer", "Array of String", "AssetFilters", "true", "", "-1"][..])
            .prop_map(|s| Yaml::String(s.to_owned())),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..3).prop_map(Yaml::Sequence),
            proptest::collection::vec(("[a-z]{1,6}", inner), 0..3).prop_map(|e| {
                Yaml::Mapping(e.into_iter().map(|(k, v)| (Yaml::String(k), v)).collect())
            }),
        ]
    })
}

/// An arbitrary [`TreeMutation`].
pub fn arb_tree_mutation() -> impl Strategy<Value = TreeMutation> {
    prop_oneof![
        3 => any::<usize>().prop_map(TreeMutation::Drop),
        3 => (any::<usize>(), arb_yaml()).prop_map(|(n, v)| TreeMutation::Retype(n, v)),
        2 => any::<usize>().prop_map(TreeMutation::DuplicateItem),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| TreeMutation::CopyName(a, b)),
        1 => (any::<usize>(), prop_oneof![1usize..6, 120usize..140], any::<bool>())
            .prop_map(|(n, d, lists)| TreeMutation::Deepen(n, d, lists)),
        2 => (any::<usize>(), prop_oneof![
                proptest::sample::select(&["name", "type", "required", "values", "fields", "request", "Name", "nmae", ""][..])
                    .prop_map(str::to_owned),
                "\\PC{0,6}",
            ])
            .prop_map(|(n, k)| TreeMutation::RenameKey(n, k)),
    ]
}

fn floor_boundary(s: &str, mut at: usize) -> usize {
    at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Applies a text mutation.
pub fn apply_text(text: &str, m: &TextMutation) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let n = lines.len();
    match m {
        TextMutation::DropLine(l) => {
            lines.remove(l % n);
        }
        TextMutation::DuplicateLine(l) => {
            let line = lines[l % n].clone();
            lines.insert(l % n, line);
        }
        TextMutation::SwapLines(a, b) => lines.swap(a % n, b % n),
        TextMutation::Indent(l, k) => lines[l % n].insert_str(0, &" ".repeat(*k)),
        TextMutation::Dedent(l) => lines[l % n] = lines[l % n].trim_start().to_owned(),
        TextMutation::Insert(at, g) => {
            let at = floor_boundary(text, at % (text.len() + 1));
            return format!("{}{g}{}", &text[..at], &text[at..]);
        }
        TextMutation::DeepFlow(l, depth) => lines[l % n].push_str(&format!(" {}", "[".repeat(*depth))),
        TextMutation::Truncate(at) => {
            let at = floor_boundary(text, at % (text.len() + 1));
            return text[..at].to_owned();
        }
    }
    lines.join("\n")
}

fn count(v: &Yaml) -> usize {
    1 + match v {
        Yaml::Sequence(s) => s.iter().map(count).sum(),
        Yaml::Mapping(m) => m.values().map(count).sum(),
        Yaml::Tagged(t) => count(&t.value),
        _ => 0,
    }
}

fn nth<'v>(v: &'v mut Yaml, left: &mut usize) -> Option<&'v mut Yaml> {
    if *left == 0 {
        return Some(v);
    }
    *left -= 1;
    match v {
        Yaml::Sequence(s) => s.iter_mut().find_map(|c| nth(c, left)),
        Yaml::Mapping(m) => m.values_mut().find_map(|c| nth(c, left)),
        Yaml::Tagged(t) => nth(&mut t.value, left),
        _ => None,
    }
}

/// The `n`-th node in pre-order (modulo the count).
fn node_mut(root: &mut Yaml, n: usize) -> &mut Yaml {
    let target = n % count(root);
    if nth(root, &mut target.clone()).is_none() {
        return root;
    }
    nth(root, &mut target.clone()).unwrap_or_else(|| unreachable!("found above"))
}

/// Applies a tree mutation.
pub fn apply_tree(root: &mut Yaml, m: &TreeMutation) {
    match m {
        TreeMutation::Drop(n) => {
            // Find a container among the nodes and drop one of its children.
            let node = node_mut(root, *n);
            match node {
                Yaml::Sequence(s) if !s.is_empty() => {
                    let i = n % s.len();
                    s.remove(i);
                }
                Yaml::Mapping(map) if !map.is_empty() => {
                    let key = map.keys().nth(n % map.len()).cloned();
                    if let Some(k) = key {
                        map.remove(&k);
                    }
                }
                other => *other = Yaml::Null,
            }
        }
        TreeMutation::Retype(n, v) => *node_mut(root, *n) = v.clone(),
        TreeMutation::DuplicateItem(n) => {
            if let Yaml::Sequence(s) = node_mut(root, *n)
                && let Some(first) = s.get(n % s.len().max(1)).cloned()
            {
                s.push(first);
            }
        }
        TreeMutation::CopyName(n, from) => {
            if let Yaml::Sequence(s) = node_mut(root, *n)
                && !s.is_empty()
            {
                let name = s[from % s.len()].get("name").cloned();
                let to = (from + 1) % s.len();
                if let (Some(name), Yaml::Mapping(item)) = (name, &mut s[to]) {
                    item.insert(Yaml::String("name".into()), name);
                }
            }
        }
        TreeMutation::Deepen(n, depth, lists) => {
            let node = node_mut(root, *n);
            let mut v = node.clone();
            for _ in 0..*depth {
                v = if *lists {
                    Yaml::Sequence(vec![v])
                } else {
                    Yaml::Mapping(std::iter::once((Yaml::String("name".into()), v)).collect())
                };
            }
            *node = v;
        }
        TreeMutation::RenameKey(n, key) => {
            if let Yaml::Mapping(map) = node_mut(root, *n)
                && !map.is_empty()
            {
                let old = map.keys().nth(n % map.len()).cloned();
                if let Some(old) = old
                    && let Some(v) = map.remove(&old)
                {
                    map.insert(Yaml::String(key.clone()), v);
                }
            }
        }
    }
}

/// A mutant of the real spec: which file, and what happens to it.
#[derive(Debug, Clone)]
pub struct Mutant {
    /// File selector (modulo the number of files).
    pub file: usize,
    /// Tree mutations, applied first (the file is re-serialized when there are any).
    pub tree: Vec<TreeMutation>,
    /// Text mutations, applied after.
    pub text: Vec<TextMutation>,
    /// Also drop this file from the spec (selector), when set.
    pub remove: Option<usize>,
}

/// An arbitrary [`Mutant`] with 1 to 4 mutations in all.
pub fn arb_mutant() -> impl Strategy<Value = Mutant> {
    (
        any::<usize>(),
        proptest::collection::vec(arb_tree_mutation(), 0..3),
        proptest::collection::vec(arb_text_mutation(), 0..3),
        proptest::option::weighted(0.05, any::<usize>()),
    )
        .prop_filter("at least one mutation", |(_, tree, text, remove)| {
            !tree.is_empty() || !text.is_empty() || remove.is_some()
        })
        .prop_map(|(file, tree, text, remove)| Mutant { file, tree, text, remove })
}

/// Applies a mutant to `base`.
pub fn apply(base: &SpecFiles, m: &Mutant) -> SpecFiles {
    let mut files = base.clone();
    let i = m.file % files.files.len();
    let file: &mut SourceFile = &mut files.files[i];
    if !m.tree.is_empty()
        && let Ok(mut root) = serde_yaml::from_str::<Yaml>(&file.text)
    {
        for t in &m.tree {
            apply_tree(&mut root, t);
        }
        if let Ok(text) = serde_yaml::to_string(&root) {
            file.text = text;
        }
    }
    for t in &m.text {
        file.text = apply_text(&file.text, t);
    }
    if let Some(r) = m.remove {
        let r = r % files.files.len();
        files.files.remove(r);
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_mutations() {
        let t = "a: 1\nb:\n  - c\n";
        assert_eq!(apply_text(t, &TextMutation::DropLine(0)), "b:\n  - c\n");
        assert_eq!(apply_text(t, &TextMutation::DuplicateLine(0)), "a: 1\na: 1\nb:\n  - c\n");
        assert_eq!(apply_text(t, &TextMutation::Truncate(3)), "a: ");
        assert_eq!(apply_text("é", &TextMutation::Insert(1, "x".into())), "xé");
        assert_eq!(apply_text(t, &TextMutation::DeepFlow(0, 2)), "a: 1 [[\nb:\n  - c\n");
    }

    #[test]
    fn tree_mutations() {
        let mut v: Yaml = serde_yaml::from_str("l:\n  - name: A\n  - name: B\n").unwrap();
        apply_tree(&mut v, &TreeMutation::CopyName(1, 0));
        assert_eq!(v, serde_yaml::from_str::<Yaml>("l:\n  - name: A\n  - name: A\n").unwrap());
        apply_tree(&mut v, &TreeMutation::DuplicateItem(1));
        assert_eq!(v["l"].as_sequence().map(Vec::len), Some(3));
    }
}
