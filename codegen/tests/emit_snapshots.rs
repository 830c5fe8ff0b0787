//! Snapshots of the emitted crates: the real spec and the constructs fixture (every type,
//! nesting five deep, arrays of structures, nullable fields, open string and integer enums,
//! keywords, snake_case collisions, an empty request, pagination, required parameters of
//! every kind). Both outputs are also workspace members (`generated/`,
//! `generated-fixtures/constructs/`), compiled with warnings denied, so these snapshots are
//! known to compile.

use std::path::Path;

use tc_codegen::emit::{Options, generate};

fn snapshot_dir(spec: &str, prefix: &str, options: &Options) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(spec);
    let files = tc_codegen::load::read_dir(&root).expect("spec reads");
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
    snapshot_dir("spec", "real", &Options::default());
}

#[test]
fn constructs_fixture() {
    // The same options as `cargo xtask gen` uses for `generated-fixtures/constructs/`.
    let options = Options {
        crate_name: "tc-fixture-constructs".to_owned(),
        runtime_path: None,
        deny_warnings: true,
    };
    snapshot_dir("codegen/tests/emit_fixtures/constructs", "constructs", &options);
}
