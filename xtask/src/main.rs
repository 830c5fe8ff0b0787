//! `cargo xtask`: project automation. The only code here that writes to disk.
//!
//! - `cargo xtask gen` regenerates `generated/` from `spec/`, writing only changed files;
//! - `cargo xtask gen --check` writes nothing and fails, naming the stale files, when
//!   `generated/` differs from what the spec produces.

mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["gen"] => generate::run(&workspace_root(), generate::Mode::Write),
        ["gen", "--check"] => generate::run(&workspace_root(), generate::Mode::Check),
        _ => {
            eprintln!("usage: cargo xtask gen [--check]");
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
