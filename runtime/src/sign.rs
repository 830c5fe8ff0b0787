//! TC3-HMAC-SHA256 request signing and verification: pure, synchronous, no I/O.
//!
//! The client signs with [`authorization`] (the header value alone, the fast path); [`sign`]
//! gives every intermediate value too. An offline test server verifies with
//! [`parse_authorization`] and [`verify`], so both sides share one implementation of the
//! canonical request (and a proptest holds `authorization` to `sign`).
//!
//! Canonical header values are trimmed and ASCII-lowercased (the API 3.0 documentation says
//! "key and value are converted to lowercase"; it matters for `x-tc-action`, whose value is
//! signed as `describeinstances`). Names are sorted by their lowercase form.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub use crate::secret::constant_time_eq;

/// The algorithm name that starts every `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The signed headers the official SDKs use.
pub const DEFAULT_SIGNED_HEADERS: &str = "content-type;host";
/// The last component of a credential scope.
pub const SCOPE_TERMINATOR: &str = "tc3_request";

/// Everything that goes into one signature.
///
/// `content_type` and `host` are always signed; `extra_signed_headers` adds more
/// (`("X-TC-Action", "DescribeInstances")`). `canonical_query` is the query string exactly as
/// sent (empty for POST); `payload` is the body exactly as sent (empty for GET).
#[derive(Clone, Copy)]
pub struct SignInput<'a> {
    /// HTTP method, as sent (`POST`, `GET`).
    pub method: &'a str,
    /// The `Host` header value, as sent (with `:port` when the port is not the default).
    pub host: &'a str,
    /// The query string exactly as sent, without `?`; empty for POST.
    pub canonical_query: &'a str,
    /// The `Content-Type` header value, byte for byte as sent.
    pub content_type: &'a str,
    /// The body bytes exactly as sent.
    pub payload: &'a [u8],
    /// The service (host prefix: `tcss`, `cwp`) in the credential scope.
    pub service: &'a str,
    /// `X-TC-Timestamp`, unix seconds.
    pub timestamp: i64,
    /// The SecretId, which appears in clear in the `Authorization` header.
    pub secret_id: &'a str,
    /// The SecretKey; never printed (see the `Debug` impl).
    pub secret_key: &'a str,
    /// Extra headers to sign besides `content-type` and `host`, as (name, value).
    pub extra_signed_headers: &'a [(&'a str, &'a str)],
}

impl fmt::Debug for SignInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInput")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("canonical_query", &self.canonical_query)
            .field("content_type", &self.content_type)
            .field("payload_len", &self.payload.len())
            .field("service", &self.service)
            .field("timestamp", &self.timestamp)
            .field("secret_id", &crate::secret::mask_secret_id(self.secret_id))
            .field("secret_key", &"[redacted]")
            .field("extra_signed_headers", &self.extra_signed_headers)
            .finish()
    }
}

/// The result of signing, with every intermediate value (useful to debug a mismatch).
/// `Debug` masks the SecretId in `authorization`.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    /// Lowercase hex SHA-256 of the payload.
    pub payload_hash: String,
    /// The six-line canonical request.
    pub canonical_request: String,
    /// Lowercase hex SHA-256 of the canonical request.
    pub canonical_request_hash: String,
    /// UTC date of the timestamp, `YYYY-MM-DD`.
    pub date: String,
    /// `<date>/<service>/tc3_request`.
    pub credential_scope: String,
    /// The four-line string to sign.
    pub string_to_sign: String,
    /// Sorted, lowercase, `;`-joined header names.
    pub signed_headers: String,
    /// Lowercase hex HMAC-SHA256 signature.
    pub signature: String,
    /// The full `Authorization` header value.
    pub authorization: String,
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let authorization = match parse_authorization(&self.authorization) {
            Ok(p) => format!(
                "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
                crate::secret::mask_secret_id(&p.secret_id),
                p.credential_scope(),
                p.signed_headers.join(";"),
                p.signature
            ),
            Err(_) => "[unparsable]".to_owned(),
        };
        f.debug_struct("Signature")
            .field("payload_hash", &self.payload_hash)
            .field("canonical_request", &self.canonical_request)
            .field("canonical_request_hash", &self.canonical_request_hash)
            .field("date", &self.date)
            .field("credential_scope", &self.credential_scope)
            .field("string_to_sign", &self.string_to_sign)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .field("authorization", &authorization)
            .finish()
    }
}

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha256_parts(&[data]))
}

