//! Checking: [`spec::Spec`] → [`ir::Api`], reporting every semantic problem at once.
//!
//! Order of work (each step reports and carries on, so one run shows everything):
//! common part → per service: the service file, structures (names, fields), actions
//! (names, hosts, fields, errors, pagination), the structure graph (recursion, nesting
//! depth, usage), and last the examples, checked against the now-known shapes
//! (`check::example`). Every diagnostic carries its file and key path; [`Diagnostics::locate`]
//! adds the line:column. Field checks (types, defaults, bounds, value sets, filters) live in
//! `check::fields`.

mod example;
mod fields;

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir;
use crate::names;
use crate::spec::{self, ActionSpec, Spec, StructureSpec};
use std::collections::{BTreeMap, BTreeSet};

/// Deepest documented nesting of structures (PROTOCOL.md: "structures nest up to 5 deep").
pub const MAX_NESTING: usize = 5;

/// Common parameter names that may appear in an example request next to the business
/// parameters (the URL form lists them inline). Includes the legacy signature-v1 names.
const COMMON_QUERY_NAMES: &[&str] = &[
    "Action", "Version", "Region", "Timestamp", "Nonce", "SecretId", "Signature", "SignatureMethod", "Token",
    "Language", "RequestClient",
];

/// Checks the whole spec. `Ok` only when there is nothing to report.
pub fn check(spec: &Spec) -> Result<ir::Api, Diagnostics> {
    let mut ck = Checker { diags: Diagnostics::new() };
    let common = ck.common(spec);
    let mut services = Vec::new();
    let mut by_dir: BTreeMap<&str, &spec::ServiceSpec> = BTreeMap::new();
    for s in &spec.services {
        by_dir.insert(s.dir.as_str(), s);
    }
    // A service whose `service.yaml` could not be read is still checked, against a stand-in
    // that knows only its name (no version or hosts to compare with), so the mistakes in its
    // other files show in the same run; the stand-in's IR is never used, as the run fails.
    let stand_ins: Vec<spec::ServiceSpec> = spec
        .broken_services
        .iter()
        .filter(|dir| !by_dir.contains_key(dir.as_str()))
        .map(|dir| spec::ServiceSpec {
            file: format!("{dir}/service.yaml"),
            dir: dir.clone(),
            service: dir.clone(),
            ..spec::ServiceSpec::default()
        })
        .collect();
    let known = by_dir.iter().map(|(dir, s)| (*dir, *s, true));
    for (dir, s, known) in known.chain(stand_ins.iter().map(|s| (s.dir.as_str(), s, false))) {
        let structures: Vec<&StructureSpec> = spec.structures.iter().filter(|x| x.dir == dir).collect();
        let actions: Vec<&ActionSpec> = spec.actions.iter().filter(|x| x.dir == dir).collect();
        let broken: BTreeSet<&str> =
            spec.broken_structures.iter().filter(|(d, _)| d == dir).map(|(_, n)| n.as_str()).collect();
        let errors: Vec<&spec::ServiceErrorsSpec> = spec.service_errors.iter().filter(|x| x.dir == dir).collect();
        let parts = ServiceParts { structures: &structures, actions: &actions, errors: &errors, broken: &broken, known };
        let service = ck.service(s, &parts, &common, &spec.files);
        if known {
            services.push(service);
        }
    }
    let items = spec.structures.iter().map(|x| (&x.dir, &x.file));
    let items = items.chain(spec.actions.iter().map(|x| (&x.dir, &x.file)));
    for item in items.chain(spec.service_errors.iter().map(|x| (&x.dir, &x.file))) {
        let (dir, file) = item;
        if !by_dir.contains_key(dir.as_str()) && !spec.broken_services.contains(dir) {
            ck.diags.push(
                Diagnostic::file(file.clone(), format!("no service file for directory `{dir}`"))
                    .with_help(format!("add `{dir}/service.yaml` declaring `service: {dir}`")),
            );
        }
    }
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let mut diags = ck.diags;
    diags.locate(|f| spec.files.text(f));
    diags.into_result(ir::Api { common, services })
}

struct Checker {
    diags: Diagnostics,
}

