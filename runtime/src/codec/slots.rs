//! The slots generated `Decode` bodies read into and the values `Encode` bodies write: one
//! impl per field type, so a generated body is only a table of names and references.

use super::{Decode, Encode, Entries, Fields, Result};

/// Storage for one field while decoding: the local a generated [`Decode`] body reads into.
///
/// Implemented for the scalar types (as `T`, `Option<T>`, `Vec<T>`, `Option<Vec<T>>`), for
/// generated structures as `Option<T>`, `Vec<T>` and `Option<Vec<T>>` (a required structure
/// is read into an `Option` and unwrapped with [`required`](super::required)), and for open enums through
/// [`Str`], [`OptStr`], [`Strs`], [`OptStrs`], [`Int`], [`OptInt`], [`Ints`], [`OptInts`].
pub trait Slot {
    /// Reads the current value into the slot.
    fn read(&mut self, fields: &mut dyn Fields) -> Result<()>;
    /// Reads the value of a required field: `Ok(false)` when it is `null` (or, for a
    /// number, `""`), leaving the slot as it was.
    fn read_required(&mut self, fields: &mut dyn Fields) -> Result<bool> {
        self.read(fields).map(|()| true)
    }
    /// Puts the zero value of the type in the slot (for a required field that was absent or
    /// `null`). Scalars start at their zero value, so by default this does nothing.
    fn zero(&mut self) -> Result<()> {
        Ok(())
    }
}

