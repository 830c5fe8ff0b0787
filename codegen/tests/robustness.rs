//! No input makes the loader or checker panic: every bad input becomes a diagnostic with
//! its file (and place where there is one).

use std::path::PathBuf;
use tc_codegen::{SpecFiles, build, load};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("tc-codegen-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn one_file(path: &str, text: &str) -> String {
    match build(&SpecFiles::from_pairs([(path, text)])) {
        Ok(_) => panic!("`{path}` was accepted"),
        Err(d) => d.to_string(),
    }
}

const STRUCT: &str = "demo/structures/X.yaml";

#[test]
fn malformed_yaml_has_a_position() {
    let out = one_file(STRUCT, "structure: X\nfields: [\n  a: b\n");
    assert!(out.contains("demo/structures/X.yaml:"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("demo/structures/X.yaml:") && l.contains("invalid YAML")), "{out}");
}

#[test]
fn empty_and_comment_only_files() {
    for text in ["", "   \n\n", "# only a comment\n"] {
        let out = one_file(STRUCT, text);
        assert!(out.contains("demo/structures/X.yaml: error: file is empty"), "{out}");
    }
}

#[test]
fn ten_megabyte_file_is_rejected_with_its_name() {
    let big = format!("structure: X\nsource: \"{}\"\n", "a".repeat(10 * 1024 * 1024));
    let out = one_file(STRUCT, &big);
    assert!(out.contains("demo/structures/X.yaml: error: file is too large"), "{out}");
}

#[test]
fn deep_flow_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let out = one_file(STRUCT, &deep);
    assert!(out.contains("demo/structures/X.yaml:1:129: error: invalid YAML: flow collections nest deeper than 128 levels"), "{out}");
    let deep_maps = "{a: ".repeat(50_000);
    let out = one_file(STRUCT, &deep_maps);
    assert!(out.contains("demo/structures/X.yaml:1:513: error: invalid YAML: flow collections nest deeper"), "{out}");
    // Just under the guard, serde_yaml's own limit answers (an error, not a stack overflow).
    let out = one_file(STRUCT, &format!("a: {}", "[".repeat(128)));
    assert!(out.contains("demo/structures/X.yaml:1:") && out.contains("recursion limit exceeded"), "{out}");
}

#[test]
fn deep_block_nesting_is_an_error() {
    let mut text = String::new();
    for i in 0..500 {
        text.push_str(&" ".repeat(i));
        text.push_str("a:\n");
    }
    let out = one_file(STRUCT, &text);
    assert!(out.contains("demo/structures/X.yaml:"), "{out}");
    assert!(out.contains("recursion limit exceeded"), "{out}");
}

#[test]
fn alias_bombs_are_refused() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
        text.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = name;
    }
    let out = one_file(STRUCT, &text);
    assert!(out.contains("demo/structures/X.yaml"), "{out}");
}

#[test]
fn odd_yaml_values_are_shape_errors() {
    let out = one_file(STRUCT, "--- 1\n--- 2\n");
    assert!(out.contains("demo/structures/X.yaml"), "{out}");
    let out = one_file(STRUCT, "!tagged {structure: X}\n");
    assert!(out.contains("found a tagged value"), "{out}");
    let out = one_file(STRUCT, "structure: X\nsource: s\nfields:\n  - ? [a, b]\n    : c\n");
    assert!(out.contains("keys must be strings"), "{out}");
}

#[test]
fn binary_and_misnamed_files_on_disk() {
    let tmp = TempDir::new("binary");
    let dir = tmp.0.join("demo/structures");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("Bin.yaml"), b"structure: Bin\nfields: \xff\xfe\x00\x01\n").expect("write");
    std::fs::write(dir.join("Old.yml"), "structure: Old\n").expect("write");
    std::fs::write(tmp.0.join("README.md"), "ignored").expect("write");
    let err = match load::read_dir(&tmp.0) {
        Ok(_) => panic!("binary file accepted"),
        Err(d) => d.to_string(),
    };
    assert!(
        err.contains("demo/structures/Bin.yaml:2:9: error: file is not valid UTF-8 (invalid byte at offset 23)"),
        "{err}"
    );
    assert!(err.contains("demo/structures/Old.yml: error: spec files use the `.yaml` extension"), "{err}");
    assert!(!err.contains("README"), "{err}");
}

#[test]
fn missing_directory_is_an_error() {
    let err = load::read_dir(std::path::Path::new("/nonexistent/tc-codegen/spec")).map(|_| ());
    assert!(err.is_err());
}

/// Every prefix and every one-line deletion of a real action file: no panic, and a
/// failure always names the file.
#[test]
fn truncated_and_mangled_real_files_never_panic() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let real = load::read_dir(&root).unwrap_or_else(|d| panic!("{d}"));
    let target = "tcss/actions/DescribeImageAutoAuthorizedTaskList.yaml";
    let text = real.text(target).expect("the action exists").to_owned();
    let with = |replacement: String| {
        let mut files = real.clone();
        for f in &mut files.files {
            if f.path == target {
                f.text = replacement.clone();
            }
        }
        files
    };
    let mut cuts: Vec<usize> = (0..text.len()).step_by(31).filter(|i| text.is_char_boundary(*i)).collect();
    cuts.push(text.len());
    for cut in cuts {
        if let Err(d) = build(&with(text[..cut].to_owned())) {
            assert!(d.iter().all(|x| !x.file.is_empty()));
        }
    }
    let lines: Vec<&str> = text.lines().collect();
    for skip in 0..lines.len() {
        let mangled: Vec<&str> = lines.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, l)| *l).collect();
        let _ = build(&with(mangled.join("\n")));
    }
}

#[test]
fn diagnostics_render_sorted_and_are_errors() {
    let files = SpecFiles::from_pairs([
        ("z/actions/B.yaml", "action: B\nsource: s\nbogus: 1\n"),
        ("a/structures/A.yaml", "structure: A\nsource: s\nfields:\n  - name: X\n    type: Nope\n"),
        ("common.yaml", "errors: []\n"),
    ]);
    let d = build(&files).expect_err("invalid");
    let text = d.to_string();
    let files_in_order: Vec<&str> = text.lines().filter(|l| !l.starts_with("  ")).map(|l| l.split(':').next().unwrap_or("")).collect();
    let mut sorted = files_in_order.clone();
    sorted.sort();
    assert_eq!(files_in_order, sorted, "{text}");
    let as_error: &dyn std::error::Error = &d;
    assert!(!as_error.to_string().is_empty());
}
