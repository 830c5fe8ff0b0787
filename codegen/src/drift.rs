//! Drift: where the spec and the vendored upstream description ([`crate::upstream`]) differ.
//!
//! [`compare`] walks every service both have and reports, each at its spec file and key
//! path: actions, structures, members and service error codes missing on either side; type,
//! required, nullable, disabled, deprecated and unsigned differences; examples that differ from the
//! official ones. Descriptions are not compared (curated text may be better than upstream's).
//!
//! A difference is *explained* when the item it is reported at (the field, the action or
//! structure, the service's error file) has a note starting with `Upstream differs` — the
//! curator's record of why the spec keeps its own fact. `cargo xtask drift --check` fails on
//! any unexplained difference.

use crate::spec::{ActionSpec, FieldSpec, Spec, StructureSpec};
use crate::upstream::{self, Member, Side};
use std::collections::{BTreeMap, BTreeSet};

/// The prefix of a note that explains a difference at its item.
pub const EXPLAINS: &str = "Upstream differs";

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Drift {
    /// Spec file it is reported at.
    pub file: String,
    /// Key path in that file (`request[3].type`, or empty for the file).
    pub path: String,
    /// What differs.
    pub message: String,
    /// Whether a note at the item explains it.
    pub explained: bool,
}

/// Every difference between `spec` and the upstream services, sorted by file and path.
pub fn compare(spec: &Spec, services: &[&upstream::Service]) -> Vec<Drift> {
    let mut out = Vec::new();
    for up in services {
        let Some(service) = spec.services.iter().find(|s| s.dir == up.name) else { continue };
        let mut cx = Cx { out: &mut out };
        let svc_file = service.file.as_str();
        if service.version != up.version {
            cx.push(svc_file, "version", format!("spec version `{}`, upstream `{}`", service.version, up.version), &service.notes);
        }
        let actions: BTreeMap<&str, &ActionSpec> =
            spec.actions.iter().filter(|a| a.dir == up.name).map(|a| (a.action.as_str(), a)).collect();
        let structures: BTreeMap<&str, &StructureSpec> =
            spec.structures.iter().filter(|s| s.dir == up.name).map(|s| (s.structure.as_str(), s)).collect();
        let io: BTreeSet<&str> = up.actions.values().flat_map(|a| [a.input.as_str(), a.output.as_str()]).collect();
        for name in up.actions.keys().filter(|n| !actions.contains_key(n.as_str())) {
            cx.push(svc_file, "", format!("upstream action `{name}` is not in the spec (`cargo xtask import` drafts it)"), &service.notes);
        }
        for (name, object) in up.objects.iter().filter(|(n, _)| !io.contains(n.as_str())) {
            match structures.get(name.as_str()) {
                None => cx.push(svc_file, "", format!("upstream structure `{name}` is not in the spec"), &service.notes),
                Some(st) => cx.fields(&st.file, "fields", &st.fields, &object.members, object.side(), &st.notes),
            }
        }
        for st in structures.values().filter(|s| !up.objects.contains_key(&s.structure) || io.contains(s.structure.as_str())) {
            cx.push(&st.file, "structure", format!("structure `{}` is not upstream", st.structure), &st.notes);
        }
        for a in actions.values() {
            let Some(ua) = up.actions.get(&a.action) else {
                cx.push(&a.file, "action", format!("action `{}` is not upstream", a.action), &a.notes);
                continue;
            };
            cx.action(a, ua, up);
        }
        cx.errors(spec, up);
    }
    out.sort();
    out
}

struct Cx<'o> {
    out: &'o mut Vec<Drift>,
}

fn explained(notes: &[String]) -> bool {
    notes.iter().any(|n| n.trim_start().starts_with(EXPLAINS))
}

