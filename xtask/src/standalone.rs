//! `cargo xtask synth` and `cargo xtask emit`: the disk side of the scale benchmarks.
//!
//! - `synth --actions N [--seed S] [--services K] --out DIR` writes the synthetic spec of
//!   [`crate::synth::synth`] to `DIR` (replacing an earlier synthetic spec there) and prints
//!   its measured shape;
//! - `emit --spec DIR --out CRATE [--name NAME] [--runtime PATH] [--no-cache]` generates a standalone
//!   client crate from any spec, outside the workspace (for benchmarks: its own
//!   `[workspace]` root, the runtime by path, the workspace's `Cargo.lock` so dependency
//!   versions match), writing only the files that changed, and prints how long each stage
//!   took. It reuses the format cache of the last run into the same directory
//!   ([`crate::cache`]) unless `--no-cache` is given (the cold-run benchmark).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tc_codegen::emit::Options;

use crate::cache::{self, Store};
use crate::generate::{Change, plan};
use crate::synth::{Params, stats, synth};

/// A flag's value: `--name value`.
fn flag<'a>(args: &[&'a str], name: &str) -> Option<&'a str> {
    args.iter().position(|a| *a == name).and_then(|i| args.get(i + 1).copied())
}

fn number(args: &[&str], name: &str, default: Option<u64>) -> Result<u64, String> {
    match (flag(args, name), default) {
        (Some(v), _) => v.parse().map_err(|_| format!("{name}: not a number: `{v}`")),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(format!("{name} is required")),
    }
}

/// `synth`.
pub fn synth_cli(args: &[&str]) -> Result<(), String> {
    let params = Params {
        actions: number(args, "--actions", None)? as usize,
        seed: number(args, "--seed", Some(0))?,
        services: number(args, "--services", Some(1))? as usize,
    };
    let out = PathBuf::from(flag(args, "--out").ok_or("--out DIR is required")?);
    let started = Instant::now();
    let files = synth(&params);
    let synthesized = started.elapsed();
    // Only ever replace a directory that holds a spec (or nothing).
    if out.exists() {
        let empty = fs::read_dir(&out).map_err(|e| format!("{}: {e}", out.display()))?.next().is_none();
        if !empty && !out.join("common.yaml").exists() {
            return Err(format!("{} is not empty and holds no spec; refusing to replace it", out.display()));
        }
        fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    for file in &files.files {
        let path = out.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        fs::write(&path, &file.text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let api = tc_codegen::build(&files).map_err(|d| format!("the synthetic spec does not build (a synth bug):\n{d}"))?;
    let bytes: usize = files.files.iter().map(|f| f.text.len()).sum();
    eprintln!(
        "synth: {} files, {} KiB in {:.1} ms → {}\n  {}",
        files.files.len(),
        bytes / 1024,
        synthesized.as_secs_f64() * 1e3,
        out.display(),
        stats(&api)
    );
    Ok(())
}

/// `emit`.
pub fn emit_cli(root: &Path, args: &[&str]) -> Result<(), String> {
    let spec = PathBuf::from(flag(args, "--spec").ok_or("--spec DIR is required")?);
    let out = PathBuf::from(flag(args, "--out").ok_or("--out DIR is required")?);
    let runtime = match flag(args, "--runtime") {
        Some(path) => PathBuf::from(path),
        None => root.join("runtime"),
    };
    let runtime = fs::canonicalize(&runtime).map_err(|e| format!("{}: {e}", runtime.display()))?;
    let options = Options {
        crate_name: flag(args, "--name").unwrap_or("tc-sdk").to_owned(),
        runtime_path: Some(runtime.to_string_lossy().into_owned()),
        deny_warnings: false,
    };

    let t0 = Instant::now();
    let files = tc_codegen::load::read_dir(&spec).map_err(|d| d.to_string())?;
    let t1 = Instant::now();
    let api = tc_codegen::build(&files).map_err(|d| d.to_string())?;
    let t2 = Instant::now();
    let store = if args.contains(&"--no-cache") { None } else { Store::for_output(&out) };
    let mut wanted = cache::emit(&api, &options, store.as_ref())?;
    let t3 = Instant::now();

    // Its own workspace root, so it builds wherever it is put (never as a member of ours).
    if let Some(manifest) = wanted.get_mut("Cargo.toml") {
        manifest.push_str("\n# A standalone crate (`cargo xtask emit`), not a member of any workspace.\n[workspace]\n");
    }
    let changes = plan(&wanted, &out)?;
    for change in &changes {
        let path = out.join(match change {
            Change::Write(p, _) | Change::Remove(p) => p,
        });
        match change {
            Change::Write(_, contents) => {
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
                }
                fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            Change::Remove(_) => fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?,
        }
    }
    let lock = out.join("Cargo.lock");
    if !lock.exists() {
        let _ = fs::copy(root.join("Cargo.lock"), &lock);
    }
    let t4 = Instant::now();
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1e3;
    let rust_lines: usize = wanted.iter().filter(|(p, _)| p.ends_with(".rs")).map(|(_, c)| c.lines().count()).sum();
    eprintln!("  {}", stats(&api));
    eprintln!(
        "emit: read {:.1} ms, load+check {:.1} ms, emit+format {:.1} ms, write {:.1} ms ({} of {} files changed, {} lines of Rust) → {}",
        ms(t0, t1),
        ms(t1, t2),
        ms(t2, t3),
        ms(t3, t4),
        changes.len(),
        wanted.len(),
        rust_lines,
        out.display()
    );
    Ok(())
}
