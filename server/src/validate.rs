//! Request parameters checked against the IR, as the real service checks them, recursively
//! through structures and arrays.
//!
//! The first violation wins (the real service reports one error per request). At each level
//! undeclared names are reported first (`UnknownParameter`), then the declared fields in
//! documented order: absent but required (`MissingParameter`), wrong JSON kind
//! (`InvalidParameter`), right kind but outside the documented bounds, value set, filter
//! names or date shape (`InvalidParameterValue`). GET parameters arrive as strings
//! ([`crate::unflatten`]) and are coerced to the declared types; the result is the
//! parameters as typed JSON, which is what the request log shows.

use std::fmt;

use serde_json::{Map, Number, Value};
use tc_codegen::ir::{Action, Field, Scalar, Service, Structure, Type, ValueKind, ValueSet};

/// How the parameters were encoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A POST JSON body: JSON types must match the declared types exactly.
    Json,
    /// A GET query string: every leaf is a string, coerced to the declared type.
    Query,
}

/// Which common error a violation is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViolationKind {
    /// A required parameter is absent (or `null`).
    MissingParameter,
    /// A parameter has the wrong type.
    InvalidParameter,
    /// A parameter has the right type but a value outside what the spec documents.
    InvalidParameterValue,
    /// A parameter the spec does not declare.
    UnknownParameter,
}

impl ViolationKind {
    /// The wire error code.
    pub fn code(self) -> &'static str {
        match self {
            Self::MissingParameter => "MissingParameter",
            Self::InvalidParameter => "InvalidParameter",
            Self::InvalidParameterValue => "InvalidParameterValue",
            Self::UnknownParameter => "UnknownParameter",
        }
    }
}

/// One request parameter that does not match the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The error class.
    pub kind: ViolationKind,
    /// The flattened parameter path, e.g. `Filters.0.Values.1`.
    pub path: String,
    /// The message sent in `Response.Error.Message`.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Violation {}

/// Checks the business parameters of `action` (a JSON object) and returns them typed.
pub fn validate_request(
    service: &Service,
    action: &Action,
    params: &Value,
    encoding: Encoding,
) -> Result<Value, Violation> {
    let ctx = Ctx { service, encoding };
    if !params.is_object() {
        return Err(invalid(
            String::new(),
            "the request parameters are not a JSON object".to_owned(),
        ));
    }
    ctx.object(&action.request, params, "").map(Value::Object)
}

struct Ctx<'a> {
    service: &'a Service,
    encoding: Encoding,
}

fn join(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() {
        seg.to_owned()
    } else {
        format!("{prefix}.{seg}")
    }
}

fn missing(path: String) -> Violation {
    let message = format!("The request is missing a required parameter `{path}`.");
    Violation {
        kind: ViolationKind::MissingParameter,
        path,
        message,
    }
}

fn invalid(path: String, why: String) -> Violation {
    let message = if path.is_empty() {
        why
    } else {
        format!("The parameter `{path}` is invalid: {why}.")
    };
    Violation {
        kind: ViolationKind::InvalidParameter,
        path,
        message,
    }
}

fn invalid_value(path: String, why: String) -> Violation {
    let message = format!("The value of parameter `{path}` is invalid: {why}.");
    Violation {
        kind: ViolationKind::InvalidParameterValue,
        path,
        message,
    }
}

fn unknown(path: String) -> Violation {
    let message = format!("The parameter `{path}` is not recognized.");
    Violation {
        kind: ViolationKind::UnknownParameter,
        path,
        message,
    }
}

/// `"x"` for strings, the JSON text otherwise, cut to a readable length.
fn show(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 64 {
        format!("{}...", s.chars().take(64).collect::<String>())
    } else {
        s
    }
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::Scalar(s) => format!("{s:?}"),
        Type::Struct(name) => format!("structure {name}"),
        Type::Array(inner) => format!("Array of {}", type_name(inner)),
    }
}

