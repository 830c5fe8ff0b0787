//! `cargo xtask synth`: a synthetic spec with the shape of a real API 3.0 service, for the
//! scale benchmarks (`bench/`, `BENCHMARKS.md`).
//!
//! [`synth`] is a pure function of `(actions, seed, services)`: it builds the spec in memory
//! as YAML texts ([`SpecFiles`]); only the CLI writes them. The spec passes
//! `tc_codegen::build` with no diagnostic and uses what the real TCSS and CWP pages use:
//! every scalar type, structures shared between actions and nested up to five deep, arrays of
//! scalars and of structures, nullable and optional fields, open string and integer value
//! sets (one shared by name), `Filters.N` with documented filter names, snake_case
//! collisions and keyword names, bounds and defaults, error codes, GET- and POST-form
//! examples that match the declared shapes, and Offset/Limit pagination.
//!
//! Shape per action, on average (the CLI prints the measured figures): about 2.5 structures
//! (new ones, a few shared ones reused), 12 request and response fields, structures of about
//! 9 fields, 4 error codes, one example; half the actions are paged `Describe...List`
//! actions. `common.yaml` is the real one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use tc_codegen::SpecFiles;

/// What to synthesize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Number of actions, over all services.
    pub actions: usize,
    /// PRNG seed: the same `(actions, seed, services)` always gives the same bytes.
    pub seed: u64,
    /// Number of services the actions are split into (one module and feature each).
    pub services: usize,
}

/// The real common part: every API 3.0 service shares it.
const COMMON_YAML: &str = include_str!("../../spec/common.yaml");

/// Synthesizes the spec: `common.yaml`, and per service `service.yaml`, one file per
/// structure and one per action.
pub fn synth(params: &Params) -> SpecFiles {
    let services = params.services.max(1);
    let mut files: Vec<(String, String)> = vec![("common.yaml".to_owned(), COMMON_YAML.to_owned())];
    for s in 0..services {
        let name = if services == 1 { "synth".to_owned() } else { format!("synth{}", s + 1) };
        let first = params.actions * s / services;
        let last = params.actions * (s + 1) / services;
        let seed = params.seed ^ (s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut service = ServiceGen::new(&name, seed);
        for _ in first..last {
            service.action();
        }
        files.extend(service.render());
    }
    SpecFiles::from_pairs(files)
}

// ------------------------------------------------------------------------------------ PRNG

/// splitmix64: tiny, fast, and good enough to pick names and shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut x = self.next() % total.max(1);
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

// ------------------------------------------------------------------------------- vocabulary

/// Nouns of the security products (one CamelCase segment each, so concatenations never
/// collide with each other). None may form a common parameter name (`SecretId`, `Token`):
/// the URL form of an example skips those.
const WORDS: &[&str] = &[
    "Image", "Host", "Cluster", "Node", "Pod", "Container", "Policy", "Rule", "Event", "Vul", "Asset", "Task",
    "Risk", "Alarm", "Registry", "Repo", "Namespace", "Process", "Port", "File", "Account", "License", "Agent",
    "Machine", "Virus", "Quota", "Job", "Label", "Log", "Network", "Disk", "Owner", "Project", "Instance",
    "Component", "Package", "Kernel", "User", "Group", "Source", "Target", "Defence", "Baseline", "Webshell",
    "Escape", "Abnormal", "Access", "Workload", "Credential", "Mount", "Privilege", "Protocol", "Service", "Zone",
];
const VERBS: &[&str] = &[
    "Create", "Modify", "Delete", "Add", "Update", "Check", "Export", "Stop", "Open", "Close", "Sync", "Scan",
    "Rename", "Confirm", "Remove", "Set",
];
const ACTION_SUFFIXES: &[&str] = &["Info", "Detail", "Summary", "Status", "Config", "Overview", "Stat", "Setting"];
const STRUCT_SUFFIXES: &[&str] = &["Info", "Item", "Detail", "Record", "Config", "Stat", "Rule", "Summary", "Entry", "Data"];
const STATUS_VALUES: &[&str] =
    &["NORMAL", "ABNORMAL", "PENDING", "RUNNING", "FINISHED", "FAILED", "STOPPED", "OFFLINE", "ONLINE", "DELETED"];
const KIND_VALUES: &[&str] = &["AUTO", "MANUAL", "LOCAL", "REGISTRY", "CLUSTER", "HOST", "POD", "IMAGE", "SYSTEM", "CUSTOM"];
const INT_NAMES: &[&str] = &["Off", "On", "Partial", "Expired", "Isolated", "Trial", "Paid", "Free"];
const PLACEHOLDER_WORDS: &[&str] = &["alpha", "beta", "gamma", "delta", "prod", "test", "web", "db", "cache", "edge"];

/// The shared `RiskLevel` value set: fields naming `enum: RiskLevel` must list it identically.
const RISK_LEVELS: &[(i64, &str, &str)] =
    &[(1, "Low", "low risk"), (2, "Medium", "medium risk"), (3, "High", "high risk"), (4, "Critical", "critical risk")];

/// Common error codes (and sub-codes) the pages list as business codes.
const ERROR_CODES: &[(&str, &str)] = &[
    ("FailedOperation", "The operation failed."),
    ("InternalError", "An internal error occurred."),
    ("InternalError.MainDBFail", "The database operation failed."),
    ("InvalidParameter", "The parameter is incorrect."),
    ("InvalidParameter.InvalidFormat", "The parameter format is incorrect."),
    ("InvalidParameter.MissingParameter", "The required parameter is missing."),
    ("InvalidParameter.ParsingError", "A parameter parsing error occurred."),
    ("InvalidParameterValue", "The parameter value is incorrect."),
    ("LimitExceeded", "The quota limit is exceeded."),
    ("MissingParameter", "A parameter is missing."),
    ("ResourceInUse", "The resource is in use."),
    ("ResourceNotFound", "The resource does not exist."),
    ("UnauthorizedOperation", "The operation is unauthorized."),
    ("OperationDenied", "The operation was denied."),
];

// ------------------------------------------------------------------------------------ model

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Str,
    Int,
    UInt,
    Float,
    Bool,
    Date,
    DateTime,
    Timestamp,
    /// Index into [`ServiceGen::structs`].
    Struct(usize),
}

