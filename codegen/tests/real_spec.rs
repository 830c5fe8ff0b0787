//! The real `spec/` loads and checks cleanly, and its IR is pinned by a snapshot.

use std::path::Path;

fn spec_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../spec"))
}

#[test]
fn real_spec_builds() {
    let files = match tc_codegen::load::read_dir(spec_root()) {
        Ok(f) => f,
        Err(d) => panic!("cannot read spec/:\n{d}"),
    };
    let api = match tc_codegen::build(&files) {
        Ok(api) => api,
        Err(d) => panic!("spec/ has errors:\n{d}"),
    };
    insta::assert_snapshot!("real_spec_ir", format!("{api:#?}"));
}