impl Ctx<'_> {
    fn structure(&self, name: &str) -> Option<&Structure> {
        self.service.structures.iter().find(|s| s.name == name)
    }

    fn object(
        &self,
        fields: &[Field],
        value: &Value,
        path: &str,
    ) -> Result<Map<String, Value>, Violation> {
        let Some(obj) = value.as_object() else {
            return Err(invalid(
                path.to_owned(),
                format!("expected a structure, got {}", kind_of(value)),
            ));
        };
        if let Some(key) = obj.keys().find(|k| !fields.iter().any(|f| &f.name == *k)) {
            return Err(unknown(join(path, key)));
        }
        let mut out = Map::new();
        for field in fields {
            let p = join(path, &field.name);
            match obj.get(&field.name) {
                None | Some(Value::Null) if field.required => return Err(missing(p)),
                None | Some(Value::Null) => {}
                Some(v) => {
                    let typed = self.field(field, v, &p)?;
                    out.insert(field.name.clone(), typed);
                }
            }
        }
        Ok(out)
    }

    fn field(&self, field: &Field, v: &Value, path: &str) -> Result<Value, Violation> {
        let typed = self.typed(&field.ty, v, path)?;
        check_bounds(field, &typed, path)?;
        if let Some(set) = &field.values {
            check_value_set(set, &typed, path)?;
        }
        if !field.filters.is_empty() {
            check_filters(field, &typed, path)?;
        }
        Ok(typed)
    }

    fn typed(&self, ty: &Type, v: &Value, path: &str) -> Result<Value, Violation> {
        match ty {
            Type::Scalar(s) => self.scalar(*s, v, path),
            Type::Struct(name) => {
                let st = self.structure(name).ok_or_else(|| {
                    invalid(path.to_owned(), format!("structure {name} is not declared"))
                })?;
                self.object(&st.fields, v, path).map(Value::Object)
            }
            Type::Array(inner) => {
                let Some(items) = v.as_array() else {
                    return Err(invalid(
                        path.to_owned(),
                        format!("expected {}, got {}", type_name(ty), kind_of(v)),
                    ));
                };
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let p = join(path, &i.to_string());
                        if item.is_null() {
                            return Err(invalid(
                                p,
                                format!("expected {}, got null", type_name(inner)),
                            ));
                        }
                        self.typed(inner, item, &p)
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Value::Array)
            }
        }
    }

    fn scalar(&self, s: Scalar, v: &Value, path: &str) -> Result<Value, Violation> {
        let wrong = || {
            invalid(
                path.to_owned(),
                format!("expected {s:?}, got {}", kind_of(v)),
            )
        };
        let query = self.encoding == Encoding::Query;
        match s {
            Scalar::String | Scalar::Date | Scalar::DateTime | Scalar::Timestamp => {
                let text = v.as_str().ok_or_else(wrong)?;
                let shape_ok = match s {
                    Scalar::Date => is_date(text),
                    Scalar::DateTime => is_datetime(text),
                    Scalar::Timestamp => is_timestamp(text),
                    _ => true,
                };
                if !shape_ok {
                    return Err(invalid_value(
                        path.to_owned(),
                        format!("`{}` is not a valid {s:?}", show(v)),
                    ));
                }
                Ok(v.clone())
            }
            Scalar::Integer => {
                let n = match (v, query) {
                    (Value::Number(n), false) => integer_of(n),
                    (Value::String(t), true) => parse_integer(t),
                    _ => return Err(wrong()),
                };
                match n {
                    Some(n) => i64::try_from(n).map(Value::from).map_err(|_| {
                        invalid_value(
                            path.to_owned(),
                            format!("`{}` is out of the range of Integer", show(v)),
                        )
                    }),
                    None => Err(wrong()),
                }
            }
            Scalar::UInteger => {
                let n = match (v, query) {
                    (Value::Number(n), false) => integer_of(n),
                    (Value::String(t), true) => parse_integer(t),
                    _ => return Err(wrong()),
                };
                match n {
                    Some(n) => u64::try_from(n).map(Value::from).map_err(|_| {
                        invalid_value(
                            path.to_owned(),
                            format!("`{}` is out of the range of UInt64", show(v)),
                        )
                    }),
                    None => Err(wrong()),
                }
            }
            Scalar::Float => {
                let f = match (v, query) {
                    (Value::Number(n), false) => n.as_f64(),
                    (Value::String(t), true) => parse_float(t),
                    _ => None,
                };
                f.and_then(Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(wrong)
            }
            Scalar::Boolean => match (v, query) {
                (Value::Bool(b), false) => Ok(Value::Bool(*b)),
                (Value::String(t), true) if t.eq_ignore_ascii_case("true") => Ok(Value::Bool(true)),
                (Value::String(t), true) if t.eq_ignore_ascii_case("false") => {
                    Ok(Value::Bool(false))
                }
                _ => Err(wrong()),
            },
        }
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a structure",
    }
}

