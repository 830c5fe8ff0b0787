//! Lenient deserializers for numbers that the server sometimes sends as strings.
//!
//! Use as `#[serde(deserialize_with = "::tc_runtime::de::i64")]`. Each accepts a JSON number
//! or a string holding one (`12`, `"12"`, `" 12 "`). The `opt_*` forms also accept `null` and
//! the empty string as `None`, and (with `#[serde(default)]`) absence. Nothing is silently
//! truncated, wrapped or rounded: an integer given as a JSON float (`12.0`) is accepted only
//! when whole and below 2^53 in magnitude, where a float holds every integer exactly (from
//! 2^53 on, `9007199254740993.0` parses as `9007199254740992.0`: it is refused rather than
//! rounded); an integer given as a string (`"1e3"`, `"1000000000000000001.0"`) is read exactly
//! from its decimal digits, and refused if it is not exactly an integer in range.
//! The `vec_*` forms apply the same leniency to each item of an array (`["22", 443]`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

/// 2^53: from here on, not every integer is a float.
const EXACT_FLOAT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// An integer read exactly from decimal text (`-12`, `12.000`, `1.5e3`, `+7`): `None` when the
/// text is not a number, not exactly an integer, or beyond ±2^127.
fn exact_integer(s: &str) -> Option<i128> {
    let (negative, s) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty() || !(int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    // The digits `int frac` times 10^(exponent - frac.len()), without leading zeros.
    let digits: String = int.chars().chain(frac.chars()).skip_while(|&c| c == '0').collect();
    if digits.is_empty() {
        return Some(0);
    }
    let scale = i64::from(exponent) - frac.len() as i64;
    let digits = if scale < 0 {
        // The last -scale digits must be zeros: they are the fraction.
        let keep = digits.len().checked_sub(usize::try_from(-scale).ok()?)?;
        if !digits[keep..].bytes().all(|b| b == b'0') {
            return None;
        }
        digits[..keep].to_owned()
    } else {
        if digits.len() as i64 + scale > 39 {
            return None;
        }
        digits + &"0".repeat(scale as usize)
    };
    let magnitude: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    Some(if negative { -magnitude } else { magnitude })
}

trait Num: Sized + Copy {
    const EXPECTING: &'static str;
    /// Whether the type is an integer (a float field takes any float).
    const INTEGER: bool = true;
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
        (v.fract() == 0.0 && v.abs() < EXACT_FLOAT_LIMIT).then_some(v as i64)
    }
    fn parse(s: &str) -> Option<Self> {
        s.parse().ok().or_else(|| exact_integer(s).and_then(|n| i64::try_from(n).ok()))
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
        (v.fract() == 0.0 && (0.0..EXACT_FLOAT_LIMIT).contains(&v)).then_some(v as u64)
    }
    fn parse(s: &str) -> Option<Self> {
        s.parse().ok().or_else(|| exact_integer(s).and_then(|n| u64::try_from(n).ok()))
    }
}

impl Num for f64 {
    const EXPECTING: &'static str = "a number or a string holding one";
    const INTEGER: bool = false;
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
        T::from_f64(v).ok_or_else(|| {
            if T::INTEGER && v.fract() == 0.0 && v.abs() >= EXACT_FLOAT_LIMIT {
                E::custom(format_args!(
                    "the float {v:?} is 2^53 or more, where floats skip integers (it may have been rounded): \
                     not {}; send it without a fraction or exponent",
                    T::EXPECTING
                ))
            } else {
                Self::out_of_range(format_args!("{v:?}"))
            }
        })
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

    /// Regression (issue 13.4): integers given as floats or as decimal strings went through
    /// an `f64` and came back rounded to a neighbour (`9007199254740993.0` as
    /// 9007199254740992, `"1000000000000000001.0"` as 10^18).
    #[test]
    fn integers_are_exact_or_refused() {
        #[derive(Deserialize, Debug)]
        struct I {
            #[serde(deserialize_with = "crate::de::i64")]
            a: i64,
        }
        #[derive(Deserialize, Debug)]
        struct U {
            #[serde(deserialize_with = "crate::de::u64")]
            a: u64,
        }
        let i = |text: &str| serde_json::from_str::<I>(&format!(r#"{{"a":{text}}}"#)).map(|v| v.a);
        let u = |text: &str| serde_json::from_str::<U>(&format!(r#"{{"a":{text}}}"#)).map(|v| v.a);
        for (text, want) in [
            (r#""1000000000000000001.0""#, 1_000_000_000_000_000_001),
            (r#""1000000000000000001""#, 1_000_000_000_000_000_001),
            (r#""-9223372036854775808.000""#, i64::MIN),
            (r#""1.5e3""#, 1500),
            (r#""120e-1""#, 12),
            (r#""+7""#, 7),
            (r#""0e99999""#, 0),
            ("9007199254740991.0", 9_007_199_254_740_991),
            ("-9007199254740991.0", -9_007_199_254_740_991),
            ("12.0", 12),
            ("1e3", 1000),
            ("9223372036854775807", i64::MAX),
        ] {
            assert_eq!(i(text).unwrap(), want, "{text}");
        }
        assert_eq!(u(r#""18446744073709551615.0""#).unwrap(), u64::MAX);
        for text in [
            "9007199254740993.0",
            "9007199254740992.0",
            "1e19",
            "12.5",
            r#""1000000000000000001.5""#,
            r#""9223372036854775808.0""#,
            r#""1e400""#,
            r#"".""#,
            r#""e5""#,
            r#""1e""#,
            r#""0x10""#,
            r#""1_000""#,
        ] {
            assert!(i(text).is_err(), "{text} was accepted as {:?}", i(text));
        }
        let e = i("9007199254740993.0").unwrap_err().to_string();
        assert!(e.contains("9007199254740992.0") && e.contains("2^53"), "{e}");
        assert!(u(r#""-1.0""#).is_err() && u("9007199254740992.0").is_err());
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
