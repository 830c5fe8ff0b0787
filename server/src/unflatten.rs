//! GET parameters back into JSON: `Filters.0.Values.1=LOCAL` pairs become
//! `{"Filters": [{"Values": [_, "LOCAL"]}]}`, the inverse of `tc_runtime::query::flatten`.
//!
//! Every leaf stays a JSON string: which strings are numbers or booleans is decided by the
//! validator, which knows the declared types. A segment of digits is an array index (wire
//! names are PascalCase, never digits); indices must be canonical (`0`, `12`, not `01`) and
//! contiguous from 0, since the flattening never skips one.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// Why a set of GET parameters does not describe one JSON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnflattenError {
    /// A key is empty or has an empty segment (`A..B`, `A.`).
    EmptySegment(String),
    /// The same key was sent twice.
    Duplicate(String),
    /// A key is both a value and a prefix of others (`A=1&A.B=2`).
    Conflict(String),
    /// One prefix has both index and name children (`A.0=x&A.B=y`).
    MixedIndices(String),
    /// Array indices are not `0..n` (a gap, or a non-canonical index like `01`).
    BadIndex(String),
    /// A key has more segments than any API 3.0 parameter can (structures nest at most 5
    /// deep, each level adding a name and an index); refused before building the tree,
    /// whose recursive conversion would otherwise grow the stack with the key.
    TooDeep(String),
}

/// The most `.`-segments a parameter name may have: far above the real maximum (5 nested
/// structures with arrays: about 11), far below what could strain a worker's stack.
pub const MAX_KEY_SEGMENTS: usize = 32;

impl fmt::Display for UnflattenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptySegment(k) => write!(f, "the parameter name `{k}` has an empty segment"),
            Self::Duplicate(k) => write!(f, "the parameter `{k}` is given more than once"),
            Self::Conflict(k) => write!(
                f,
                "the parameter `{k}` is given both as a value and as a structure"
            ),
            Self::MixedIndices(k) => {
                write!(f, "the parameter `{k}` mixes array indices and field names")
            }
            Self::BadIndex(k) => write!(
                f,
                "the array `{k}` does not have contiguous indices starting at 0"
            ),
            Self::TooDeep(k) => {
                let head: String = k.chars().take(64).collect();
                write!(
                    f,
                    "the parameter `{head}…` nests deeper than {MAX_KEY_SEGMENTS} levels"
                )
            }
        }
    }
}

impl std::error::Error for UnflattenError {}

enum Node {
    Leaf(String),
    Branch(BTreeMap<String, Node>),
}

/// Rebuilds the JSON object of business parameters from decoded (key, value) pairs.
///
/// ```
/// let pairs = [("Filters.0.Name", "Source"), ("Filters.0.Values.0", "LOCAL"), ("Limit", "10")];
/// let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
/// let v = tc_mock::unflatten::unflatten(&pairs).unwrap();
/// assert_eq!(v, serde_json::json!({"Filters": [{"Name": "Source", "Values": ["LOCAL"]}], "Limit": "10"}));
/// ```
pub fn unflatten(pairs: &[(String, String)]) -> Result<Value, UnflattenError> {
    let mut root = BTreeMap::new();
    for (key, value) in pairs {
        insert(&mut root, key, value)?;
    }
    to_value(root, "")
}

fn insert(root: &mut BTreeMap<String, Node>, key: &str, value: &str) -> Result<(), UnflattenError> {
    if key.split('.').nth(MAX_KEY_SEGMENTS).is_some() {
        return Err(UnflattenError::TooDeep(key.to_owned()));
    }
    let segments: Vec<&str> = key.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(UnflattenError::EmptySegment(key.to_owned()));
    }
    let (last, parents) = segments
        .split_last()
        .ok_or_else(|| UnflattenError::EmptySegment(key.to_owned()))?;
    let mut map = root;
    for (depth, seg) in parents.iter().enumerate() {
        let node = map
            .entry((*seg).to_owned())
            .or_insert_with(|| Node::Branch(BTreeMap::new()));
        map = match node {
            Node::Branch(m) => m,
            Node::Leaf(_) => return Err(UnflattenError::Conflict(segments[..=depth].join("."))),
        };
    }
    match map.get(*last) {
        Some(Node::Leaf(_)) => Err(UnflattenError::Duplicate(key.to_owned())),
        Some(Node::Branch(_)) => Err(UnflattenError::Conflict(key.to_owned())),
        None => {
            map.insert((*last).to_owned(), Node::Leaf(value.to_owned()));
            Ok(())
        }
    }
}

fn is_index(seg: &str) -> bool {
    !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit())
}

fn join(prefix: &str, seg: &str) -> String {
    if prefix.is_empty() {
        seg.to_owned()
    } else {
        format!("{prefix}.{seg}")
    }
}

