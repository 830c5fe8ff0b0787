//! Compact (de)serialization for generated types: what keeps a generated crate of hundreds
//! of actions cheap to compile.
//!
//! `#[derive(Serialize, Deserialize)]` writes, per structure, a field-name visitor, a
//! sequence visitor, a map visitor and a wrapper type per `deserialize_with` field, all
//! generic over the (de)serializer: rustc type- and borrow-checks each of those generic
//! bodies, at roughly a millisecond per field. Generated types instead implement two
//! non-generic traits, [`Decode`] and [`Encode`], whose bodies read or write each field
//! through a trait object ([`Fields`], [`Entries`]); their `Deserialize` and `Serialize`
//! impls are one-line calls to [`deserialize`] and [`serialize`]. Everything generic over
//! the format lives here, once.
//!
//! Behaviour matches what the derives did: unknown keys are skipped, a missing required
//! field is serde's `missing field` error, `null` or absence gives `None` for an `Option`,
//! numbers are lenient (see [`crate::de`]: `"12"` is 12, and `null`/`""` is `None`), errors
//! of the underlying format (with serde_json's line and column) come through unchanged, and
//! `None` fields are left out when serializing. A key given twice keeps the last value.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};

/// Why decoding stopped. The format's own error stays with the reader that hit it, so this
/// only says which kind of error to hand back.
#[derive(Debug)]
pub struct ReadError(ErrorKind);

