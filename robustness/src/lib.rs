//! tc-robustness: the oracles and input generators shared by the property tests in `tests/`
//! and the cargo-fuzz targets in `fuzz/`.
//!
//! Each module owns one input the project reads from outside and one `check_*` oracle that
//! drives the real entry point and panics when a robustness property is violated (a panic
//! inside the entry point counts too). The property tests feed the oracles generated and
//! mutated inputs under a fixed seed; the fuzz targets feed them raw bytes for longer.
//!
//! | input | entry point | oracle |
//! |---|---|---|
//! | spec files | [`tc_codegen::build`] | [`spec::check_build`] |
//! | HTTP replies | [`tc_runtime::decode_response`] | [`response::check_all`] |
//! | credentials files | [`tc_runtime::Credentials::from_profile_text`] | [`credentials::check_profile`] |
//! | GET queries (server) | `tc_mock::unflatten` + `tc_mock::validate` | [`query::check_query`] |
//! | `Authorization` (server) | [`tc_runtime::sign::parse_authorization`] | [`auth::check_authorization`] |

#![forbid(unsafe_code)]

pub mod auth;
pub mod credentials;
pub mod json;
pub mod query;
pub mod response;
pub mod spec;

use std::path::{Path, PathBuf};

use proptest::test_runner::{Config, RngAlgorithm, RngSeed};

/// The seed of every property test: runs are reproducible, a failure reproduces by rerunning.
pub const SEED: u64 = 0x7c5d_2024_0e0b_a5e1;

/// A proptest configuration with a fixed seed (ChaCha), no failure persistence files and
/// `cases` cases. `TC_ROBUSTNESS_CASES_FACTOR` (a positive integer) multiplies the cases for a
/// longer local run; `TC_ROBUSTNESS_SEED` replaces the seed to explore further.
pub fn config(cases: u32) -> Config {
    let factor = std::env::var("TC_ROBUSTNESS_CASES_FACTOR").ok().and_then(|f| f.parse::<u32>().ok()).unwrap_or(1);
    let seed = std::env::var("TC_ROBUSTNESS_SEED").ok().and_then(|s| s.parse::<u64>().ok()).unwrap_or(SEED);
    Config {
        cases: cases.saturating_mul(factor.max(1)),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    }
}

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."))
}

/// The real spec: `spec/`.
pub fn spec_root() -> PathBuf {
    workspace_root().join("spec")
}

/// The spec of the fixture crate that has every construct: `codegen/tests/emit_fixtures/constructs`.
pub fn constructs_root() -> PathBuf {
    workspace_root().join("codegen/tests/emit_fixtures/constructs")
}

/// The real spec, loaded and checked once per process.
pub fn real_api() -> &'static tc_codegen::ir::Api {
    static API: std::sync::OnceLock<tc_codegen::ir::Api> = std::sync::OnceLock::new();
    API.get_or_init(|| load_api(&spec_root()))
}

/// The constructs fixture spec, loaded and checked once per process.
pub fn constructs_api() -> &'static tc_codegen::ir::Api {
    static API: std::sync::OnceLock<tc_codegen::ir::Api> = std::sync::OnceLock::new();
    API.get_or_init(|| load_api(&constructs_root()))
}

fn load_api(root: &Path) -> tc_codegen::ir::Api {
    let files = tc_codegen::load::read_dir(root).unwrap_or_else(|d| panic!("{}: {d}", root.display()));
    tc_codegen::build(&files).unwrap_or_else(|d| panic!("{}: {d}", root.display()))
}
