//! Emits the generated crate's `Cargo.toml`: a Cargo feature per service and one per action
//! (see [`super::features`]), so a user compiles only the actions they call.

use super::examples::example_action;
use super::{Options, features};
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
        let base = features::base(service);
        let actions: Vec<String> = service.actions.iter().map(|a| features::action(service, a)).collect();
        features.push_str(&format!(
            "\n# {} ({} `{}`): every action.\n{} = [\n    \"{base}\",\n",
            service.title, service.name, service.version, service.module
        ));
        for feature in &actions {
            features.push_str(&format!("    \"{feature}\",\n"));
        }
        features.push_str(&format!("]\n# The {} module, client and trait, with no action.\n{base} = []\n# One action each.\n", service.name));
        for feature in &actions {
            features.push_str(&format!("{feature} = [\"{base}\"]\n"));
        }
    }
    let examples: String = api
        .services
        .iter()
        .map(|s| {
            let needs = example_action(s).map_or_else(|| features::base(s), |a| features::action(s, a));
            format!("\n[[example]]\nname = \"{}\"\nrequired-features = [\"{needs}\"]\n", s.module)
        })
        .collect();
    format::toml_file(&format!(
        r#"[package]
name = "{name}"
description = "Tencent Cloud API 3.0 client ({services}), generated from hand-curated specs"
version = "{version}"
edition = "2024"
rust-version = "1.85"
license = "MIT OR Apache-2.0"
publish = false

[dependencies]
{runtime}
serde = {{ version = "1", default-features = false, features = ["std"] }}

[lints.rust]
unsafe_code = "forbid"
unexpected_cfgs = {{ level = "warn", check-cfg = ["cfg(docsrs)"] }}

# docs.rs builds every feature and marks each gated item with the features it needs.
[package.metadata.docs.rs]
all-features = true
rustdoc-args = ["--cfg", "docsrs"]

[dev-dependencies]
serde_json = "1"
tokio = {{ version = "1", default-features = false, features = ["rt", "macros"] }}

{features}{examples}"#,
        name = options.crate_name,
        version = super::CRATE_VERSION,
        services = services.join(", "),
    ))
}