/// The integer a JSON number holds (`None` for fractions), widened so that range errors can be
/// told apart from type errors.
fn integer_of(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// A decimal integer as text: optional sign, digits only.
fn parse_integer(t: &str) -> Option<i128> {
    let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits.is_empty() || digits.len() > 30 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i128>().ok()
}

/// A finite decimal number as text (`inf`, `NaN` and hex are not numbers on the wire).
fn parse_float(t: &str) -> Option<f64> {
    let ok = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !ok {
        return None;
    }
    t.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Parses `n` digits (1..=max) at the start of `s`, returns the number and the rest.
fn digits(s: &str, min: usize, max: usize) -> Option<(u32, &str)> {
    let len = s.bytes().take_while(u8::is_ascii_digit).count();
    if len < min || len > max {
        return None;
    }
    Some((s[..len].parse().ok()?, &s[len..]))
}

/// `YYYY-M-D`, zero padding optional (the API does not always pad), month and day in range.
fn date_prefix(s: &str) -> Option<&str> {
    let (_, s) = digits(s, 4, 4)?;
    let (m, s) = digits(s.strip_prefix('-')?, 1, 2)?;
    let (d, s) = digits(s.strip_prefix('-')?, 1, 2)?;
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some(s)
}

fn time_prefix(s: &str) -> Option<&str> {
    let (h, s) = digits(s, 1, 2)?;
    let (m, s) = digits(s.strip_prefix(':')?, 1, 2)?;
    let (sec, s) = digits(s.strip_prefix(':')?, 1, 2)?;
    (h < 24 && m < 60 && sec < 61).then_some(s)
}

fn is_date(s: &str) -> bool {
    date_prefix(s) == Some("")
}

fn is_datetime(s: &str) -> bool {
    date_prefix(s)
        .and_then(|r| r.strip_prefix(' '))
        .and_then(time_prefix)
        == Some("")
}

/// ISO 8601: `YYYY-MM-DDTHH:MM:SS`, optional fraction, optional `Z` or `±HH:MM`.
fn is_timestamp(s: &str) -> bool {
    let Some(rest) = date_prefix(s)
        .and_then(|r| r.strip_prefix(['T', 't', ' ']))
        .and_then(time_prefix)
    else {
        return false;
    };
    let rest = match rest.strip_prefix('.') {
        Some(frac) => match digits(frac, 1, 9) {
            Some((_, r)) => r,
            None => return false,
        },
        None => rest,
    };
    match rest {
        "" | "Z" | "z" => true,
        zone => zone
            .strip_prefix(['+', '-'])
            .and_then(|z| digits(z, 2, 2))
            .and_then(|(_, r)| r.strip_prefix(':'))
            .and_then(|r| digits(r, 2, 2))
            .is_some_and(|(_, r)| r.is_empty()),
    }
}

fn check_bounds(field: &Field, v: &Value, path: &str) -> Result<(), Violation> {
    if field.minimum.is_none() && field.maximum.is_none() {
        return Ok(());
    }
    let (min, max) = (field.minimum, field.maximum);
    // Numbers compare by value; strings and arrays by length (README: "lengths").
    let (what, below, above) = match v {
        Value::Number(n) => {
            let below = |m: i64| match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => i < m,
                (None, Some(_)) => false,
                _ => n.as_f64().is_some_and(|f| f < m as f64),
            };
            let above = |m: i64| match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => i > m,
                (None, Some(_)) => true,
                _ => n.as_f64().is_some_and(|f| f > m as f64),
            };
            (
                format!("`{n}`"),
                min.is_some_and(below),
                max.is_some_and(above),
            )
        }
        Value::String(s) => {
            let len = i64::try_from(s.chars().count()).unwrap_or(i64::MAX);
            (
                format!("the length {len}"),
                min.is_some_and(|m| len < m),
                max.is_some_and(|m| len > m),
            )
        }
        Value::Array(a) => {
            let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
            (
                format!("the length {len}"),
                min.is_some_and(|m| len < m),
                max.is_some_and(|m| len > m),
            )
        }
        _ => return Ok(()),
    };
    if below {
        return Err(invalid_value(
            path.to_owned(),
            format!("{what} is below the minimum {}", min.unwrap_or(0)),
        ));
    }
    if above {
        return Err(invalid_value(
            path.to_owned(),
            format!("{what} is above the maximum {}", max.unwrap_or(0)),
        ));
    }
    Ok(())
}

