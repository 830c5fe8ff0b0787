//! Drafting spec files from the vendored upstream description ([`crate::upstream`]): one
//! action file per upstream action and one structure file per data structure that the spec
//! lacks, plus the service's error codes (`<service>/errors.yaml`). A file the spec already
//! has is never touched, so curated files stay as curators left them.
//!
//! A draft carries everything upstream states (types, input and output requiredness,
//! nullability, disabled members, descriptions, titles, deprecation, per-field examples,
//! the official examples) and what can be inferred mechanically, marked as inferred
//! (offset/limit pagination). Value sets, rate limits and per-action error codes are left to
//! curators. [`draft`] is pure and deterministic: same upstream and spec, same files.

use crate::diag::{Diagnostics, Position};
use crate::spec::{SourceFile, SpecFiles};
use crate::upstream::{self, Member, Side};
use crate::yaml;
use std::collections::{BTreeMap, BTreeSet};

/// Recorded faults of drafted examples: `(spec file, example index)` → what is wrong.
pub type Faults = BTreeMap<(String, usize), String>;

/// Drafts for every service (as [`draft`]), with each official example that the checker
/// rejects marked `fault:` with the checker's words, so the draft checks clean and no
/// example is dropped silently. `existing` is the spec as it is.
pub fn draft_all(services: &[(&upstream::Service, &Provenance)], existing: &SpecFiles) -> BTreeMap<String, String> {
    let paths: BTreeSet<String> = existing.files.iter().map(|f| f.path.clone()).collect();
    let draft_with = |faults: &Faults| -> BTreeMap<String, String> {
        services.iter().flat_map(|(s, p)| draft_faulty(s, p, &paths, faults)).collect()
    };
    let drafts = draft_with(&Faults::new());
    let mut files = existing.files.clone();
    files.extend(drafts.iter().map(|(path, text)| SourceFile { path: path.clone(), text: text.clone() }));
    let Err(diags) = crate::build(&SpecFiles::from_pairs(files.into_iter().map(|f| (f.path, f.text)))) else {
        return drafts;
    };
    let faults = example_faults(&diags, &drafts);
    if faults.is_empty() { drafts } else { draft_with(&faults) }
}

/// The example problems reported in drafted files, joined per example.
fn example_faults(diags: &Diagnostics, drafts: &BTreeMap<String, String>) -> Faults {
    let mut faults = Faults::new();
    for d in diags.iter().filter(|d| drafts.contains_key(&d.file)) {
        let Position::KeyPath { path, .. } = &d.position else { continue };
        let Some(index) = path.strip_prefix("examples[").and_then(|r| r.split(']').next()).and_then(|n| n.parse().ok()) else {
            continue;
        };
        let entry = faults.entry((d.file.clone(), index)).or_default();
        if !entry.is_empty() {
            entry.push_str("; ");
        }
        entry.push_str(&d.message);
    }
    faults
}

/// Where the drafts come from, for their `source:` lines.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// e.g. `tccli-intl-en 3.1.193.1`.
    pub package: String,
    /// Path of the service's description inside the vendored tree, e.g.
    /// `upstream/tccli-intl-en/tcss/v20201101`.
    pub path: String,
    /// Where the service's error codes come from, e.g. `tencentcloud-sdk-python-intl-en
    /// 3.1.193, upstream/tencentcloud-sdk-python-intl-en/tcss/v20201101/errorcodes.py`.
    pub errors: String,
}

impl Provenance {
    fn source(&self, file: &str) -> String {
        format!("{} {}/{file} (imported, not yet curated)", self.package, self.path)
    }
}

/// The files `service` adds to a spec that already has `existing` (paths relative to the
/// spec root): `(path, text)`, sorted by path.
pub fn draft(service: &upstream::Service, provenance: &Provenance, existing: &BTreeSet<String>) -> BTreeMap<String, String> {
    draft_faulty(service, provenance, existing, &Faults::new())
}