impl Cx<'_> {
    fn push(&mut self, file: &str, path: &str, message: String, notes: &[String]) {
        self.out.push(Drift { file: file.to_owned(), path: path.to_owned(), message, explained: explained(notes) });
    }

    fn action(&mut self, a: &ActionSpec, ua: &upstream::Action, up: &upstream::Service) {
        if a.deprecated != ua.deprecated() {
            let message = format!("spec deprecated: {}, upstream status `{}`", a.deprecated, ua.status);
            self.push(&a.file, "deprecated", message, &a.notes);
        }
        if a.unsigned != ua.unsigned() {
            let message = format!("spec unsigned: {}, upstream says to sign: {}", a.unsigned, !ua.unsigned());
            self.push(&a.file, "unsigned", message, &a.notes);
        }
        let empty = Vec::new();
        let input = up.objects.get(&ua.input).map_or(&empty, |o| &o.members);
        let output: Vec<Member> = up
            .objects
            .get(&ua.output)
            .map_or(&empty, |o| &o.members)
            .iter()
            .filter(|m| m.name != "RequestId")
            .cloned()
            .collect();
        self.fields(&a.file, "request", &a.request, input, Side::In, &a.notes);
        self.fields(&a.file, "response", &a.response, &output, Side::Out, &a.notes);
        let official = up.examples.get(&a.action).map_or(&[][..], Vec::as_slice);
        for (i, ex) in a.examples.iter().enumerate() {
            let path = format!("examples[{i}]");
            match official.iter().find(|o| o.title == ex.title) {
                None if official.len() > i && same_text(&official[i].input, &ex.request) => {}
                None => self.push(&a.file, &path, format!("example `{}` is not an official example", ex.title), &a.notes),
                Some(o) => {
                    if !same_text(&o.input, &ex.request) {
                        self.push(&a.file, &format!("{path}.request"), "the request differs from the official example's".into(), &a.notes);
                    }
                    if !same_text(&o.output, &ex.response) {
                        self.push(&a.file, &format!("{path}.response"), "the response differs from the official example's".into(), &a.notes);
                    }
                }
            }
        }
        for o in official.iter().filter(|o| !a.examples.iter().any(|e| e.title == o.title)) {
            if a.examples.iter().any(|e| same_text(&e.request, &o.input)) {
                continue;
            }
            self.push(&a.file, "examples", format!("official example `{}` is not in the spec", o.title), &a.notes);
        }
    }

    fn fields(&mut self, file: &str, key: &str, fields: &[FieldSpec], members: &[Member], side: Side, owner_notes: &[String]) {
        for m in members.iter().filter(|m| !fields.iter().any(|f| f.name == m.name)) {
            self.push(file, key, format!("upstream member `{}` ({}) is not in the spec", m.name, m.spec_type()), owner_notes);
        }
        for f in fields {
            let Some(m) = members.iter().find(|m| m.name == f.name) else {
                self.push(file, &format!("{}.name", f.path), format!("`{}` is not upstream", f.name), &f.notes);
                continue;
            };
            let at = |k: &str| format!("{}.{k}", f.path);
            let want = m.spec_type();
            if normalize(&f.ty) != normalize(&want) {
                self.push(file, &at("type"), format!("`{}`: spec `{}`, upstream `{want}`", f.name, f.ty), &f.notes);
            }
            let required = f.required.unwrap_or(key != "request");
            let (want_required, want_output) = m.requiredness(side);
            if required != want_required {
                self.push(file, &at("required"), format!("`{}`: spec required: {required}, upstream {want_required}", f.name), &f.notes);
            }
            if let Some(want) = want_output {
                let got = f.output_required.unwrap_or(required) && !f.disabled;
                if got != want {
                    self.push(file, &at("output_required"), format!("`{}`: spec output_required: {got}, upstream {want}", f.name), &f.notes);
                }
            }
            if f.nullable != m.value_allowed_null.unwrap_or(false) {
                let message = format!("`{}`: spec nullable: {}, upstream {}", f.name, f.nullable, m.value_allowed_null.unwrap_or(false));
                self.push(file, &at("nullable"), message, &f.notes);
            }
            if f.disabled != m.disabled.unwrap_or(false) {
                self.push(file, &at("disabled"), format!("`{}`: spec disabled: {}, upstream {}", f.name, f.disabled, !f.disabled), &f.notes);
            }
        }
    }

    fn errors(&mut self, spec: &Spec, up: &upstream::Service) {
        let file = format!("{}/errors.yaml", up.name);
        let Some(e) = spec.service_errors.iter().find(|e| e.dir == up.name) else {
            if !up.errors.is_empty() {
                let svc = spec.services.iter().find(|s| s.dir == up.name).map_or(&file, |s| &s.file);
                self.out.push(Drift {
                    file: svc.clone(),
                    path: String::new(),
                    message: format!("upstream lists {} service error codes; `{file}` does not exist", up.errors.len()),
                    explained: false,
                });
            }
            return;
        };
        for code in up.errors.iter().filter(|c| !e.errors.iter().any(|s| s.code == c.code)) {
            self.push(&e.file, "errors", format!("upstream error code `{}` is not in the spec", code.code), &e.notes);
        }
        for s in e.errors.iter().filter(|s| !up.errors.iter().any(|c| c.code == s.code)) {
            self.push(&e.file, &format!("{}.code", s.path), format!("error code `{}` is not upstream", s.code), &e.notes);
        }
    }
}

/// `Array of  X` and `Array of X` are the same type.
fn normalize(ty: &str) -> String {
    ty.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Example texts compare without trailing whitespace on each line.
fn same_text(a: &str, b: &str) -> bool {
    a.trim_end().lines().map(str::trim_end).eq(b.trim_end().lines().map(str::trim_end))
}
