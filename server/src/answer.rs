//! What a valid request gets (the configured error, the configured or documented response,
//! paginated items), the documented example or a skeleton of the declared fields, and the
//! gateway error pages of the `HttpStatus` fault.

use serde_json::{Map, Value, json};
use tc_codegen::ir::{Action, Field, Scalar, Service, Type};

use crate::api_error::{ApiErr, api_err};
use crate::http::Response;
use crate::state::Behavior;

/// A gateway's HTML error page.
pub(crate) fn html_page(status: u16) -> Response {
    let title = match status {
        502 => "502 Bad Gateway",
        503 => "503 Service Temporarily Unavailable",
        504 => "504 Gateway Time-out",
        500 => "500 Internal Server Error",
        s => return html_with(s, &format!("{s} Error")),
    };
    html_with(status, title)
}

fn html_with(status: u16, title: &str) -> Response {
    let body = format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>tc-mock</center>\r\n</body>\r\n</html>\r\n"
    );
    Response {
        status,
        content_type: "text/html",
        body: body.into_bytes(),
    }
}

/// The answer to a valid request of `action` as `behavior` (what the test configured, if
/// anything) says: `Ok` is the object inside `Response`, without `RequestId`.
pub(crate) fn answer(
    service: &Service,
    action: &Action,
    params: &Value,
    behavior: Option<&Behavior>,
) -> Result<Map<String, Value>, ApiErr> {
    let none = Behavior::default();
    let behavior = behavior.unwrap_or(&none);
    if let Some(err) = &behavior.error {
        return Err(err.clone());
    }
    let mut body = match &behavior.response {
        Some(v) => v.clone(),
        None => default_response(service, action, params),
    };
    if let (Some(items), Some(p)) = (&behavior.items, &action.pagination) {
        let offset = page_param(action, params, &p.offset, 0)?;
        let limit = page_param(action, params, &p.limit, items.len() as i64)?;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(items.len());
        let end = start
            .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
            .min(items.len());
        body.insert(p.items.clone(), Value::Array(items[start..end].to_vec()));
        if let Some(total) = &p.total {
            body.insert(total.clone(), Value::from(items.len()));
        }
    }
    Ok(body)
}

/// Offset or limit of a paginated request: given, else the documented default, else `fallback`.
fn page_param(action: &Action, params: &Value, name: &str, fallback: i64) -> Result<i64, ApiErr> {
    let documented = action
        .request
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| f.default.as_ref())
        .and_then(Value::as_i64);
    let v = params
        .get(name)
        .and_then(Value::as_i64)
        .or(documented)
        .unwrap_or(fallback);
    if v < 0 {
        return Err(api_err(
            "InvalidParameterValue",
            format!("The value of parameter `{name}` is invalid: `{v}` is negative."),
        ));
    }
    Ok(v)
}

/// The documented success response of the example whose request is exactly `params`, else
/// of the first success example (without `RequestId`; error examples are skipped: the server
/// cannot know to produce their failure), or a skeleton of the declared fields when the spec
/// has none.
pub(crate) fn default_response(service: &Service, action: &Action, params: &Value) -> Map<String, Value> {
    let success = || action.examples.iter().filter(|e| e.response.get("Error").is_none());
    let chosen = success().find(|e| e.request == *params).or_else(|| success().next());
    if let Some(Value::Object(obj)) = chosen.map(|e| &e.response) {
        let mut obj = obj.clone();
        obj.remove("RequestId");
        return obj;
    }
    skeleton(service, &action.response, 0)
}

fn skeleton(service: &Service, fields: &[Field], depth: usize) -> Map<String, Value> {
    fields
        .iter()
        .filter(|f| f.required || !f.nullable)
        .map(|f| {
            (
                f.name.clone(),
                zero(service, &f.ty, f.default.as_ref(), depth),
            )
        })
        .collect()
}

fn zero(service: &Service, ty: &Type, default: Option<&Value>, depth: usize) -> Value {
    if let Some(d) = default {
        return d.clone();
    }
    match ty {
        Type::Scalar(Scalar::Integer | Scalar::UInteger) => json!(0),
        Type::Scalar(Scalar::Float) => json!(0.0),
        Type::Scalar(Scalar::Boolean) => json!(false),
        Type::Scalar(Scalar::String) => json!(""),
        Type::Scalar(Scalar::Date) => json!("1970-01-01"),
        Type::Scalar(Scalar::DateTime) => json!("1970-01-01 00:00:00"),
        Type::Scalar(Scalar::Timestamp) => json!("1970-01-01T00:00:00Z"),
        Type::Array(_) => json!([]),
        Type::Struct(name) => match service.structures.iter().find(|s| &s.name == name) {
            // Structures nest at most 5 deep (PROTOCOL.md); the bound guards a malformed IR.
            Some(s) if depth < 16 => Value::Object(skeleton(service, &s.fields, depth + 1)),
            _ => json!({}),
        },
    }
}
