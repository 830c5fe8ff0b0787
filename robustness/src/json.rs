//! JSON inputs: arbitrary values, and mutations of a known-good value (a documented
//! example) into the wrong-but-plausible replies a server, a proxy or an attacker can send.
//!
//! A [`Mutation`] is plain data (node selectors are `usize`s taken modulo the node count), so
//! proptest can shrink a failing case to the one mutation that matters. [`render`] writes the
//! mutated value as text, optionally with a duplicated key (which a `serde_json::Value` cannot
//! hold), and [`TextEdit`]s then damage the bytes themselves.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Strings that exercise the lenient number parsing, open enums and escaping.
const TRICKY_STRINGS: &[&str] = &[
    "", " ", "xx", "0", "12", " 12 ", "-1", "1.0", "1.5", "1e3", "1e400", "-0", "NaN", "inf", "null", "true",
    "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "\u{0}",
    "\u{fffd}", "未命名", "\\", "\"", "\u{1b}[31m", "2022-01-01", "2020-2-2 13:00:00",
];

/// A string: mostly short arbitrary text, sometimes a tricky one.
pub fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "\\PC{0,12}",
        2 => proptest::sample::select(TRICKY_STRINGS).prop_map(str::to_owned),
        1 => "[0-9]{1,30}",
    ]
}

/// A JSON number, including the edges: `i64`/`u64` extremes, floats with and without a
/// fraction.
pub fn arb_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-3i64..=3).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        proptest::sample::select(&[0.5, -0.0, 1e300, -1e300, 9.223_372_036_854_776e18, 1.0][..])
            .prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

/// An arbitrary JSON value up to a few levels deep, with object keys drawn from `keys`
/// (real field names, so the decoder gets past "missing field") or arbitrary.
pub fn arb_json(keys: Vec<String>) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number(),
        arb_string().prop_map(Value::String),
    ];
    let key = if keys.is_empty() {
        arb_string().boxed()
    } else {
        prop_oneof![3 => proptest::sample::select(keys), 1 => arb_string()].boxed()
    };
    leaf.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One structural change to a JSON value. `at` picks a node in pre-order (modulo the count).
#[derive(Debug, Clone)]
pub enum Mutation {
    /// Remove the node from its parent (a key from an object, an item from an array).
    Remove {
        /// Node selector.
        at: usize,
    },
    /// Replace the node with another value (usually of another kind).
    Replace {
        /// Node selector.
        at: usize,
        /// The new value.
        with: Value,
    },
    /// A number or boolean becomes the string of its JSON text (`12` → `"12"`).
    Stringify {
        /// Node selector.
        at: usize,
    },
    /// Wrap the node in `depth` arrays or single-key objects.
    Deepen {
        /// Node selector.
        at: usize,
        /// How many levels.
        depth: usize,
        /// Objects (`{"A": ...}`) instead of arrays.
        objects: bool,
    },
    /// Add an entry to the object at (or above) the node.
    Insert {
        /// Node selector.
        at: usize,
        /// Key.
        key: String,
        /// Value.
        value: Value,
    },
    /// Replace an array's items with `count` copies of its first item (or of `null`).
    Grow {
        /// Node selector.
        at: usize,
        /// How many items.
        count: usize,
    },
}

/// A damage to the rendered bytes.
#[derive(Debug, Clone)]
pub enum TextEdit {
    /// Cut the text at `at` (modulo the length + 1).
    Truncate {
        /// Position selector.
        at: usize,
    },
    /// Insert bytes at a position.
    Insert {
        /// Position selector.
        at: usize,
        /// The bytes.
        bytes: Vec<u8>,
    },
    /// Flip one byte.
    Flip {
        /// Position selector.
        at: usize,
        /// XOR mask (non-zero).
        mask: u8,
    },
}

/// Bytes that break JSON in interesting ways.
const GARBAGE: &[&[u8]] = &[
    b"\xff", b"\xc3", b"\xe6\x9c", b"\0", b"{", b"}", b"[", b"]", b"\"", b"\\", b",", b":", b"\\u", b"\\ud800",
    b"1e99999", b"-", b"NaN", b"\xef\xbb\xbf", b"<html>", b"\r\n", b"/*",
];

