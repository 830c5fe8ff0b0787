//! Example checking: parses a documented example (URL-form or HTTP-form request, and the
//! `{"Response": {...}}` body) and checks it against the action's declared shapes.
//!
//! Rules, matching what the live API does rather than what the page promises:
//! - every name must be declared (`RequestId` is implicit in responses);
//! - JSON kinds must match the declared types; URL-form query values are text, so there an
//!   Integer may be a numeric string and a Boolean `true`/`false` (they are converted);
//! - value sets are open: a value outside the documented set (`AutomaticRenewal: 194`) is
//!   fine, only its JSON kind is checked;
//! - `null` is accepted only for fields documented "may return null";
//! - the example request must carry every required parameter, and a success response every
//!   field documented as always present (`output_required`, not nullable);
//! - numbers and booleans written as JSON strings (`{"VulId": "1"}`) are accepted as their
//!   declared type, as the live API and the runtime accept them;
//! - the placeholder line is `<Common request parameters>` or its Chinese form
//!   `<公共请求参数>`; a URL-form request may be followed by a blank line and a JSON body
//!   (as some pages show), which is checked as the request too;
//! - an example the spec marks with `fault:` must really be wrong: its problems are not
//!   reported, it is left out of the IR's examples and recorded as faulty.
//!
//! Problems inside the example text point at the line of the example (the request and
//! response are YAML block scalars, so text line `k` is file line `key line + 1 + k`).

use crate::diag::{Diagnostic, Diagnostics, LineColumn, Position};
use crate::ir;
use crate::load::strip_position;
use crate::locate;
use crate::names;
use crate::spec::ExampleSpec;
use serde_json::{Map, Value};
use super::Tolerated;
use std::collections::BTreeMap;

/// What example checking needs from the action and service.
pub(super) struct Cx<'a> {
    pub file: &'a str,
    pub text: Option<&'a str>,
    pub action: &'a str,
    pub version: &'a str,
    pub hosts: &'a [String],
    pub struct_fields: &'a BTreeMap<String, Vec<ir::Field>>,
    pub struct_tolerated: &'a BTreeMap<String, super::Tolerated>,
    pub errors: &'a [ir::ErrorCode],
    pub common_errors: &'a [ir::ErrorCode],
    pub diags: &'a mut Diagnostics,
}

/// Where a problem is inside the example text (0-based line and column).
type Spot = Option<(usize, usize)>;

/// Which of the two texts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Request,
    Response,
}

impl Part {
    fn key(self) -> &'static str {
        match self {
            Part::Request => "request",
            Part::Response => "response",
        }
    }
}

/// The declared shape a JSON object is checked against.
#[derive(Clone, Copy)]
struct Shape<'s> {
    fields: &'s [ir::Field],
    tolerated: &'s Tolerated,
    /// For messages: `the request`, `structure `Item``.
    owner: &'s str,
}

/// A parsed query tree (URL form), before it becomes JSON.
enum Node {
    Leaf { value: String, spot: (usize, usize) },
    Map(BTreeMap<String, Node>),
    List(BTreeMap<usize, Node>),
}

/// URL form: flattened parameter path (`Filters[0].Name`) → its 0-based line and column.
type QuerySpots = BTreeMap<String, (usize, usize)>;

/// How JSON values relate to their text, for pointing at problems.
enum Spots<'t> {
    /// URL form: each flattened parameter path (`Filters[0].Name`) has its line.
    Query(QuerySpots),
    /// JSON text: a key is found by searching for `"Key"`.
    Json(&'t str),
}

