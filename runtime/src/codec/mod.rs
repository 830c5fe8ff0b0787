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
//! Behaviour: unknown keys are skipped, `null` or absence gives `None` for an `Option`,
//! numbers are lenient (see [`crate::de`]: `"12"` is 12, and `null`/`""` is `None`; an
//! integer is never rounded), errors of the underlying format keep serde_json's line and
//! column and name the field (`field `Disk.Size`: ...`), and `None` fields are left out when
//! serializing. A key given twice keeps the last value.
//!
//! A required field that is absent or `null` is corrected by default (Smithy's "client error
//! correction", see [`correct`]): it gets its zero value and the correction is reported; in
//! strict mode it is serde's `missing field` error (or `field ... is null`), with its path.


pub mod correct;
mod reader;
mod slots;
#[cfg(test)]
mod tests;
mod writer;

use std::fmt;

use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};

pub use correct::{Correction, Corrections};
use reader::ObjectVisitor;
pub use slots::*;
use writer::Writer;

/// Why decoding stopped. The format's own error stays with the reader that hit it, so this
/// only says which kind of error to hand back.
#[derive(Debug)]
pub struct ReadError(ErrorKind);

#[derive(Debug)]
enum ErrorKind {
    /// The format reported an error (kept by the [`Fields`] implementation).
    Format,
    /// A required field was absent (strict mode).
    Missing(&'static str),
    /// A required field was `null` (strict mode).
    Null(&'static str),
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
    /// Reading the value of `field` failed: say so in the error kept (called by [`read`]).
    fn context(&mut self, field: &'static str) {
        let _ = field;
    }
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

/// Decodes an object into `slots` (one per name, in order): keys not in `names` are
/// skipped, and each index in `required` must have been seen with a value. One that was not
/// (absent, or `null`) is corrected to its zero value and reported, or, in strict mode, is an
/// error naming it (see [`correct`]).
pub fn read(
    fields: &mut dyn Fields,
    names: &'static [&'static str],
    required: &'static [usize],
    slots: &mut [&mut dyn Slot],
) -> Result<()> {
    const REQUIRED: u8 = 1;
    const SEEN: u8 = 2;
    let mut flags = vec![0u8; slots.len()];
    for &i in required {
        if let Some(f) = flags.get_mut(i) {
            *f = REQUIRED;
        }
    }
    while let Some(i) = fields.next_field(names)? {
        let Some(slot) = slots.get_mut(i) else {
            fields.skip()?;
            continue;
        };
        let name = names.get(i).copied().unwrap_or("?");
        correct::enter();
        let read = if flags[i] & REQUIRED != 0 { slot.read_required(fields) } else { slot.read(fields).map(|()| true) };
        let present = match read {
            Ok(present) => present,
            Err(e) => {
                fields.context(name);
                return Err(e);
            }
        };
        correct::leave(name);
        if !present {
            correct::absent(name, true)?;
            zero(&mut **slot, name)?;
        }
        flags[i] |= SEEN;
    }
    for (i, f) in flags.iter().enumerate() {
        if *f == REQUIRED {
            let name = names.get(i).copied().unwrap_or("?");
            correct::absent(name, false)?;
            zero(&mut *slots[i], name)?;
        }
    }
    Ok(())
}

/// Fills the zero value of required `field`; what that corrects inside (the members of a
/// structure) is reported under the field's path.
fn zero(slot: &mut dyn Slot, field: &'static str) -> Result<()> {
    correct::enter();
    let result = slot.zero();
    correct::leave(field);
    result
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

/// `Deserialize::deserialize` of a generated type.
///
/// Outside a decoding scope of the client (a caller's own `serde_json::from_str`, say), a
/// lenient scope of its own: corrections are logged with `tracing::warn!`, without an action.
pub fn deserialize<'de, T: Decode, D: Deserializer<'de>>(deserializer: D) -> std::result::Result<T, D::Error> {
    correct::within_scope(|| {
        let mut out = None;
        deserializer.deserialize_map(ObjectVisitor(&mut |f| {
            out = Some(T::decode(f)?);
            Ok(())
        }))?;
        out.ok_or_else(|| de::Error::custom("expected an object"))
    })
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

