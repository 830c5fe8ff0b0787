//! `cargo xtask import`: drafts a spec file for every upstream action, structure and
//! service error list that `spec/` lacks (services whose `service.yaml` exists), and never
//! touches a file that is there. Running it twice changes nothing the second time.

use std::collections::BTreeSet;
use std::path::Path;

use tc_codegen::load;

/// Writes the drafts; prints what it wrote.
pub fn run(root: &Path) -> Result<(), String> {
    let spec_dir = root.join("spec");
    let files = load::read_dir(&spec_dir).map_err(|d| d.to_string())?;
    let existing: BTreeSet<String> = files.files.iter().map(|f| f.path.clone()).collect();
    let vendored = crate::upstream::load(root)?;
    let mut services = Vec::new();
    for v in &vendored {
        let name = &v.service.name;
        if existing.contains(&format!("{name}/service.yaml")) {
            services.push((&v.service, &v.provenance));
        } else {
            println!("skipped {name}: spec/{name}/service.yaml does not exist (write it to import the service)");
        }
    }
    let drafts = tc_codegen::import::draft_all(&services, &files);
    for (path, text) in &drafts {
        let target = spec_dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    let faulty = drafts.values().map(|t| t.matches("\n    fault: ").count()).sum::<usize>();
    println!("import: {} files written ({faulty} official examples marked faulty)", drafts.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use tc_codegen::import::IMPORTED_HEADER;
    use tc_codegen::spec::SpecFiles;

    /// Every file of spec/ that still has the import header is exactly what `cargo xtask
    /// import` drafts from the vendored upstream today (so import is deterministic, and an
    /// edited file must drop the header to count as curated), and a second run drafts nothing.
    #[test]
    fn imported_files_are_what_import_drafts() {
        let root = crate::workspace_root();
        let files = tc_codegen::load::read_dir(&root.join("spec")).expect("spec reads");
        let vendored = crate::upstream::load(&root).expect("upstream loads");
        let services: Vec<_> = vendored.iter().map(|v| (&v.service, &v.provenance)).collect();
        let (imported, curated): (Vec<_>, Vec<_>) = files.files.iter().cloned().partition(|f| f.text.starts_with(IMPORTED_HEADER));
        assert!(!imported.is_empty());
        let curated = SpecFiles::from_pairs(curated.into_iter().map(|f| (f.path, f.text)));
        let drafts = tc_codegen::import::draft_all(&services, &curated);
        for f in &imported {
            assert_eq!(drafts.get(&f.path), Some(&f.text), "{} differs from its draft: curate it (drop the header) or re-import", f.path);
        }
        assert!(tc_codegen::import::draft_all(&services, &files).is_empty(), "a second import drafts nothing");
    }
}