impl Spots<'_> {
    fn find(&self, jpath: &str) -> Spot {
        match self {
            Spots::Query(m) => {
                // The exact path, else the first parameter under it.
                m.get(jpath).copied().or_else(|| {
                    m.iter()
                        .find(|(k, _)| k.starts_with(jpath) && k[jpath.len()..].starts_with(['.', '[']))
                        .map(|(_, v)| *v)
                })
            }
            Spots::Json(text) => {
                let key = jpath.rsplit('.').next().unwrap_or(jpath);
                let key = key.split('[').next().unwrap_or(key);
                if key.is_empty() {
                    return None;
                }
                let needle = format!("\"{key}\"");
                let idx = text.find(&needle)?;
                let line = text[..idx].matches('\n').count();
                let col = text[..idx].rsplit('\n').next().map_or(0, |l| l.chars().count());
                Some((line, col))
            }
        }
    }
}

impl Cx<'_> {
    fn report(&mut self, ex: &ExampleSpec, part: Part, spot: Spot, message: String, help: Option<String>) {
        let path = format!("{}.{}", ex.path, part.key());
        let at = spot.and_then(|(l, c)| self.block_position(&path, l, c));
        let mut d = Diagnostic::path(self.file, path.clone(), message);
        if at.is_some() {
            d.position = Position::KeyPath { path, at };
        }
        d.help = help;
        self.diags.push(d);
    }

    /// File line:column of 0-based `(line, col)` inside the block scalar at `path`.
    fn block_position(&self, path: &str, line: usize, col: usize) -> Option<LineColumn> {
        let text = self.text?;
        let key = locate::locate(text, path)?;
        let lines: Vec<&str> = text.lines().collect();
        let key_line = lines.get(key.line - 1)?;
        if !locate::opens_block_scalar(key_line.trim_start()) {
            return None;
        }
        // Block content is indented by the indentation of its first non-blank line.
        let indent = lines[key.line..]
            .iter()
            .find(|l| !l.trim().is_empty())
            .map_or(0, |l| l.len() - l.trim_start_matches(' ').len());
        Some(LineColumn { line: key.line + 1 + line, column: indent + col + 1 })
    }

    /// Checks one example; `Some` when it is fully valid.
    pub(super) fn example(
        &mut self,
        ex: &ExampleSpec,
        request: (&[ir::Field], &Tolerated),
        response: (&[ir::Field], &Tolerated),
    ) -> Result<Option<ir::Example>, ir::FaultyExample> {
        let before = self.diags.len();
        let parsed_request = self.request(ex, request);
        let parsed_response = self.response(ex, response);
        if let Some(fault) = &ex.fault {
            let found = self.diags.len() - before;
            self.diags.truncate(before);
            if found == 0 {
                self.report(
                    ex,
                    Part::Request,
                    None,
                    format!("the example is marked `fault: {fault}`, but the checker finds nothing wrong with it"),
                    Some("remove `fault:` (the example is fine) or correct the fault it records".into()),
                );
                return Ok(None);
            }
            return Err(ir::FaultyExample { title: ex.title.clone(), fault: fault.clone() });
        }
        let (Some((method, req)), Some(resp)) = (parsed_request, parsed_response) else { return Ok(None) };
        Ok((self.diags.len() == before).then(|| ir::Example {
            title: ex.title.clone(),
            description: ex.description.clone(),
            method,
            request_text: ex.request.clone(),
            request: req,
            response_text: ex.response.clone(),
            response: resp,
        }))
    }

    // ---------------------------------------------------------------- request

    fn request(&mut self, ex: &ExampleSpec, (fields, tolerated): (&[ir::Field], &Tolerated)) -> Option<(ir::ExampleMethod, Value)> {
        let text = ex.request.as_str();
        let first = text.lines().next().unwrap_or("").trim();
        if first.starts_with("https://") || first.starts_with("http://") {
            let (tree, spots, body) = self.url_form(ex)?;
            let json = self.node_to_json(ex, tree)?;
            let shape = Shape { fields, tolerated, owner: "the request" };
            let value = self.check_object(ex, Part::Request, &json, shape, "", &Spots::Query(spots));
            if let Some((body, offset)) = body {
                self.json_body(ex, body, offset, shape)?;
            }
            Some((ir::ExampleMethod::Get, value))
        } else if first.starts_with("POST ") || first.starts_with("GET ") {
            let (body, offset) = self.http_form(ex)?;
            let value = self.json_body(ex, body, offset, Shape { fields, tolerated, owner: "the request" })?;
            Some((ir::ExampleMethod::Post, value))
        } else {
            self.report(
                ex,
                Part::Request,
                Some((0, 0)),
                "the example request is neither a URL (`https://host/?Action=...`) nor an HTTP request (`POST / HTTP/1.1`)".into(),
                None,
            );
            None
        }
    }

    /// A JSON request body starting at 0-based line `offset` of the request text.
    fn json_body(&mut self, ex: &ExampleSpec, body: &str, offset: usize, shape: Shape<'_>) -> Option<Value> {
        let parsed: Value = match serde_json::from_str(body) {
            Ok(v) => v,
            Err(e) => {
                let spot = Some((offset + e.line().saturating_sub(1), e.column().saturating_sub(1)));
                self.report(ex, Part::Request, spot, format!("the request body is not valid JSON: {}", strip_position(&e.to_string())), None);
                return None;
            }
        };
        if !parsed.is_object() {
            self.report(ex, Part::Request, Some((offset, 0)), "the request body must be a JSON object".into(), None);
            return None;
        }
        Some(self.check_object(ex, Part::Request, &parsed, shape, "", &Spots::Json(&ex.request)))
    }

    fn check_host(&mut self, ex: &ExampleSpec, host: &str, spot: Spot) {
        if !self.hosts.is_empty() && !self.hosts.iter().any(|h| h == host) {
            self.report(
                ex,
                Part::Request,
                spot,
                format!("the example is sent to `{host}`, which is not a host of the service"),
                Some(format!("the service's hosts are: {}", self.hosts.join(", "))),
            );
        }
    }

    fn check_action_and_version(&mut self, ex: &ExampleSpec, name: &str, value: &str, spot: Spot) {
        let lower = name.to_ascii_lowercase();
        if (lower == "action" || lower == "x-tc-action") && value != self.action {
            self.report(ex, Part::Request, spot, format!("the example calls `{value}`, not `{}`", self.action), None);
        }
        if (lower == "version" || lower == "x-tc-version") && !self.version.is_empty() && value != self.version {
            self.report(ex, Part::Request, spot, format!("the example uses version `{value}`, not `{}`", self.version), None);
        }
    }

    /// `https://host/?Action=X` then `&Key=Value` lines (and `&<Common request parameters>`),
    /// then, after a blank line, an optional JSON body (returned with its 0-based line).
    #[allow(clippy::type_complexity)]
    fn url_form<'t>(&mut self, ex: &'t ExampleSpec) -> Option<(Node, QuerySpots, Option<(&'t str, usize)>)> {
        let mut pairs: Vec<(String, String, (usize, usize))> = Vec::new();
        let mut ok = true;
        let mut body = None;
        let mut offset = 0;
        for (i, raw) in ex.request.split('\n').enumerate() {
            offset += raw.len() + 1;
            let indent = raw.len() - raw.trim_start().len();
            let line = raw.trim();
            if line.is_empty() {
                let rest = ex.request.get(offset.min(ex.request.len())..).unwrap_or("");
                if i > 0 && rest.trim_start().starts_with('{') {
                    let skipped = rest.len() - rest.trim_start().len();
                    let line = i + 1 + rest[..skipped].matches('\n').count();
                    body = Some((&ex.request[offset + skipped..], line));
                    break;
                }
                continue;
            }
            // The body may also follow the query lines directly, or share the placeholder's line.
            let line_start = offset - raw.len() - 1;
            if i > 0 && line.starts_with('{') {
                body = Some((&ex.request[line_start + indent..], i));
                break;
            }
            if let Some(p) = line.strip_prefix('&').and_then(|l| PLACEHOLDERS.iter().find(|p| l.starts_with(**p))) {
                let after = line[1 + p.len()..].trim_start();
                if after.starts_with('{') {
                    body = Some((&ex.request[line_start + raw.len() - after.len()..], i));
                    break;
                }
            }
            let (query, qcol) = if i == 0 {
                let after_scheme = line.split_once("://").map_or("", |(_, r)| r);
                let host_end = after_scheme.find(['/', '?']).unwrap_or(after_scheme.len());
                let host = &after_scheme[..host_end];
                self.check_host(ex, host, Some((0, indent + line.len() - after_scheme.len())));
                match line.split_once('?') {
                    Some((before, q)) => (q, indent + before.len() + 1),
                    None => ("", 0),
                }
            } else if let Some(rest) = line.strip_prefix('&') {
                (rest, indent + 1)
            } else {
                self.report(
                    ex,
                    Part::Request,
                    Some((i, indent)),
                    format!("expected a `&Name=value` line, found `{line}`"),
                    None,
                );
                ok = false;
                continue;
            };
            let mut col = qcol;
            for piece in query.split('&') {
                let here = (i, col);
                col += piece.len() + 1;
                if piece.is_empty() || is_placeholder(piece) {
                    continue;
                }
                let Some((k, v)) = piece.split_once('=') else {
                    self.report(ex, Part::Request, Some(here), format!("query parameter `{piece}` has no `=`"), None);
                    ok = false;
                    continue;
                };
                let (k, v) = (percent_decode(k), percent_decode(v));
                if super::COMMON_QUERY_NAMES.contains(&k.as_str()) {
                    self.check_action_and_version(ex, &k, &v, Some(here));
                    continue;
                }
                pairs.push((k, v, here));
            }
        }
        let mut root = Node::Map(BTreeMap::new());
        let mut spots = BTreeMap::new();
        for (k, v, spot) in pairs {
            match insert(&mut root, &k, v, spot) {
                Ok(jpath) => {
                    spots.insert(jpath, spot);
                }
                Err(e) => {
                    self.report(ex, Part::Request, Some(spot), format!("query parameter `{k}`: {e}"), None);
                    ok = false;
                }
            }
        }
        ok.then_some((root, spots, body))
    }

    fn node_to_json(&mut self, ex: &ExampleSpec, node: Node) -> Option<Value> {
        match node {
            Node::Leaf { value, .. } => Some(Value::String(value)),
            Node::Map(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    out.insert(k, self.node_to_json(ex, v)?);
                }
                Some(Value::Object(out))
            }
            Node::List(items) => {
                let mut out = Vec::new();
                for (expected, (i, v)) in items.into_iter().enumerate() {
                    if i != expected {
                        let spot = first_spot(&v);
                        self.report(
                            ex,
                            Part::Request,
                            spot,
                            format!("array index {i} skips index {expected} (indices start at 0 and have no gaps)"),
                            None,
                        );
                        return None;
                    }
                    out.push(self.node_to_json(ex, v)?);
                }
                Some(Value::Array(out))
            }
        }
    }

    /// `POST / HTTP/1.1`, headers, `<Common request parameters>`, optional blank line,
    /// JSON body. Returns the body and its 0-based first line.
    fn http_form<'t>(&mut self, ex: &'t ExampleSpec) -> Option<(&'t str, usize)> {
        let text = ex.request.as_str();
        let lines: Vec<&str> = text.lines().collect();
        let first = lines.first().map_or("", |l| l.trim());
        let mut parts = first.split_whitespace();
        let method = parts.next().unwrap_or("");
        if method != "POST" {
            self.report(
                ex,
                Part::Request,
                Some((0, 0)),
                format!("HTTP-form examples use POST, not `{method}`"),
                Some("a GET example is written in URL form: `https://host/?Action=...`".into()),
            );
            return None;
        }
        let mut body_line = lines.len();
        for (i, raw) in lines.iter().enumerate().skip(1) {
            let line = raw.trim();
            if line.is_empty() {
                body_line = i + 1;
                break;
            }
            if line.starts_with('{') || line.starts_with('[') {
                body_line = i;
                break;
            }
            if let Some(p) = PLACEHOLDERS.iter().find(|p| line.starts_with(**p)) {
                let after = line[p.len()..].trim_start();
                if after.starts_with('{') {
                    // The placeholder and the body on one line.
                    let col = raw.len() - after.len();
                    let offset: usize = lines.iter().take(i).map(|l| l.len() + 1).sum::<usize>() + col;
                    return Some((text.get(offset..).unwrap_or(""), i));
                }
                if after.is_empty() {
                    continue;
                }
            }
            let Some((name, value)) = line.split_once(':') else {
                self.report(ex, Part::Request, Some((i, 0)), format!("expected a `Header: value` line, found `{line}`"), None);
                return None;
            };
            let (name, value) = (name.trim(), value.trim());
            match name.to_ascii_lowercase().as_str() {
                "host" => self.check_host(ex, value, Some((i, 0))),
                "content-type" if !value.starts_with("application/json") => self.report(
                    ex,
                    Part::Request,
                    Some((i, 0)),
                    format!("a POST example sends `application/json`, not `{value}`"),
                    None,
                ),
                _ => self.check_action_and_version(ex, name, value, Some((i, 0))),
            }
        }
        // The body starts at `body_line`: byte offset of that line.
        let offset: usize = lines.iter().take(body_line).map(|l| l.len() + 1).sum();
        let body = text.get(offset.min(text.len())..).unwrap_or("");
        if body.trim().is_empty() {
            self.report(ex, Part::Request, Some((lines.len().saturating_sub(1), 0)), "the HTTP-form request has no JSON body (use `{}`)".into(), None);
            return None;
        }
        Some((body, body_line))
    }

    // ---------------------------------------------------------------- response

    fn response(&mut self, ex: &ExampleSpec, (fields, tolerated): (&[ir::Field], &Tolerated)) -> Option<Value> {
        let text = ex.response.as_str();
        let parsed: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let spot = Some((e.line().saturating_sub(1), e.column().saturating_sub(1)));
                self.report(ex, Part::Response, spot, format!("the response is not valid JSON: {}", strip_position(&e.to_string())), None);
                return None;
            }
        };
        let Some(inner) = parsed.as_object().filter(|o| o.len() == 1).and_then(|o| o.get("Response")) else {
            self.report(ex, Part::Response, Some((0, 0)), "the response must be `{\"Response\": {...}}`".into(), None);
            return None;
        };
        let Some(obj) = inner.as_object() else {
            self.report(ex, Part::Response, Spots::Json(text).find("Response"), "`Response` must be an object".into(), None);
            return None;
        };
        let spots = Spots::Json(text);
        match obj.get("RequestId") {
            Some(Value::String(_)) => {}
            Some(other) => self.report(
                ex,
                Part::Response,
                spots.find("RequestId"),
                format!("`RequestId` must be a string, found {}", json_kind(other)),
                None,
            ),
            None => self.report(
                ex,
                Part::Response,
                spots.find("Response"),
                "the response has no `RequestId` (every API 3.0 response carries one)".into(),
                None,
            ),
        }
        if let Some(err) = obj.get("Error") {
            self.error_response(ex, obj, err, &spots);
            return Some(inner.clone());
        }
        let mut rest = obj.clone();
        let request_id = rest.remove("RequestId");
        let shape = Shape { fields, tolerated, owner: "the response" };
        let checked = self.check_object(ex, Part::Response, &Value::Object(rest), shape, "", &spots);
        let mut out = match checked {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        if let Some(id) = request_id {
            out.insert("RequestId".into(), id);
        }
        Some(Value::Object(out))
    }

    fn error_response(&mut self, ex: &ExampleSpec, obj: &Map<String, Value>, err: &Value, spots: &Spots<'_>) {
        for k in obj.keys().filter(|k| *k != "Error" && *k != "RequestId") {
            self.report(ex, Part::Response, spots.find(k), format!("an error response holds only `Error` and `RequestId`, not `{k}`"), None);
        }
        let code = err.get("Code").and_then(Value::as_str);
        let message = err.get("Message").and_then(Value::as_str);
        let (Some(code), Some(_)) = (code, message) else {
            self.report(ex, Part::Response, spots.find("Error"), "`Error` must be `{\"Code\": \"...\", \"Message\": \"...\"}`".into(), None);
            return;
        };
        if !self.errors.iter().chain(self.common_errors).any(|e| e.code == code) {
            self.report(
                ex,
                Part::Response,
                spots.find("Code"),
                format!("error code `{code}` is neither one of the action's codes nor a common code"),
                None,
            );
        }
    }

    // ---------------------------------------------------------------- shapes

    /// Checks a JSON object against `fields`, returning it with URL-form text converted to
    /// the declared types.
    #[allow(clippy::too_many_arguments)]
    fn check_object(
        &mut self,
        ex: &ExampleSpec,
        part: Part,
        v: &Value,
        Shape { fields, tolerated, owner }: Shape<'_>,
        jpath: &str,
        spots: &Spots<'_>,
    ) -> Value {
        let Some(obj) = v.as_object() else {
            self.report(ex, part, spots.find(jpath), format!("`{jpath}` must be an object, found {}", json_kind(v)), None);
            return v.clone();
        };
        let mut out = Map::new();
        for (k, val) in obj {
            let sub = if jpath.is_empty() { k.clone() } else { format!("{jpath}.{k}") };
            if tolerated.contains(k) {
                out.insert(k.clone(), val.clone());
                continue;
            }
            let Some(f) = fields.iter().find(|f| f.name == *k) else {
                let help = names::did_you_mean(k, fields.iter().map(|f| f.name.as_str())).map(|s| format!("did you mean `{s}`?"));
                self.report(ex, part, spots.find(&sub), format!("`{sub}` is not a declared field of {owner}"), help);
                out.insert(k.clone(), val.clone());
                continue;
            };
            let checked = self.check_value(ex, part, val, &f.ty, f.nullable, &sub, spots);
            out.insert(k.clone(), checked);
        }
        if part == Part::Response {
            for f in fields.iter().filter(|f| f.output_required && !f.nullable && !obj.contains_key(&f.name)) {
                let shown = if jpath.is_empty() { f.name.clone() } else { format!("{jpath}.{}", f.name) };
                self.report(
                    ex,
                    part,
                    spots.find(jpath).or(Some((0, 0))),
                    format!("the example response lacks `{shown}`, which the spec says is always present"),
                    Some("a decoder in strict mode rejects this response: if the field can be absent, set `required: false`".into()),
                );
            }
        }
        if part == Part::Request {
            for f in fields.iter().filter(|f| f.required && !obj.contains_key(&f.name)) {
                let shown = if jpath.is_empty() { f.name.clone() } else { format!("{jpath}.{}", f.name) };
                self.report(
                    ex,
                    part,
                    spots.find(jpath).or(Some((0, 0))),
                    format!("the example request lacks the required parameter `{shown}`"),
                    None,
                );
            }
        }
        Value::Object(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn check_value(
        &mut self,
        ex: &ExampleSpec,
        part: Part,
        v: &Value,
        ty: &ir::Type,
        nullable: bool,
        jpath: &str,
        spots: &Spots<'_>,
    ) -> Value {
        if v.is_null() {
            if !nullable {
                self.report(
                    ex,
                    part,
                    spots.find(jpath),
                    format!("`{jpath}` is null, but the field is not documented \"may return null\""),
                    Some("add `nullable: true` if the page says the field may return null".into()),
                );
            }
            return Value::Null;
        }
        match ty {
            ir::Type::Array(inner) => {
                let Some(items) = v.as_array() else {
                    self.wrong_kind(ex, part, v, ty, jpath, spots);
                    return v.clone();
                };
                let checked = items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.check_value(ex, part, item, inner, false, &format!("{jpath}[{i}]"), spots))
                    .collect();
                Value::Array(checked)
            }
            ir::Type::Struct(name) => {
                let fields = self.struct_fields.get(name).cloned().unwrap_or_default();
                let all = Tolerated { all: true, names: Default::default() };
                let tolerated = self.struct_tolerated.get(name).unwrap_or(&all).clone();
                let owner = format!("structure `{name}`");
                let shape = Shape { fields: &fields, tolerated: &tolerated, owner: &owner };
                self.check_object(ex, part, v, shape, jpath, spots)
            }
            ir::Type::Scalar(s) => match coerce(v, *s) {
                Some(c) => c,
                None => {
                    self.wrong_kind(ex, part, v, ty, jpath, spots);
                    v.clone()
                }
            },
        }
    }

    fn wrong_kind(&mut self, ex: &ExampleSpec, part: Part, v: &Value, ty: &ir::Type, jpath: &str, spots: &Spots<'_>) {
        self.report(
            ex,
            part,
            spots.find(jpath),
            format!("`{jpath}` is declared `{}` but the example has {}", super::type_name(ty), json_kind(v)),
            None,
        );
    }
}