fn draft_faulty(
    service: &upstream::Service,
    provenance: &Provenance,
    existing: &BTreeSet<String>,
    faults: &Faults,
) -> BTreeMap<String, String> {
    let dir = &service.name;
    let mut out = BTreeMap::new();
    let io: BTreeSet<&str> = service.actions.values().flat_map(|a| [a.input.as_str(), a.output.as_str()]).collect();
    for (name, object) in &service.objects {
        let path = format!("{dir}/structures/{name}.yaml");
        if io.contains(name.as_str()) || existing.contains(&path) {
            continue;
        }
        out.insert(path, structure(name, object, provenance));
    }
    for (name, action) in &service.actions {
        let path = format!("{dir}/actions/{name}.yaml");
        if existing.contains(&path) {
            continue;
        }
        let examples = service.examples.get(name).map_or(&[][..], Vec::as_slice);
        let text = action_file(service, name, action, examples, provenance, |i| faults.get(&(path.clone(), i)));
        out.insert(path, text);
    }
    let path = format!("{dir}/errors.yaml");
    if !existing.contains(&path) && !service.errors.is_empty() {
        out.insert(path, errors_file(service, provenance));
    }
    out
}

/// How every drafted file starts; a curator removes the line once the file is curated.
pub const IMPORTED_HEADER: &str = "# Imported from ";

fn header(provenance: &Provenance) -> String {
    format!("{IMPORTED_HEADER}{} by `cargo xtask import`: not yet curated.\n", provenance.package)
}

/// The curated part of a spec: its curated actions (files without [`IMPORTED_HEADER`]), the
/// structures they reach and the shared files of their services; `None` when the spec does
/// not build. For tests that pin or mutate what curators wrote without paying for the whole
/// imported surface on every case.
pub fn curated_subset(files: &SpecFiles) -> Option<SpecFiles> {
    let api = crate::build(files).ok()?;
    let curated: BTreeSet<&str> = files
        .files
        .iter()
        .filter(|f| f.path.contains("/actions/") && !f.text.starts_with(IMPORTED_HEADER))
        .map(|f| f.path.as_str())
        .collect();
    let mut keep: BTreeSet<String> = BTreeSet::from(["common.yaml".to_owned()]);
    for service in &api.services {
        let actions: BTreeSet<&str> =
            service.actions.iter().filter(|a| curated.contains(a.source.as_str())).map(|a| a.name.as_str()).collect();
        if actions.is_empty() {
            continue;
        }
        keep.insert(format!("{}/service.yaml", service.name));
        keep.insert(format!("{}/errors.yaml", service.name));
        keep.extend(service.actions.iter().filter(|a| actions.contains(a.name.as_str())).map(|a| a.source.clone()));
        let reached = service.structures.iter().filter(|s| s.actions.iter().any(|a| actions.contains(a.as_str())));
        keep.extend(reached.map(|s| s.source.clone()));
    }
    Some(SpecFiles::from_pairs(files.files.iter().filter(|f| keep.contains(&f.path)).map(|f| (f.path.clone(), f.text.clone()))))
}

fn structure(name: &str, object: &upstream::Object, provenance: &Provenance) -> String {
    let mut y = header(provenance);
    y.push_str(&format!("structure: {name}\n"));
    y.push_str(&format!("source: {}\n", yaml::scalar(&provenance.source("api.json"))));
    yaml::push_str(&mut y, 0, "description", &object.document, false);
    let side = object.side();
    if object.members.is_empty() {
        y.push_str("fields: []\n");
    } else {
        y.push_str("fields:\n");
        for m in &object.members {
            member(&mut y, m, side);
        }
    }
    y
}

fn member(y: &mut String, m: &Member, side: Side) {
    y.push_str(&format!("  - name: {}\n", yaml::scalar(&m.name)));
    y.push_str(&format!("    type: {}\n", yaml::scalar(&m.spec_type())));
    let (required, output_required) = m.requiredness(side);
    y.push_str(&format!("    required: {required}\n"));
    if let Some(output) = output_required.filter(|o| *o != required) {
        y.push_str(&format!("    output_required: {output}\n"));
    }
    if m.value_allowed_null == Some(true) {
        y.push_str("    nullable: true\n");
    }
    if m.disabled == Some(true) {
        y.push_str("    disabled: true\n");
    }
    yaml::push_str(y, 4, "description", &m.document, false);
    if let Some(example) = m.example.as_deref().filter(|e| !e.is_empty()) {
        yaml::push_str(y, 4, "example", example, false);
    }
}

