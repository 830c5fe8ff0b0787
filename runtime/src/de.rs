//! Lenient deserializers for numbers that the server sometimes sends as strings.
//!
//! Use as `#[serde(deserialize_with = "::tc_runtime::de::i64")]`. Each accepts a JSON number
//! or a string holding one (`12`, `"12"`, `" 12 "`). The `opt_*` forms also accept `null` and
//! the empty string as `None`, and (with `#[serde(default)]`) absence. Integers accept a float
//! only when it is whole and in range (`12.0`); nothing is silently truncated or wrapped.
//! The `vec_*` forms apply the same leniency to each item of an array (`["22", 443]`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

trait Num: Sized + Copy {
    const EXPECTING: &'static str;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_u64(v: u64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn parse(s: &str) -> Option<Self>;
}

impl Num for i64 {
    const EXPECTING: &'static str = "an integer or a string holding one";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        // 2^63 is exactly representable; the range check excludes it.
        (v.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&v))
            .then_some(v as i64)
    }
    fn parse(s: &str) -> Option<Self> {
        s.parse().ok().or_else(|| s.parse::<f64>().ok().and_then(Self::from_f64))
    }
}

impl Num for u64 {
    const EXPECTING: &'static str = "a non-negative integer or a string holding one";
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
    fn from_f64(v: f64) -> Option<Self> {
        (v.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&v)).then_some(v as u64)
    }
    fn parse(s: &str) -> Option<Self> {
        s.parse().ok().or_else(|| s.parse::<f64>().ok().and_then(Self::from_f64))
    }
}

impl Num for f64 {
    const EXPECTING: &'static str = "a number or a string holding one";
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

struct NumVisitor<T>(PhantomData<T>);

impl<T: Num> NumVisitor<T> {
    fn out_of_range<E: de::Error>(what: fmt::Arguments<'_>) -> E {
        E::custom(format_args!("{what} is not {}", T::EXPECTING))
    }
}

impl<'de, T: Num> Visitor<'de> for NumVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::from_i64(v).ok_or_else(|| Self::out_of_range(format_args!("{v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::from_u64(v).ok_or_else(|| Self::out_of_range(format_args!("{v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        T::from_f64(v).ok_or_else(|| Self::out_of_range(format_args!("{v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        T::parse(v.trim()).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

struct OptVisitor<T>(PhantomData<T>);

impl<'de, T: Num> Visitor<'de> for OptVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "null or {}", T::EXPECTING)
    }

    fn visit_none<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
        NumVisitor::<T>(PhantomData).visit_i64(v).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
        NumVisitor::<T>(PhantomData).visit_u64(v).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<T>, E> {
        NumVisitor::<T>(PhantomData).visit_f64(v).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
        if v.trim().is_empty() {
            return Ok(None);
        }
        NumVisitor::<T>(PhantomData).visit_str(v).map(Some)
    }
}

/// An `i64` from a number or a numeric string.
pub fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(NumVisitor(PhantomData))
}

/// An `Option<i64>`: also `null` or `""` as `None`.
pub fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(OptVisitor(PhantomData))
}

/// A `u64` from a number or a numeric string.
pub fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    d.deserialize_any(NumVisitor(PhantomData))
}

/// An `Option<u64>`: also `null` or `""` as `None`.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_option(OptVisitor(PhantomData))
}

/// An `f64` from a number or a numeric string.
pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    d.deserialize_any(NumVisitor(PhantomData))
}

/// An `Option<f64>`: also `null` or `""` as `None`.
pub fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_option(OptVisitor(PhantomData))
}

/// One lenient number, as an item of an array.
struct Lenient<T>(T);

impl<'de, T: Num> serde::Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor(PhantomData)).map(Lenient)
    }
}

fn vec_of<'de, T: Num, D: Deserializer<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    <Vec<Lenient<T>> as serde::Deserialize>::deserialize(d).map(|v| v.into_iter().map(|x| x.0).collect())
}

fn opt_vec_of<'de, T: Num, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<T>>, D::Error> {
    <Option<Vec<Lenient<T>>> as serde::Deserialize>::deserialize(d)
        .map(|v| v.map(|v| v.into_iter().map(|x| x.0).collect()))
}

/// A `Vec<i64>` whose items are numbers or numeric strings (`["22", 443]`), for
/// `Array of Integer` fields.
pub fn vec_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
    vec_of(d)
}