/// The placeholder lines that stand for the common request parameters.
const PLACEHOLDERS: &[&str] = &["<Common request parameters>", "<公共请求参数>"];

fn is_placeholder(s: &str) -> bool {
    PLACEHOLDERS.contains(&s.trim())
}

/// The value as the declared scalar. JSON kinds must match, except that numbers and booleans
/// may be written as text (URL-form values always are; JSON bodies sometimes quote them, and
/// the live API accepts that): such text converts to the declared type.
fn coerce(v: &Value, s: ir::Scalar) -> Option<Value> {
    use ir::Scalar as S;
    let text = v.as_str();
    match s {
        S::String | S::Date | S::DateTime | S::Timestamp => v.is_string().then(|| v.clone()),
        S::Integer => match text {
            Some(t) => t.parse::<i64>().ok().map(Value::from),
            None => v.is_i64().then(|| v.clone()),
        },
        S::UInteger => match text {
            Some(t) => t.parse::<u64>().ok().map(Value::from),
            None => v.is_u64().then(|| v.clone()),
        },
        S::Float => match text {
            Some(t) => t.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
            None => v.is_number().then(|| v.clone()),
        },
        S::Boolean => match text {
            Some("true") => Some(Value::Bool(true)),
            Some("false") => Some(Value::Bool(false)),
            Some(_) => None,
            None => v.is_boolean().then(|| v.clone()),
        },
    }
}