/// The files of one service directory besides its `service.yaml`.
struct ServiceParts<'a> {
    structures: &'a [&'a StructureSpec],
    actions: &'a [&'a ActionSpec],
    errors: &'a [&'a spec::ServiceErrorsSpec],
    /// Stems of its structure files that failed to parse.
    broken: &'a BTreeSet<&'a str>,
    /// False for the stand-in of a `service.yaml` that could not be read: its version and
    /// hosts are unknown, so nothing is compared with them.
    known: bool,
}

/// Which list a field belongs to: decides the `required` default and extra rules.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Request,
    Response,
    Structure,
}

/// A type as written, resolved against the service's structures.
fn parse_type(s: &str) -> Result<ir::Type, String> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix("Array of ") {
        let inner = inner.trim();
        if inner.starts_with("Array of ") || inner == "Array" {
            return Err("arrays never nest (`Array of Array of ...` is not an API 3.0 type)".into());
        }
        return match parse_type(inner)? {
            t @ (ir::Type::Scalar(_) | ir::Type::Struct(_)) => Ok(ir::Type::Array(Box::new(t))),
            ir::Type::Array(_) => Err("arrays never nest".into()),
        };
    }
    let scalar = match s {
        "String" => ir::Scalar::String,
        "Integer" => ir::Scalar::Integer,
        "UInt64" => ir::Scalar::UInteger,
        "Float" => ir::Scalar::Float,
        "Boolean" => ir::Scalar::Boolean,
        "Date" => ir::Scalar::Date,
        "DateTime" => ir::Scalar::DateTime,
        "Timestamp" => ir::Scalar::Timestamp,
        "" => return Err("the type is empty".into()),
        "Array" => return Err("`Array` needs an element type: `Array of <T>`".into()),
        other => {
            if other.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && other.starts_with(|c: char| c.is_ascii_alphabetic())
            {
                return Ok(ir::Type::Struct(other.to_owned()));
            }
            return Err(format!("`{other}` is not a type"));
        }
    };
    Ok(ir::Type::Scalar(scalar))
}

/// Spec type names, for "did you mean".
const SCALAR_NAMES: &[&str] = &["String", "Integer", "UInt64", "Float", "Boolean", "Date", "DateTime", "Timestamp"];

fn type_name(t: &ir::Type) -> String {
    match t {
        ir::Type::Scalar(s) => scalar_name(*s).to_owned(),
        ir::Type::Struct(n) => n.clone(),
        ir::Type::Array(inner) => format!("Array of {}", type_name(inner)),
    }
}

fn scalar_name(s: ir::Scalar) -> &'static str {
    match s {
        ir::Scalar::String => "String",
        ir::Scalar::Integer => "Integer",
        ir::Scalar::UInteger => "UInt64",
        ir::Scalar::Float => "Float",
        ir::Scalar::Boolean => "Boolean",
        ir::Scalar::Date => "Date",
        ir::Scalar::DateTime => "DateTime",
        ir::Scalar::Timestamp => "Timestamp",
    }
}

fn is_integer(t: &ir::Type) -> bool {
    matches!(t, ir::Type::Scalar(ir::Scalar::Integer | ir::Scalar::UInteger))
}

/// Names an example may use without being checked: fields whose declaration was wrong
/// (already reported), so the examples do not repeat the same mistake as follow-on errors.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tolerated {
    /// Everything goes (the structure's file was only partly understood).
    pub all: bool,
    /// These wire names go.
    pub names: BTreeSet<String>,
}

impl Tolerated {
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.all || self.names.contains(name)
    }
}

/// The service-wide table of Rust type names: structs, request/response/error types,
/// value-set enums and the client names all live in one module.
#[derive(Default)]
struct TypeNames {
    /// Rust name → what uses it (for messages).
    used: BTreeMap<String, String>,
    /// Enum rust name → its value set, for sharing one enum between fields.
    enums: BTreeMap<String, ir::ValueSet>,
}

/// What the checker knows about a service while checking its items.
struct ServiceCx<'a> {
    name: String,
    version: String,
    hosts: Vec<String>,
    structures: BTreeMap<String, &'a StructureSpec>,
    broken: &'a BTreeSet<&'a str>,
    /// The spec texts, for pointing into example text.
    files: &'a spec::SpecFiles,
    /// Wire name → checked fields, filled before the actions are checked.
    struct_fields: BTreeMap<String, Vec<ir::Field>>,
    /// Wire name → fields of that structure whose declaration was wrong.
    struct_tolerated: BTreeMap<String, Tolerated>,
    types: TypeNames,
    /// The service's codes and the common ones, sorted by code: what every action can return.
    known_errors: Vec<ir::ErrorCode>,
}

