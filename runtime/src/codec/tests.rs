//! Unit tests of the codec: what the emitter writes, decoded and encoded.

use super::*;
use serde::ser::Serializer;

/// What the emitter writes for `{Name: String, Count?: Integer, Child?: Inner, Items: Array of Inner}`.
#[derive(Debug, PartialEq)]
struct Outer {
    name: String,
    count: Option<i64>,
    child: Option<Inner>,
    items: Vec<Inner>,
}

#[derive(Debug, PartialEq)]
struct Inner {
    id: u64,
}

impl Decode for Outer {
    fn decode(fields: &mut dyn Fields) -> Result<Self> {
        let mut name: String = Default::default();
        let mut count: Option<i64> = Default::default();
        let mut child: Option<Inner> = Default::default();
        let mut items: Vec<Inner> = Default::default();
        read(fields, &["Name", "Count", "Child", "Items"], &[0, 3], &mut [&mut name, &mut count, &mut child, &mut items])?;
        Ok(Self { name, count, child, items })
    }
}

impl Encode for Outer {
    fn encode(&self, out: &mut dyn Entries) {
        write(out, &["Name", "Count", "Child", "Items"], &[&self.name, &self.count, &self.child, &self.items]);
    }
}

impl Decode for Inner {
    fn decode(fields: &mut dyn Fields) -> Result<Self> {
        let mut id: u64 = Default::default();
        read(fields, &["Id"], &[0], &mut [&mut id])?;
        Ok(Self { id })
    }
}

impl Encode for Inner {
    fn encode(&self, out: &mut dyn Entries) {
        write(out, &["Id"], &[&self.id]);
    }
}

impl<'de> serde::Deserialize<'de> for Outer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        deserialize(d)
    }
}

impl serde::Serialize for Outer {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize(self, s)
    }
}

fn parse(text: &str) -> std::result::Result<Outer, serde_json::Error> {
    serde_json::from_str(text)
}