/// HMAC-SHA256 of `msg` keyed with `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    hmac_parts(key, &[msg])
}

#[cold]
fn unreachable_hmac() -> ! {
    unreachable!("HMAC-SHA256 accepts keys of every length")
}

/// The derived signing key: `HMAC(HMAC(HMAC("TC3"+key, date), service), "tc3_request")`.
pub fn signing_key(secret_key: &str, date: &str, service: &str) -> [u8; 32] {
    signing_key_bytes(secret_key.as_bytes(), date.as_bytes(), service.as_bytes())
}

/// Canonical headers (`name:value\n` each) and the signed-headers list (`a;b`), from
/// (name, value) pairs: names and values lowercased, values trimmed, sorted by name.
pub fn canonical_headers(headers: &[(&str, &str)]) -> (String, String) {
    let mut items: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()))
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let mut canonical = String::new();
    let mut signed = String::new();
    for (i, (n, v)) in items.iter().enumerate() {
        canonical.push_str(n);
        canonical.push(':');
        canonical.push_str(v);
        canonical.push('\n');
        if i > 0 {
            signed.push(';');
        }
        signed.push_str(n);
    }
    (canonical, signed)
}

/// The canonical request: method, `/`, query, canonical headers, signed headers, payload hash,
/// joined with `\n` (the canonical headers already end with `\n`).
pub fn canonical_request(
    method: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    format!("{method}\n/\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}")
}

/// The string to sign: algorithm, timestamp, credential scope, hash of the canonical request.
pub fn string_to_sign(timestamp: i64, credential_scope: &str, canonical_request_hash: &str) -> String {
    format!("{ALGORITHM}\n{timestamp}\n{credential_scope}\n{canonical_request_hash}")
}

/// Signs one request. Pure: same input, same output.
pub fn sign(input: &SignInput<'_>) -> Signature {
    let mut headers: Vec<(&str, &str)> = Vec::with_capacity(2 + input.extra_signed_headers.len());
    headers.push(("content-type", input.content_type));
    headers.push(("host", input.host));
    headers.extend_from_slice(input.extra_signed_headers);
    let (canon_headers, signed_headers) = canonical_headers(&headers);
    let payload_hash = sha256_hex(input.payload);
    let canonical_request = canonical_request(
        input.method,
        input.canonical_query,
        &canon_headers,
        &signed_headers,
        &payload_hash,
    );
    let canonical_request_hash = sha256_hex(canonical_request.as_bytes());
    let date = crate::time::utc_date(input.timestamp);
    let credential_scope = format!("{date}/{}/{SCOPE_TERMINATOR}", input.service);
    let string_to_sign = string_to_sign(input.timestamp, &credential_scope, &canonical_request_hash);
    let key = signing_key(input.secret_key, &date, input.service);
    let signature = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{credential_scope}, SignedHeaders={signed_headers}, Signature={signature}",
        input.secret_id
    );
    Signature {
        payload_hash,
        canonical_request,
        canonical_request_hash,
        date,
        credential_scope,
        string_to_sign,
        signed_headers,
        signature,
        authorization,
    }
}

/// The `Authorization` header value of one request: the same text as
/// `sign(input).authorization`, computed without the intermediate values. The client's path:
/// the payload and canonical-request hashes are hex-encoded into stack buffers and streamed
/// into the hashers, the string to sign is streamed into the HMAC, and the header is written
/// into one `String` allocated at its final size. Inputs [`sign`] would transform (extra
/// signed headers, header values that need trimming or lowercasing, years outside
/// 0000–9999) take the straightforward path.
pub fn authorization(input: &SignInput<'_>) -> String {
    fast_authorization(input, None)
}

/// [`authorization`] with the keyed HMAC state of the signing key taken from `keys` (derived
/// once per secret key, day and service rather than on every call): what a client signs with.
pub(crate) fn authorization_cached(input: &SignInput<'_>, keys: &SigningKeys) -> String {
    fast_authorization(input, Some(keys))
}

