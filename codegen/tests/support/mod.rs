//! The real spec for the tests, whole or its curated part ([`tc_codegen::import::curated_subset`]):
//! snapshots pin what curators wrote; the imported surface is covered by compiling and
//! testing the generated crate instead.

use std::path::Path;

use tc_codegen::spec::SpecFiles;

/// `spec/`, read from disk.
pub fn real_spec() -> SpecFiles {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    tc_codegen::load::read_dir(&root).unwrap_or_else(|d| panic!("cannot read spec/:\n{d}"))
}

/// The curated actions of `spec/` with what they reach.
pub fn curated_spec() -> SpecFiles {
    tc_codegen::import::curated_subset(&real_spec()).expect("spec/ builds")
}