#[derive(Debug)]
enum ErrorKind {
    /// The format reported an error (kept by the [`Fields`] implementation).
    Format,
    /// A required field was absent.
    Missing(&'static str),
}

/// The result of reading one value.
pub type Result<T, E = ReadError> = std::result::Result<T, E>;

/// A generated type that reads itself from an object (a JSON object), field by field.
pub trait Decode: Sized {
    /// Reads every field of `fields` (call [`Fields::next_field`] until it returns `None`).
    fn decode(fields: &mut dyn Fields) -> Result<Self>;
}

/// A generated type that writes itself as an object.
pub trait Encode {
    /// Writes each field that has a value.
    fn encode(&self, out: &mut dyn Entries);
}

/// The object being decoded: the next key, as an index into the type's field names, then its
/// value, read as the declared type. Implemented here over any serde `MapAccess`.
pub trait Fields {
    /// The index in `names` of the next key, `Some(usize::MAX)` for a key not in `names`
    /// (skip its value with [`Fields::skip`]), `None` after the last.
    fn next_field(&mut self, names: &'static [&'static str]) -> Result<Option<usize>>;
    /// Skips the value of an unknown key.
    fn skip(&mut self) -> Result<()>;
    /// A string.
    fn string(&mut self) -> Result<String>;
    /// A string, or `null`.
    fn opt_string(&mut self) -> Result<Option<String>>;
    /// An array of strings.
    fn strings(&mut self) -> Result<Vec<String>>;
    /// An array of strings, or `null`.
    fn opt_strings(&mut self) -> Result<Option<Vec<String>>>;
    /// A signed integer (also as a numeric string).
    fn i64(&mut self) -> Result<i64>;
    /// A signed integer, or `null` or `""`.
    fn opt_i64(&mut self) -> Result<Option<i64>>;
    /// An array of signed integers.
    fn i64s(&mut self) -> Result<Vec<i64>>;
    /// An array of signed integers, or `null`.
    fn opt_i64s(&mut self) -> Result<Option<Vec<i64>>>;
    /// An unsigned integer (also as a numeric string).
    fn u64(&mut self) -> Result<u64>;
    /// An unsigned integer, or `null` or `""`.
    fn opt_u64(&mut self) -> Result<Option<u64>>;
    /// An array of unsigned integers.
    fn u64s(&mut self) -> Result<Vec<u64>>;
    /// An array of unsigned integers, or `null`.
    fn opt_u64s(&mut self) -> Result<Option<Vec<u64>>>;
    /// A number (also as a numeric string).
    fn f64(&mut self) -> Result<f64>;
    /// A number, or `null` or `""`.
    fn opt_f64(&mut self) -> Result<Option<f64>>;
    /// An array of numbers.
    fn f64s(&mut self) -> Result<Vec<f64>>;
    /// An array of numbers, or `null`.
    fn opt_f64s(&mut self) -> Result<Option<Vec<f64>>>;
    /// A boolean.
    fn bool(&mut self) -> Result<bool>;
    /// A boolean, or `null`.
    fn opt_bool(&mut self) -> Result<Option<bool>>;
    /// An array of booleans.
    fn bools(&mut self) -> Result<Vec<bool>>;
    /// An array of booleans, or `null`.
    fn opt_bools(&mut self) -> Result<Option<Vec<bool>>>;
    /// An object, read by `decode`.
    fn object(&mut self, decode: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<()>;
    /// An object read by `decode`, or `null` (then `false`, and `decode` is not called).
    fn opt_object(&mut self, decode: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<bool>;
    /// An array of objects, each read by `decode`.
    fn objects(&mut self, decode: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<()>;
    /// An array of objects, or `null` (then `false`).
    fn opt_objects(&mut self, decode: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<bool>;
}

/// The object being encoded. Implemented here over any serde `Serializer`.
pub trait Entries {
    /// A string.
    fn string(&mut self, key: &'static str, value: &str);
    /// Strings.
    fn strings(&mut self, key: &'static str, values: &mut dyn Iterator<Item = &str>);
    /// A signed integer.
    fn i64(&mut self, key: &'static str, value: i64);
    /// Signed integers.
    fn i64s(&mut self, key: &'static str, values: &mut dyn Iterator<Item = i64>);
    /// An unsigned integer.
    fn u64(&mut self, key: &'static str, value: u64);
    /// Unsigned integers.
    fn u64s(&mut self, key: &'static str, values: &[u64]);
    /// A number.
    fn f64(&mut self, key: &'static str, value: f64);
    /// Numbers.
    fn f64s(&mut self, key: &'static str, values: &[f64]);
    /// A boolean.
    fn bool(&mut self, key: &'static str, value: bool);
    /// Booleans.
    fn bools(&mut self, key: &'static str, values: &[bool]);
    /// An object.
    fn object(&mut self, key: &'static str, value: &dyn Encode);
    /// Objects.
    fn objects(&mut self, key: &'static str, values: &mut dyn Iterator<Item = &dyn Encode>);
}

// ------------------------------------------------------------------ helpers for generated code

/// Storage for one field while decoding: the local a generated [`Decode`] body reads into.
///
/// Implemented for the scalar types (as `T`, `Option<T>`, `Vec<T>`, `Option<Vec<T>>`), for
/// generated structures as `Option<T>`, `Vec<T>` and `Option<Vec<T>>` (a required structure
/// is read into an `Option` and unwrapped with [`required`]), and for open enums through
/// [`Str`], [`OptStr`], [`Strs`], [`OptStrs`], [`Int`], [`OptInt`], [`Ints`], [`OptInts`].
pub trait Slot {
    /// Reads the current value into the slot.
    fn read(&mut self, fields: &mut dyn Fields) -> Result<()>;
}

/// One field's value while encoding; an `Option` that is `None` writes nothing.
///
/// Implemented for the same types as [`Slot`] (open enums through [`EncStr`] and friends).
pub trait Value {
    /// Writes the value under `key`.
    fn write(&self, key: &'static str, out: &mut dyn Entries);
}

/// Decodes an object into `slots` (one per name, in order): keys not in `names` are
/// skipped, and each index in `required` must have been seen.
pub fn read(
    fields: &mut dyn Fields,
    names: &'static [&'static str],
    required: &'static [usize],
    slots: &mut [&mut dyn Slot],
) -> Result<()> {
    let mut seen = vec![false; slots.len()];
    while let Some(i) = fields.next_field(names)? {
        match slots.get_mut(i) {
            Some(slot) => {
                slot.read(fields)?;
                seen[i] = true;
            }
            None => fields.skip()?,
        }
    }
    match required.iter().find(|&&i| !seen.get(i).copied().unwrap_or(false)) {
        Some(&i) => Err(missing(names.get(i).copied().unwrap_or("?"))),
        None => Ok(()),
    }
}

/// Encodes `values` (one per name, in order).
pub fn write(out: &mut dyn Entries, names: &'static [&'static str], values: &[&dyn Value]) {
    for (name, value) in names.iter().zip(values) {
        value.write(name, out);
    }
}

/// serde's `missing field` error.
pub fn missing(name: &'static str) -> ReadError {
    ReadError(ErrorKind::Missing(name))
}

/// The value of a required structure field, read into an `Option` (present once [`read`]
/// has checked it).
pub fn required<T>(value: Option<T>, name: &'static str) -> Result<T> {
    value.ok_or(ReadError(ErrorKind::Missing(name)))
}

macro_rules! scalar_slots {
    ($($ty:ty: $one:ident $opt:ident $many:ident $opt_many:ident;)*) => {$(
        impl Slot for $ty {
            fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
                *self = fields.$one()?;
                Ok(())
            }
        }
        impl Slot for Option<$ty> {
            fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
                *self = fields.$opt()?;
                Ok(())
            }
        }
        impl Slot for Vec<$ty> {
            fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
                *self = fields.$many()?;
                Ok(())
            }
        }
        impl Slot for Option<Vec<$ty>> {
            fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
                *self = fields.$opt_many()?;
                Ok(())
            }
        }
    )*};
}

scalar_slots! {
    String: string opt_string strings opt_strings;
    i64: i64 opt_i64 i64s opt_i64s;
    u64: u64 opt_u64 u64s opt_u64s;
    f64: f64 opt_f64 f64s opt_f64s;
    bool: bool opt_bool bools opt_bools;
}

impl Value for String {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.string(key, self);
    }
}
impl Value for Vec<String> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.strings(key, &mut self.iter().map(String::as_str));
    }
}
impl Value for i64 {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.i64(key, *self);
    }
}
impl Value for Vec<i64> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.i64s(key, &mut self.iter().copied());
    }
}
impl Value for u64 {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.u64(key, *self);
    }
}
impl Value for Vec<u64> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.u64s(key, self);
    }
}
impl Value for f64 {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.f64(key, *self);
    }
}
impl Value for Vec<f64> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.f64s(key, self);
    }
}
impl Value for bool {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.bool(key, *self);
    }
}
impl Value for Vec<bool> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.bools(key, self);
    }
}