fn fast_authorization(input: &SignInput<'_>, keys: Option<&SigningKeys>) -> String {
    let canonical_as_is = |v: &str| v.bytes().all(|b| !b.is_ascii_uppercase()) && v.trim() == v;
    let (year, month, day) = crate::time::civil_from_days(input.timestamp.div_euclid(86_400));
    if !input.extra_signed_headers.is_empty()
        || !canonical_as_is(input.content_type)
        || !canonical_as_is(input.host)
        || !(0..=9999).contains(&year)
    {
        return sign(input).authorization;
    }
    let mut date = [0u8; 10];
    write_digits(&mut date[0..4], year.unsigned_abs());
    date[4] = b'-';
    write_digits(&mut date[5..7], u64::from(month));
    date[7] = b'-';
    write_digits(&mut date[8..10], u64::from(day));

    let payload_hash = hex_array(&sha256_parts(&[input.payload]));
    let canonical_hash = hex_array(&sha256_parts(&[
        input.method.as_bytes(),
        b"\n/\n",
        input.canonical_query.as_bytes(),
        b"\ncontent-type:",
        input.content_type.as_bytes(),
        b"\nhost:",
        input.host.as_bytes(),
        b"\n\n",
        DEFAULT_SIGNED_HEADERS.as_bytes(),
        b"\n",
        &payload_hash,
    ]));

    let mut timestamp = [0u8; 20];
    let timestamp = decimal(&mut timestamp, input.timestamp);
    let secret_key = input.secret_key.as_bytes();
    let mac = match keys {
        Some(keys) => keys.keyed(secret_key, &date, input.service),
        None => keyed(&signing_key_bytes(secret_key, &date, input.service.as_bytes())),
    };
    let string_to_sign: [&[u8]; 11] = [
        ALGORITHM.as_bytes(),
        b"\n",
        timestamp,
        b"\n",
        &date,
        b"/",
        input.service.as_bytes(),
        b"/",
        SCOPE_TERMINATOR.as_bytes(),
        b"\n",
        &canonical_hash,
    ];
    let signature = hex_array(&hmac_finish(mac, &string_to_sign));

    const CREDENTIAL: &str = " Credential=";
    const SIGNED: &str = ", SignedHeaders=";
    const SIGNATURE: &str = ", Signature=";
    let len = ALGORITHM.len()
        + CREDENTIAL.len()
        + input.secret_id.len()
        + 1
        + date.len()
        + 1
        + input.service.len()
        + 1
        + SCOPE_TERMINATOR.len()
        + SIGNED.len()
        + DEFAULT_SIGNED_HEADERS.len()
        + SIGNATURE.len()
        + signature.len();
    let mut out = String::with_capacity(len);
    out.push_str(ALGORITHM);
    out.push_str(CREDENTIAL);
    out.push_str(input.secret_id);
    out.push('/');
    out.push_str(ascii(&date));
    out.push('/');
    out.push_str(input.service);
    out.push('/');
    out.push_str(SCOPE_TERMINATOR);
    out.push_str(SIGNED);
    out.push_str(DEFAULT_SIGNED_HEADERS);
    out.push_str(SIGNATURE);
    out.push_str(ascii(&signature));
    debug_assert_eq!(out.len(), len);
    out
}

/// SHA-256 of the concatenation of `parts` (streamed, not concatenated). Not inlined: one
/// copy of the hasher's code serves every call site.
#[inline(never)]
fn sha256_parts(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part);
    }
    h.finalize().into()
}

/// HMAC-SHA256 keyed with `key` (any length) of the concatenation of `parts`.
fn hmac_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    hmac_finish(keyed(key), parts)
}

/// The HMAC-SHA256 state keyed with `key` (any length), before any message.
#[inline(never)]
fn keyed(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac(),
    }
}

