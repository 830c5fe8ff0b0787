//! Snapshots of the emitted crates: the curated actions of the real spec and the constructs fixture (every type,
//! nesting five deep, arrays of structures, nullable fields, open string and integer enums,
//! keywords, snake_case collisions, an empty request, pagination, required parameters of
//! every kind). Both outputs are also workspace members (`generated/`,
//! `generated-fixtures/constructs/`), compiled with warnings denied, so these snapshots are
//! known to compile.

mod support;

use std::path::Path;

use tc_codegen::emit::{Options, generate};
use tc_codegen::spec::SpecFiles;

fn read(spec: &str) -> SpecFiles {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(spec);
    tc_codegen::load::read_dir(&root).expect("spec reads")
}

fn snapshot_dir(files: SpecFiles, prefix: &str, options: &Options) {
    let api = tc_codegen::build(&files).unwrap_or_else(|d| panic!("spec builds:\n{d}"));
    let out = generate(&api, options).expect("emits");
    for (path, contents) in &out {
        if !path.ends_with(".rs") {
            continue;
        }
        let name = format!("{prefix}__{}", path.replace(['/', '.'], "_"));
        insta::assert_snapshot!(name, contents);
    }
}

#[test]
fn real_spec() {
    snapshot_dir(support::curated_spec(), "real", &Options::default());
}

#[test]
fn constructs_fixture() {
    // The same options as `cargo xtask gen` uses for `generated-fixtures/constructs/`.
    let options = Options {
        crate_name: "tc-fixture-constructs".to_owned(),
        runtime_path: None,
        deny_warnings: true,
    };
    snapshot_dir(read("codegen/tests/emit_fixtures/constructs"), "constructs", &options);
}

/// The format cache changes how fast, never what: a cold cached run, a warm one (every piece
/// found) and one whose cache holds pieces of another crate all give `generate`'s bytes, and
/// each run's cache holds exactly the pieces it printed.
#[test]
fn cached_generation_is_byte_identical() {
    use tc_codegen::emit::generate_cached;
    use tc_codegen::format::FormatCache;

    let real = tc_codegen::build(&support::curated_spec()).expect("spec builds");
    let constructs = tc_codegen::build(&read("codegen/tests/emit_fixtures/constructs")).expect("spec builds");
    let options = Options::default();
    let want = generate(&real, &options).expect("emits");

    let (cold, cache) = generate_cached(&real, &options, &FormatCache::new()).expect("emits");
    assert_eq!(cold, want);
    let rust_files = want.keys().filter(|p| p.ends_with(".rs")).count();
    assert_eq!(cache.len(), rust_files, "one piece per Rust file");

    let (warm, again) = generate_cached(&real, &options, &cache).expect("emits");
    assert_eq!(warm, want);
    assert_eq!(again, cache);

    let (_, other) = generate_cached(&constructs, &options, &FormatCache::new()).expect("emits");
    let (mixed, _) = generate_cached(&real, &options, &other).expect("emits");
    assert_eq!(mixed, want);

    // A cached text is used as is: a wrong entry shows up in the output (so the test above
    // is not passing by ignoring the cache).
    let mut poisoned = FormatCache::new();
    for key in cache.keys() {
        poisoned.insert(key, "// poisoned\n".to_owned());
    }
    let (bad, _) = generate_cached(&real, &options, &poisoned).expect("emits");
    assert!(bad.values().filter(|t| t.contains("// poisoned")).count() == rust_files);
}
