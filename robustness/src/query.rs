//! GET queries: the runtime's flattening ([`tc_runtime::query`]) and the server's inverse
//! (`tc_mock::unflatten`) and validator (`tc_mock::validate`).
//!
//! [`check_query`] is the oracle for arbitrary query strings: parsing and un-flattening never
//! panic; what un-flattens flattens back to the same pairs; what the validator accepts as a
//! query it accepts again, unchanged, as JSON. [`query_round_trip`] and [`as_query_json`] serve
//! the request round-trip tests (typed request → JSON → query → JSON).

use serde_json::Value;
use tc_codegen::ir;
use tc_mock::unflatten::unflatten;
use tc_mock::validate::{Encoding, validate_request};
use tc_runtime::query::{flatten, pairs_to_query_string, parse_query, to_query_string};

/// The longest query [`check_query`] un-flattens: the server reads a request head of at
/// most this many bytes (a 32 KB URL, as PROTOCOL.md documents), so longer ones never get
/// this far.
pub const MAX_QUERY_BYTES: usize = 32 * 1024;

/// Keys with more `.`-segments than this are not un-flattened by [`check_query`]: the real
/// API nests at most five structures (with arrays, about a dozen segments), and tc-mock's
/// `unflatten` recurses once per segment, so a deep key (about 4,000 segments in release,
/// 1,000 in debug, i.e. an 8 KB URL) overflows a 2 MiB thread stack and aborts the process.
/// Reported to the tc-mock owner; see "Findings" in `fuzz/README.md`. Remove this guard when
/// `unflatten` refuses deep keys itself.
pub const MAX_KEY_SEGMENTS: usize = 64;

/// What the server rebuilds from the GET form of `params`: flatten, encode, parse, un-flatten.
pub fn query_round_trip(params: &Value) -> Result<Value, tc_mock::unflatten::UnflattenError> {
    let query = to_query_string(params);
    unflatten(&parse_query(&query))
}

/// `params` as the GET form carries it: every scalar a string, and nothing for `null` or for
/// an array or object that ends up empty (the flattening sends no pair for them).
pub fn as_query_json(params: &Value) -> Option<Value> {
    match params {
        Value::Null => None,
        Value::Bool(b) => Some(Value::String(b.to_string())),
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::String(s) => Some(Value::String(s.clone())),
        Value::Array(items) => {
            // Indices stay contiguous only if no item vanishes; callers avoid that case.
            let items: Vec<Value> = items.iter().filter_map(as_query_json).collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        Value::Object(map) => {
            let map: serde_json::Map<String, Value> =
                map.iter().filter_map(|(k, v)| as_query_json(v).map(|v| (k.clone(), v))).collect();
            (!map.is_empty()).then_some(Value::Object(map))
        }
    }
}

/// Checks one raw query string against every action of `apis`.
///
/// # Panics
///
/// When parsing, un-flattening or validation panics, or a property is violated.
pub fn check_query(query: &str, apis: &[&ir::Api]) {
    if query.len() > MAX_QUERY_BYTES {
        return;
    }
    let pairs = parse_query(query);
    if pairs.iter().any(|(k, _)| k.split('.').count() > MAX_KEY_SEGMENTS) {
        return;
    }
    let Ok(params) = unflatten(&pairs) else { return };
    // Un-flattening loses nothing: flattening gives the same pairs back (in key order).
    let mut again = flatten(&params);
    let mut sorted = pairs.clone();
    again.sort();
    sorted.sort();
    assert_eq!(again, sorted, "unflatten is not the inverse of flatten for {query:?}");
    // And the encoded form parses to the same pairs.
    assert_eq!(parse_query(&pairs_to_query_string(&again)), again);
    for api in apis {
        for service in &api.services {
            for action in &service.actions {
                check_validation(service, action, &params);
            }
        }
    }
}

/// The fuzz entry: the bytes (lossy UTF-8, as a server reads a request line) are a query
/// string, checked against the real spec and the constructs fixture.
pub fn fuzz(data: &[u8]) {
    check_query(&String::from_utf8_lossy(data), &[crate::real_api(), crate::constructs_api()]);
}

/// The validator is total, and what it accepts from a query is a fixed point as JSON.
pub fn check_validation(service: &ir::Service, action: &ir::Action, params: &Value) {
    if let Ok(typed) = validate_request(service, action, params, Encoding::Query) {
        match validate_request(service, action, &typed, Encoding::Json) {
            Ok(again) => assert_eq!(again, typed, "{}: typed query parameters change as JSON", action.name),
            Err(v) => panic!("{}: typed query parameters {typed} rejected as JSON: {v}", action.name),
        }
    }
    let _ = validate_request(service, action, params, Encoding::Json);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_json_drops_what_get_cannot_send() {
        let v = json!({"A": [], "B": null, "C": {"D": []}, "E": [1, true, "x"], "F": ""});
        assert_eq!(as_query_json(&v), Some(json!({"E": ["1", "true", "x"], "F": ""})));
        assert_eq!(query_round_trip(&v).unwrap(), json!({"E": ["1", "true", "x"], "F": ""}));
    }
}
