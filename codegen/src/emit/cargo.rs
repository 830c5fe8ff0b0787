//! Emits the generated crate's `Cargo.toml`: one Cargo feature per service, so a user of
//! one service never compiles the others.

use super::Options;
use crate::format;
use crate::ir::Api;

/// `Cargo.toml`.
pub(crate) fn manifest(api: &Api, options: &Options) -> String {
    let services: Vec<&str> = api.services.iter().map(|s| s.module.as_str()).collect();
    let default: Vec<String> = services.iter().map(|s| format!("\"{s}\"")).collect();
    let runtime = match &options.runtime_path {
        Some(path) => format!("tc-runtime = {{ path = \"{path}\" }}"),
        None => "tc-runtime = { workspace = true }".to_owned(),
    };
    let mut features = format!(
        "[features]\ndefault = [{}]\n# Derive `Serialize` on response types too (caching, logging, mock servers).\nserialize = []\n# `Clone` and `PartialEq` on response types and on structures only responses use (requests\n# and the structures they use always have them): off by default, they double the compile time\n# of those types.\nextra-traits = []\n",
        default.join(", ")
    );
    for service in &api.services {
        features.push_str(&format!("# {} ({} `{}`)\n{} = []\n", service.title, service.name, service.version, service.module));
    }
    let examples: String = api
        .services
        .iter()
        .map(|s| format!("\n[[example]]\nname = \"{0}\"\nrequired-features = [\"{0}\"]\n", s.module))
        .collect();
    format::toml_file(&format!(
        r#"[package]
name = "{name}"
description = "Tencent Cloud API 3.0 client ({services}), generated from hand-curated specs"
version = "0.1.0"
edition = "2024"
rust-version = "1.85"
license = "MIT OR Apache-2.0"
publish = false

[dependencies]
{runtime}
serde = {{ version = "1", default-features = false, features = ["std"] }}

[lints.rust]
unsafe_code = "forbid"

[dev-dependencies]
serde_json = "1"
tokio = {{ version = "1", default-features = false, features = ["rt", "macros"] }}

{features}{examples}"#,
        name = options.crate_name,
        services = services.join(", "),
    ))
}