impl Checker {
    fn err(&mut self, file: &str, path: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic::path(file, path, message));
    }

    fn err_help(&mut self, file: &str, path: &str, message: impl Into<String>, help: impl Into<String>) {
        self.diags.push(Diagnostic::path(file, path, message).with_help(help));
    }

    // ---------------------------------------------------------------- common.yaml

    fn common(&mut self, spec: &Spec) -> ir::Common {
        let Some(c) = &spec.common else {
            if spec.files.text("common.yaml").is_none() {
                self.diags.push(
                    Diagnostic::file("common.yaml", "missing `common.yaml`")
                        .with_help("it declares the common request parameters and error codes"),
                );
            }
            return ir::Common { errors: Vec::new(), parameters: Vec::new() };
        };
        let mut parameters = Vec::new();
        let mut names = BTreeMap::new();
        let mut headers = BTreeMap::new();
        for p in &c.parameters {
            if p.name.is_empty() {
                // reported by the loader
            } else if let Some(first) = names.insert(p.name.clone(), p.path.clone()) {
                self.err(&c.file, &format!("{}.name", p.path), format!("duplicate common parameter `{}` (first at {first})", p.name));
            }
            if p.header.is_empty() {
                // reported by the loader
            } else if !p.header.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-') {
                self.err(&c.file, &format!("{}.header", p.path), format!("`{}` is not an HTTP header name", p.header));
            } else if let Some(first) = headers.insert(p.header.to_ascii_lowercase(), p.path.clone()) {
                self.err(&c.file, &format!("{}.header", p.path), format!("duplicate header `{}` (first at {first})", p.header));
            }
            let ty = match parse_type(&p.ty) {
                _ if p.ty.trim().is_empty() => ir::Type::Scalar(ir::Scalar::String), // reported by the loader
                Ok(t @ ir::Type::Scalar(_)) => t,
                Ok(other) => {
                    self.err(&c.file, &format!("{}.type", p.path), format!("a common parameter is a scalar, not `{}`", type_name(&other)));
                    other
                }
                Err(e) => {
                    self.err(&c.file, &format!("{}.type", p.path), e);
                    ir::Type::Scalar(ir::Scalar::String)
                }
            };
            parameters.push(ir::CommonParameter {
                name: p.name.clone(),
                header: p.header.clone(),
                required: p.required,
                ty,
                description: p.description.clone(),
            });
        }
        let errors = self.error_codes(&c.file, &c.errors, &[]);
        ir::Common { errors, parameters }
    }

    /// Checks a list of error codes (syntax, duplicates, Rust names unique together with
    /// `also`, the common codes an action's error enum will hold too). Sorted by code.
    fn error_codes(&mut self, file: &str, errors: &[spec::ErrorSpec], also: &[ir::ErrorCode]) -> Vec<ir::ErrorCode> {
        let mut by_code: BTreeMap<String, &spec::ErrorSpec> = BTreeMap::new();
        let mut variants: BTreeMap<String, String> =
            also.iter().map(|e| (e.rust_name.clone(), e.code.clone())).collect();
        let mut out = Vec::new();
        for e in errors {
            let path = format!("{}.code", e.path);
            if e.code.is_empty() {
                continue; // reported by the loader
            }
            let valid = !e.code.is_empty()
                && e.code.split('.').all(|seg| {
                    seg.starts_with(|c: char| c.is_ascii_alphabetic())
                        && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
            if !valid {
                self.err_help(file, &path, format!("`{}` is not an error code", e.code), "codes look like `InternalError.MainDBFail`");
                continue;
            }
            if let Some(first) = by_code.get(&e.code) {
                self.err(file, &path, format!("duplicate error code `{}` (first at {})", e.code, first.path));
                continue;
            }
            by_code.insert(e.code.clone(), e);
            let rust_name = match names::upper_camel(&e.code) {
                Ok(n) => n,
                Err(err) => {
                    self.err(file, &path, format!("`{}` cannot become a Rust identifier: {err}", e.code));
                    continue;
                }
            };
            if rust_name == "Unknown" {
                self.err(file, &path, "`Unknown` is reserved for codes the spec does not list");
            }
            match variants.get(&rust_name) {
                Some(other) if *other != e.code => self.err(
                    file,
                    &path,
                    format!("error codes `{other}` and `{}` both become the Rust variant `{rust_name}`", e.code),
                ),
                _ => {
                    variants.insert(rust_name.clone(), e.code.clone());
                }
            }
            out.push(ir::ErrorCode { code: e.code.clone(), rust_name, description: e.description.clone() });
        }
        out.sort_by(|a, b| a.code.cmp(&b.code));
        out
    }

    // ---------------------------------------------------------------- services

    /// The checks of `service.yaml` itself: name, version, hosts.
    fn service_header(&mut self, s: &spec::ServiceSpec) {
        let file = s.file.as_str();
        if !s.service.is_empty() && s.service != s.dir {
            self.err_help(
                file,
                "service",
                format!("service `{}` is declared in directory `{}`", s.service, s.dir),
                "the directory name is the service name (the host prefix)",
            );
        }
        if !s.service.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) {
            self.err(file, "service", format!("service name `{}` must be lowercase letters and digits", s.service));
        }
        let v = s.version.as_bytes();
        let version_ok = v.len() == 10
            && v.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() });
        if !version_ok && !s.version.is_empty() {
            self.err_help(file, "version", format!("`{}` is not an API version", s.version), "versions look like \"2020-11-01\" (quoted)");
        }
        let prefix = format!("{}.", s.service);
        let mut hosts = vec![s.default_host.as_str()];
        self.host_name(file, "default_host", &s.default_host, &prefix);
        for h in &s.other_hosts {
            let path = format!("{}.host", h.path);
            self.host_name(file, &path, &h.host, &prefix);
            if hosts.contains(&h.host.as_str()) {
                self.err(file, &path, format!("host `{}` is listed twice", h.host));
                continue;
            }
            hosts.push(&h.host);
        }
    }

    fn service(
        &mut self,
        s: &spec::ServiceSpec,
        &ServiceParts { structures, actions, errors: service_errors, broken, known }: &ServiceParts<'_>,
        common: &ir::Common,
        files: &spec::SpecFiles,
    ) -> ir::Service {
        if known {
            self.service_header(s);
        }
        let module = names::snake(&s.service).unwrap_or_default();
        let trait_name = names::upper_camel(&s.service).unwrap_or_default();
        let client_name = format!("{trait_name}Client");
        let mut hosts = Vec::new();
        let mut other_hosts = Vec::new();
        if known {
            hosts.push(s.default_host.clone());
            for h in &s.other_hosts {
                if !hosts.contains(&h.host) {
                    hosts.push(h.host.clone());
                    other_hosts.push(ir::Host { host: h.host.clone(), description: h.description.clone() });
                }
            }
        }

        let mut errors = Vec::new();
        for e in service_errors {
            errors.extend(self.error_codes(&e.file, &e.errors, &common.errors));
        }
        // A common code listed again by the service stays a common code.
        errors.retain(|e| !common.errors.iter().any(|c| c.code == e.code));
        errors.sort_by(|a, b| a.code.cmp(&b.code));
        let mut known_errors = errors.clone();
        known_errors.extend(common.errors.iter().filter(|c| !errors.iter().any(|e| e.code == c.code)).cloned());
        known_errors.sort_by(|a, b| a.code.cmp(&b.code));
        let error_type = format!("{trait_name}ErrorCode");
        let mut cx = ServiceCx {
            known_errors,
            name: s.service.clone(),
            version: s.version.clone(),
            hosts,
            structures: BTreeMap::new(),
            broken,
            files,
            struct_fields: BTreeMap::new(),
            struct_tolerated: BTreeMap::new(),
            types: TypeNames::default(),
        };
        for (n, what) in
            [(&trait_name, "the service trait"), (&client_name, "the service client"), (&error_type, "the service's error codes")]
        {
            cx.types.used.insert(n.clone(), what.to_owned());
        }

        // Structures: names first (so fields can refer to any of them), then fields.
        let mut sorted: Vec<&StructureSpec> = structures.to_vec();
        sorted.sort_by(|a, b| (&a.structure, &a.file).cmp(&(&b.structure, &b.file)));
        let mut structure_names: BTreeMap<String, String> = BTreeMap::new(); // wire → rust
        for st in &sorted {
            if st.structure.is_empty() {
                continue; // reported by the loader
            }
            if st.structure != st.stem {
                self.err_help(
                    &st.file,
                    "structure",
                    format!("structure `{}` is declared in `{}.yaml`", st.structure, st.stem),
                    format!("a structure file is named after its structure: `{}.yaml`", st.structure),
                );
            }
            if let Some(first) = cx.structures.get(&st.structure) {
                self.err(&st.file, "structure", format!("duplicate structure `{}` (also declared in {})", st.structure, first.file));
                continue;
            }
            let rust_name = match names::upper_camel(&st.structure) {
                Ok(n) => n,
                Err(e) => {
                    self.err(&st.file, "structure", format!("structure name `{}` cannot become a Rust identifier: {e}", st.structure));
                    continue;
                }
            };
            if let Some(user) = cx.types.used.get(&rust_name) {
                self.err(&st.file, "structure", format!("Rust type name `{rust_name}` is already used by {user}"));
            }
            cx.types.used.insert(rust_name.clone(), format!("structure `{}`", st.structure));
            cx.structures.insert(st.structure.clone(), st);
            structure_names.insert(st.structure.clone(), rust_name);
        }
        // Action type names are registered before any enum, so a derived enum name never
        // takes a request/response type's name.
        let mut sorted_actions: Vec<&ActionSpec> = actions.to_vec();
        sorted_actions.sort_by(|a, b| (&a.action, &a.file).cmp(&(&b.action, &b.file)));
        let mut action_names: BTreeMap<String, (String, String, [String; 3])> = BTreeMap::new();
        for a in &sorted_actions {
            if a.action.is_empty() {
                continue; // reported by the loader
            }
            if a.action != a.stem {
                self.err_help(
                    &a.file,
                    "action",
                    format!("action `{}` is declared in `{}.yaml`", a.action, a.stem),
                    format!("an action file is named after its action: `{}.yaml`", a.action),
                );
            }
            if let Some((first, _, _)) = action_names.get(&a.action) {
                self.err(&a.file, "action", format!("duplicate action `{}` (also declared in {first})", a.action));
                continue;
            }
            let (method, base) = match (names::snake(&a.action), names::upper_camel(&a.action)) {
                (Ok(m), Ok(b)) => (m, b),
                (Err(e), _) | (_, Err(e)) => {
                    self.err(&a.file, "action", format!("action name `{}` cannot become a Rust identifier: {e}", a.action));
                    continue;
                }
            };
            // Each action's Cargo feature is `<service>-<method in kebab case>`, and
            // `<service>-base` is already the service module's own.
            if method.trim_end_matches('_') == "base" {
                self.err_help(
                    &a.file,
                    "action",
                    format!("action `{}` would get the Cargo feature `<service>-base`, which is the service module's", a.action),
                    "rename the action in the spec; no API 3.0 action is named so",
                );
            }
            let types = [format!("{base}Request"), format!("{base}Response"), format!("{base}ErrorCode")];
            for t in &types {
                if let Some(user) = cx.types.used.get(t) {
                    self.err(&a.file, "action", format!("Rust type name `{t}` is already used by {user}"));
                }
                cx.types.used.insert(t.clone(), format!("action `{}`", a.action));
            }
            action_names.insert(a.action.clone(), (a.file.clone(), method, types));
        }

        let mut ir_structures = Vec::new();
        for (wire, rust_name) in &structure_names {
            let Some(st) = cx.structures.get(wire).copied() else { continue };
            let (fields, mut tolerated) = self.fields(&st.file, &st.fields, rust_name, Side::Structure, &mut cx);
            tolerated.all |= !st.complete;
            cx.struct_fields.insert(wire.clone(), fields.clone());
            cx.struct_tolerated.insert(wire.clone(), tolerated);
            ir_structures.push(ir::Structure {
                name: wire.clone(),
                rust_name: rust_name.clone(),
                description: st.description.clone(),
                fields,
                usage: ir::Usage::default(),
                actions: Vec::new(),
                notes: st.notes.clone(),
                source: st.file.clone(),
            });
        }

        let mut ir_actions = Vec::new();
        for a in &sorted_actions {
            let Some((file, method, types)) = action_names.get(&a.action) else { continue };
            if file != &a.file {
                continue; // the duplicate, already reported
            }
            ir_actions.push(self.action(a, method, types, &mut cx, common));
        }

        self.structure_graph(&mut ir_structures, &ir_actions, &cx);

        ir::Service {
            name: s.service.clone(),
            module,
            trait_name,
            client_name,
            title: s.title.clone(),
            version: s.version.clone(),
            default_host: s.default_host.clone(),
            other_hosts,
            description: s.description.clone(),
            structures: ir_structures,
            actions: ir_actions,
            errors,
            error_type,
            source: s.file.clone(),
        }
    }

    fn host_name(&mut self, file: &str, path: &str, host: &str, prefix: &str) {
        if host.is_empty() {
            return; // reported by the loader
        }
        let valid = !host.is_empty()
            && host.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !valid {
            self.err(file, path, format!("`{host}` is not a host name"));
        } else if !host.starts_with(prefix) {
            self.err_help(
                file,
                path,
                format!("host `{host}` is not under the service"),
                format!("hosts of this service start with `{prefix}`"),
            );
        }
    }

    // ---------------------------------------------------------------- actions

    fn action(
        &mut self,
        a: &ActionSpec,
        method: &str,
        [request_type, response_type, error_type]: &[String; 3],
        cx: &mut ServiceCx<'_>,
        common: &ir::Common,
    ) -> ir::Action {
        let file = a.file.as_str();
        let mut hosts: Vec<String> = Vec::new();
        for h in &a.hosts {
            // No hosts: the stand-in of an unreadable service.yaml, nothing to compare with.
            if !cx.hosts.is_empty() && !cx.hosts.contains(&h.value) {
                self.err_help(
                    file,
                    &h.path,
                    format!("host `{}` is not a host of service `{}`", h.value, cx.name),
                    format!("the service's hosts are: {}", cx.hosts.join(", ")),
                );
            } else if hosts.contains(&h.value) {
                self.err(file, &h.path, format!("host `{}` is listed twice", h.value));
            } else {
                hosts.push(h.value.clone());
            }
        }
        let rate_limit = match a.rate_limit {
            None => None,
            Some(n) => match u32::try_from(n) {
                Ok(v) if v > 0 => Some(v),
                _ => {
                    self.err(file, "rate_limit", format!("rate_limit must be a positive number of requests per second, not {n}"));
                    None
                }
            },
        };
        let (request, request_tolerated) = self.fields(file, &a.request, request_type, Side::Request, cx);
        let (response, response_tolerated) = self.fields(file, &a.response, response_type, Side::Response, cx);
        let errors = self.error_codes(file, &a.errors, &common.errors);
        let tolerated = [&request_tolerated, &response_tolerated];
        let pagination =
            a.pagination.as_ref().and_then(|p| self.pagination(file, p, &request, &response, tolerated, a.complete));
        let mut examples = Vec::new();
        let mut faulty_examples = Vec::new();
        let spec_text = cx.files.text(file);
        if a.complete {
            for ex in &a.examples {
                let mut ecx = example::Cx {
                    file,
                    text: spec_text,
                    action: &a.action,
                    version: &cx.version,
                    hosts: &cx.hosts,
                    struct_fields: &cx.struct_fields,
                    struct_tolerated: &cx.struct_tolerated,
                    errors: &errors,
                    common_errors: &cx.known_errors,
                    diags: &mut self.diags,
                };
                match ecx.example(ex, (&request, &request_tolerated), (&response, &response_tolerated)) {
                    Ok(Some(e)) => examples.push(e),
                    Ok(None) => {}
                    Err(faulty) => faulty_examples.push(faulty),
                }
            }
        }
        let idempotency_token = self.idempotency_token(file, a, &request);
        let own_errors = errors.iter().filter(|e| !cx.known_errors.iter().any(|k| k.code == e.code)).cloned().collect();
        ir::Action {
            own_errors,
            title: a.title.clone(),
            deprecated: a.deprecated,
            faulty_examples,
            idempotent: a.idempotent.unwrap_or_else(|| names::is_read_only_verb(&a.action)),
            idempotency_token,
            unsigned: a.unsigned,
            name: a.action.clone(),
            method: method.to_owned(),
            request_type: request_type.clone(),
            response_type: response_type.clone(),
            error_type: error_type.clone(),
            description: a.description.clone(),
            rate_limit,
            hosts,
            request,
            response,
            errors,
            examples,
            pagination,
            notes: a.notes.clone(),
            source: a.file.clone(),
        }
    }

    /// The stated idempotency-token parameter, checked to be a top-level `String` request
    /// parameter; else a `ClientToken` parameter of that type, inferred.
    fn idempotency_token(&mut self, file: &str, a: &ActionSpec, request: &[ir::Field]) -> Option<String> {
        let is_string = |f: &&ir::Field| f.ty == ir::Type::Scalar(ir::Scalar::String);
        let Some(name) = &a.idempotency_token else {
            return request.iter().filter(is_string).find(|f| f.name == "ClientToken").map(|f| f.name.clone());
        };
        match request.iter().find(|f| &f.name == name) {
            Some(f) if is_string(&f) => Some(name.clone()),
            Some(f) => {
                let msg = format!("idempotency_token `{name}` must be a String parameter, not `{}`", type_name(&f.ty));
                self.err(file, "idempotency_token", msg);
                None
            }
            None if !a.complete => None,
            None => {
                let msg = format!("idempotency_token names `{name}`, which is not a request parameter");
                match names::did_you_mean(name, request.iter().map(|f| f.name.as_str())) {
                    Some(s) => self.err_help(file, "idempotency_token", msg, format!("did you mean `{s}`?")),
                    None => self.err(file, "idempotency_token", msg),
                }
                None
            }
        }
    }

    fn pagination(
        &mut self,
        file: &str,
        p: &spec::PaginationSpec,
        request: &[ir::Field],
        response: &[ir::Field],
        [request_tolerated, response_tolerated]: [&Tolerated; 2],
        complete: bool,
    ) -> Option<ir::Pagination> {
        if !complete {
            return None;
        }
        let mut ok = true;
        let mut need = |ck: &mut Checker, key: &str, name: &str, fields: &[ir::Field], side: &str, want: &str, pred: fn(&ir::Type) -> bool| {
            let path = format!("{}.{key}", p.path);
            let tolerated = if side == "request" { request_tolerated } else { response_tolerated };
            if tolerated.contains(name) {
                ok = false;
                return;
            }
            match fields.iter().find(|f| f.name == name) {
                None => {
                    ok = false;
                    let msg = format!("pagination names `{name}`, which is not a {side} field");
                    match names::did_you_mean(name, fields.iter().map(|f| f.name.as_str())) {
                        Some(s) => ck.err_help(file, &path, msg, format!("did you mean `{s}`?")),
                        None => ck.err(file, &path, msg),
                    }
                }
                Some(f) if !pred(&f.ty) => {
                    ok = false;
                    ck.err(file, &path, format!("pagination {key} `{name}` must be {want}, not `{}`", type_name(&f.ty)));
                }
                Some(_) => {}
            }
        };
        need(self, "offset", &p.offset, request, "request", "an Integer", is_integer);
        need(self, "limit", &p.limit, request, "request", "an Integer", is_integer);
        need(self, "items", &p.items, response, "response", "an array", |t| matches!(t, ir::Type::Array(_)));
        if let Some(total) = &p.total {
            need(self, "total", total, response, "response", "an Integer", is_integer);
        }
        ok.then(|| ir::Pagination {
            offset: p.offset.clone(),
            limit: p.limit.clone(),
            items: p.items.clone(),
            total: p.total.clone(),
            inferred: p.inferred,
        })
    }

    // ---------------------------------------------------------------- structure graph

    /// Recursion, nesting depth and usage of the service's structures.
    fn structure_graph(&mut self, structures: &mut [ir::Structure], actions: &[ir::Action], cx: &ServiceCx<'_>) {
        let edges: BTreeMap<&str, BTreeSet<&str>> = structures
            .iter()
            .map(|s| (s.name.as_str(), s.fields.iter().filter_map(|f| f.ty.structure()).collect()))
            .collect();
        let file_of = |n: &str| cx.structures.get(n).map(|s| s.file.clone()).unwrap_or_default();

        // Cycles: report each once, at its smallest member.
        let mut in_cycle: BTreeSet<&str> = BTreeSet::new();
        for start in edges.keys() {
            if in_cycle.contains(start) {
                continue;
            }
            if let Some(cycle) = find_cycle(start, &edges) {
                let smallest = cycle.iter().min().copied().unwrap_or(start);
                if *start == smallest {
                    let mut shown: Vec<&str> = cycle.clone();
                    shown.push(start);
                    self.err_help(
                        &file_of(start),
                        "structure",
                        format!("structure `{start}` is recursive: {}", shown.join(" → ")),
                        "API 3.0 structures never nest recursively; check the field types",
                    );
                }
                in_cycle.extend(cycle);
            }
        }

        // Depth (1 for a structure without structure fields), skipping cycles.
        let mut depth: BTreeMap<&str, usize> = BTreeMap::new();
        for n in edges.keys() {
            depth_of(n, &edges, &in_cycle, &mut depth, 0);
        }
        let has_deep_parent = |n: &str| {
            edges.iter().any(|(p, cs)| cs.contains(n) && depth.get(p).copied().unwrap_or(0) > MAX_NESTING)
        };
        for (n, d) in &depth {
            if *d > MAX_NESTING && !has_deep_parent(n) {
                let mut chain = vec![*n];
                let mut cur = *n;
                while let Some(next) = edges
                    .get(cur)
                    .and_then(|cs| cs.iter().filter(|c| !in_cycle.contains(*c)).max_by_key(|c| depth.get(*c).copied().unwrap_or(0)))
                {
                    chain.push(next);
                    cur = next;
                }
                self.err(
                    &file_of(n),
                    "structure",
                    format!("structure `{n}` nests {d} levels deep (at most {MAX_NESTING}): {}", chain.join(" → ")),
                );
            }
        }

        // Usage: reachable from a request (input) or a response (output).
        let reach = |roots: Vec<&str>| {
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let mut stack = roots;
            while let Some(n) = stack.pop() {
                if seen.insert(n.to_owned())
                    && let Some(cs) = edges.get(n)
                {
                    stack.extend(cs.iter().copied());
                }
            }
            seen
        };
        let input = reach(actions.iter().flat_map(|a| a.request.iter().filter_map(|f| f.ty.structure())).collect());
        let output = reach(actions.iter().flat_map(|a| a.response.iter().filter_map(|f| f.ty.structure())).collect());
        let mut reached_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for a in actions {
            let roots = a.request.iter().chain(&a.response).filter_map(|f| f.ty.structure()).collect();
            for s in reach(roots) {
                reached_by.entry(s).or_default().push(a.name.clone());
            }
        }
        for s in structures.iter_mut() {
            s.usage = ir::Usage { input: input.contains(&s.name), output: output.contains(&s.name) };
            s.actions = reached_by.remove(&s.name).unwrap_or_default();
            s.actions.sort_unstable();
        }
    }
}

