//! tc-codegen: turns the YAML specs in `spec/` into the `generated/` client crate.
//!
//! The pipeline, one verb per stage: [`load`] (YAML text → spec structs, syntax and
//! shape errors with line:column) → [`check`] (spec → plain-data [`ir`], every semantic
//! error at once with a key path) → [`emit`] (IR → Rust tokens per artifact) →
//! [`format`](mod@format) (prettyplease + header, and the format cache). Nothing here touches the disk except
//! [`load::read_dir`]; `xtask` writes files.

pub mod emit;
pub mod format;
pub mod import;
pub mod check;
pub mod diag;
pub mod drift;
pub mod ir;
pub mod load;
pub mod locate;
pub mod names;
pub mod par;
pub mod render;
pub mod spec;
pub mod upstream;
pub mod yaml;
mod yaml_error;

pub use diag::{Diagnostic, Diagnostics};
pub use spec::{SourceFile, SpecFiles};

/// Parses and checks the spec: every diagnostic of both stages, merged and sorted.
pub fn build(files: &SpecFiles) -> Result<ir::Api, Diagnostics> {
    let (spec, mut diags) = load::parse(files);
    match check::check(&spec) {
        Ok(api) => diags.into_result(api),
        Err(more) => {
            diags.extend(more);
            diags.sort();
            Err(diags)
        }
    }
}