fn json_kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

fn first_spot(n: &Node) -> Spot {
    match n {
        Node::Leaf { spot, .. } => Some(*spot),
        Node::Map(m) => m.values().find_map(first_spot),
        Node::List(m) => m.values().find_map(first_spot),
    }
}

/// Inserts `Filters.0.Values.1=x` into the tree; returns the JSON path (`Filters[0].Values[1]`).
fn insert(root: &mut Node, key: &str, value: String, spot: (usize, usize)) -> Result<String, String> {
    let segs: Vec<&str> = key.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err("empty name segment".into());
    }
    if segs[0].parse::<usize>().is_ok() {
        return Err("a parameter name cannot start with an index".into());
    }
    let mut node = root;
    let mut jpath = String::new();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        let index = seg.parse::<usize>().ok();
        match index {
            Some(n) => jpath.push_str(&format!("[{n}]")),
            None if jpath.is_empty() => jpath.push_str(seg),
            None => jpath.push_str(&format!(".{seg}")),
        }
        let next_is_index = segs.get(i + 1).is_some_and(|s| s.parse::<usize>().is_ok());
        let make = || {
            if last {
                Node::Leaf { value: String::new(), spot }
            } else if next_is_index {
                Node::List(BTreeMap::new())
            } else {
                Node::Map(BTreeMap::new())
            }
        };
        let child = match (node, index) {
            (Node::Map(m), None) => m.entry((*seg).to_owned()).or_insert_with(make),
            (Node::List(l), Some(n)) => l.entry(n).or_insert_with(make),
            (Node::Map(_), Some(_)) => return Err(format!("`{seg}` indexes something that is not an array")),
            (Node::List(_), None) => return Err(format!("`{seg}` names a field of an array (an index is missing)")),
            (Node::Leaf { .. }, _) => return Err("a value is given both as a scalar and as a container".into()),
        };
        if last {
            match child {
                Node::Leaf { value: existing, .. } if existing.is_empty() => {
                    *existing = value;
                    return Ok(jpath);
                }
                Node::Leaf { .. } => return Err("given twice".into()),
                _ => return Err("a value is given both as a scalar and as a container".into()),
            }
        }
        if let Node::Leaf { .. } = child {
            return Err("a value is given both as a scalar and as a container".into());
        }
        node = child;
    }
    Err("empty parameter name".into())
}