fn in_set(set: &ValueSet, v: &Value) -> bool {
    match set.kind {
        ValueKind::String => v
            .as_str()
            .is_some_and(|s| set.values.iter().any(|e| e.wire.as_str() == Some(s))),
        ValueKind::Integer => v
            .as_i64()
            .is_some_and(|i| set.values.iter().any(|e| e.wire.as_i64() == Some(i))),
    }
}

fn allowed(set: &ValueSet) -> String {
    set.values
        .iter()
        .map(|e| show(&e.wire))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_value_set(set: &ValueSet, v: &Value, path: &str) -> Result<(), Violation> {
    // A value set on an array field documents its elements.
    if let Value::Array(items) = v {
        for (i, item) in items.iter().enumerate() {
            check_value_set(set, item, &join(path, &i.to_string()))?;
        }
        return Ok(());
    }
    if in_set(set, v) {
        Ok(())
    } else {
        Err(invalid_value(
            path.to_owned(),
            format!("`{}` is not one of {}", show(v), allowed(set)),
        ))
    }
}

/// `Filters.N` parameters: each `Name` must be a documented filter; its `Values` must be in the
/// filter's documented set, unless `ExactMatch` is `false` (a fuzzy query may give a fragment).
fn check_filters(field: &Field, v: &Value, path: &str) -> Result<(), Violation> {
    let Some(items) = v.as_array() else {
        return Ok(());
    };
    for (i, item) in items.iter().enumerate() {
        let p = join(path, &i.to_string());
        let Some(name) = item.get("Name").and_then(Value::as_str) else {
            continue;
        };
        let Some(filter) = field.filters.iter().find(|f| f.name == name) else {
            let names: Vec<&str> = field.filters.iter().map(|f| f.name.as_str()).collect();
            return Err(invalid_value(
                join(&p, "Name"),
                format!(
                    "`{name}` is not a documented filter name (one of {})",
                    names.join(", ")
                ),
            ));
        };
        let fuzzy = item.get("ExactMatch").and_then(Value::as_bool) == Some(false);
        if let (Some(set), false) = (&filter.values, fuzzy) {
            if let Some(values) = item.get("Values") {
                check_value_set(set, values, &join(&p, "Values"))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tc_codegen::ir::{EnumValue, Filter, Pagination, Usage};

    fn field(name: &str, ty: Type) -> Field {
        Field {
            name: name.to_owned(),
            rust_name: name.to_lowercase(),
            ty,
            required: false,
            output_required: false,
            disabled: false,
            deprecated: false,
            example: None,
            nullable: false,
            description: String::new(),
            default: None,
            minimum: None,
            maximum: None,
            values: None,
            filters: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn scalar(s: Scalar) -> Type {
        Type::Scalar(s)
    }

    fn array(t: Type) -> Type {
        Type::Array(Box::new(t))
    }

    fn string_set(values: &[&str]) -> ValueSet {
        ValueSet {
            rust_name: "Set".into(),
            kind: ValueKind::String,
            values: values
                .iter()
                .map(|v| EnumValue {
                    wire: json!(v),
                    rust_name: (*v).to_owned(),
                    description: String::new(),
                })
                .collect(),
        }
    }

    /// A service with one action exercising every type, nesting three levels deep.
    fn fixture() -> (Service, Action) {
        let inner = Structure {
            name: "Inner".into(),
            rust_name: "Inner".into(),
            description: String::new(),
            fields: vec![
                Field {
                    required: true,
                    ..field("Id", scalar(Scalar::UInteger))
                },
                field("Tags", array(scalar(Scalar::String))),
            ],
            usage: Usage {
                input: true,
                output: false,
            },
            actions: vec!["DescribeThings".into()],
            notes: Vec::new(),
            source: String::new(),
        };
        let outer = Structure {
            name: "Outer".into(),
            rust_name: "Outer".into(),
            description: String::new(),
            fields: vec![
                Field {
                    required: true,
                    ..field("Name", scalar(Scalar::String))
                },
                Field {
                    required: true,
                    ..field("Values", array(scalar(Scalar::String)))
                },
                field("ExactMatch", scalar(Scalar::Boolean)),
                field("Inner", Type::Struct("Inner".into())),
                field("Inners", array(Type::Struct("Inner".into()))),
            ],
            usage: Usage {
                input: true,
                output: false,
            },
            actions: vec!["DescribeThings".into()],
            notes: Vec::new(),
            source: String::new(),
        };
        let filters = vec![
            Filter {
                name: "Source".into(),
                description: String::new(),
                values: Some(string_set(&["LOCAL", "REGISTRY"])),
            },
            Filter {
                name: "Keyword".into(),
                description: String::new(),
                values: None,
            },
        ];
        let request = vec![
            Field {
                required: true,
                ..field("StartTime", scalar(Scalar::Date))
            },
            field("At", scalar(Scalar::DateTime)),
            field("Iso", scalar(Scalar::Timestamp)),
            Field {
                maximum: Some(100),
                minimum: Some(1),
                default: Some(json!(10)),
                ..field("Limit", scalar(Scalar::Integer))
            },
            field("Offset", scalar(Scalar::Integer)),
            field("Big", scalar(Scalar::UInteger)),
            Field {
                minimum: Some(0),
                maximum: Some(1),
                ..field("Ratio", scalar(Scalar::Float))
            },
            field("On", scalar(Scalar::Boolean)),
            Field {
                maximum: Some(5),
                ..field("Short", scalar(Scalar::String))
            },
            Field {
                values: Some(string_set(&["A", "B"])),
                ..field("Mode", scalar(Scalar::String))
            },
            Field {
                maximum: Some(3),
                ..field("Ids", array(scalar(Scalar::Integer)))
            },
            Field {
                filters,
                ..field("Filters", array(Type::Struct("Outer".into())))
            },
            field("One", Type::Struct("Outer".into())),
        ];
        let action = Action {
            name: "DescribeThings".into(),
            method: "describe_things".into(),
            request_type: "DescribeThingsRequest".into(),
            response_type: "DescribeThingsResponse".into(),
            error_type: "DescribeThingsErrorCode".into(),
            description: String::new(),
            rate_limit: Some(20),
            idempotent: true,
            idempotency_token: None,
            unsigned: false,
            own_errors: Vec::new(),
            title: String::new(),
            deprecated: false,
            faulty_examples: Vec::new(),
            hosts: Vec::new(),
            request,
            response: Vec::new(),
            errors: Vec::new(),
            examples: Vec::new(),
            pagination: Some(Pagination {
                offset: "Offset".into(),
                limit: "Limit".into(),
                items: "List".into(),
                total: Some("TotalCount".into()),
                inferred: false,
            }),
            notes: Vec::new(),
            source: String::new(),
        };
        let service = Service {
            name: "svc".into(),
            module: "svc".into(),
            trait_name: "Svc".into(),
            client_name: "SvcClient".into(),
            title: String::new(),
            version: "2020-01-01".into(),
            default_host: "svc.tencentcloudapi.com".into(),
            other_hosts: Vec::new(),
            description: String::new(),
            structures: vec![inner, outer],
            actions: vec![action.clone()],
            errors: Vec::new(),
            error_type: "SvcErrorCode".into(),
            source: String::new(),
        };
        (service, action)
    }

    fn check(params: Value) -> Result<Value, Violation> {
        let (s, a) = fixture();
        validate_request(&s, &a, &params, Encoding::Json)
    }

    fn check_query(pairs: &[(&str, &str)]) -> Result<Value, Violation> {
        let (s, a) = fixture();
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        let params = crate::unflatten::unflatten(&pairs).expect("well-formed");
        validate_request(&s, &a, &params, Encoding::Query)
    }

    fn err(r: Result<Value, Violation>) -> (ViolationKind, String) {
        let v = r.expect_err("expected a violation");
        (v.kind, v.path)
    }

    use ViolationKind::*;

    #[test]
    fn accepts_a_full_valid_request() {
        let params = json!({
            "StartTime": "2022-1-01", "At": "2020-2-2 13:00:00", "Iso": "2020-09-22T00:00:00.5+08:00",
            "Limit": 100, "Offset": -1, "Big": 18446744073709551615u64, "Ratio": 0.5, "On": true,
            "Short": "héllo", "Mode": "B", "Ids": [1, 2, 3],
            "Filters": [
                {"Name": "Source", "Values": ["LOCAL", "REGISTRY"], "ExactMatch": true},
                {"Name": "Source", "Values": ["LOC"], "ExactMatch": false},
                {"Name": "Keyword", "Values": ["anything"], "Inner": {"Id": 1, "Tags": ["x"]},
                 "Inners": [{"Id": 2}, {"Id": 3, "Tags": []}]}
            ],
            "One": null
        });
        let mut want = params.clone();
        want.as_object_mut().unwrap().remove("One");
        assert_eq!(check(params).unwrap(), want);
    }

    #[test]
    fn missing_parameters() {
        assert_eq!(
            err(check(json!({}))),
            (MissingParameter, "StartTime".into())
        );
        assert_eq!(
            err(check(json!({"StartTime": null}))),
            (MissingParameter, "StartTime".into())
        );
        let nested = json!({"StartTime": "2022-01-01", "Filters": [{"Name": "Keyword", "Values": []}, {"Name": "Keyword"}]});
        assert_eq!(
            err(check(nested)),
            (MissingParameter, "Filters.1.Values".into())
        );
        let deep = json!({"StartTime": "2022-01-01", "One": {"Name": "x", "Values": [], "Inners": [{"Id": 1}, {"Tags": []}]}});
        assert_eq!(
            err(check(deep)),
            (MissingParameter, "One.Inners.1.Id".into())
        );
    }

    #[test]
    fn unknown_parameters_at_every_level() {
        assert_eq!(
            err(check(json!({"StartTime": "2022-01-01", "Nope": 1}))),
            (UnknownParameter, "Nope".into())
        );
        // Reported before a missing parameter of the same level.
        assert_eq!(
            err(check(json!({"Nope": 1}))),
            (UnknownParameter, "Nope".into())
        );
        // Case matters: wire names are exact.
        assert_eq!(
            err(check(json!({"StartTime": "2022-01-01", "limit": 1}))),
            (UnknownParameter, "limit".into())
        );
        let nested = json!({"StartTime": "2022-01-01", "One": {"Name": "x", "Values": [], "Inner": {"Id": 1, "Extra": 2}}});
        assert_eq!(
            err(check(nested)),
            (UnknownParameter, "One.Inner.Extra".into())
        );
    }

    #[test]
    fn wrong_types() {
        let base = |k: &str, v: Value| {
            let mut p = json!({"StartTime": "2022-01-01"});
            p[k] = v;
            check(p)
        };
        for (k, v) in [
            ("Limit", json!("10")),
            ("Limit", json!(1.5)),
            ("Limit", json!(true)),
            ("Big", json!(-0.5)),
            ("Ratio", json!("0.5")),
            ("On", json!("true")),
            ("On", json!(1)),
            ("Short", json!(5)),
            ("Ids", json!(1)),
            ("Filters", json!({"Name": "Source"})),
            ("One", json!([])),
            ("One", json!("x")),
        ] {
            assert_eq!(
                err(base(k, v.clone())),
                (InvalidParameter, k.to_owned()),
                "{k} = {v}"
            );
        }
        assert_eq!(
            err(base("Ids", json!([1, "2"]))),
            (InvalidParameter, "Ids.1".into())
        );
        assert_eq!(
            err(base("Ids", json!([1, null]))),
            (InvalidParameter, "Ids.1".into())
        );
        assert_eq!(
            err(base(
                "One",
                json!({"Name": "x", "Values": [], "Inners": [{"Id": "1"}]})
            )),
            (InvalidParameter, "One.Inners.0.Id".into())
        );
        assert_eq!(
            err(check(json!({"StartTime": 20220101}))),
            (InvalidParameter, "StartTime".into())
        );
        let (s, a) = fixture();
        assert_eq!(
            err(validate_request(&s, &a, &json!([1]), Encoding::Json)).0,
            InvalidParameter
        );
    }

    #[test]
    fn values_out_of_limits() {
        let base = |k: &str, v: Value| {
            let mut p = json!({"StartTime": "2022-01-01"});
            p[k] = v;
            check(p)
        };
        for (k, v) in [
            ("Limit", json!(101)),
            ("Limit", json!(0)),
            ("Limit", json!(9_223_372_036_854_775_808u64)),
            ("Big", json!(-1)),
            ("Ratio", json!(1.5)),
            ("Ratio", json!(-0.1)),
            ("Short", json!("sixsix")),
            ("Mode", json!("C")),
            ("Ids", json!([1, 2, 3, 4])),
            ("StartTime", json!("2022-13-01")),
            ("StartTime", json!("2022/01/01")),
            ("StartTime", json!("2022-01-01 00:00:00")),
            ("At", json!("2020-2-2")),
            ("At", json!("2020-2-2 25:00:00")),
            ("Iso", json!("2020-09-22 00:00")),
            ("Iso", json!("2020-09-22T00:00:00+8")),
        ] {
            assert_eq!(
                err(base(k, v.clone())),
                (InvalidParameterValue, k.to_owned()),
                "{k} = {v}"
            );
        }
        let bad_filter = json!([{"Name": "Nope", "Values": ["x"]}]);
        assert_eq!(
            err(base("Filters", bad_filter)),
            (InvalidParameterValue, "Filters.0.Name".into())
        );
        let bad_value = json!([{"Name": "Source", "Values": ["LOCAL", "CLOUD"]}]);
        assert_eq!(
            err(base("Filters", bad_value)),
            (InvalidParameterValue, "Filters.0.Values.1".into())
        );
    }

    #[test]
    fn messages_name_the_parameter() {
        let v = check(json!({"StartTime": "2022-01-01", "Limit": 1000})).unwrap_err();
        assert_eq!(v.kind.code(), "InvalidParameterValue");
        assert!(
            v.message.contains("`Limit`") && v.message.contains("maximum 100"),
            "{}",
            v.message
        );
        let v = check(json!({})).unwrap_err();
        assert_eq!(
            v.to_string(),
            "MissingParameter: The request is missing a required parameter `StartTime`."
        );
    }

    #[test]
    fn query_strings_are_coerced_to_declared_types() {
        let typed = check_query(&[
            ("StartTime", "2022-01-01"),
            ("Limit", "10"),
            ("Offset", "-5"),
            ("Big", "18446744073709551615"),
            ("Ratio", "0.25"),
            ("On", "True"),
            ("Ids.0", "7"),
            ("Filters.0.Name", "Source"),
            ("Filters.0.Values.0", "LOCAL"),
            ("Filters.0.ExactMatch", "false"),
            ("Filters.0.Inners.0.Id", "9"),
        ])
        .unwrap();
        assert_eq!(
            typed,
            json!({
                "StartTime": "2022-01-01", "Limit": 10, "Offset": -5, "Big": 18446744073709551615u64,
                "Ratio": 0.25, "On": true, "Ids": [7],
                "Filters": [{"Name": "Source", "Values": ["LOCAL"], "ExactMatch": false, "Inners": [{"Id": 9}]}]
            })
        );
    }

    #[test]
    fn query_errors() {
        let q = |extra: &[(&str, &str)]| {
            let mut pairs = vec![("StartTime", "2022-01-01")];
            pairs.extend_from_slice(extra);
            err(check_query(&pairs))
        };
        assert_eq!(q(&[("Limit", "ten")]), (InvalidParameter, "Limit".into()));
        assert_eq!(q(&[("Limit", "1.0")]), (InvalidParameter, "Limit".into()));
        assert_eq!(q(&[("Limit", "")]), (InvalidParameter, "Limit".into()));
        assert_eq!(q(&[("Ratio", "inf")]), (InvalidParameter, "Ratio".into()));
        assert_eq!(q(&[("On", "yes")]), (InvalidParameter, "On".into()));
        assert_eq!(
            q(&[("Limit", "101")]),
            (InvalidParameterValue, "Limit".into())
        );
        assert_eq!(
            q(&[("Limit", "99999999999999999999")]),
            (InvalidParameterValue, "Limit".into())
        );
        assert_eq!(q(&[("Big", "-1")]), (InvalidParameterValue, "Big".into()));
        // `Ids=1` without an index is a scalar where an array is declared.
        assert_eq!(q(&[("Ids", "1")]), (InvalidParameter, "Ids".into()));
        // `One.0.Name` makes `One` an array where a structure is declared.
        assert_eq!(q(&[("One.0.Name", "x")]), (InvalidParameter, "One".into()));
        assert_eq!(
            q(&[("Filters.0.Nope", "x")]),
            (UnknownParameter, "Filters.0.Nope".into())
        );
        assert_eq!(
            q(&[("Filters.0.Name", "Keyword")]),
            (MissingParameter, "Filters.0.Values".into())
        );
        // In JSON, a number-looking string stays a string and a number is not a string.
        assert_eq!(
            check(json!({"StartTime": "2022-01-01", "Short": "12"})).unwrap()["Short"],
            json!("12")
        );
        assert_eq!(
            err(check(json!({"StartTime": "2022-01-01", "Short": 12}))),
            (InvalidParameter, "Short".into())
        );
    }
}