fn to_value(map: BTreeMap<String, Node>, prefix: &str) -> Result<Value, UnflattenError> {
    let indices = map.keys().filter(|k| is_index(k)).count();
    // The top level is always the parameter object; below it, digits mean an array.
    let is_array = indices > 0 && !prefix.is_empty();
    if is_array && indices < map.len() {
        return Err(UnflattenError::MixedIndices(prefix.to_owned()));
    }
    let node_value = |seg: &str, node: Node| match node {
        Node::Leaf(s) => Ok(Value::String(s)),
        Node::Branch(m) => to_value(m, &join(prefix, seg)),
    };
    if is_array {
        // Canonical indices 0..n: parse, sort, and require position == index.
        let mut items: Vec<(usize, Node)> = Vec::with_capacity(map.len());
        for (seg, node) in map {
            let canonical = seg == "0" || !seg.starts_with('0');
            match seg.parse::<usize>() {
                Ok(i) if canonical => items.push((i, node)),
                _ => return Err(UnflattenError::BadIndex(prefix.to_owned())),
            }
        }
        items.sort_by_key(|(i, _)| *i);
        let mut out = Vec::with_capacity(items.len());
        for (pos, (i, node)) in items.into_iter().enumerate() {
            if i != pos {
                return Err(UnflattenError::BadIndex(prefix.to_owned()));
            }
            out.push(node_value(&i.to_string(), node)?);
        }
        return Ok(Value::Array(out));
    }
    let mut obj = Map::new();
    for (seg, node) in map {
        let v = node_value(&seg, node)?;
        obj.insert(seg, v);
    }
    Ok(Value::Object(obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn nested_arrays_of_structures() {
        let p = pairs(&[
            ("StartTime", "2022-01-01"),
            ("Filters.1.Name", "Status"),
            ("Filters.0.Values.1", "REGISTRY"),
            ("Filters.0.Name", "Source"),
            ("Filters.0.Values.0", "LOCAL"),
            ("Filters.1.Values.0", "ALLFAIL"),
            ("Filters.1.ExactMatch", "true"),
            ("Limit", "10"),
        ]);
        assert_eq!(
            unflatten(&p).unwrap(),
            json!({
                "StartTime": "2022-01-01",
                "Filters": [
                    {"Name": "Source", "Values": ["LOCAL", "REGISTRY"]},
                    {"Name": "Status", "Values": ["ALLFAIL"], "ExactMatch": "true"}
                ],
                "Limit": "10"
            })
        );
    }

    #[test]
    fn round_trips_the_runtime_flattening() {
        let v = json!({
            "A": {"B": [{"C": {"D": ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]}}]},
            "S": "a b&c=d/é",
        });
        let flat = tc_runtime::query::flatten(&v);
        let query = tc_runtime::query::pairs_to_query_string(&flat);
        let parsed = tc_runtime::query::parse_query(&query);
        assert_eq!(unflatten(&parsed).unwrap(), v);
    }

    #[test]
    fn empty_query_is_an_empty_object() {
        assert_eq!(unflatten(&[]).unwrap(), json!({}));
    }

    #[test]
    fn rejects_malformed_keys() {
        let cases: &[(&[(&str, &str)], UnflattenError)] = &[
            (
                &[("A..B", "1")],
                UnflattenError::EmptySegment("A..B".into()),
            ),
            (&[("A.", "1")], UnflattenError::EmptySegment("A.".into())),
            (&[("", "1")], UnflattenError::EmptySegment(String::new())),
            (
                &[("A", "1"), ("A", "2")],
                UnflattenError::Duplicate("A".into()),
            ),
            (
                &[("A", "1"), ("A.B", "2")],
                UnflattenError::Conflict("A".into()),
            ),
            (
                &[("A.B", "1"), ("A", "2")],
                UnflattenError::Conflict("A".into()),
            ),
            (
                &[("A.0", "1"), ("A.B", "2")],
                UnflattenError::MixedIndices("A".into()),
            ),
            (&[("A.1", "1")], UnflattenError::BadIndex("A".into())),
            (
                &[("A.0", "1"), ("A.2", "1")],
                UnflattenError::BadIndex("A".into()),
            ),
            (&[("A.00", "1")], UnflattenError::BadIndex("A".into())),
            (
                &[("A.0", "1"), ("A.01", "1")],
                UnflattenError::BadIndex("A".into()),
            ),
            (
                &[("A.99999999999999999999999", "1")],
                UnflattenError::BadIndex("A".into()),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(unflatten(&pairs(input)).as_ref(), Err(want), "{input:?}");
        }
    }

    #[test]
    fn a_huge_index_alone_allocates_nothing_big() {
        // One pair cannot describe a long array: the gap is reported, nothing is padded.
        let p = pairs(&[("A.4000000000", "x")]);
        assert_eq!(unflatten(&p), Err(UnflattenError::BadIndex("A".into())));
    }

    #[test]
    fn a_top_level_digit_name_stays_a_field() {
        // At the top level there is no array to index: `0` is an (unknown) parameter name.
        assert_eq!(unflatten(&pairs(&[("0", "x")])).unwrap(), json!({"0": "x"}));
    }
}