fn action_file<'f>(
    service: &upstream::Service,
    name: &str,
    action: &upstream::Action,
    examples: &[upstream::Example],
    provenance: &Provenance,
    fault: impl Fn(usize) -> Option<&'f String>,
) -> String {
    let empty = upstream::Object { document: String::new(), members: Vec::new(), usage: None };
    let request = service.objects.get(&action.input).unwrap_or(&empty);
    let response = service.objects.get(&action.output).unwrap_or(&empty);
    let response_members: Vec<&Member> = response.members.iter().filter(|m| m.name != "RequestId").collect();
    let mut y = header(provenance);
    y.push_str(&format!("action: {name}\n"));
    if !action.title.is_empty() {
        yaml::push_str(&mut y, 0, "title", &action.title, false);
    }
    y.push_str(&format!("source: {}\n", yaml::scalar(&provenance.source("api.json"))));
    yaml::push_str(&mut y, 0, "description", &action.document, false);
    if action.deprecated() {
        y.push_str("deprecated: true\n");
    }
    if action.unsigned() {
        y.push_str("unsigned: true\n");
    }
    y.push_str(&format!("hosts:\n  - {}.tencentcloudapi.com\n", service.name));
    if request.members.is_empty() {
        y.push_str("request: []\n");
    } else {
        y.push_str("request:\n");
        for m in &request.members {
            member(&mut y, m, Side::In);
        }
    }
    if response_members.is_empty() {
        y.push_str("response: []\n");
    } else {
        y.push_str("response:\n");
        for m in &response_members {
            member(&mut y, m, Side::Out);
        }
    }
    if let Some((items, total)) = infer_pagination(&request.members, &response_members) {
        y.push_str(&format!(
            "pagination:\n  offset: Offset\n  limit: Limit\n  items: {items}\n  total: {total}\n  inferred: true\n"
        ));
    }
    if !examples.is_empty() {
        y.push_str("examples:\n");
        for (i, ex) in examples.iter().enumerate() {
            yaml::push_str(&mut y, 2, "- title", &ex.title, false);
            if let Some(fault) = fault(i) {
                yaml::push_str(&mut y, 4, "fault", &format!("(found by `cargo xtask import`) {fault}"), false);
            }
            if !ex.description.trim().is_empty() {
                yaml::push_str(&mut y, 4, "description", &ex.description, false);
            }
            yaml::push_str(&mut y, 4, "request", &ex.input, true);
            yaml::push_str(&mut y, 4, "response", &ex.output, true);
        }
    }
    y
}

/// Offset/limit pagination: integer `Offset` and `Limit` parameters, one array in the
/// response and one integer total (`TotalCount`, or the one integer field named `Total…`).
pub fn infer_pagination<'m>(request: &[Member], response: &[&'m Member]) -> Option<(&'m str, &'m str)> {
    let int = |m: &Member| m.kind == "int";
    let has = |n: &str| request.iter().any(|m| m.name == n && int(m));
    if !has("Offset") || !has("Limit") {
        return None;
    }
    let lists: Vec<&Member> = response.iter().copied().filter(|m| m.kind == "list").collect();
    let totals: Vec<&Member> = response.iter().copied().filter(|m| int(m) && m.name.starts_with("Total")).collect();
    let total = totals.iter().find(|m| m.name == "TotalCount").or(totals.first().filter(|_| totals.len() == 1))?;
    match lists.as_slice() {
        [items] => Some((items.name.as_str(), total.name.as_str())),
        _ => None,
    }
}

fn errors_file(service: &upstream::Service, provenance: &Provenance) -> String {
    let mut y = header(provenance);
    let source = format!("{} (imported, not yet curated)", provenance.errors);
    y.push_str(&format!("source: {}\n", yaml::scalar(&source)));
    y.push_str("errors:\n");
    for e in &service.errors {
        y.push_str(&format!("  - code: {}\n", yaml::scalar(&e.code)));
        yaml::push_str(&mut y, 4, "description", &e.description, false);
    }
    y
}
