//! Signature v1 (`SignatureMethod` HmacSHA1 or HmacSHA256), the older scheme the official
//! SDKs still offer: pure functions, no I/O.
//!
//! The string to sign is `<METHOD><host><path>?<k=v joined by & in sorted key order>` over
//! every parameter but `Signature`, values raw (decoded, not re-encoded); the signature is
//! base64 of HMAC(SecretKey, string) with the method's hash. The base64 codec here is the
//! standard alphabet with padding, which is what the SDKs send.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::Sha256;

/// The parameter that carries the signature (excluded from the string to sign).
pub(crate) const SIGNATURE: &str = "Signature";

/// The hash of a v1 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    HmacSha1,
    HmacSha256,
}

impl Method {
    /// From the `SignatureMethod` parameter; absent means HmacSHA1 (the documented default).
    pub(crate) fn from_param(value: Option<&str>) -> Option<Method> {
        match value {
            None | Some("HmacSHA1") => Some(Method::HmacSha1),
            Some("HmacSHA256") => Some(Method::HmacSha256),
            Some(_) => None,
        }
    }

    /// Bytes of the MAC.
    pub(crate) fn len(self) -> usize {
        match self {
            Method::HmacSha1 => 20,
            Method::HmacSha256 => 32,
        }
    }

    /// HMAC of `msg` keyed with `key`.
    pub(crate) fn mac(self, key: &[u8], msg: &[u8]) -> Vec<u8> {
        // HMAC accepts keys of every length, so `new_from_slice` cannot fail; an empty
        // result would only make the comparison fail.
        match self {
            Method::HmacSha1 => Hmac::<Sha1>::new_from_slice(key)
                .map(|mut m| {
                    m.update(msg);
                    m.finalize().into_bytes().to_vec()
                })
                .unwrap_or_default(),
            Method::HmacSha256 => Hmac::<Sha256>::new_from_slice(key)
                .map(|mut m| {
                    m.update(msg);
                    m.finalize().into_bytes().to_vec()
                })
                .unwrap_or_default(),
        }
    }
}

/// `<METHOD><host><path>?k=v&...` over `params` sorted by key (then value, for a total
/// order), without `Signature`.
pub(crate) fn string_to_sign(
    method: &str,
    host: &str,
    path: &str,
    params: &[(String, String)],
) -> String {
    let mut sorted: Vec<&(String, String)> =
        params.iter().filter(|(k, _)| k != SIGNATURE).collect();
    sorted.sort();
    let mut s = format!("{method}{host}{path}?");
    for (i, (k, v)) in sorted.iter().enumerate() {
        if i > 0 {
            s.push('&');
        }
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    s
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (the server compares decoded bytes; tests encode).
#[cfg(test)]
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 0x3F) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn sextet(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// Strict standard base64 with padding: length a multiple of 4, `=` only at the end, no
/// stray bits in the last character. `None` for anything else.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if b.is_empty() || b.len() % 4 != 0 {
        return None;
    }
    let pad = b.iter().rev().take_while(|c| **c == b'=').count();
    if pad > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let last = b.len() / 4 - 1;
    for (i, quad) in b.chunks(4).enumerate() {
        let used = if i == last { 4 - pad } else { 4 };
        let mut n = 0u32;
        for (j, c) in quad.iter().enumerate() {
            let v = if j < used { sextet(*c)? } else { 0 };
            n = n << 6 | v;
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = used - 1;
        // The bits below the kept bytes must be zero (one encoding per byte string).
        if bytes[keep..].iter().any(|x| *x != 0) && used < 4 {
            return None;
        }
        out.extend_from_slice(&bytes[..keep]);
    }
    Some(out)
}

/// The base64 signature of `string` under `secret_key`.
#[cfg(test)]
pub(crate) fn sign(method: Method, secret_key: &str, string: &str) -> String {
    base64_encode(&method.mac(secret_key.as_bytes(), string.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_rejects_non_canonical_text() {
        for (raw, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"\xff\xfe\xfd", "//79"),
        ] {
            assert_eq!(base64_encode(raw), text);
            if !raw.is_empty() {
                assert_eq!(base64_decode(text).as_deref(), Some(raw), "{text}");
            }
        }
        for bad in [
            "", "Zg", "Zg=", "Zh==", "Zm9=", "Z===", "Zm 9", "Zm9v=", "Zg==Zg==", "Zm-v", "Zm9v\n",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn string_to_sign_sorts_and_skips_the_signature() {
        let p: Vec<(String, String)> = [
            ("Nonce", "1"),
            ("Signature", "x"),
            ("Action", "A"),
            ("Filters.0.Name", "a b"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        assert_eq!(
            string_to_sign("GET", "h:1", "/", &p),
            "GETh:1/?Action=A&Filters.0.Name=a b&Nonce=1"
        );
    }

    /// The worked example of Tencent Cloud's signature v1 documentation (CVM
    /// DescribeInstances, key `Gu5t9xGARNpq86cd98joQYCN3*******`).
    #[test]
    fn documented_example() {
        let p: Vec<(String, String)> = [
            ("Action", "DescribeInstances"),
            ("InstanceIds.0", "ins-09dx96dg"),
            ("Limit", "20"),
            ("Nonce", "11886"),
            ("Offset", "0"),
            ("Region", "ap-guangzhou"),
            ("SecretId", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******"),
            ("Timestamp", "1465185768"),
            ("Version", "2017-03-12"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let s = string_to_sign("GET", "cvm.tencentcloudapi.com", "/", &p);
        assert_eq!(
            s,
            "GETcvm.tencentcloudapi.com/?Action=DescribeInstances&InstanceIds.0=ins-09dx96dg&Limit=20&Nonce=11886\
             &Offset=0&Region=ap-guangzhou&SecretId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******&Timestamp=1465185768\
             &Version=2017-03-12"
        );
        assert_eq!(
            sign(Method::HmacSha1, "Gu5t9xGARNpq86cd98joQYCN3*******", &s),
            "zmmjn35mikh6pM3V7sUEuX4wyYM="
        );
    }

    #[test]
    fn methods() {
        assert_eq!(Method::from_param(None), Some(Method::HmacSha1));
        assert_eq!(
            Method::from_param(Some("HmacSHA256")),
            Some(Method::HmacSha256)
        );
        assert_eq!(Method::from_param(Some("hmacsha256")), None);
        assert_eq!(
            Method::HmacSha1.mac(b"k", b"m").len(),
            Method::HmacSha1.len()
        );
        assert_eq!(
            Method::HmacSha256.mac(b"k", b"m").len(),
            Method::HmacSha256.len()
        );
    }
}