impl<T: Value> Value for Option<T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        if let Some(value) = self {
            value.write(key, out);
        }
    }
}

// Generated structures. (`Option<T>` also serves required structures: see [`required`].)

impl<T: Decode> Slot for Option<T> {
    fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
        let mut out = None;
        fields.opt_object(&mut |f| {
            out = Some(T::decode(f)?);
            Ok(())
        })?;
        *self = out;
        Ok(())
    }
}

impl<T: Decode> Slot for Vec<T> {
    fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
        let mut out = Vec::new();
        fields.objects(&mut |f| {
            out.push(T::decode(f)?);
            Ok(())
        })?;
        *self = out;
        Ok(())
    }
}

impl<T: Decode> Slot for Option<Vec<T>> {
    fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
        let mut out = Vec::new();
        let present = fields.opt_objects(&mut |f| {
            out.push(T::decode(f)?);
            Ok(())
        })?;
        *self = present.then_some(out);
        Ok(())
    }
}

impl<T: Encode> Value for T {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.object(key, self);
    }
}

impl<T: Encode> Value for Vec<T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.objects(key, &mut self.iter().map(|v| v as &dyn Encode));
    }
}

// Open enums: decoded with `From<&str>` / `From<i64>`, encoded with their `as_str` / `value`.

macro_rules! enum_slots {
    ($($(#[$doc:meta])* $name:ident($field:ty) where T: $bound:path => |$f:ident, $slot:ident| $body:expr;)*) => {$(
        $(#[$doc])*
        pub struct $name<'a, T>(pub &'a mut $field);
        impl<T: $bound> Slot for $name<'_, T> {
            fn read(&mut self, $f: &mut dyn Fields) -> Result<()> {
                let $slot = &mut *self.0;
                *$slot = $body;
                Ok(())
            }
        }
    )*};
}

/// `for<'a> From<&'a str>`, as a bound usable in the macro above.
pub trait FromWire: for<'a> From<&'a str> {}
impl<T: for<'a> From<&'a str>> FromWire for T {}

enum_slots! {
    /// A string enum field.
    Str(T) where T: FromWire => |f, slot| T::from(f.string()?.as_str());
    /// An optional string enum field.
    OptStr(Option<T>) where T: FromWire => |f, slot| f.opt_string()?.map(|s| T::from(s.as_str()));
    /// A string enum array.
    Strs(Vec<T>) where T: FromWire => |f, slot| f.strings()?.iter().map(|s| T::from(s.as_str())).collect();
    /// An optional string enum array.
    OptStrs(Option<Vec<T>>) where T: FromWire => |f, slot| f.opt_strings()?.map(|v| v.iter().map(|s| T::from(s.as_str())).collect());
    /// An integer enum field.
    Int(T) where T: From<i64> => |f, slot| T::from(f.i64()?);
    /// An optional integer enum field.
    OptInt(Option<T>) where T: From<i64> => |f, slot| f.opt_i64()?.map(T::from);
    /// An integer enum array.
    Ints(Vec<T>) where T: From<i64> => |f, slot| f.i64s()?.into_iter().map(T::from).collect();
    /// An optional integer enum array.
    OptInts(Option<Vec<T>>) where T: From<i64> => |f, slot| f.opt_i64s()?.map(|v| v.into_iter().map(T::from).collect());
}