/// The HMAC of the concatenation of `parts` from a keyed state.
#[inline(never)]
fn hmac_finish(mut mac: Hmac<Sha256>, parts: &[&[u8]]) -> [u8; 32] {
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// A client's signing keys: the keyed HMAC state of each derived key, by (secret key, date,
/// service), so the three HMACs of the derivation (and the keying of the fourth) run once a
/// day per service instead of on every call. Holds the derived keys (secret for a day and a
/// service, so never printed: no `Debug`), not the SecretKey itself: only a SHA-256
/// fingerprint of it, to tell keys apart (rotated credentials derive anew). At most
/// [`SigningKeys::MAX`] entries; a day's change replaces an entry in place.
#[derive(Default)]
pub(crate) struct SigningKeys {
    slots: std::sync::Mutex<Vec<KeySlot>>,
}

struct KeySlot {
    secret: [u8; 32],
    service: Box<str>,
    date: [u8; 10],
    mac: Hmac<Sha256>,
}

impl SigningKeys {
    const MAX: usize = 16;

    fn keyed(&self, secret_key: &[u8], date: &[u8; 10], service: &str) -> Hmac<Sha256> {
        let secret = sha256_parts(&[secret_key]);
        let derive = || keyed(&signing_key_bytes(secret_key, date, service.as_bytes()));
        let mut slots = self.slots.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(slot) = slots.iter_mut().find(|s| s.secret == secret && *s.service == *service) {
            if slot.date != *date {
                (slot.date, slot.mac) = (*date, derive());
            }
            return slot.mac.clone();
        }
        let mac = derive();
        if slots.len() >= Self::MAX {
            slots.remove(0);
        }
        slots.push(KeySlot { secret, service: service.into(), date: *date, mac: mac.clone() });
        mac
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots.lock().unwrap().len()
    }
}

/// [`signing_key`] on bytes, the `"TC3" + key` prefix on the stack when it fits a block.
fn signing_key_bytes(secret_key: &[u8], date: &[u8], service: &[u8]) -> [u8; 32] {
    let mut stack = [0u8; 64];
    let heap;
    let k: &[u8] = if 3 + secret_key.len() <= stack.len() {
        stack[..3].copy_from_slice(b"TC3");
        stack[3..3 + secret_key.len()].copy_from_slice(secret_key);
        &stack[..3 + secret_key.len()]
    } else {
        heap = [b"TC3", secret_key].concat();
        &heap
    };
    let k_date = hmac_parts(k, &[date]);
    let k_service = hmac_parts(&k_date, &[service]);
    hmac_parts(&k_service, &[SCOPE_TERMINATOR.as_bytes()])
}

/// Writes `n` as `out.len()` decimal digits, zero-padded (the leading digits are dropped if
/// `n` has more).
fn write_digits(out: &mut [u8], mut n: u64) {
    for b in out.iter_mut().rev() {
        *b = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `n` in decimal, as `Display` writes it, in `buf`.
fn decimal(buf: &mut [u8; 20], n: i64) -> &[u8] {
    let mut v = n.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    if n < 0 {
        // u64::MAX has 20 digits but |i64::MIN| only 19: there is room for the sign.
        i -= 1;
        buf[i] = b'-';
    }
    &buf[i..]
}

/// Text of bytes the fast path made ASCII (digits, `-`, lowercase hex): never empty.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Lowercase hex digit pairs of every byte value.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut t = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = [DIGITS[i >> 4], DIGITS[i & 0x0f]];
        i += 1;
    }
    t
};

/// Lowercase hex of a 32-byte digest.
#[inline(never)]
fn hex_array(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(*b)]);
    }
    out
}

/// A parsed `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct ParsedAuthorization {
    /// The SecretId from the credential.
    pub secret_id: String,
    /// The credential scope date (`YYYY-MM-DD`, as sent; not validated as a calendar date).
    pub date: String,
    /// The credential scope service.
    pub service: String,
    /// Signed header names, lowercase, in the order sent.
    pub signed_headers: Vec<String>,
    /// The signature, lowercase hex (64 characters).
    pub signature: String,
}

impl fmt::Debug for ParsedAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedAuthorization")
            .field("secret_id", &crate::secret::mask_secret_id(&self.secret_id))
            .field("date", &self.date)
            .field("service", &self.service)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &self.signature)
            .finish()
    }
}

impl ParsedAuthorization {
    /// `<date>/<service>/tc3_request`.
    pub fn credential_scope(&self) -> String {
        format!("{}/{}/{SCOPE_TERMINATOR}", self.date, self.service)
    }
}

/// Why an `Authorization` header could not be parsed. Messages never echo the header.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// The header does not start with `TC3-HMAC-SHA256 `.
    WrongAlgorithm,
    /// A required part (`Credential`, `SignedHeaders`, `Signature`) is absent.
    MissingPart(&'static str),
    /// A part appears twice.
    DuplicatePart(&'static str),
    /// A part is not `Key=Value` or has an unknown key.
    UnknownPart,
    /// `Credential` is not `<id>/<date>/<service>/tc3_request` with non-empty components.
    BadCredential,
    /// `SignedHeaders` is empty or has an empty or non-lowercase name.
    BadSignedHeaders,
    /// `Signature` is not 64 lowercase hex digits.
    BadSignature,
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongAlgorithm => write!(f, "Authorization does not start with `{ALGORITHM} `"),
            Self::MissingPart(p) => write!(f, "Authorization has no `{p}=`"),
            Self::DuplicatePart(p) => write!(f, "Authorization has `{p}=` twice"),
            Self::UnknownPart => f.write_str("Authorization has a part that is not Credential, SignedHeaders or Signature"),
            Self::BadCredential => f.write_str(
                "Authorization Credential is not `<SecretId>/<YYYY-MM-DD>/<service>/tc3_request`",
            ),
            Self::BadSignedHeaders => f.write_str("Authorization SignedHeaders is not a `;`-list of lowercase names"),
            Self::BadSignature => f.write_str("Authorization Signature is not 64 lowercase hex digits"),
        }
    }
}