#[test]
fn decodes_skipping_unknown_keys_with_lenient_numbers() {
    let got = parse(r#"{"New": {"x": [1]}, "Name": "a", "Count": "12", "Child": {"Id": 3}, "Items": [{"Id": "4"}]}"#).unwrap();
    assert_eq!(got, Outer { name: "a".into(), count: Some(12), child: Some(Inner { id: 3 }), items: vec![Inner { id: 4 }] });
    let got = parse(r#"{"Name": "a", "Count": null, "Child": null, "Items": []}"#).unwrap();
    assert_eq!((got.count, got.child), (None, None));
    assert_eq!(parse(r#"{"Name": "a", "Count": "", "Items": []}"#).unwrap().count, None);
}

/// What the emitter writes for `{First: Inner, Flag: Boolean, Ports: Array of Integer, Kind: Str enum}`,
/// all required: the structure is read into an `Option` and unwrapped with `required`.
#[derive(Debug, PartialEq)]
struct Holder {
    first: Inner,
    flag: bool,
    ports: Vec<i64>,
    kind: Kind,
}

#[derive(Debug, PartialEq)]
enum Kind {
    A,
    Unknown(String),
}

impl From<&str> for Kind {
    fn from(s: &str) -> Self {
        if s == "A" { Kind::A } else { Kind::Unknown(s.to_owned()) }
    }
}

impl Decode for Holder {
    fn decode(fields: &mut dyn Fields) -> Result<Self> {
        let mut first: Option<Inner> = None;
        let mut flag: bool = Default::default();
        let mut ports: Vec<i64> = Default::default();
        let mut kind: Kind = Kind::Unknown(Default::default());
        read(fields, &["First", "Flag", "Ports", "Kind"], &[0, 1, 2, 3], &mut [&mut first, &mut flag, &mut ports, &mut Str(&mut kind)])?;
        Ok(Self { first: required(first, "First")?, flag, ports, kind })
    }
}

impl<'de> serde::Deserialize<'de> for Holder {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        deserialize(d)
    }
}

/// Decodes `text` as `T` the way a strict client does.
fn strict<T: serde::de::DeserializeOwned>(text: &str) -> std::result::Result<T, serde_json::Error> {
    correct::scoped(true, || serde_json::from_str(text)).0
}

/// Decodes `text` as `T` the way a lenient client does, with what was corrected.
fn lenient<T: serde::de::DeserializeOwned>(text: &str) -> (T, Vec<(String, u64)>) {
    let (out, found) = correct::scoped(false, || serde_json::from_str(text));
    (out.unwrap(), found.paths)
}

#[test]
fn strict_errors_name_the_field_path() {
    let e = strict::<Outer>(r#"{"Items": []}"#).unwrap_err().to_string();
    assert!(e.starts_with("missing field `Name`"), "{e}");
    let e = strict::<Outer>(r#"{"Name": "a", "Items": [{"Id": 1}, {}]}"#).unwrap_err().to_string();
    assert!(e.starts_with("missing field `Items.Id`"), "{e}");
    let e = strict::<Outer>(r#"{"Name": null, "Items": []}"#).unwrap_err().to_string();
    assert!(e.starts_with("field `Name` is null"), "{e}");
    let e = strict::<Holder>(r#"{"First": {"Id": null}, "Flag": true, "Ports": [], "Kind": "A"}"#).unwrap_err().to_string();
    assert!(e.starts_with("field `First.Id` is null"), "{e}");
    let e = strict::<Holder>(r#"{"First": null, "Flag": true, "Ports": [], "Kind": "A"}"#).unwrap_err().to_string();
    assert!(e.starts_with("field `First` is null"), "{e}");
    // A wrong type deep inside keeps serde_json's position, and names the field.
    let e = parse("{\"Name\": \"a\",\n \"Items\": [{\"Id\": true}]}").unwrap_err();
    assert_eq!(e.line(), 2, "{e}");
    assert!(e.to_string().starts_with("field `Items.Id`: invalid type: boolean `true`"), "{e}");
    assert_eq!(e.to_string().matches(" at line ").count(), 1, "{e}");
    assert!(parse(r#"{"Name": 1, "Items": []}"#).unwrap_err().to_string().starts_with("field `Name`: invalid type"));
    assert!(parse(r#"[]"#).is_err());
}

/// Issue 13.4: a reply that leaves out a required member, or sends `null`, decodes with the
/// member's zero value (Smithy's client error correction), and each correction is reported
/// by its path, once per path with a count.
#[test]
fn lenient_decoding_fills_zero_values_and_reports_paths() {
    let (got, found) = lenient::<Outer>(r#"{"Count": 2}"#);
    assert_eq!(got, Outer { name: String::new(), count: Some(2), child: None, items: vec![] });
    assert_eq!(found, [("Name".to_owned(), 1), ("Items".to_owned(), 1)]);
    let (got, found) = lenient::<Outer>(r#"{"Name": null, "Items": [{"Id": 1}, {}, {"Id": null}]}"#);
    assert_eq!(got.items, [Inner { id: 1 }, Inner { id: 0 }, Inner { id: 0 }]);
    assert_eq!(found, [("Name".to_owned(), 1), ("Items.Id".to_owned(), 2)]);
    // A required structure that is absent or null is a structure of zero values.
    let (got, found) = lenient::<Holder>(r#"{"Flag": null, "Ports": null, "Kind": null}"#);
    assert_eq!(got, Holder { first: Inner { id: 0 }, flag: false, ports: vec![], kind: Kind::Unknown(String::new()) });
    assert_eq!(
        found,
        [("Flag".to_owned(), 1), ("Ports".to_owned(), 1), ("Kind".to_owned(), 1), ("First".to_owned(), 1), ("First.Id".to_owned(), 1)]
    );
    let (got, found) = lenient::<Holder>(r#"{"First": null, "Flag": true, "Ports": [1], "Kind": "A"}"#);
    assert_eq!((got.first, got.kind), (Inner { id: 0 }, Kind::A));
    assert_eq!(found, [("First".to_owned(), 1), ("First.Id".to_owned(), 1)]);
    // Outside a client's scope, decoding is lenient too (and logs).
    assert_eq!(parse(r#"{"Items": [{}]}"#).unwrap().items, [Inner { id: 0 }]);
    // Complete replies correct nothing.
    assert!(lenient::<Outer>(r#"{"Name": "a", "Items": []}"#).1.is_empty());
}

/// Issue 13.4: an integer that is not exactly an integer in range is an error naming the
/// field (it used to be rounded through an `f64`).
#[test]
fn inexact_integers_name_the_field() {
    let e = parse(r#"{"Name": "a", "Count": 9007199254740993.0, "Items": []}"#).unwrap_err().to_string();
    assert!(e.starts_with("field `Count`: the float 9007199254740992.0 is 2^53 or more"), "{e}");
    let e = parse(r#"{"Name": "a", "Items": [{"Id": "1000000000000000001.5"}]}"#).unwrap_err().to_string();
    assert!(e.starts_with("field `Items.Id`: invalid value: string \"1000000000000000001.5\""), "{e}");
    let got = parse(r#"{"Name": "a", "Count": "1000000000000000001.0", "Items": [{"Id": "18446744073709551615"}]}"#).unwrap();
    assert_eq!((got.count, got.items[0].id), (Some(1_000_000_000_000_000_001), u64::MAX));
}

/// A million empty objects cost a bounded report, not a path each.
#[test]
fn corrections_of_a_huge_array_merge() {
    let text = format!(r#"{{"Name": "a", "Items": [{}]}}"#, vec!["{}"; 100_000].join(","));
    let (got, found) = lenient::<Outer>(&text);
    assert_eq!(got.items.len(), 100_000);
    assert_eq!(found, [("Items.Id".to_owned(), 100_000)]);
}

#[test]
fn client_records_are_bounded_and_sorted() {
    let c = Corrections::default();
    c.record("B", &correct::Found { paths: vec![("X".into(), 2)], unnamed: 0 });
    c.record("A", &correct::Found { paths: vec![("Y".into(), 1)], unnamed: 3 });
    c.record("B", &correct::Found { paths: vec![("X".into(), 1)], unnamed: 0 });
    let got: Vec<(&str, String, u64)> = c.snapshot().into_iter().map(|k| (k.action, k.field, k.count)).collect();
    assert_eq!(got, [("A", "(more fields)".into(), 3), ("A", "Y".into(), 1), ("B", "X".into(), 3)]);
}

#[test]
fn encodes_leaving_out_none() {
    let value = Outer { name: "a".into(), count: None, child: Some(Inner { id: 3 }), items: vec![Inner { id: 4 }] };
    let json = serde_json::to_string(&value).unwrap();
    assert_eq!(json, r#"{"Name":"a","Child":{"Id":3},"Items":[{"Id":4}]}"#);
    assert_eq!(parse(&json).unwrap(), value);
}

#[test]
fn non_finite_numbers_fail_naming_the_field() {
    struct Weights {
        weight: f64,
        more: Vec<f64>,
    }
    impl Encode for Weights {
        fn encode(&self, out: &mut dyn Entries) {
            write(out, &["Weight", "More"], &[&self.weight, &self.more]);
        }
    }
    impl serde::Serialize for Weights {
        fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
            serialize(self, s)
        }
    }
    let json = serde_json::to_string(&Weights { weight: 0.5, more: vec![1.5, -2.0] }).unwrap();
    assert_eq!(json, r#"{"Weight":0.5,"More":[1.5,-2.0]}"#);
    let cases = [(f64::NAN, vec![], "`Weight` is NaN"), (1.0, vec![0.5, f64::INFINITY], "`More` is inf"), (f64::NEG_INFINITY, vec![], "`Weight` is -inf")];
    for (weight, more, expected) in cases {
        let e = serde_json::to_string(&Weights { weight, more }).unwrap_err().to_string();
        assert!(e.starts_with(expected), "{e}");
    }
}

#[test]
fn open_enums() {
    let kind: Kind = serde_json::from_str::<KindOf>(r#""B""#).map(|k| k.0).unwrap();
    assert_eq!(kind, Kind::Unknown("B".into()));
    struct KindOf(Kind);
    impl<'de> serde::Deserialize<'de> for KindOf {
        fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
            deserialize_str(d).map(KindOf)
        }
    }
    let shown = format!("{:?} {:?}", Shown("A", false), Shown("B", true));
    assert_eq!(shown, r#""A" Unknown("B")"#);
    struct Shown(&'static str, bool);
    impl fmt::Debug for Shown {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            debug_str(f, self.0, self.1)
        }
    }
}