/// An arbitrary [`Mutation`]; replacement values come from `values`.
pub fn arb_mutation(values: BoxedStrategy<Value>) -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => any::<usize>().prop_map(|at| Mutation::Remove { at }),
        3 => (any::<usize>(), values.clone()).prop_map(|(at, with)| Mutation::Replace { at, with }),
        3 => any::<usize>().prop_map(|at| Mutation::Stringify { at }),
        1 => (any::<usize>(), prop_oneof![1usize..8, 120usize..140, 1000usize..2000], any::<bool>())
            .prop_map(|(at, depth, objects)| Mutation::Deepen { at, depth, objects }),
        2 => (any::<usize>(), arb_string(), values).prop_map(|(at, key, value)| Mutation::Insert { at, key, value }),
        1 => (any::<usize>(), prop_oneof![0usize..4, 1000usize..3000])
            .prop_map(|(at, count)| Mutation::Grow { at, count }),
    ]
}

/// An arbitrary [`TextEdit`].
pub fn arb_text_edit() -> impl Strategy<Value = TextEdit> {
    prop_oneof![
        any::<usize>().prop_map(|at| TextEdit::Truncate { at }),
        (
            any::<usize>(),
            prop_oneof![
                proptest::sample::select(GARBAGE).prop_map(<[u8]>::to_vec),
                proptest::collection::vec(any::<u8>(), 1..6)
            ]
        )
            .prop_map(|(at, bytes)| TextEdit::Insert { at, bytes }),
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| TextEdit::Flip { at, mask }),
    ]
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// Visits node number `target` (pre-order) with its parent container, if it has one.
/// `f(parent, key_or_index)` gets the parent; the root (no parent) is passed as `None`.
fn with_node(root: &mut Value, target: usize, f: &mut dyn FnMut(&mut Value, Option<Slot>)) {
    fn walk(v: &mut Value, target: usize, n: &mut usize, f: &mut dyn FnMut(&mut Value, Option<Slot>)) -> bool {
        let children: Vec<Slot> = match v {
            Value::Array(a) => (0..a.len()).map(Slot::Index).collect(),
            Value::Object(o) => o.keys().cloned().map(Slot::Key).collect(),
            _ => Vec::new(),
        };
        for slot in children {
            *n += 1;
            if *n == target {
                f(v, Some(slot));
                return true;
            }
            let child = match (&mut *v, &slot) {
                (Value::Array(a), Slot::Index(i)) => &mut a[*i],
                (Value::Object(o), Slot::Key(k)) => match o.get_mut(k) {
                    Some(c) => c,
                    None => continue,
                },
                _ => continue,
            };
            if walk(child, target, n, f) {
                return true;
            }
        }
        false
    }
    let target = target % count(root);
    if target == 0 {
        f(root, None);
    } else {
        walk(root, target, &mut 0, f);
    }
}

/// Where a child sits in its parent.
#[derive(Debug, Clone)]
enum Slot {
    Index(usize),
    Key(String),
}

fn child<'v>(parent: &'v mut Value, slot: &Slot) -> Option<&'v mut Value> {
    match (parent, slot) {
        (Value::Array(a), Slot::Index(i)) => a.get_mut(*i),
        (Value::Object(o), Slot::Key(k)) => o.get_mut(k),
        _ => None,
    }
}

/// Applies one mutation in place.
pub fn apply(root: &mut Value, m: &Mutation) {
    let at = match m {
        Mutation::Remove { at }
        | Mutation::Replace { at, .. }
        | Mutation::Stringify { at }
        | Mutation::Deepen { at, .. }
        | Mutation::Insert { at, .. }
        | Mutation::Grow { at, .. } => *at,
    };
    with_node(root, at, &mut |parent, slot| {
        if let Mutation::Insert { key, value, .. } = m {
            let node_is_object = match &slot {
                Some(s) => child(parent, s).is_some_and(|c| c.is_object()),
                None => parent.is_object(),
            };
            let target = match &slot {
                Some(s) if node_is_object => child(parent, s),
                _ => Some(parent),
            };
            if let Some(Value::Object(o)) = target {
                o.insert(key.clone(), value.clone());
            }
            return;
        }
        let node = match &slot {
            Some(s) => match child(parent, s) {
                Some(c) => c,
                None => return,
            },
            None => &mut *parent,
        };
        match m {
            Mutation::Remove { .. } => {
                // The root cannot be removed: it becomes `null`.
                if slot.is_none() {
                    *node = Value::Null;
                    return;
                }
                match (&mut *parent, slot) {
                    (Value::Array(a), Some(Slot::Index(i))) => {
                        a.remove(i);
                    }
                    (Value::Object(o), Some(Slot::Key(k))) => {
                        o.remove(&k);
                    }
                    _ => {}
                }
            }
            Mutation::Replace { with, .. } => *node = with.clone(),
            Mutation::Stringify { .. } => {
                if matches!(node, Value::Number(_) | Value::Bool(_)) {
                    *node = Value::String(node.to_string());
                }
            }
            Mutation::Deepen { depth, objects, .. } => {
                let mut v = node.take();
                for _ in 0..*depth {
                    v = if *objects {
                        Value::Object(std::iter::once(("A".to_owned(), v)).collect())
                    } else {
                        Value::Array(vec![v])
                    };
                }
                *node = v;
            }
            Mutation::Insert { .. } => {}
            Mutation::Grow { count, .. } => {
                if let Value::Array(a) = node {
                    let item = a.first().cloned().unwrap_or(Value::Null);
                    *a = vec![item; *count];
                }
            }
        }
    });
}

