//! `cargo xtask`: project automation. The only code here that writes to disk.
//!
//! - `cargo xtask gen` regenerates `generated/` from `spec/`, writing only changed files;
//! - `cargo xtask gen --check` writes nothing and fails, naming the stale files, when
//!   `generated/` differs from what the spec produces;
//! - `cargo xtask import` drafts spec files for what the vendored upstream description
//!   (`upstream/`) has and `spec/` lacks, never touching an existing file;
//! - `cargo xtask drift [--check]` lists where `spec/` and `upstream/` differ (`--check`:
//!   fails on a difference no `Upstream differs` note explains);
//! - `cargo xtask synth --actions N [--seed S] [--services K] --out DIR` writes a synthetic
//!   spec of N actions (for the scale benchmarks in `bench/`);
//! - `cargo xtask emit --spec DIR --out CRATE [--name NAME] [--runtime PATH] [--no-cache]`
//!   generates a standalone crate from any spec, outside the workspace.
//!
//! `gen` and `emit` keep the printed text of each piece of Rust in a cache beside the xtask
//! executable ([`cache`]) and format again only what changed; the output is the same.

mod cache;
mod drift;
mod generate;
mod import;
mod standalone;
mod synth;
mod tidy;
mod upstream;

use std::path::PathBuf;
use std::process::ExitCode;

/// The generator allocates tens of millions of small objects (tokens, syntax nodes): with
/// glibc's allocator that was a third of its time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["gen"] => generate::run(&workspace_root(), generate::Mode::Write),
        ["gen", "--check"] => generate::run(&workspace_root(), generate::Mode::Check),
        ["import"] => import::run(&workspace_root()),
        ["drift"] => drift::run(&workspace_root(), false),
        ["drift", "--check"] => drift::run(&workspace_root(), true),
        ["synth", rest @ ..] => standalone::synth_cli(rest),
        ["emit", rest @ ..] => standalone::emit_cli(&workspace_root(), rest),
        _ => {
            eprintln!(
                "usage: cargo xtask gen [--check]\n       cargo xtask import\n       cargo xtask drift [--check]\n       cargo xtask synth --actions N [--seed S] [--services K] --out DIR\n       cargo xtask emit --spec DIR --out CRATE [--name NAME] [--runtime PATH] [--no-cache]"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: xtask lives one level below it.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
