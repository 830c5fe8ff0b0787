//! [`Fields`] over any serde `MapAccess`: the one generic reader every generated `Decode`
//! goes through, with the lenient number seeds of [`crate::de`] and the object seeds.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{ErrorKind, Fields, ReadError, Result};

type DecodeFn<'a> = &'a mut dyn FnMut(&mut dyn Fields) -> Result<()>;

/// [`Fields`] over a serde map; keeps the first error of the format.
struct Reader<'de, A: MapAccess<'de>> {
    map: A,
    error: Option<A::Error>,
    _de: PhantomData<&'de ()>,
}

impl<'de, A: MapAccess<'de>> Reader<'de, A> {
    fn keep<T>(&mut self, result: std::result::Result<T, A::Error>) -> Result<T> {
        result.map_err(|e| {
            self.error.get_or_insert(e);
            ReadError(ErrorKind::Format)
        })
    }

    fn value<T: de::Deserialize<'de>>(&mut self) -> Result<T> {
        let result = self.map.next_value();
        self.keep(result)
    }

    fn seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        let result = self.map.next_value_seed(seed);
        self.keep(result)
    }

    /// The format's error for `e`.
    fn into_error(mut self, e: ReadError) -> A::Error {
        match e.0 {
            ErrorKind::Format => self.error.take().unwrap_or_else(|| de::Error::custom("invalid value")),
            ErrorKind::Missing(name) => de::Error::missing_field(name),
            ErrorKind::Null(name) => de::Error::custom(format_args!("field `{name}` is null or empty")),
        }
    }
}

/// Seeds reading lenient numbers through [`crate::de`].
macro_rules! lenient {
    ($($seed:ident: $ty:ty = $f:path;)*) => {$(
        struct $seed;
        impl<'de> DeserializeSeed<'de> for $seed {
            type Value = $ty;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<$ty, D::Error> {
                $f(d)
            }
        }
    )*};
}

lenient! {
    I64: i64 = crate::de::i64;
    OptI64: Option<i64> = crate::de::opt_i64;
    I64s: Vec<i64> = crate::de::vec_i64;
    OptI64s: Option<Vec<i64>> = crate::de::opt_vec_i64;
    U64: u64 = crate::de::u64;
    OptU64: Option<u64> = crate::de::opt_u64;
    U64s: Vec<u64> = crate::de::vec_u64;
    OptU64s: Option<Vec<u64>> = crate::de::opt_vec_u64;
    F64: f64 = crate::de::f64;
    OptF64: Option<f64> = crate::de::opt_f64;
    F64s: Vec<f64> = crate::de::vec_f64;
    OptF64s: Option<Vec<f64>> = crate::de::opt_vec_f64;
}

impl<'de, A: MapAccess<'de>> Fields for Reader<'de, A> {
    fn next_field(&mut self, names: &'static [&'static str]) -> Result<Option<usize>> {
        let result = self.map.next_key_seed(FieldIndex(names));
        self.keep(result)
    }
    fn skip(&mut self) -> Result<()> {
        self.value::<IgnoredAny>().map(|_| ())
    }
    fn string(&mut self) -> Result<String> {
        self.value()
    }
    fn opt_string(&mut self) -> Result<Option<String>> {
        self.value()
    }
    fn strings(&mut self) -> Result<Vec<String>> {
        self.value()
    }
    fn opt_strings(&mut self) -> Result<Option<Vec<String>>> {
        self.value()
    }
    fn i64(&mut self) -> Result<i64> {
        self.seed(I64)
    }
    fn opt_i64(&mut self) -> Result<Option<i64>> {
        self.seed(OptI64)
    }
    fn i64s(&mut self) -> Result<Vec<i64>> {
        self.seed(I64s)
    }
    fn opt_i64s(&mut self) -> Result<Option<Vec<i64>>> {
        self.seed(OptI64s)
    }
    fn u64(&mut self) -> Result<u64> {
        self.seed(U64)
    }
    fn opt_u64(&mut self) -> Result<Option<u64>> {
        self.seed(OptU64)
    }
    fn u64s(&mut self) -> Result<Vec<u64>> {
        self.seed(U64s)
    }
    fn opt_u64s(&mut self) -> Result<Option<Vec<u64>>> {
        self.seed(OptU64s)
    }
    fn f64(&mut self) -> Result<f64> {
        self.seed(F64)
    }
    fn opt_f64(&mut self) -> Result<Option<f64>> {
        self.seed(OptF64)
    }
    fn f64s(&mut self) -> Result<Vec<f64>> {
        self.seed(F64s)
    }
    fn opt_f64s(&mut self) -> Result<Option<Vec<f64>>> {
        self.seed(OptF64s)
    }
    fn bool(&mut self) -> Result<bool> {
        self.value()
    }
    fn opt_bool(&mut self) -> Result<Option<bool>> {
        self.value()
    }
    fn bools(&mut self) -> Result<Vec<bool>> {
        self.value()
    }
    fn opt_bools(&mut self) -> Result<Option<Vec<bool>>> {
        self.value()
    }
    fn object(&mut self, decode: DecodeFn<'_>) -> Result<()> {
        self.seed(ObjectSeed(decode))
    }
    fn opt_object(&mut self, decode: DecodeFn<'_>) -> Result<bool> {
        self.seed(OptSeed(decode, false))
    }
    fn objects(&mut self, decode: DecodeFn<'_>) -> Result<()> {
        self.seed(ObjectsSeed(decode))
    }
    fn opt_objects(&mut self, decode: DecodeFn<'_>) -> Result<bool> {
        self.seed(OptSeed(decode, true))
    }
    fn context(&mut self, field: &'static str) {
        if let Some(e) = self.error.take() {
            self.error = Some(de::Error::custom(in_field(field, &e.to_string())));
        }
    }
}