/// Renders `v` as compact JSON. With `duplicate = Some(n)`, the first entry of the `n`-th
/// non-empty object (modulo their count) is written twice, as a confused server might.
pub fn render(v: &Value, duplicate: Option<usize>) -> Vec<u8> {
    fn objects(v: &Value) -> usize {
        match v {
            Value::Array(a) => a.iter().map(objects).sum(),
            Value::Object(o) => usize::from(!o.is_empty()) + o.values().map(objects).sum::<usize>(),
            _ => 0,
        }
    }
    fn write(v: &Value, dup: Option<usize>, seen: &mut usize, out: &mut Vec<u8>) {
        match v {
            Value::Array(a) => {
                out.push(b'[');
                for (i, item) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write(item, dup, seen, out);
                }
                out.push(b']');
            }
            Value::Object(o) => {
                let this = if o.is_empty() {
                    None
                } else {
                    *seen += 1;
                    Some(*seen - 1)
                };
                out.push(b'{');
                let mut first = true;
                let mut entry = |k: &String, item: &Value, seen: &mut usize, out: &mut Vec<u8>| {
                    if !first {
                        out.push(b',');
                    }
                    first = false;
                    out.extend_from_slice(Value::String(k.clone()).to_string().as_bytes());
                    out.push(b':');
                    write(item, dup, seen, out);
                };
                for (k, item) in o {
                    entry(k, item, seen, out);
                }
                if this.is_some() && this == dup
                    && let Some((k, item)) = o.iter().next()
                {
                    entry(k, item, seen, out);
                }
                out.push(b'}');
            }
            scalar => out.extend_from_slice(scalar.to_string().as_bytes()),
        }
    }
    let total = objects(v);
    let dup = duplicate.filter(|_| total > 0).map(|n| n % total.max(1));
    let mut out = Vec::new();
    write(v, dup, &mut 0, &mut out);
    out
}

/// Applies a text edit in place.
pub fn edit(bytes: &mut Vec<u8>, e: &TextEdit) {
    match e {
        TextEdit::Truncate { at } => bytes.truncate(at % (bytes.len() + 1)),
        TextEdit::Insert { at, bytes: ins } => {
            let at = at % (bytes.len() + 1);
            bytes.splice(at..at, ins.iter().copied());
        }
        TextEdit::Flip { at, mask } => {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= mask;
            }
        }
    }
}

/// Every number (not only top-level) turned into the string of its JSON text.
pub fn stringify_numbers(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(a) => Value::Array(a.iter().map(stringify_numbers).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), stringify_numbers(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mutations_hit_the_chosen_node() {
        let base = json!({"A": [1, {"B": true}], "C": "x"});
        let mut v = base.clone();
        apply(&mut v, &Mutation::Stringify { at: 2 });
        assert_eq!(v, json!({"A": ["1", {"B": true}], "C": "x"}));
        let mut v = base.clone();
        apply(&mut v, &Mutation::Remove { at: 3 });
        assert_eq!(v, json!({"A": [1], "C": "x"}));
        let mut v = base.clone();
        apply(&mut v, &Mutation::Deepen { at: 5, depth: 2, objects: false });
        assert_eq!(v, json!({"A": [1, {"B": true}], "C": [["x"]]}));
        let mut v = base.clone();
        apply(&mut v, &Mutation::Grow { at: 1, count: 3 });
        assert_eq!(v, json!({"A": [1, 1, 1], "C": "x"}));
    }

    #[test]
    fn render_duplicates_a_key() {
        let v = json!({"A": {"B": 1}});
        assert_eq!(render(&v, None), br#"{"A":{"B":1}}"#);
        assert_eq!(render(&v, Some(1)), br#"{"A":{"B":1,"B":1}}"#);
        assert_eq!(render(&v, Some(0)), br#"{"A":{"B":1},"A":{"B":1}}"#);
    }
}