/// A string enum value (or array, or option of either) to encode, with its `as_str`.
pub struct EncStr<'a, V, T>(pub &'a V, pub fn(&T) -> &str);

impl<T> Value for EncStr<'_, T, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.string(key, (self.1)(self.0));
    }
}
impl<T> Value for EncStr<'_, Option<T>, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        if let Some(v) = self.0 {
            out.string(key, (self.1)(v));
        }
    }
}
impl<T> Value for EncStr<'_, Vec<T>, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.strings(key, &mut self.0.iter().map(self.1));
    }
}
impl<T> Value for EncStr<'_, Option<Vec<T>>, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        if let Some(v) = self.0 {
            out.strings(key, &mut v.iter().map(self.1));
        }
    }
}

/// An integer enum value (or array, or option of either) to encode, with its `value`.
pub struct EncInt<'a, V, T>(pub &'a V, pub fn(T) -> i64);

impl<T: Copy> Value for EncInt<'_, T, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.i64(key, (self.1)(*self.0));
    }
}
impl<T: Copy> Value for EncInt<'_, Option<T>, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        if let Some(v) = self.0 {
            out.i64(key, (self.1)(*v));
        }
    }
}
impl<T: Copy> Value for EncInt<'_, Vec<T>, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        out.i64s(key, &mut self.0.iter().map(|v| (self.1)(*v)));
    }
}
impl<T: Copy> Value for EncInt<'_, Option<Vec<T>>, T> {
    fn write(&self, key: &'static str, out: &mut dyn Entries) {
        if let Some(v) = self.0 {
            out.i64s(key, &mut v.iter().map(|v| (self.1)(*v)));
        }
    }
}

/// `Deserialize::deserialize` of a generated type.
pub fn deserialize<'de, T: Decode, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<T, D::Error> {
    let mut out = None;
    deserializer.deserialize_map(ObjectVisitor(&mut |f| {
        out = Some(T::decode(f)?);
        Ok(())
    }))?;
    out.ok_or_else(|| de::Error::custom("expected an object"))
}

/// `Serialize::serialize` of a generated type.
pub fn serialize<T: Encode + ?Sized, S: Serializer>(value: &T, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    let mut writer = Writer { map: serializer.serialize_map(None)?, error: None };
    value.encode(&mut writer);
    match writer.error {
        Some(e) => Err(e),
        None => writer.map.end(),
    }
}

// -------------------------------------------------------------------------------- decoding

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
struct ObjectVisitor<'a>(DecodeFn<'a>);

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

// -------------------------------------------------------------------------------- encoding

/// [`Entries`] over a serde map; keeps the first error.
struct Writer<M: SerializeMap> {
    map: M,
    error: Option<M::Error>,
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


// ------------------------------------------------------------------------------ open enums

/// `Debug` of an open string enum: its wire value, or `Unknown("...")`.
pub fn debug_str(f: &mut fmt::Formatter<'_>, wire: &str, unknown: bool) -> fmt::Result {
    if unknown { f.debug_tuple("Unknown").field(&wire).finish() } else { fmt::Debug::fmt(wire, f) }
}

/// `Debug` of an open integer enum: its wire value, or `Unknown(n)`.
pub fn debug_int(f: &mut fmt::Formatter<'_>, wire: i64, unknown: bool) -> fmt::Result {
    if unknown { f.debug_tuple("Unknown").field(&wire).finish() } else { fmt::Debug::fmt(&wire, f) }
}

/// `Deserialize` of an open string enum, through its `From<&str>`.
pub fn deserialize_str<'de, T: for<'a> From<&'a str>, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<T, D::Error> {
    let value = <std::borrow::Cow<'de, str> as de::Deserialize>::deserialize(deserializer)?;
    Ok(T::from(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn errors_are_the_formats_own() {
        let e = parse(r#"{"Items": []}"#).unwrap_err().to_string();
        assert!(e.starts_with("missing field `Name`"), "{e}");
        let e = parse(r#"{"Name": "a", "Items": [{"Id": 1}, {}]}"#).unwrap_err().to_string();
        assert!(e.starts_with("missing field `Id`"), "{e}");
        // A wrong type deep inside keeps serde_json's position.
        let e = parse("{\"Name\": \"a\",\n \"Items\": [{\"Id\": true}]}").unwrap_err();
        assert_eq!(e.line(), 2, "{e}");
        assert!(parse(r#"{"Name": 1, "Items": []}"#).is_err());
        assert!(parse(r#"[]"#).is_err());
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
}
