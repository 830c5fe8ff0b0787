//! [`Entries`] over any serde `Serializer`: the one generic writer every generated `Encode`
//! goes through.

use std::cell::Cell;

use serde::ser::{SerializeMap, Serializer};

use super::{Encode, Entries, serialize};

/// [`Entries`] over a serde map; keeps the first error.
pub(super) struct Writer<M: SerializeMap> {
    pub(super) map: M,
    pub(super) error: Option<M::Error>,
}

impl<M: SerializeMap> Writer<M> {
    fn entry<V: serde::Serialize + ?Sized>(&mut self, key: &'static str, value: &V) {
        if self.error.is_none() {
            if let Err(e) = self.map.serialize_entry(key, value) {
                self.error = Some(e);
            }
        }
    }

    /// NaN and the infinities have no JSON form: `serde_json` would quietly send `null`
    /// (and the API read the parameter as absent), so encoding fails and names the field.
    fn non_finite(&mut self, key: &'static str, value: f64) {
        if self.error.is_none() {
            self.error = Some(serde::ser::Error::custom(format_args!(
                "`{key}` is {value}, which JSON cannot carry (a number must be finite)"
            )));
        }
    }
}

/// A generated type as `Serialize`.
struct AsSerialize<'a>(&'a dyn Encode);

impl serde::Serialize for AsSerialize<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        serialize(self.0, s)
    }
}

/// An iterator as a `Serialize` sequence (serialized once).
struct Seq<I>(Cell<Option<I>>);

impl<I: Iterator> serde::Serialize for Seq<I>
where
    I::Item: serde::Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0.take() {
            Some(items) => s.collect_seq(items),
            None => Err(serde::ser::Error::custom("sequence already serialized")),
        }
    }
}

impl<M: SerializeMap> Entries for Writer<M> {
    fn string(&mut self, key: &'static str, value: &str) {
        self.entry(key, value);
    }
    fn strings(&mut self, key: &'static str, values: &mut dyn Iterator<Item = &str>) {
        self.entry(key, &Seq(Cell::new(Some(values))));
    }
    fn i64(&mut self, key: &'static str, value: i64) {
        self.entry(key, &value);
    }
    fn i64s(&mut self, key: &'static str, values: &mut dyn Iterator<Item = i64>) {
        self.entry(key, &Seq(Cell::new(Some(values))));
    }
    fn u64(&mut self, key: &'static str, value: u64) {
        self.entry(key, &value);
    }
    fn u64s(&mut self, key: &'static str, values: &[u64]) {
        self.entry(key, values);
    }
    fn f64(&mut self, key: &'static str, value: f64) {
        if value.is_finite() {
            self.entry(key, &value);
        } else {
            self.non_finite(key, value);
        }
    }
    fn f64s(&mut self, key: &'static str, values: &[f64]) {
        match values.iter().find(|v| !v.is_finite()) {
            None => self.entry(key, values),
            Some(&value) => self.non_finite(key, value),
        }
    }
    fn bool(&mut self, key: &'static str, value: bool) {
        self.entry(key, &value);
    }
    fn bools(&mut self, key: &'static str, values: &[bool]) {
        self.entry(key, values);
    }
    fn object(&mut self, key: &'static str, value: &dyn Encode) {
        self.entry(key, &AsSerialize(value));
    }
    fn objects(&mut self, key: &'static str, values: &mut dyn Iterator<Item = &dyn Encode>) {
        self.entry(key, &Seq(Cell::new(Some(values.map(AsSerialize)))));
    }
}


