//! No input makes the loader or checker panic: every bad input becomes a diagnostic with
//! its file (and place where there is one).

mod support;

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

/// `file` with the `common.yaml` and `demo/service.yaml` of the test fixtures beside it, so
/// that its own problems are the only ones.
fn with_service(file: &str, text: &str) -> SpecFiles {
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/base");
    let read = |p: &str| std::fs::read_to_string(base.join(p)).expect("fixture base");
    SpecFiles::from_pairs([
        ("common.yaml".to_owned(), read("common.yaml")),
        ("demo/service.yaml".to_owned(), read("demo/service.yaml")),
        (file.to_owned(), text.to_owned()),
    ])
}

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

/// Regression (issue 13 item 9): 20,000 unknown keys took 14 s to place (each key path
/// rescanned the file) and printed 40,000 lines. Each is still found, at its line; the
/// first 200 are shown, then one line counts the rest.
#[test]
fn twenty_thousand_unknown_keys_are_placed_and_capped() {
    let mut text = String::from("structure: X\nsource: s\nfields: []\n");
    for i in 0..20_000 {
        text.push_str(&format!("bogus{i}: 1\n"));
    }
    let files = with_service(STRUCT, &text);
    let d = build(&files).expect_err("unknown keys");
    assert_eq!(d.len(), tc_codegen::diag::MAX_PER_FILE);
    assert_eq!(d.omitted(STRUCT), 20_000 - tc_codegen::diag::MAX_PER_FILE);
    assert_eq!(d.total(), 20_000);
    for (i, diag) in d.iter().enumerate() {
        let want = tc_codegen::diag::LineColumn { line: 4 + i, column: 1 };
        assert!(matches!(diag.position, tc_codegen::diag::Position::KeyPath { at: Some(at), .. } if at == want), "{diag}");
    }
    let out = d.to_string();
    assert_eq!(out.lines().count(), 2 * tc_codegen::diag::MAX_PER_FILE + 1);
    assert!(out.ends_with("demo/structures/X.yaml: … and 19800 more problems in this file\n"), "{}", &out[out.len() - 200..]);
    let rendered = d.render(&files);
    assert!(rendered.ends_with("note: … and 19800 more problems in this file\n --> demo/structures/X.yaml\n\nerror: 20000 problems in the spec\n"));
}

/// A file of at most 200 problems shows every one of them.
#[test]
fn every_problem_of_a_normal_file_is_shown() {
    let mut text = String::from("structure: X\nsource: s\nfields: []\n");
    for i in 0..tc_codegen::diag::MAX_PER_FILE {
        text.push_str(&format!("bogus{i}: 1\n"));
    }
    let d = build(&with_service(STRUCT, &text)).expect_err("unknown keys");
    assert_eq!((d.len(), d.omitted(STRUCT)), (tc_codegen::diag::MAX_PER_FILE, 0));
    assert!(!d.to_string().contains("more problem"));
}

/// Regression (issue 13 item 9): a file starting with a UTF-8 byte order mark was "more than
/// one document". On disk or in memory, the mark is dropped and places count after it.
#[test]
fn a_byte_order_mark_is_not_a_second_document() {
    let tmp = TempDir::new("bom");
    let dir = tmp.0.join("demo/structures");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("X.yaml"), "\u{feff}structure: X\nsource: s\nfields: []\nbogus: 1\n").expect("write");
    let files = load::read_dir(&tmp.0).unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(files.text(STRUCT), Some("structure: X\nsource: s\nfields: []\nbogus: 1\n"));
    let out = one_file(STRUCT, "\u{feff}structure: X\nsource: s\nfields: []\nbogus: 1\n");
    assert!(out.contains("demo/structures/X.yaml:4:1: error: bogus: unknown key `bogus`"), "{out}");
    assert!(!out.contains("document"), "{out}");
}

/// Regression (issue 13 item 9): a 100 MB file was read whole before "too large". The file
/// here is sparse (no disk used); the message gives its size, and only the cap is read.
#[test]
fn a_hundred_megabyte_file_on_disk_is_refused_with_its_size() {
    let tmp = TempDir::new("huge");
    let dir = tmp.0.join("demo/structures");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = std::fs::File::create(dir.join("Huge.yaml")).expect("create");
    file.set_len(100 * 1024 * 1024).expect("set_len");
    let err = load::read_dir(&tmp.0).map(|_| ()).expect_err("too large").to_string();
    assert_eq!(
        err,
        "demo/structures/Huge.yaml: error: file is too large (104857600 bytes; a spec file is at most 1048576 bytes)\n"
    );
}

/// Regression (issue 13 item 9): a `.yaml` symlink to /dev/zero was read until memory ran
/// out, and a FIFO blocked the run forever on open(2). Neither is opened: each is reported
/// as what it is. A symlink to a regular file is read as the file.
#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_unopened() {
    let tmp = TempDir::new("special");
    let dir = tmp.0.join("demo/structures");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::os::unix::fs::symlink("/dev/zero", dir.join("Zero.yaml")).expect("symlink");
    std::fs::write(tmp.0.join("real.txt"), "structure: Linked\n").expect("write");
    std::os::unix::fs::symlink(tmp.0.join("real.txt"), dir.join("Linked.yaml")).expect("symlink");
    let fifo = dir.join("Pipe.yaml");
    let have_fifo = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let err = load::read_dir(&tmp.0).map(|_| ()).expect_err("special files").to_string();
    assert!(
        err.contains(
            "demo/structures/Zero.yaml: error: not a regular file: it is a character device \
             (through a symlink to `/dev/zero`), so it is not read\n  help: a spec file is a regular file"
        ),
        "{err}"
    );
    if have_fifo {
        assert!(err.contains("demo/structures/Pipe.yaml: error: not a regular file: it is a FIFO (named pipe), so it is not read"), "{err}");
    } else {
        eprintln!("mkfifo is not available: the FIFO case is skipped");
    }
    assert!(!err.contains("Linked"), "{err}");
    assert_eq!(err.lines().filter(|l| !l.starts_with("  ")).count(), 1 + usize::from(have_fifo), "{err}");
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
    // The curated actions and what they reach: each cut rebuilds the spec, and the whole
    // imported surface would make that a thousand builds of two thousand files.
    let real = support::curated_spec();
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