/// One field's value while encoding; an `Option` that is `None` writes nothing.
///
/// Implemented for the same types as [`Slot`] (open enums through [`EncStr`] and friends).
pub trait Value {
    /// Writes the value under `key`.
    fn write(&self, key: &'static str, out: &mut dyn Entries);
}

macro_rules! scalar_slots {
    ($($ty:ty: $one:ident $opt:ident $many:ident $opt_many:ident;)*) => {$(
        impl Slot for $ty {
            fn read(&mut self, fields: &mut dyn Fields) -> Result<()> {
                *self = fields.$one()?;
                Ok(())
            }
            fn read_required(&mut self, fields: &mut dyn Fields) -> Result<bool> {
                let value = fields.$opt()?;
                let present = value.is_some();
                *self = value.unwrap_or_default();
                Ok(present)
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
            fn read_required(&mut self, fields: &mut dyn Fields) -> Result<bool> {
                let value = fields.$opt_many()?;
                let present = value.is_some();
                *self = value.unwrap_or_default();
                Ok(present)
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
    fn read_required(&mut self, fields: &mut dyn Fields) -> Result<bool> {
        self.read(fields)?;
        Ok(self.is_some())
    }
    /// A structure of zero values: decoded from an empty object, every required member of
    /// which is corrected in turn.
    fn zero(&mut self) -> Result<()> {
        if self.is_none() {
            *self = Some(T::decode(&mut Empty)?);
        }
        Ok(())
    }
}

/// An empty object, to decode the zero value of a structure from.
struct Empty;

impl Fields for Empty {
    fn next_field(&mut self, _: &'static [&'static str]) -> Result<Option<usize>> {
        Ok(None)
    }
    fn skip(&mut self) -> Result<()> {
        Ok(())
    }
    fn string(&mut self) -> Result<String> {
        Ok(String::new())
    }
    fn opt_string(&mut self) -> Result<Option<String>> {
        Ok(None)
    }
    fn strings(&mut self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    fn opt_strings(&mut self) -> Result<Option<Vec<String>>> {
        Ok(None)
    }
    fn i64(&mut self) -> Result<i64> {
        Ok(0)
    }
    fn opt_i64(&mut self) -> Result<Option<i64>> {
        Ok(None)
    }
    fn i64s(&mut self) -> Result<Vec<i64>> {
        Ok(Vec::new())
    }
    fn opt_i64s(&mut self) -> Result<Option<Vec<i64>>> {
        Ok(None)
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(0)
    }
    fn opt_u64(&mut self) -> Result<Option<u64>> {
        Ok(None)
    }
    fn u64s(&mut self) -> Result<Vec<u64>> {
        Ok(Vec::new())
    }
    fn opt_u64s(&mut self) -> Result<Option<Vec<u64>>> {
        Ok(None)
    }
    fn f64(&mut self) -> Result<f64> {
        Ok(0.0)
    }
    fn opt_f64(&mut self) -> Result<Option<f64>> {
        Ok(None)
    }
    fn f64s(&mut self) -> Result<Vec<f64>> {
        Ok(Vec::new())
    }
    fn opt_f64s(&mut self) -> Result<Option<Vec<f64>>> {
        Ok(None)
    }
    fn bool(&mut self) -> Result<bool> {
        Ok(false)
    }
    fn opt_bool(&mut self) -> Result<Option<bool>> {
        Ok(None)
    }
    fn bools(&mut self) -> Result<Vec<bool>> {
        Ok(Vec::new())
    }
    fn opt_bools(&mut self) -> Result<Option<Vec<bool>>> {
        Ok(None)
    }
    fn object(&mut self, _: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<()> {
        Ok(())
    }
    fn opt_object(&mut self, _: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<bool> {
        Ok(false)
    }
    fn objects(&mut self, _: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<()> {
        Ok(())
    }
    fn opt_objects(&mut self, _: &mut dyn FnMut(&mut dyn Fields) -> Result<()>) -> Result<bool> {
        Ok(false)
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
    fn read_required(&mut self, fields: &mut dyn Fields) -> Result<bool> {
        let mut out = Vec::new();
        let present = fields.opt_objects(&mut |f| {
            out.push(T::decode(f)?);
            Ok(())
        })?;
        *self = out;
        Ok(present)
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
    ($($(#[$doc:meta])* $name:ident($field:ty) where T: $bound:path => |$f:ident, $slot:ident| $body:expr
        $(, required: $required:expr)?;)*) => {$(
        $(#[$doc])*
        pub struct $name<'a, T>(pub &'a mut $field);
        impl<T: $bound> Slot for $name<'_, T> {
            fn read(&mut self, $f: &mut dyn Fields) -> Result<()> {
                let $slot = &mut *self.0;
                *$slot = $body;
                Ok(())
            }
            $(
            fn read_required(&mut self, $f: &mut dyn Fields) -> Result<bool> {
                let $slot = &mut *self.0;
                $required
            }
            )?
        }
    )*};
}

/// `for<'a> From<&'a str>`, as a bound usable in the macro above.
pub trait FromWire: for<'a> From<&'a str> {}
impl<T: for<'a> From<&'a str>> FromWire for T {}

enum_slots! {
    /// A string enum field (a `null` one keeps the slot's zero value, `Unknown("")`).
    Str(T) where T: FromWire => |f, slot| T::from(f.string()?.as_str()),
        required: Ok(f.opt_string()?.map(|s| *slot = T::from(s.as_str())).is_some());
    /// An optional string enum field.
    OptStr(Option<T>) where T: FromWire => |f, slot| f.opt_string()?.map(|s| T::from(s.as_str()));
    /// A string enum array.
    Strs(Vec<T>) where T: FromWire => |f, slot| f.strings()?.iter().map(|s| T::from(s.as_str())).collect(),
        required: Ok(f.opt_strings()?.map(|v| *slot = v.iter().map(|s| T::from(s.as_str())).collect()).is_some());
    /// An optional string enum array.
    OptStrs(Option<Vec<T>>) where T: FromWire => |f, slot| f.opt_strings()?.map(|v| v.iter().map(|s| T::from(s.as_str())).collect());
    /// An integer enum field (a `null` one keeps the slot's zero value, `Unknown(0)`).
    Int(T) where T: From<i64> => |f, slot| T::from(f.i64()?),
        required: Ok(f.opt_i64()?.map(|v| *slot = T::from(v)).is_some());
    /// An optional integer enum field.
    OptInt(Option<T>) where T: From<i64> => |f, slot| f.opt_i64()?.map(T::from);
    /// An integer enum array.
    Ints(Vec<T>) where T: From<i64> => |f, slot| f.i64s()?.into_iter().map(T::from).collect(),
        required: Ok(f.opt_i64s()?.map(|v| *slot = v.into_iter().map(T::from).collect()).is_some());
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