impl std::error::Error for AuthorizationError {}

/// Parses `TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request, SignedHeaders=<list>,
/// Signature=<hex>`. Total: never panics, whatever the text.
pub fn parse_authorization(header: &str) -> Result<ParsedAuthorization, AuthorizationError> {
    let rest = header
        .trim()
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or(AuthorizationError::WrongAlgorithm)?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        let (key, value) = part.split_once('=').ok_or(AuthorizationError::UnknownPart)?;
        let (slot, name) = match key.trim() {
            "Credential" => (&mut credential, "Credential"),
            "SignedHeaders" => (&mut signed, "SignedHeaders"),
            "Signature" => (&mut signature, "Signature"),
            _ => return Err(AuthorizationError::UnknownPart),
        };
        if slot.replace(value.trim()).is_some() {
            return Err(AuthorizationError::DuplicatePart(name));
        }
    }
    let credential = credential.ok_or(AuthorizationError::MissingPart("Credential"))?;
    let signed = signed.ok_or(AuthorizationError::MissingPart("SignedHeaders"))?;
    let signature = signature.ok_or(AuthorizationError::MissingPart("Signature"))?;

    let mut it = credential.rsplitn(4, '/');
    let (term, service, date, secret_id) = (it.next(), it.next(), it.next(), it.next());
    let (Some(term), Some(service), Some(date), Some(secret_id)) = (term, service, date, secret_id) else {
        return Err(AuthorizationError::BadCredential);
    };
    if term != SCOPE_TERMINATOR || service.is_empty() || secret_id.is_empty() || !is_date_shape(date) {
        return Err(AuthorizationError::BadCredential);
    }

    let signed_headers: Vec<String> = signed.split(';').map(str::to_owned).collect();
    let name_ok = |n: &String| {
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    };
    if !signed_headers.iter().all(name_ok) {
        return Err(AuthorizationError::BadSignedHeaders);
    }
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(AuthorizationError::BadSignature);
    }
    Ok(ParsedAuthorization {
        secret_id: secret_id.to_owned(),
        date: date.to_owned(),
        service: service.to_owned(),
        signed_headers,
        signature: signature.to_owned(),
    })
}

fn is_date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// The request as a verifying server received it.
pub struct VerifyRequest<'a> {
    /// HTTP method as received.
    pub method: &'a str,
    /// The raw query string as received (without `?`), empty if none.
    pub canonical_query: &'a str,
    /// The raw body as received.
    pub payload: &'a [u8],
    /// `X-TC-Timestamp` as received.
    pub timestamp: i64,
    /// Looks up a received header by lowercase name (the verifier asks for each signed header).
    pub header: &'a dyn Fn(&str) -> Option<String>,
}

/// Why [`verify`] rejected a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// `content-type` or `host` is not among the signed headers.
    RequiredHeaderNotSigned(&'static str),
    /// A signed header was not received.
    MissingHeader(String),
    /// The credential date is not the UTC date of `X-TC-Timestamp`.
    DateMismatch {
        /// The date in the credential scope.
        credential: String,
        /// The UTC date of the timestamp.
        timestamp: String,
    },
    /// The signature does not match the recomputed one.
    SignatureMismatch,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RequiredHeaderNotSigned(h) => write!(f, "signed headers must include `{h}`"),
            Self::MissingHeader(h) => write!(f, "signed header `{h}` was not sent"),
            Self::DateMismatch { credential, timestamp } => write!(
                f,
                "credential date {credential} is not the UTC date of X-TC-Timestamp ({timestamp})"
            ),
            Self::SignatureMismatch => f.write_str("signature does not match"),
        }
    }
}

impl std::error::Error for VerifyError {}