#[derive(Debug, Clone)]
enum ValueSet {
    Str(Vec<&'static str>),
    /// `(value, variant name, description)`.
    Int(Vec<(i64, &'static str, String)>),
}

#[derive(Debug, Clone)]
struct FieldDef {
    name: String,
    base: Base,
    array: bool,
    /// `Some` only when it differs from the default of where the field sits.
    required: Option<bool>,
    nullable: bool,
    description: String,
    default: Option<Value>,
    minimum: Option<i64>,
    maximum: Option<i64>,
    values: Option<ValueSet>,
    enum_name: Option<&'static str>,
    /// `(filter name, values)` of a `Filters` parameter.
    filters: Vec<(&'static str, Vec<&'static str>)>,
}

impl FieldDef {
    fn new(name: impl Into<String>, base: Base, description: impl Into<String>) -> Self {
        FieldDef {
            name: name.into(),
            base,
            array: false,
            required: None,
            nullable: false,
            description: description.into(),
            default: None,
            minimum: None,
            maximum: None,
            values: None,
            enum_name: None,
            filters: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
struct StructDef {
    name: String,
    description: String,
    fields: Vec<FieldDef>,
    /// Nesting depth: 1 without structure fields.
    height: usize,
}

#[derive(Debug, Clone)]
struct ActionDef {
    name: String,
    description: String,
    rate_limit: u32,
    intl: bool,
    request: Vec<FieldDef>,
    response: Vec<FieldDef>,
    errors: Vec<(String, String)>,
    paged: bool,
    /// Per example: POST form (else URL form), and the seed its values come from.
    examples: Vec<(bool, u64)>,
}

/// Where a field sits: request parameters default to optional, the rest to required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Request,
    Output,
}

// -------------------------------------------------------------------------------- generator

struct ServiceGen {
    rng: Rng,
    name: String,
    host: String,
    intl_host: String,
    structs: Vec<StructDef>,
    actions: Vec<ActionDef>,
    /// Every Rust type name of the service, so synthetic names never clash.
    type_names: BTreeSet<String>,
    filter: usize,
    tag: usize,
}

impl ServiceGen {
    fn new(name: &str, seed: u64) -> Self {
        let mut service = ServiceGen {
            rng: Rng(seed),
            name: name.to_owned(),
            host: format!("{name}.tencentcloudapi.com"),
            intl_host: format!("{name}.intl.tencentcloudapi.com"),
            structs: Vec::new(),
            actions: Vec::new(),
            type_names: [upper_camel(name), format!("{}Client", upper_camel(name)), "RiskLevel".into(), "SortOrder".into()]
                .into_iter()
                .collect(),
            filter: 0,
            tag: 1,
        };
        let mut exact = FieldDef::new("ExactMatch", Base::Bool, "Whether the values must match exactly.");
        exact.required = Some(false);
        service.filter = service.push_struct(StructDef {
            name: "Filter".into(),
            description: "A filter: a name and the values it accepts.".into(),
            fields: vec![
                FieldDef::new("Name", Base::Str, "Filter name."),
                FieldDef { array: true, ..FieldDef::new("Values", Base::Str, "Filter values.") },
                exact,
            ],
            height: 1,
        });
        service.tag = service.push_struct(StructDef {
            name: "Tag".into(),
            description: "A resource tag.".into(),
            fields: vec![FieldDef::new("Key", Base::Str, "Tag key."), FieldDef::new("Value", Base::Str, "Tag value.")],
            height: 1,
        });
        service
    }

    fn push_struct(&mut self, def: StructDef) -> usize {
        self.type_names.insert(def.name.clone());
        self.structs.push(def);
        self.structs.len() - 1
    }

    /// A fresh `Word Word` entity whose names (with `suffixes`) are all unused.
    fn fresh_name(&mut self, prefix: &str, suffix: &str, taken: impl Fn(&Self, &str) -> bool) -> String {
        for attempt in 0.. {
            let a = *self.rng.pick(WORDS);
            let b = *self.rng.pick(WORDS);
            if a == b {
                continue;
            }
            let extra = if attempt > 50 { self.rng.pick(WORDS).to_string() } else { String::new() };
            let name = format!("{prefix}{a}{b}{extra}{suffix}");
            if !taken(self, &name) {
                return name;
            }
        }
        unreachable!("the loop only ends by returning")
    }

    /// Adds one action, with the new structures it introduces.
    fn action(&mut self) {
        let paged = self.rng.chance(50);
        let verb = if paged || self.rng.chance(20) { "Describe" } else { *self.rng.pick(VERBS) };
        let suffix = if paged { "List" } else { *self.rng.pick(ACTION_SUFFIXES) };
        let name = self.fresh_name(verb, suffix, |s, n| {
            ["Request", "Response", "ErrorCode", "Pages"].iter().any(|t| s.type_names.contains(&format!("{n}{t}")))
        });
        for t in ["Request", "Response", "ErrorCode", "Pages"] {
            self.type_names.insert(format!("{name}{t}"));
        }

        // New structures: a random tree of 0..=5 (at least one item type for a list).
        let count = match self.rng.weighted(&[5, 20, 25, 28, 14, 8]) {
            0 if paged => 1,
            n => n,
        };
        let root = self.structure_tree(count);

        let mut request = Vec::new();
        let mut response = Vec::new();
        let mut req_names = BTreeSet::new();
        let mut resp_names = BTreeSet::new();
        if paged {
            let mut filters = FieldDef::new("Filters", Base::Struct(self.filter), "Filter conditions.");
            filters.array = true;
            let names: Vec<&'static str> = ["Status", "Type", "Source"].into_iter().filter(|_| self.rng.chance(40)).collect();
            for n in names {
                let pool = if n == "Status" { STATUS_VALUES } else { KIND_VALUES };
                filters.filters.push((n, self.distinct(pool, 2, 4)));
            }
            let mut limit = FieldDef::new("Limit", Base::Int, "Number of results to return. Default value: 10. Maximum value: 100.");
            limit.default = Some(json!(10));
            limit.minimum = Some(1);
            limit.maximum = Some(100);
            let mut offset = FieldDef::new("Offset", Base::Int, "Offset. Default value: 0.");
            offset.default = Some(json!(0));
            offset.minimum = Some(0);
            for f in [filters, limit, offset] {
                req_names.insert(f.name.clone());
                request.push(f);
            }
            if self.rng.chance(40) {
                let mut order = FieldDef::new("Order", Base::Str, "Sort order.");
                order.enum_name = Some("SortOrder");
                order.values = Some(ValueSet::Str(vec!["ASC", "DESC"]));
                req_names.insert(order.name.clone());
                request.push(order);
            }
        }
        let extra_params = if paged { self.rng.range(0, 4) } else { self.rng.range(1, 9) };
        for _ in 0..extra_params {
            let mut f = self.scalar_field(&mut req_names, Place::Request);
            if self.rng.chance(35) {
                f.required = Some(true);
                f.default = None;
            }
            request.push(f);
        }
        if !paged && self.rng.chance(35) {
            // A structure as input: one of the new ones, or a recent shared one.
            let target = match root {
                Some(r) if self.rng.chance(60) => r,
                _ => self.recent_struct(4),
            };
            let array = self.rng.chance(35);
            let base_name = self.structs[target].name.clone();
            let wire = if array { format!("{base_name}Set") } else { base_name };
            if req_names.insert(wire.clone()) {
                let mut f = FieldDef::new(wire, Base::Struct(target), "The settings to apply.");
                f.array = array;
                f.required = Some(self.rng.chance(50));
                request.push(f);
            }
        }
        if !paged && self.rng.chance(15) && req_names.insert("Tags".into()) {
            let mut f = FieldDef::new("Tags", Base::Struct(self.tag), "Tags to bind.");
            f.array = true;
            request.push(f);
        }

        if paged {
            let mut list = FieldDef::new("List", Base::Struct(root.unwrap_or(self.tag)), "The items of this page.");
            list.array = true;
            list.nullable = self.rng.chance(20);
            let total_type = if self.rng.chance(10) { Base::UInt } else { Base::Int };
            let total = FieldDef::new("TotalCount", total_type, "Total number of items.");
            for f in [list, total] {
                resp_names.insert(f.name.clone());
                response.push(f);
            }
        } else if let Some(root) = root {
            let array = self.rng.chance(40);
            let base_name = self.structs[root].name.clone();
            let wire = if array { format!("{base_name}Set") } else { base_name };
            let mut f = FieldDef::new(wire.clone(), Base::Struct(root), "The result.");
            f.array = array;
            f.nullable = self.rng.chance(25);
            resp_names.insert(wire);
            response.push(f);
        }
        if self.rng.chance(12) {
            let shared = self.recent_struct(5);
            let wire = format!("{}Set", self.structs[shared].name);
            if resp_names.insert(wire.clone()) {
                let mut f = FieldDef::new(wire, Base::Struct(shared), "Related items.");
                f.array = true;
                f.nullable = true;
                response.push(f);
            }
        }
        let extra_fields = if paged { self.rng.range(1, 6) } else { self.rng.range(2, 10) };
        for _ in 0..extra_fields {
            let f = self.scalar_field(&mut resp_names, Place::Output);
            response.push(f);
        }

        let mut errors: BTreeMap<String, String> = BTreeMap::new();
        for _ in 0..self.rng.range(0, 8) {
            let (code, description) = *self.rng.pick(ERROR_CODES);
            errors.insert(code.to_owned(), description.to_owned());
        }
        if self.rng.chance(50) {
            let word = self.rng.pick(WORDS);
            errors.insert(format!("ResourceNotFound.{word}NotExist"), format!("The {} does not exist.", word.to_lowercase()));
        }
        let examples = (0..if self.rng.chance(20) { 2 } else { 1 }).map(|_| (self.rng.chance(50), self.rng.next())).collect();
        let description = format!(
            "This API is used to {} {}.",
            verb.to_lowercase(),
            words_lower(&name[verb.len()..]),
        );
        let action = ActionDef {
            name,
            description,
            rate_limit: *self.rng.pick(&[20, 20, 20, 10, 50, 100]),
            intl: self.rng.chance(30),
            request,
            response,
            errors: errors.into_iter().collect(),
            paged,
            examples,
        };
        self.actions.push(action);
    }

    /// `n` distinct items of `pool`, in pool order.
    fn distinct(&mut self, pool: &[&'static str], lo: usize, hi: usize) -> Vec<&'static str> {
        let want = self.rng.range(lo, hi.min(pool.len()));
        let mut chosen = BTreeSet::new();
        while chosen.len() < want {
            chosen.insert(self.rng.below(pool.len()));
        }
        chosen.into_iter().map(|i| pool[i]).collect()
    }

    /// A structure among the last few defined whose height is at most `max_height`.
    fn recent_struct(&mut self, max_height: usize) -> usize {
        let lo = self.structs.len().saturating_sub(60);
        let candidates: Vec<usize> = (lo..self.structs.len()).filter(|&i| self.structs[i].height <= max_height).collect();
        if candidates.is_empty() { self.tag } else { *self.rng.pick(&candidates) }
    }

    /// Creates `count` new structures as a random tree (node `m` hangs under a random
    /// earlier node), some also pointing at recent structures of earlier actions. Returns
    /// the root.
    fn structure_tree(&mut self, count: usize) -> Option<usize> {
        if count == 0 {
            return None;
        }
        let parents: Vec<Option<usize>> = (0..count).map(|m| (m > 0).then(|| self.rng.below(m))).collect();
        let mut depth = vec![1usize; count];
        for m in 1..count {
            depth[m] = depth[parents[m].unwrap_or(0)] + 1;
        }
        let names: Vec<String> = (0..count)
            .map(|_| {
                let suffix = *self.rng.pick(STRUCT_SUFFIXES);
                let name = self.fresh_name("", suffix, |s, n| s.type_names.contains(n));
                self.type_names.insert(name.clone());
                name
            })
            .collect();
        // Children are created before their parents, so every reference resolves to a
        // known height.
        let mut index = vec![usize::MAX; count];
        for m in (0..count).rev() {
            let mut used = BTreeSet::new();
            let mut fields = Vec::new();
            let scalars = self.rng.range(3, 13);
            for _ in 0..scalars {
                fields.push(self.scalar_field(&mut used, Place::Output));
            }
            // Names that collide after snake_casing, as real pages have.
            if self.rng.chance(8) && used.insert("PublicIP".into()) && used.insert("PublicIp".into()) {
                fields.push(FieldDef::new("PublicIP", Base::Str, "Public IP (collides with PublicIp after snake_casing)."));
                let mut second = FieldDef::new("PublicIp", Base::Str, "Public IP, again (collides with PublicIP).");
                second.nullable = true;
                fields.push(second);
            }
            let mut height = 1;
            let children: Vec<usize> = (0..count).filter(|&c| parents[c] == Some(m)).collect();
            let mut refs: Vec<usize> = children.iter().map(|&c| index[c]).collect();
            // Sharing: also point at a recent structure of an earlier action, keeping the
            // whole tree within five levels.
            if self.rng.chance(30) && depth[m] < 5 {
                let shared = self.recent_struct(5 - depth[m]);
                if !refs.contains(&shared) {
                    refs.push(shared);
                }
            }
            for r in refs {
                let target = &self.structs[r];
                height = height.max(target.height + 1);
                let array = self.rng.chance(50);
                let wire = if array { format!("{}Set", target.name) } else { target.name.clone() };
                if !used.insert(wire.clone()) {
                    continue;
                }
                let mut f = FieldDef::new(wire, Base::Struct(r), format!("Details: see {}.", target.name));
                f.array = array;
                f.nullable = self.rng.chance(30);
                let at = self.rng.below(fields.len() + 1);
                fields.insert(at, f);
            }
            let description = format!("{} of a {}.", words_upper_first(&names[m]), self.rng.pick(PLACEHOLDER_WORDS));
            index[m] = self.push_struct(StructDef { name: names[m].clone(), description, fields, height });
        }
        Some(index[0])
    }

    /// A scalar field (or array of scalars) whose name, unused in `used`, suggests its type.
    fn scalar_field(&mut self, used: &mut BTreeSet<String>, place: Place) -> FieldDef {
        // Now and then a keyword, as real pages have (`Type`, `Where`).
        if self.rng.chance(2) && used.insert("Type".into()) {
            let mut f = FieldDef::new("Type", Base::Str, "Type (a Rust keyword).");
            if place == Place::Output {
                f.nullable = self.rng.chance(30);
            }
            return f;
        }
        loop {
            let word = *self.rng.pick(WORDS);
            let kind = self.rng.weighted(&[44, 20, 10, 9, 5, 7, 5]);
            let (suffix, base, array) = match kind {
                0 => (*self.rng.pick(&["Id", "Name", "Uuid", "Ip", "Path", "Version", "Desc", "Region", "Md5", "Cmd"]), Base::Str, false),
                1 => {
                    let s = *self.rng.pick(&["Count", "Num", "Size", "Cnt", "Total"]);
                    let b = if s == "Size" && self.rng.chance(50) { Base::UInt } else { Base::Int };
                    (s, b, false)
                }
                2 => {
                    let b = match self.rng.weighted(&[60, 20, 20]) {
                        0 => Base::DateTime,
                        1 => Base::Timestamp,
                        _ => Base::Date,
                    };
                    (if b == Base::Date { "Date" } else { "Time" }, b, false)
                }
                3 => (*self.rng.pick(&["Status", "State", "Type", "Mode", "Level"]), Base::Str, false),
                4 => (*self.rng.pick(&["Rate", "Ratio", "Score"]), Base::Float, false),
                5 => (*self.rng.pick(&["Enabled", "Flag"]), Base::Bool, false),
                _ => {
                    let s = *self.rng.pick(&["Ids", "Names", "Ports"]);
                    (s, if s == "Ports" { Base::Int } else { Base::Str }, true)
                }
            };
            let name = format!("{word}{suffix}");
            if !used.insert(name.clone()) {
                continue;
            }
            let description = format!("{} of the {}.", describe_suffix(suffix), word.to_lowercase());
            let mut f = FieldDef::new(name, base, description);
            f.array = array;
            if kind == 3 && self.rng.chance(75) {
                if suffix == "Level" {
                    f.base = Base::Int;
                    if self.rng.chance(50) {
                        f.enum_name = Some("RiskLevel");
                        f.values = Some(ValueSet::Int(
                            RISK_LEVELS.iter().map(|(v, n, d)| (*v, *n, (*d).to_owned())).collect(),
                        ));
                    } else {
                        let names = self.distinct(INT_NAMES, 2, 4);
                        let values = names
                            .into_iter()
                            .enumerate()
                            .map(|(i, n)| (i as i64, n, format!("{} {}", n.to_lowercase(), word.to_lowercase())))
                            .collect();
                        f.values = Some(ValueSet::Int(values));
                    }
                } else {
                    let pool = if matches!(suffix, "Status" | "State") { STATUS_VALUES } else { KIND_VALUES };
                    f.values = Some(ValueSet::Str(self.distinct(pool, 2, 5)));
                }
            }
            match place {
                Place::Output => {
                    f.nullable = self.rng.chance(25);
                    if self.rng.chance(5) {
                        f.required = Some(false);
                    }
                }
                Place::Request => {
                    if base == Base::Str && !array && f.values.is_none() && self.rng.chance(20) {
                        f.maximum = Some(*self.rng.pick(&[64, 128, 256]));
                    }
                    if base == Base::Int && !array && f.values.is_none() && self.rng.chance(30) {
                        f.minimum = Some(0);
                        f.default = Some(json!(self.rng.range(0, 10)));
                    }
                    if array && self.rng.chance(40) {
                        f.maximum = Some(100);
                    }
                }
            }
            return f;
        }
    }

    // ------------------------------------------------------------------------ examples

    /// A documented value for a field: `None` leaves it out of the example.
    fn example_value(&self, rng: &mut Rng, f: &FieldDef, place: Place, depth: usize) -> Option<Value> {
        // Request parameters default to optional; response and structure fields to required.
        let required = f.required.unwrap_or(place == Place::Output || depth > 0);
        if !required && rng.chance(40) {
            return None;
        }
        if place == Place::Output && f.nullable && rng.chance(25) {
            return Some(Value::Null);
        }
        if f.array {
            let n = if depth == 0 { rng.range(1, 2) } else { 1 };
            let items = (0..n).map(|_| self.element_value(rng, f, place, depth)).collect();
            return Some(Value::Array(items));
        }
        Some(self.element_value(rng, f, place, depth))
    }

    fn element_value(&self, rng: &mut Rng, f: &FieldDef, place: Place, depth: usize) -> Value {
        if !f.filters.is_empty() {
            let (name, values) = &f.filters[rng.below(f.filters.len())];
            return json!({"Name": name, "Values": [values[rng.below(values.len())]]});
        }
        match &f.values {
            // Now and then a value the documentation does not list, as the live API sends.
            Some(ValueSet::Str(values)) => {
                return if place == Place::Output && rng.chance(10) { json!("xx") } else { json!(values[rng.below(values.len())]) };
            }
            Some(ValueSet::Int(values)) => {
                return if place == Place::Output && rng.chance(10) { json!(194) } else { json!(values[rng.below(values.len())].0) };
            }
            None => {}
        }
        match f.base {
            Base::Str => {
                let w = rng.pick(PLACEHOLDER_WORDS);
                if f.name.ends_with("Id") || f.name.ends_with("Ids") {
                    json!(format!("{}-{:08x}", &w[..2.min(w.len())], rng.next() as u32))
                } else if f.name.ends_with("Ip") || f.name == "PublicIP" {
                    json!(format!("10.0.{}.{}", rng.below(256), rng.below(256)))
                } else {
                    json!(format!("{w}-{}", rng.below(1000)))
                }
            }
            Base::Int => json!(rng.range(0, 1000)),
            Base::UInt => {
                if rng.chance(20) { json!(u64::MAX) } else { json!(rng.range(0, 1 << 20)) }
            }
            Base::Float => json!(*rng.pick(&[0.5, 1.5, 12.25, 99.5, 0.0])),
            Base::Bool => json!(rng.chance(50)),
            Base::Date => json!(format!("2022-0{}-1{}", rng.range(1, 9), rng.range(0, 9))),
            Base::DateTime => json!(format!("2020-9-2{} 1{}:00:00", rng.range(0, 9), rng.range(0, 9))),
            Base::Timestamp => json!(format!("2020-09-2{}T00:00:00+08:00", rng.range(0, 9))),
            Base::Struct(i) => {
                let mut obj = Map::new();
                for field in &self.structs[i].fields {
                    if let Some(v) = self.example_value(rng, field, place, depth + 1) {
                        obj.insert(field.name.clone(), v);
                    }
                }
                Value::Object(obj)
            }
        }
    }

    fn example(&self, action: &ActionDef, post: bool, seed: u64) -> (String, String) {
        let mut rng = Rng(seed);
        let mut params = Map::new();
        for f in &action.request {
            if let Some(v) = self.example_value(&mut rng, f, Place::Request, 0) {
                params.insert(f.name.clone(), v);
            }
        }
        let mut response = Map::new();
        for f in &action.response {
            if let Some(v) = self.example_value(&mut rng, f, Place::Output, 0) {
                response.insert(f.name.clone(), v);
            }
        }
        response.insert("RequestId".into(), json!(format!("{:08x}-0000-4000-8000-{:012x}", rng.next() as u32, rng.next() >> 16)));
        let host = if action.intl && rng.chance(30) { &self.intl_host } else { &self.host };
        let request = if post {
            let body = serde_json::to_string(&Value::Object(params)).unwrap_or_default();
            format!(
                "POST / HTTP/1.1\nHost: {host}\nContent-Type: application/json\nX-TC-Action: {}\n<Common request parameters>\n\n{body}",
                action.name
            )
        } else {
            let mut lines = vec![format!("https://{host}/?Action={}", action.name)];
            let mut pairs = Vec::new();
            flatten("", &Value::Object(params), &mut pairs);
            lines.extend(pairs.into_iter().map(|(k, v)| format!("&{k}={}", v.replace(' ', "%20"))));
            lines.push("&<Common request parameters>".into());
            lines.join("\n")
        };
        let response = serde_json::to_string_pretty(&json!({ "Response": Value::Object(response) })).unwrap_or_default();
        (request, response)
    }

    // ------------------------------------------------------------------------- render

    fn render(self) -> Vec<(String, String)> {
        let dir = &self.name;
        let mut files = Vec::new();
        files.push((
            format!("{dir}/service.yaml"),
            format!(
                "service: {dir}\ntitle: Synthetic Service {title}\nversion: \"2024-01-01\"\ndefault_host: {host}\nother_hosts:\n  - host: {intl}\n    description: international site\ndescription: >-\n  A synthetic service with the shape of a real API 3.0 service, for the scale benchmarks.\nsource: cargo xtask synth\n",
                title = upper_camel(dir),
                host = self.host,
                intl = self.intl_host,
            ),
        ));
        for s in &self.structs {
            let mut y = format!("structure: {}\nsource: cargo xtask synth\ndescription: {}\nfields:", s.name, quote(&s.description));
            if s.fields.is_empty() {
                y.push_str(" []");
            }
            y.push('\n');
            for f in &s.fields {
                self.render_field(&mut y, f);
            }
            files.push((format!("{dir}/structures/{}.yaml", s.name), y));
        }
        for a in &self.actions {
            files.push((format!("{dir}/actions/{}.yaml", a.name), self.render_action(a)));
        }
        files
    }

    fn render_action(&self, a: &ActionDef) -> String {
        let mut y = format!(
            "action: {}\nsource: cargo xtask synth\ndescription: {}\nhosts:\n  - {}\n",
            a.name,
            quote(&a.description),
            self.host
        );
        if a.intl {
            y.push_str(&format!("  - {}\n", self.intl_host));
        }
        y.push_str(&format!("rate_limit: {}\n", a.rate_limit));
        for (key, fields) in [("request", &a.request), ("response", &a.response)] {
            if fields.is_empty() {
                y.push_str(&format!("{key}: []\n"));
                continue;
            }
            y.push_str(&format!("{key}:\n"));
            for f in fields {
                self.render_field(&mut y, f);
            }
        }
        if !a.errors.is_empty() {
            y.push_str("errors:\n");
            for (code, description) in &a.errors {
                y.push_str(&format!("  - code: {code}\n    description: {}\n", quote(description)));
            }
        }
        if a.paged {
            y.push_str("pagination:\n  offset: Offset\n  limit: Limit\n  items: List\n  total: TotalCount\n");
        }
        y.push_str("examples:\n");
        for (i, (post, seed)) in a.examples.iter().enumerate() {
            let (request, response) = self.example(a, *post, *seed);
            y.push_str(&format!("  - title: \"Example {}\"\n    request: |-\n", i + 1));
            block(&mut y, &request);
            y.push_str("    response: |-\n");
            block(&mut y, &response);
        }
        y
    }

    fn render_field(&self, y: &mut String, f: &FieldDef) {
        let ty = match f.base {
            Base::Str => "String".to_owned(),
            Base::Int => "Integer".to_owned(),
            Base::UInt => "UInt64".to_owned(),
            Base::Float => "Float".to_owned(),
            Base::Bool => "Boolean".to_owned(),
            Base::Date => "Date".to_owned(),
            Base::DateTime => "DateTime".to_owned(),
            Base::Timestamp => "Timestamp".to_owned(),
            Base::Struct(i) => self.structs[i].name.clone(),
        };
        let ty = if f.array { format!("Array of {ty}") } else { ty };
        y.push_str(&format!("  - name: {}\n    type: {ty}\n", f.name));
        if let Some(required) = f.required {
            y.push_str(&format!("    required: {required}\n"));
        }
        if f.nullable {
            y.push_str("    nullable: true\n");
        }
        y.push_str(&format!("    description: {}\n", quote(&f.description)));
        if let Some(d) = &f.default {
            y.push_str(&format!("    default: {d}\n"));
        }
        if let Some(m) = f.minimum {
            y.push_str(&format!("    minimum: {m}\n"));
        }
        if let Some(m) = f.maximum {
            y.push_str(&format!("    maximum: {m}\n"));
        }
        if let Some(e) = f.enum_name {
            y.push_str(&format!("    enum: {e}\n"));
        }
        match &f.values {
            Some(ValueSet::Str(values)) => {
                y.push_str("    values:\n");
                for v in values {
                    y.push_str(&format!("      - value: \"{v}\"\n        description: {}\n", quote(&v.to_lowercase())));
                }
            }
            Some(ValueSet::Int(values)) => {
                y.push_str("    values:\n");
                for (v, name, description) in values {
                    y.push_str(&format!("      - value: {v}\n        name: {name}\n        description: {}\n", quote(description)));
                }
            }
            None => {}
        }
        if !f.filters.is_empty() {
            y.push_str("    filters:\n");
            for (name, values) in &f.filters {
                y.push_str(&format!("      - name: {name}\n        description: Filter by {}.\n        values:\n", name.to_lowercase()));
                for v in values {
                    y.push_str(&format!("          - value: \"{v}\"\n            description: {}\n", quote(&v.to_lowercase())));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------- helpers

/// A double-quoted YAML scalar.
fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Appends `text` as the lines of a `|-` block scalar under an item key.
fn block(y: &mut String, text: &str) {
    for line in text.lines() {
        if line.is_empty() {
            y.push('\n');
        } else {
            y.push_str("      ");
            y.push_str(line);
            y.push('\n');
        }
    }
}

/// GET flattening of example parameters: `Filters.0.Values.0=x`.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let key = |k: &str| if prefix.is_empty() { k.to_owned() } else { format!("{prefix}.{k}") };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&key(&i.to_string()), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => {}
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn upper_camel(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// `HostNodeInfo` → `host node info`.
fn words_lower(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `HostNodeInfo` → `Host node info`.
fn words_upper_first(camel: &str) -> String {
    upper_camel(&words_lower(camel))
}

fn describe_suffix(suffix: &str) -> &'static str {
    match suffix {
        "Id" => "ID",
        "Name" => "Name",
        "Uuid" => "UUID",
        "Ip" => "IP address",
        "Path" => "Path",
        "Version" => "Version",
        "Desc" => "Description",
        "Region" => "Region",
        "Md5" => "MD5 checksum",
        "Cmd" => "Command line",
        "Count" | "Cnt" | "Num" | "Total" => "Number",
        "Size" => "Size in bytes",
        "Time" => "Time",
        "Date" => "Date",
        "Status" | "State" => "Status",
        "Type" => "Type",
        "Mode" => "Mode",
        "Level" => "Level",
        "Rate" | "Ratio" => "Ratio",
        "Score" => "Score",
        "Enabled" | "Flag" => "Whether it is enabled, for the",
        "Ids" => "IDs",
        "Names" => "Names",
        "Ports" => "Ports",
        _ => "Value",
    }
}

// -------------------------------------------------------------------------------------- CLI

/// Figures of a built spec, measured on the checked IR (not on the synthesizer's intent).
pub fn stats(api: &tc_codegen::ir::Api) -> String {
    use tc_codegen::ir::Type;
    let actions: usize = api.services.iter().map(|s| s.actions.len()).sum();
    let structures: usize = api.services.iter().map(|s| s.structures.len()).sum();
    let action_fields: usize =
        api.services.iter().flat_map(|s| &s.actions).map(|a| a.request.len() + a.response.len()).sum();
    let struct_fields: usize = api.services.iter().flat_map(|s| &s.structures).map(|s| s.fields.len()).sum();
    let paged = api.services.iter().flat_map(|s| &s.actions).filter(|a| a.pagination.is_some()).count();
    let errors: usize = api.services.iter().flat_map(|s| &s.actions).map(|a| a.errors.len()).sum();
    let examples: usize = api.services.iter().flat_map(|s| &s.actions).map(|a| a.examples.len()).sum();
    let mut enums = BTreeSet::new();
    for service in &api.services {
        let fields = service
            .structures
            .iter()
            .flat_map(|s| &s.fields)
            .chain(service.actions.iter().flat_map(|a| a.request.iter().chain(&a.response)));
        for f in fields {
            let sets = f.values.iter().chain(f.filters.iter().filter_map(|x| x.values.as_ref()));
            enums.extend(sets.map(|v| (service.name.as_str(), v.rust_name.as_str())));
        }
    }
    // Structures reachable from more than one action.
    let mut shared = 0;
    let mut max_depth = 0;
    for service in &api.services {
        let by_name: BTreeMap<&str, &tc_codegen::ir::Structure> =
            service.structures.iter().map(|s| (s.name.as_str(), s)).collect();
        fn struct_of(ty: &Type) -> Option<&str> {
            match ty {
                Type::Struct(n) => Some(n),
                Type::Array(inner) => struct_of(inner),
                Type::Scalar(_) => None,
            }
        }
        fn depth(name: &str, by_name: &BTreeMap<&str, &tc_codegen::ir::Structure>) -> usize {
            let children = by_name.get(name).map(|s| s.fields.iter().filter_map(|f| struct_of(&f.ty)).collect::<Vec<_>>());
            1 + children.unwrap_or_default().into_iter().map(|c| depth(c, by_name)).max().unwrap_or(0)
        }
        let mut users: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for action in &service.actions {
            let mut stack: Vec<&str> = action.request.iter().chain(&action.response).filter_map(|f| struct_of(&f.ty)).collect();
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if seen.insert(n) {
                    users.entry(n).or_default().insert(&action.name);
                    if let Some(s) = by_name.get(n) {
                        stack.extend(s.fields.iter().filter_map(|f| struct_of(&f.ty)));
                    }
                }
            }
        }
        shared += users.values().filter(|u| u.len() > 1).count();
        max_depth = service.structures.iter().map(|s| depth(&s.name, &by_name)).max().unwrap_or(0).max(max_depth);
    }
    let per = |n: usize| n as f64 / actions.max(1) as f64;
    format!(
        "{} services, {actions} actions ({paged} paged), {structures} structures ({:.2} per action, {shared} shared by several actions, nesting up to {max_depth}), {:.1} request+response fields per action, {:.1} fields per structure, {} value sets ({:.1} per action), {:.1} error codes per action, {examples} examples",
        api.services.len(),
        per(structures),
        per(action_fields),
        struct_fields as f64 / structures.max(1) as f64,
        enums.len(),
        per(enums.len()),
        per(errors),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(params: &Params) -> tc_codegen::ir::Api {
        tc_codegen::build(&synth(params)).unwrap_or_else(|d| panic!("synthetic spec has diagnostics:\n{d}"))
    }

    #[test]
    fn synthetic_spec_builds_without_diagnostics() {
        for seed in [0, 1, 42] {
            let api = build(&Params { actions: 20, seed, services: 1 });
            assert_eq!(api.services[0].actions.len(), 20);
        }
        let api = build(&Params { actions: 30, seed: 7, services: 3 });
        assert_eq!(api.services.len(), 3);
        assert_eq!(api.services.iter().map(|s| s.actions.len()).sum::<usize>(), 30);
    }

    #[test]
    fn synthesis_is_deterministic() {
        let params = Params { actions: 20, seed: 3, services: 2 };
        assert_eq!(synth(&params), synth(&params));
        assert_ne!(synth(&params), synth(&Params { seed: 4, ..params }));
    }

    /// `bench/consumer.sh` builds one program against the five-action crate and the N-action
    /// one: it relies on the first actions (and the structures they define) being the same
    /// files whatever the count.
    #[test]
    fn first_actions_do_not_depend_on_the_count() {
        let small = synth(&Params { actions: 5, seed: 0, services: 1 });
        let large = synth(&Params { actions: 60, seed: 0, services: 1 });
        let mut compared = 0;
        for file in small.files.iter().filter(|f| f.path.contains("/actions/") || f.path.contains("/structures/")) {
            let twin = large.files.iter().find(|f| f.path == file.path);
            assert_eq!(twin.map(|f| &f.text), Some(&file.text), "{}", file.path);
            compared += 1;
        }
        assert!(compared >= 5, "only {compared} files compared");
    }

    #[test]
    fn shape_is_close_to_the_real_services() {
        let api = build(&Params { actions: 200, seed: 0, services: 1 });
        let service = &api.services[0];
        let per_action = service.structures.len() as f64 / 200.0;
        assert!((2.0..3.0).contains(&per_action), "{per_action} structures per action");
        let fields: usize = service.actions.iter().map(|a| a.request.len() + a.response.len()).sum();
        let per_action = fields as f64 / 200.0;
        assert!((10.0..14.0).contains(&per_action), "{per_action} fields per action");
        assert!(service.actions.iter().all(|a| !a.examples.is_empty()));
        assert!(service.actions.iter().any(|a| a.pagination.is_some()));
        assert!(stats(&api).contains("nesting up to 5"), "{}", stats(&api));
    }
}
