//! The curated part of the real spec, for the snapshots: the actions transcribed by hand
//! (files without the `# Imported from` header of `cargo xtask import`), the structures they
//! reach, and the shared files of their services. Snapshots pin what curators wrote; the
//! imported surface is covered by compiling and testing the generated crate instead.

use std::collections::BTreeSet;
use std::path::Path;

use tc_codegen::spec::SpecFiles;

/// Marks a file `cargo xtask import` wrote and no curator has edited yet.
pub const IMPORTED: &str = "# Imported from";

/// `spec/`, read from disk.
pub fn real_spec() -> SpecFiles {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    tc_codegen::load::read_dir(&root).unwrap_or_else(|d| panic!("cannot read spec/:\n{d}"))
}

/// The curated actions of `spec/` with what they reach.
pub fn curated_spec() -> SpecFiles {
    let files = real_spec();
    let api = tc_codegen::build(&files).unwrap_or_else(|d| panic!("spec/ has errors:\n{d}"));
    let curated: BTreeSet<&str> = files
        .files
        .iter()
        .filter(|f| f.path.contains("/actions/") && !f.text.starts_with(IMPORTED))
        .map(|f| f.path.as_str())
        .collect();
    let mut keep: BTreeSet<String> = BTreeSet::from(["common.yaml".to_owned()]);
    for service in &api.services {
        let actions: BTreeSet<&str> =
            service.actions.iter().filter(|a| curated.contains(a.source.as_str())).map(|a| a.name.as_str()).collect();
        if actions.is_empty() {
            continue;
        }
        keep.insert(format!("{}/service.yaml", service.name));
        keep.insert(format!("{}/errors.yaml", service.name));
        keep.extend(service.actions.iter().filter(|a| actions.contains(a.name.as_str())).map(|a| a.source.clone()));
        let reached = service.structures.iter().filter(|s| s.actions.iter().any(|a| actions.contains(a.as_str())));
        keep.extend(reached.map(|s| s.source.clone()));
    }
    SpecFiles::from_pairs(
        files.files.into_iter().filter(|f| keep.contains(&f.path)).map(|f| (f.path, f.text)),
    )
}
