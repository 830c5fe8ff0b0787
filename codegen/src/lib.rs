//! tc-codegen: turns the YAML specs in `spec/` into the `generated/` client crate.
//!
//! The pipeline, one verb per stage: [`load`] (YAML text → spec structs, syntax and
//! shape errors with line:column) → [`check`] (spec → plain-data [`ir`], every semantic
//! error at once with a key path) → [`emit`] (IR → Rust tokens per artifact) →
//! [`format`] (prettyplease + header). Nothing here touches the disk except
//! [`load::read_dir`]; `xtask` writes files.

pub mod emit;
pub mod format;
pub mod ir;
