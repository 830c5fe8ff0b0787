//! GET query flattening: a JSON request becomes `Filters.0.Values.1=...` pairs.
//!
//! Rules (API 3.0, as the official SDKs send GET): object keys join with `.`, array elements
//! take their 0-based index, booleans are `true`/`false`, numbers print as JSON does, `null`
//! and empty arrays/objects send nothing. Keys and values are percent-encoded with everything
//! but RFC 3986 unreserved characters (`A-Z a-z 0-9 - _ . ~`) escaped as `%XX` (so a space is
//! `%20`). The string produced is both what is sent and what is signed.

use serde_json::Value;

/// Flattens `value` into (key, value) pairs, unencoded, in the order of the JSON value.
///
/// ```
/// let v = serde_json::json!({"Filters": [{"Name": "Source", "Values": ["LOCAL", "REGISTRY"]}], "Limit": 10});
/// let pairs = tc_runtime::query::flatten(&v);
/// assert_eq!(pairs, [
///     ("Filters.0.Name".to_owned(), "Source".to_owned()),
///     ("Filters.0.Values.0".to_owned(), "LOCAL".to_owned()),
///     ("Filters.0.Values.1".to_owned(), "REGISTRY".to_owned()),
///     ("Limit".to_owned(), "10".to_owned()),
/// ]);
/// ```
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut prefix = String::new();
    walk(value, &mut prefix, &mut out);
    out
}

fn walk(value: &Value, prefix: &mut String, out: &mut Vec<(String, String)>) {
    let scalar = |s: String, prefix: &String, out: &mut Vec<(String, String)>| out.push((prefix.clone(), s));
    match value {
        Value::Null => {}
        Value::Bool(b) => scalar(if *b { "true" } else { "false" }.to_owned(), prefix, out),
        Value::Number(n) => scalar(n.to_string(), prefix, out),
        Value::String(s) => scalar(s.clone(), prefix, out),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = prefix.len();
                push_segment(prefix, &i.to_string());
                walk(item, prefix, out);
                prefix.truncate(len);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = prefix.len();
                push_segment(prefix, k);
                walk(item, prefix, out);
                prefix.truncate(len);
            }
        }
    }
}

fn push_segment(prefix: &mut String, segment: &str) {
    if !prefix.is_empty() {
        prefix.push('.');
    }
    prefix.push_str(segment);
}

/// Flattens and percent-encodes `value` into `k=v&k=v` (no leading `?`).
///
/// ```
/// let v = serde_json::json!({"Name": "a b/c", "On": true});
/// assert_eq!(tc_runtime::query::to_query_string(&v), "Name=a%20b%2Fc&On=true");
/// ```
pub fn to_query_string(value: &Value) -> String {
    pairs_to_query_string(&flatten(value))
}

/// Percent-encodes and joins already flattened pairs.
pub fn pairs_to_query_string(pairs: &[(String, String)]) -> String {
    let mut s = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        encode_into(k, &mut s);
        s.push('=');
        encode_into(v, &mut s);
    }
    s
}

/// Percent-encodes one key or value (RFC 3986 unreserved characters stay as they are).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_into(s, &mut out);
    out
}

fn encode_into(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// Decodes one percent-encoded component; `+` becomes a space (form encoding, as Python's
/// `urlencode` sends). Malformed escapes stay literal; invalid UTF-8 becomes U+FFFD. Total.
pub fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < b.len() && hex_val(b[i + 1]).is_some() && hex_val(b[i + 2]).is_some() => {
                let hi = hex_val(b[i + 1]).unwrap_or(0);
                let lo = hex_val(b[i + 2]).unwrap_or(0);
                out.push(hi << 4 | lo);
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Splits and decodes a raw query string (without `?`) into (key, value) pairs, in order.
/// Empty segments are skipped; a segment without `=` has an empty value. Total.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|seg| !seg.is_empty())
        .map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (decode_component(k), decode_component(v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn nested_arrays_of_structs() {
        let v = json!({
            "Filters": [
                {"Name": "Source", "Values": ["LOCAL", "REGISTRY"], "ExactMatch": true},
                {"Name": "Status", "Values": ["RUNNING"], "ExactMatch": false}
            ],
            "Limit": 10,
            "Offset": 0
        });
        // serde_json's map is ordered by key, so the pairs are too.
        assert_eq!(
            flatten(&v),
            pairs(&[
                ("Filters.0.ExactMatch", "true"),
                ("Filters.0.Name", "Source"),
                ("Filters.0.Values.0", "LOCAL"),
                ("Filters.0.Values.1", "REGISTRY"),
                ("Filters.1.ExactMatch", "false"),
                ("Filters.1.Name", "Status"),
                ("Filters.1.Values.0", "RUNNING"),
                ("Limit", "10"),
                ("Offset", "0"),
            ])
        );
    }

    #[test]
    fn deep_nesting_and_scalars() {
        let v = json!({"A": {"B": [{"C": {"D": [1.5, -2, 18446744073709551615u64]}}]}, "N": null, "E": [], "O": {}});
        assert_eq!(
            flatten(&v),
            pairs(&[("A.B.0.C.D.0", "1.5"), ("A.B.0.C.D.1", "-2"), ("A.B.0.C.D.2", "18446744073709551615")])
        );
    }

    #[test]
    fn percent_encoding() {
        let v = json!({"K": "a b&c=d/é+%~._-", "Empty": ""});
        assert_eq!(to_query_string(&v), "Empty=&K=a%20b%26c%3Dd%2F%C3%A9%2B%25~._-");
        assert_eq!(encode_component("未命名"), "%E6%9C%AA%E5%91%BD%E5%90%8D");
        assert_eq!(to_query_string(&json!({})), "");
    }

    #[test]
    fn parse_round_trips() {
        let v = json!({"Filters": [{"Name": "a b", "Values": ["x&y", "未命名"]}], "Flag": true});
        let q = to_query_string(&v);
        assert_eq!(parse_query(&q), flatten(&v));
        assert_eq!(parse_query("a+b=c%2&&x"), pairs(&[("a b", "c%2"), ("x", "")]));
        assert_eq!(decode_component("%zz%4"), "%zz%4");
        assert_eq!(decode_component("%41%ff"), "A\u{fffd}");
    }

    proptest::proptest! {
        #[test]
        fn encode_decode_round_trip(s in "\\PC*") {
            let enc = encode_component(&s);
            proptest::prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
            proptest::prop_assert_eq!(decode_component(&enc), s);
        }

        #[test]
        fn decode_is_total(s in "[%+a-fA-F0-9&=\\PC]*") {
            let _ = parse_query(&s);
        }
    }
}