/// A cycle through `start`, as the list of its members starting at `start`.
fn find_cycle<'a>(start: &'a str, edges: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<&'a str>> {
    // Iterative DFS over paths from `start`, looking for an edge back to `start`.
    let mut stack: Vec<(Vec<&'a str>, &'a str)> = vec![(vec![start], start)];
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    while let Some((path, node)) = stack.pop() {
        for &next in edges.get(node).into_iter().flatten() {
            if next == start {
                return Some(path);
            }
            if visited.insert(next) {
                let mut p = path.clone();
                p.push(next);
                stack.push((p, next));
            }
        }
    }
    None
}

fn depth_of<'a>(
    n: &'a str,
    edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
    in_cycle: &BTreeSet<&'a str>,
    memo: &mut BTreeMap<&'a str, usize>,
    guard: usize,
) -> usize {
    if let Some(d) = memo.get(n) {
        return *d;
    }
    if in_cycle.contains(n) || guard > edges.len() {
        return 0;
    }
    let mut d = 1;
    for &c in edges.get(n).into_iter().flatten() {
        d = d.max(1 + depth_of(c, edges, in_cycle, memo, guard + 1));
    }
    memo.insert(n, d);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_parse() {
        assert_eq!(parse_type("Integer"), Ok(ir::Type::Scalar(ir::Scalar::Integer)));
        assert_eq!(parse_type("UInt64"), Ok(ir::Type::Scalar(ir::Scalar::UInteger)));
        assert_eq!(
            parse_type("Array of AssetFilters"),
            Ok(ir::Type::Array(Box::new(ir::Type::Struct("AssetFilters".into()))))
        );
        assert!(parse_type("Array of Array of String").is_err());
        assert!(parse_type("Array").is_err());
        assert!(parse_type("").is_err());
        assert!(parse_type("Map<String, String>").is_err());
    }
}
