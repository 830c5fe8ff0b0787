//! `cargo xtask gen [--check]`: spec/ → generated/, writing only what changed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use crate::cache::{self, Store};
use tc_codegen::emit::Options;
use tc_codegen::format::REGENERATE;

/// What `gen` does with differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write changed files, delete generated files the spec no longer produces.
    Write,
    /// Change nothing; fail when anything differs.
    Check,
}

/// One difference between what the spec produces and what is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A file to create or overwrite, with its new contents.
    Write(String, String),
    /// A previously generated file the spec no longer produces.
    Remove(String),
}

impl Change {
    fn path(&self) -> &str {
        match self {
            Change::Write(path, _) | Change::Remove(path) => path,
        }
    }
}

/// One crate that `gen` keeps in sync with a spec, both relative to the workspace root.
pub struct Target {
    /// The spec directory.
    pub spec: &'static str,
    /// The generated crate's directory.
    pub out: &'static str,
    /// Emitter options.
    pub options: fn() -> Options,
}

/// Every generated crate: the real one, and the fixture crate that exercises every construct
/// (compiled with warnings denied as an ordinary workspace member, so a snapshot that does
/// not compile fails the build).
pub const TARGETS: &[Target] = &[
    Target { spec: "spec", out: "generated", options: Options::default },
    Target {
        spec: "codegen/tests/emit_fixtures/constructs",
        out: "generated-fixtures/constructs",
        options: || Options {
            crate_name: "tc-fixture-constructs".to_owned(),
            runtime_path: None,
            deny_warnings: true,
        },
    },
];

/// Generates every file of a client crate from the spec at `spec_root`, reusing and then
/// replacing the format cache in `store` if there is one (the output is the same either way).
pub fn generate(
    spec_root: &Path,
    options: &Options,
    store: Option<&Store>,
) -> Result<BTreeMap<String, String>, String> {
    let files = tc_codegen::load::read_dir(spec_root).map_err(|d| d.to_string())?;
    let api = tc_codegen::build(&files).map_err(|d| d.render(&files))?;
    cache::emit(&api, options, store)
}

/// Compares `wanted` with the crate at `out_root`: files whose contents differ, and files
/// that carry the generated header but are no longer produced (hand-written files are never
/// touched).
pub fn plan(wanted: &BTreeMap<String, String>, out_root: &Path) -> Result<Vec<Change>, String> {
    let mut changes = Vec::new();
    for (path, contents) in wanted {
        let on_disk = fs::read(out_root.join(path)).ok();
        if on_disk.as_deref() != Some(contents.as_bytes()) {
            changes.push(Change::Write(path.clone(), contents.clone()));
        }
    }
    let mut existing = Vec::new();
    list_files(out_root, out_root, &mut existing)?;
    for path in existing {
        if wanted.contains_key(&path) || path.starts_with("target/") {
            continue;
        }
        let text = fs::read_to_string(out_root.join(&path)).unwrap_or_default();
        let first = text.lines().next().unwrap_or("");
        if first.contains("@generated") && first.contains(REGENERATE) {
            changes.push(Change::Remove(path));
        }
    }
    changes.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(changes)
}

fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), String> {
    let Ok(entries) = fs::read_dir(dir) else { return Ok(()) };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            list_files(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            out.push(rel.join("/"));
        }
    }
    Ok(())
}

/// Runs `gen` on the workspace at `root`, for every target.
pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    let mut failures = Vec::new();
    for target in TARGETS {
        if let Err(e) = run_one(root, target, mode) {
            failures.push(e);
        }
    }
    if failures.is_empty() { Ok(()) } else { Err(failures.join("\n")) }
}

fn run_one(root: &Path, target: &Target, mode: Mode) -> Result<(), String> {
    let out = target.out;
    let out_root = root.join(out);
    let wanted = generate(&root.join(target.spec), &(target.options)(), Store::for_output(&out_root).as_ref())?;
    let changes = plan(&wanted, &out_root)?;
    match mode {
        Mode::Check if changes.is_empty() => {
            eprintln!("{out}/ is up to date ({} files)", wanted.len());
            Ok(())
        }
        Mode::Check => {
            let stale: Vec<String> = changes.iter().map(|c| format!("  {out}/{}", c.path())).collect();
            Err(format!(
                "{out}/ is stale; run `{REGENERATE}`. Files that differ:\n{}",
                stale.join("\n")
            ))
        }
        Mode::Write => {
            for change in &changes {
                let path = out_root.join(change.path());
                match change {
                    Change::Write(_, contents) => {
                        if let Some(parent) = path.parent() {
                            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                        }
                        fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
                        eprintln!("wrote   {out}/{}", change.path());
                    }
                    Change::Remove(_) => {
                        fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                        eprintln!("removed {out}/{}", change.path());
                    }
                }
            }
            eprintln!("{out}/: {} of {} files changed", changes.len(), wanted.len());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `cargo test` fails when generated/ is stale, so CI catches a forgotten `cargo xtask gen`.
    #[test]
    fn generated_crates_are_fresh() {
        let root = crate::workspace_root();
        for target in TARGETS {
            let wanted = generate(&root.join(target.spec), &(target.options)(), None).expect("spec builds");
            let changes = plan(&wanted, &root.join(target.out)).expect("plan");
            let stale: Vec<&str> = changes.iter().map(Change::path).collect();
            assert!(stale.is_empty(), "{}/ is stale: run `{REGENERATE}`; differing files: {stale:?}", target.out);
        }
    }

    /// Output is a pure function of the spec: generating again gives identical bytes.
    #[test]
    fn generation_is_deterministic() {
        let root = crate::workspace_root();
        for target in TARGETS {
            let first = generate(&root.join(target.spec), &(target.options)(), None).expect("spec builds");
            for _ in 0..5 {
                assert_eq!(generate(&root.join(target.spec), &(target.options)(), None).expect("spec builds"), first);
            }
        }
    }
}