/// An `Option<Vec<i64>>`: [`vec_i64`], or `null` as `None`.
pub fn opt_vec_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
    opt_vec_of(d)
}

/// A `Vec<u64>` whose items are numbers or numeric strings.
pub fn vec_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    vec_of(d)
}

/// An `Option<Vec<u64>>`: [`vec_u64`], or `null` as `None`.
pub fn opt_vec_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u64>>, D::Error> {
    opt_vec_of(d)
}

/// A `Vec<f64>` whose items are numbers or numeric strings.
pub fn vec_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    vec_of(d)
}

/// An `Option<Vec<f64>>`: [`vec_f64`], or `null` as `None`.
pub fn opt_vec_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<f64>>, D::Error> {
    opt_vec_of(d)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Arrays {
        #[serde(deserialize_with = "crate::de::vec_i64")]
        a: Vec<i64>,
        #[serde(default, deserialize_with = "crate::de::opt_vec_u64")]
        b: Option<Vec<u64>>,
        #[serde(default, deserialize_with = "crate::de::opt_vec_f64")]
        c: Option<Vec<f64>>,
    }

    /// Regression (found by the robustness property test `numbers_sent_as_strings_decode_the_same`):
    /// integers sent as strings were accepted in scalar fields but not inside arrays, so one
    /// quoted port failed a whole response. These are what `Array of Integer` fields use.
    #[test]
    fn arrays_of_numbers_accept_strings() {
        let a: Arrays = serde_json::from_str(r#"{"a":["22", 443, " 8080 "],"b":["18446744073709551615"],"c":["1.5",2]}"#).unwrap();
        assert_eq!(a, Arrays { a: vec![22, 443, 8080], b: Some(vec![u64::MAX]), c: Some(vec![1.5, 2.0]) });
        let a: Arrays = serde_json::from_str(r#"{"a":[],"b":null}"#).unwrap();
        assert_eq!(a, Arrays { a: vec![], b: None, c: None });
        for bad in [r#"{"a":["x"]}"#, r#"{"a":"1"}"#, r#"{"a":[null]}"#, r#"{"a":[1],"b":[-1]}"#] {
            assert!(serde_json::from_str::<Arrays>(bad).is_err(), "{bad}");
        }
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct T {
        #[serde(deserialize_with = "crate::de::i64")]
        a: i64,
        #[serde(deserialize_with = "crate::de::u64")]
        b: u64,
        #[serde(deserialize_with = "crate::de::f64")]
        c: f64,
        #[serde(default, deserialize_with = "crate::de::opt_i64")]
        d: Option<i64>,
        #[serde(default, deserialize_with = "crate::de::opt_u64")]
        e: Option<u64>,
        #[serde(default, deserialize_with = "crate::de::opt_f64")]
        f: Option<f64>,
    }

    fn parse(s: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(s)
    }

    #[test]
    fn numbers_and_strings() {
        let t = parse(r#"{"a":"-12","b":" 7 ","c":"1.5","d":3,"e":"18446744073709551615","f":2}"#).unwrap();
        assert_eq!(
            t,
            T { a: -12, b: 7, c: 1.5, d: Some(3), e: Some(u64::MAX), f: Some(2.0) }
        );
        let t = parse(r#"{"a":12,"b":7.0,"c":3,"d":null,"e":"","f":null}"#).unwrap();
        assert_eq!(t, T { a: 12, b: 7, c: 3.0, d: None, e: None, f: None });
        let t = parse(r#"{"a":"1e3","b":0,"c":-0.25}"#).unwrap();
        assert_eq!(t, T { a: 1000, b: 0, c: -0.25, d: None, e: None, f: None });
    }

    #[test]
    fn rejects_bad_values() {
        for bad in [
            r#"{"a":"xx","b":1,"c":1}"#,
            r#"{"a":1.5,"b":1,"c":1}"#,
            r#"{"a":1,"b":-1,"c":1}"#,
            r#"{"a":1,"b":"-1","c":1}"#,
            r#"{"a":9223372036854775808,"b":1,"c":1}"#,
            r#"{"a":1,"b":1,"c":true}"#,
            r#"{"a":null,"b":1,"c":1}"#,
            r#"{"a":1,"b":1,"c":1,"d":"xx"}"#,
            r#"{"a":1,"b":1,"c":1,"e":[1]}"#,
            r#"{"a":"1e300","b":1,"c":1}"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