/// Recomputes the signature of a received request and compares it (in constant time) with the
/// one in `auth`. The caller checks the timestamp skew, the service and looks up the key.
pub fn verify(auth: &ParsedAuthorization, req: &VerifyRequest<'_>, secret_key: &str) -> Result<(), VerifyError> {
    for required in ["content-type", "host"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(VerifyError::RequiredHeaderNotSigned(required));
        }
    }
    let want_date = crate::time::utc_date(req.timestamp);
    if auth.date != want_date {
        return Err(VerifyError::DateMismatch { credential: auth.date.clone(), timestamp: want_date });
    }
    let mut values = Vec::with_capacity(auth.signed_headers.len());
    for name in &auth.signed_headers {
        let v = (req.header)(name).ok_or_else(|| VerifyError::MissingHeader(name.clone()))?;
        values.push((name.as_str(), v));
    }
    let find = |n: &str| values.iter().find(|(k, _)| *k == n).map(|(_, v)| v.as_str()).unwrap_or("");
    let extra: Vec<(&str, &str)> = values
        .iter()
        .filter(|(k, _)| *k != "content-type" && *k != "host")
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let computed = sign(&SignInput {
        method: req.method,
        host: find("host"),
        canonical_query: req.canonical_query,
        content_type: find("content-type"),
        payload: req.payload,
        service: &auth.service,
        timestamp: req.timestamp,
        secret_id: &auth.secret_id,
        secret_key,
        extra_signed_headers: &extra,
    });
    if constant_time_eq(computed.signature.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch)
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******";
    const V2_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3*******";
    const V2_PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn v1() -> SignInput<'static> {
        SignInput {
            method: "POST",
            host: "cvm.tencentcloudapi.com",
            canonical_query: "",
            content_type: "application/json",
            payload: br#"{"Action":"DescribeInstances","Version":"2017-03-12"}"#,
            service: "cvm",
            timestamp: 1_640_995_200,
            secret_id: "test-secret-id",
            secret_key: "test-secret-key",
            extra_signed_headers: &[],
        }
    }

    fn v2(extra: &'static [(&'static str, &'static str)]) -> SignInput<'static> {
        SignInput {
            method: "POST",
            host: "cvm.tencentcloudapi.com",
            canonical_query: "",
            content_type: "application/json; charset=utf-8",
            payload: V2_PAYLOAD.as_bytes(),
            service: "cvm",
            timestamp: 1_551_113_065,
            secret_id: V2_ID,
            secret_key: V2_KEY,
            extra_signed_headers: extra,
        }
    }

    #[test]
    fn vector_1() {
        let s = sign(&v1());
        assert_eq!(s.payload_hash, "8161d71add76597e6dc0e223286ca9a96dec0b7eca6e08f9364680387415b4dc");
        assert_eq!(
            s.canonical_request,
            "POST\n/\n\ncontent-type:application/json\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n\
             8161d71add76597e6dc0e223286ca9a96dec0b7eca6e08f9364680387415b4dc"
        );
        assert_eq!(s.canonical_request_hash, "11b4984250df9d76592a8eb098c42d8c757bebef390e23479ceac3a58148f4d9");
        assert_eq!(s.date, "2022-01-01");
        assert_eq!(
            s.string_to_sign,
            "TC3-HMAC-SHA256\n1640995200\n2022-01-01/cvm/tc3_request\n\
             11b4984250df9d76592a8eb098c42d8c757bebef390e23479ceac3a58148f4d9"
        );
        assert_eq!(s.signature, "96473b50fe407833672a5d6d067238d88bb44c8abcc39ef83baa3132afbfadd3");
        assert_eq!(
            s.authorization,
            "TC3-HMAC-SHA256 Credential=test-secret-id/2022-01-01/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=96473b50fe407833672a5d6d067238d88bb44c8abcc39ef83baa3132afbfadd3"
        );
    }

    #[test]
    fn vector_2() {
        let s = sign(&v2(&[]));
        assert_eq!(s.canonical_request_hash, "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031");
        assert_eq!(s.date, "2019-02-25");
        assert_eq!(s.signed_headers, "content-type;host");
        assert_eq!(s.signature, "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c");
    }

    #[test]
    fn vector_3() {
        let s = sign(&v2(&[("X-TC-Action", "DescribeInstances")]));
        assert!(s.canonical_request.contains("x-tc-action:describeinstances\n"));
        assert_eq!(s.signed_headers, "content-type;host;x-tc-action");
        assert_eq!(s.signature, "be4f67d323c78ab9acb7395e43c0dbcf822a9cfac32fea2449a7bc7726b770a3");
    }

    #[test]
    fn parse_round_trip_and_verify() {
        for extra in [&[][..], &[("X-TC-Action", "DescribeInstances")][..]] {
            let input = SignInput { extra_signed_headers: extra, ..v2(&[]) };
            let s = sign(&input);
            let p = parse_authorization(&s.authorization).unwrap();
            assert_eq!(p.secret_id, V2_ID);
            assert_eq!(p.date, "2019-02-25");
            assert_eq!(p.service, "cvm");
            assert_eq!(p.signature, s.signature);
            assert_eq!(p.credential_scope(), s.credential_scope);
            let lookup = |n: &str| match n {
                "content-type" => Some("application/json; charset=utf-8".to_owned()),
                "host" => Some("cvm.tencentcloudapi.com".to_owned()),
                "x-tc-action" => Some("DescribeInstances".to_owned()),
                _ => None,
            };
            let req = VerifyRequest {
                method: "POST",
                canonical_query: "",
                payload: V2_PAYLOAD.as_bytes(),
                timestamp: 1_551_113_065,
                header: &lookup,
            };
            assert_eq!(verify(&p, &req, V2_KEY), Ok(()));
            assert_eq!(verify(&p, &req, "wrong"), Err(VerifyError::SignatureMismatch));
            let tampered = VerifyRequest { payload: b"{}", ..req };
            assert_eq!(verify(&p, &tampered, V2_KEY), Err(VerifyError::SignatureMismatch));
            let later = VerifyRequest { timestamp: 1_551_113_065 + 86_400, ..req };
            assert!(matches!(verify(&p, &later, V2_KEY), Err(VerifyError::DateMismatch { .. })));
        }
    }

    #[test]
    fn parse_rejects_malformed() {
        let good = sign(&v1()).authorization;
        assert!(parse_authorization(&good).is_ok());
        let cases: Vec<(String, AuthorizationError)> = vec![
            (String::new(), AuthorizationError::WrongAlgorithm),
            ("TC3-HMAC-SHA1 Credential=a".into(), AuthorizationError::WrongAlgorithm),
            ("TC3-HMAC-SHA256".into(), AuthorizationError::WrongAlgorithm),
            (good.replace("Credential=", "Cred="), AuthorizationError::UnknownPart),
            (good.replace("/tc3_request", "/tc4_request"), AuthorizationError::BadCredential),
            (good.replace("2022-01-01", "2022-1-1"), AuthorizationError::BadCredential),
            (good.replace("test-secret-id/", "/"), AuthorizationError::BadCredential),
            (good.replace("content-type;host", "content-type;;host"), AuthorizationError::BadSignedHeaders),
            (good.replace("content-type;host", "Content-Type;host"), AuthorizationError::BadSignedHeaders),
            (good.replace("Signature=96", "Signature=96A"), AuthorizationError::BadSignature),
            (good.replace("Signature=96", "Signature="), AuthorizationError::BadSignature),
            (format!("{good}, Signature=00"), AuthorizationError::DuplicatePart("Signature")),
            (
                good.replace(", SignedHeaders=content-type;host", ""),
                AuthorizationError::MissingPart("SignedHeaders"),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_authorization(&text), Err(want), "{text}");
        }
    }

    #[test]
    fn debug_redacts_secrets() {
        let s = format!("{:?}", v1());
        assert!(!s.contains("test-secret-key"), "{s}");
        let input = v2(&[]);
        let s = format!("{:?} {:?}", sign(&input), parse_authorization(&sign(&input).authorization).unwrap());
        assert!(!s.contains(V2_ID) && !s.contains(V2_KEY), "{s}");
        assert!(s.contains("Credential=AKID…****/2019-02-25/cvm/tc3_request"), "{s}");
    }

    #[test]
    fn authorization_fast_path_matches_the_vectors() {
        assert_eq!(authorization(&v1()), sign(&v1()).authorization);
        let want = "Signature=96473b50fe407833672a5d6d067238d88bb44c8abcc39ef83baa3132afbfadd3";
        assert!(authorization(&v1()).ends_with(want));
        for extra in [&[][..], &[("X-TC-Action", "DescribeInstances")][..]] {
            let input = SignInput { extra_signed_headers: extra, ..v2(&[]) };
            assert_eq!(authorization(&input), sign(&input).authorization);
        }
        // Inputs the fast path hands to `sign`: uppercase or padded values, long keys,
        // negative and far timestamps.
        let odd = [
            SignInput { content_type: "Application/JSON", ..v1() },
            SignInput { host: " cvm.tencentcloudapi.com ", ..v1() },
            SignInput { secret_key: &"k".repeat(100), ..v1() },
            SignInput { timestamp: -1, ..v1() },
            SignInput { timestamp: i64::MIN, ..v1() },
            SignInput { timestamp: i64::MAX, ..v1() },
            SignInput { timestamp: 253_402_300_800, ..v1() },
            SignInput { canonical_query: "Limit=1&Offset=0", method: "GET", payload: b"", ..v1() },
        ];
        for input in odd {
            assert_eq!(authorization(&input), sign(&input).authorization, "{input:?}");
        }
    }

    #[test]
    fn cached_keys_sign_as_derived_keys() {
        let keys = SigningKeys::default();
        let day = 86_400;
        let inputs = [
            v1(),
            v1(),
            SignInput { timestamp: v1().timestamp + day, ..v1() },
            SignInput { timestamp: v1().timestamp + 2 * day - 1, ..v1() },
            SignInput { service: "tcss", ..v1() },
            SignInput { secret_key: "rotated-key", ..v1() },
            SignInput { secret_key: "rotated-key", timestamp: v1().timestamp - day, ..v1() },
            v2(&[]),
            v2(&[("X-TC-Action", "DescribeInstances")]),
            v1(),
        ];
        for input in inputs {
            assert_eq!(authorization_cached(&input, &keys), sign(&input).authorization, "{input:?}");
        }
        // (cvm, test key), (tcss, test key), (cvm, rotated key), (cvm, the v2 key): a new day
        // replaced its entry.
        assert_eq!(keys.len(), 4);
        for n in 0..40 {
            let service = format!("s{n}");
            let input = SignInput { service: &service, ..v1() };
            assert_eq!(authorization_cached(&input, &keys), sign(&input).authorization);
        }
        assert_eq!(keys.len(), SigningKeys::MAX);
    }

    #[test]
    fn decimal_is_display() {
        for n in [0, 1, -1, 9, 10, -10, 1_700_000_000, i64::MIN, i64::MAX, i64::MIN + 1] {
            let mut buf = [0u8; 20];
            assert_eq!(decimal(&mut buf, n), n.to_string().as_bytes());
        }
    }

    proptest::proptest! {
        /// The fast path equals the straightforward computation, whatever the input.
        #[test]
        fn authorization_equals_sign(
            method in "(POST|GET|[A-Z]{1,7})",
            host in "[ a-zA-Z0-9.:-]{0,40}",
            query in "[a-zA-Z0-9=&%.]{0,60}",
            content_type in "[ a-zA-Z/;=-]{0,40}",
            payload in proptest::collection::vec(proptest::num::u8::ANY, 0..300),
            service in "[a-z]{1,12}",
            timestamp in proptest::num::i64::ANY,
            near in -2_000_000_000i64..20_000_000_000,
            secret_id in "[A-Za-z0-9]{0,40}",
            secret_key in "[A-Za-z0-9+/]{0,100}",
            extra in proptest::collection::vec(("[A-Za-z-]{1,12}", "[ A-Za-z0-9]{0,12}"), 0..3),
        ) {
            let extra: Vec<(&str, &str)> = extra.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            let keys = SigningKeys::default();
            // As given (often the straightforward path), and canonical already (the fast path).
            let (ct, h) = (content_type.trim().to_ascii_lowercase(), host.trim().to_ascii_lowercase());
            for (ts, content_type, host) in [(timestamp, &content_type, &host), (near, &ct, &h), (timestamp, &ct, &h)] {
                let input = SignInput {
                    method: &method,
                    host,
                    canonical_query: &query,
                    content_type,
                    payload: &payload,
                    service: &service,
                    timestamp: ts,
                    secret_id: &secret_id,
                    secret_key: &secret_key,
                    extra_signed_headers: &[],
                };
                proptest::prop_assert_eq!(authorization(&input), sign(&input).authorization);
                proptest::prop_assert_eq!(authorization_cached(&input, &keys), sign(&input).authorization);
                let input = SignInput { extra_signed_headers: &extra, ..input };
                proptest::prop_assert_eq!(authorization(&input), sign(&input).authorization);
            }
        }

        #[test]
        fn parse_is_total(s in "\\PC*") {
            let _ = parse_authorization(&s);
        }

        #[test]
        fn parse_is_total_near_valid(s in "TC3-HMAC-SHA256 [A-Za-z=/,; 0-9a-f-]{0,120}") {
            let _ = parse_authorization(&s);
        }
    }
}