/// `%XX` decoding (not `+`: the pages write values unencoded).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(h)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(pairs: &[(&str, &str)]) -> Result<Node, String> {
        let mut root = Node::Map(BTreeMap::new());
        for (k, v) in pairs {
            insert(&mut root, k, (*v).to_owned(), (0, 0))?;
        }
        Ok(root)
    }

    fn to_json(n: &Node) -> Value {
        match n {
            Node::Leaf { value, .. } => Value::String(value.clone()),
            Node::Map(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
            Node::List(l) => Value::Array(l.values().map(to_json).collect()),
        }
    }

    #[test]
    fn unflattens_query() {
        let t = tree(&[
            ("Filters.0.Name", "Source"),
            ("Filters.0.Values.0", "LOCAL"),
            ("Filters.0.Values.1", "REGISTRY"),
            ("Limit", "10"),
        ])
        .map(|n| to_json(&n));
        assert_eq!(
            t,
            Ok(serde_json::json!({"Filters": [{"Name": "Source", "Values": ["LOCAL", "REGISTRY"]}], "Limit": "10"}))
        );
    }

    #[test]
    fn rejects_conflicts() {
        assert!(tree(&[("A", "1"), ("A.0", "2")]).is_err());
        assert!(tree(&[("A.0", "1"), ("A.B", "2")]).is_err());
        assert!(tree(&[("A", "1"), ("A", "2")]).is_err());
        assert!(tree(&[("0", "1")]).is_err());
        assert!(tree(&[("A..B", "1")]).is_err());
    }

    #[test]
    fn decodes_percent() {
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("2022-01-01"), "2022-01-01");
    }

    #[test]
    fn coerces_query_text() {
        assert_eq!(coerce(&Value::from("10"), ir::Scalar::Integer), Some(Value::from(10)));
        assert_eq!(coerce(&Value::from("x"), ir::Scalar::Integer), None);
        // Quoted numbers in JSON bodies (`{"VulId": "1"}`): accepted as the declared type.
        assert_eq!(coerce(&Value::from("1"), ir::Scalar::UInteger), Some(Value::from(1u64)));
        assert_eq!(coerce(&Value::from(10), ir::Scalar::Integer), Some(Value::from(10)));
        assert_eq!(coerce(&Value::from("true"), ir::Scalar::Boolean), Some(Value::Bool(true)));
        assert_eq!(coerce(&Value::from(-1), ir::Scalar::UInteger), None);
        assert_eq!(coerce(&Value::from(1.5), ir::Scalar::Float), Some(Value::from(1.5)));
        assert_eq!(coerce(&Value::from(1), ir::Scalar::String), None);
    }
}
