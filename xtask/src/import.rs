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
