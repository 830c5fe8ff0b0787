//! The vendored upstream description (`upstream/`, see its README): reads `manifest.json`
//! and each listed service's `api.json`, `examples.json` and `errorcodes.py`.

use std::path::Path;

use tc_codegen::import::Provenance;
use tc_codegen::upstream;

/// One vendored service with where it came from.
pub struct Vendored {
    /// The parsed description.
    pub service: upstream::Service,
    /// Provenance for imported files.
    pub provenance: Provenance,
}

/// Every service `upstream/manifest.json` lists, in its order.
pub fn load(root: &Path) -> Result<Vec<Vendored>, String> {
    let dir = root.join("upstream");
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))?).map_err(|e| format!("upstream/manifest.json: {e}"))?;
    let field = |section: &str, key: &str| -> Result<String, String> {
        manifest[section][key].as_str().map(str::to_owned).ok_or_else(|| format!("upstream/manifest.json: no `{section}.{key}`"))
    };
    let (cli, cli_version) = (field("description", "package")?, field("description", "version")?);
    let (sdk, sdk_version) = (field("error_codes", "package")?, field("error_codes", "version")?);
    let services = manifest["services"].as_array().ok_or("upstream/manifest.json: no `services`")?;
    let mut out = Vec::new();
    for s in services {
        let (Some(name), Some(version)) = (s["service"].as_str(), s["version"].as_str()) else {
            return Err("upstream/manifest.json: each service needs `service` and `version`".into());
        };
        let desc = format!("upstream/{cli}/{name}/{version}");
        let errors = format!("upstream/{sdk}/{name}/{version}/errorcodes.py");
        let service = upstream::parse(
            &read(&root.join(&desc).join("api.json"))?,
            &read(&root.join(&desc).join("examples.json"))?,
            &read(&root.join(&errors))?,
        )
        .map_err(|e| format!("{desc}: {e}"))?;
        out.push(Vendored {
            service,
            provenance: Provenance {
                package: format!("{cli} {cli_version}"),
                path: desc,
                errors: format!("{sdk} {sdk_version}, {errors}"),
            },
        });
    }
    Ok(out)
}