/// `message` (an error reading the value of `field`) as the message of an error that names
/// the field's path: `field `Disk.Size`: ...`, `missing field `Disk.Size``. The position
/// suffix is dropped: the format adds the position again where the new error surfaces.
fn in_field(field: &str, message: &str) -> String {
    let message = strip_position(message);
    if let Some(rest) = message.strip_prefix("missing field `") {
        format!("missing field `{field}.{rest}")
    } else if let Some(rest) = message.strip_prefix("field `") {
        format!("field `{field}.{rest}")
    } else {
        format!("field `{field}`: {message}")
    }
}

/// `message` without serde_json's ` at line L column C` suffix.
fn strip_position(message: &str) -> &str {
    let Some(at) = message.rfind(" at line ") else { return message };
    let tail = &message[at + " at line ".len()..];
    let place = tail.split_once(" column ").filter(|(l, c)| {
        !l.is_empty() && !c.is_empty() && l.bytes().all(|b| b.is_ascii_digit()) && c.bytes().all(|b| b.is_ascii_digit())
    });
    if place.is_some() { &message[..at] } else { message }
}

/// A key as its index among the field names.
struct FieldIndex(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldIndex {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<usize, E> {
        Ok(self.0.iter().position(|n| *n == v).unwrap_or(usize::MAX))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<usize, E> {
        Ok(self.0.iter().position(|n| n.as_bytes() == v).unwrap_or(usize::MAX))
    }
}

/// Reads one object with a decode function.
pub(super) struct ObjectVisitor<'a>(pub(super) DecodeFn<'a>);

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> std::result::Result<(), A::Error> {
        let mut reader = Reader { map, error: None, _de: PhantomData };
        match (self.0)(&mut reader) {
            Ok(()) => Ok(()),
            Err(e) => Err(reader.into_error(e)),
        }
    }
}

struct ObjectSeed<'a>(DecodeFn<'a>);

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(ObjectVisitor(self.0))
    }
}

/// An array of objects.
struct ObjectsSeed<'a>(DecodeFn<'a>);

impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ObjectsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> std::result::Result<(), S::Error> {
        while seq.next_element_seed(ObjectSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// An object (`false`) or an array of objects (`true`), or `null`: whether it was present.
struct OptSeed<'a>(DecodeFn<'a>, bool);

impl<'de> DeserializeSeed<'de> for OptSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<bool, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.1 { "null or an array of objects" } else { "null or an object" })
    }
    fn visit_none<E: de::Error>(self) -> std::result::Result<bool, E> {
        Ok(false)
    }
    fn visit_unit<E: de::Error>(self) -> std::result::Result<bool, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<bool, D::Error> {
        if self.1 {
            ObjectsSeed(self.0).deserialize(d)?;
        } else {
            ObjectSeed(self.0).deserialize(d)?;
        }
        Ok(true)
    }
}

