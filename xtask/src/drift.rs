//! `cargo xtask drift [--check]`: where `spec/` and the vendored upstream description
//! differ (see `tc_codegen::drift`), each at its spec file, line and key path, in one run.
//! `--check` fails when a difference is not explained by an `Upstream differs` note.

use std::path::Path;

use tc_codegen::{drift, load, locate};

/// Prints every difference; with `check`, fails on an unexplained one.
pub fn run(root: &Path, check: bool) -> Result<(), String> {
    let files = load::read_dir(&root.join("spec")).map_err(|d| d.to_string())?;
    let (spec, diags) = load::parse(&files);
    if !diags.is_empty() {
        return Err(format!("{diags}\nthe spec does not parse; fix it before comparing"));
    }
    let vendored = crate::upstream::load(root)?;
    let services: Vec<_> = vendored.iter().map(|v| &v.service).collect();
    let drifts = drift::compare(&spec, &services);
    let mut unexplained = 0;
    for d in &drifts {
        let at = files.text(&d.file).and_then(|t| locate::locate(t, &d.path));
        let place = at.map_or(String::new(), |lc| format!(":{}:{}", lc.line, lc.column));
        let path = if d.path.is_empty() { String::new() } else { format!("{}: ", d.path) };
        let kind = if d.explained { "explained" } else { "drift" };
        unexplained += usize::from(!d.explained);
        if !d.explained || !check {
            println!("{}{place}: {kind}: {path}{}", d.file, d.message);
        }
    }
    println!(
        "drift: {} differences from upstream ({} explained by `{}` notes, {unexplained} unexplained)",
        drifts.len(),
        drifts.len() - unexplained,
        drift::EXPLAINS
    );
    if check && unexplained > 0 {
        return Err(format!("drift --check: {unexplained} unexplained differences from upstream"));
    }
    Ok(())
}
