//! Idempotency tokens: a mutating action with a token parameter (`ClientToken`) gets a fresh
//! token, once per logical call, when the caller left it empty; every attempt of the call
//! sends the same one, so a server that executed the first attempt recognises the retry
//! (as aws-sdk-rust fills `ClientToken`s).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Whether a request carries an idempotency token after [`fill`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// The caller set one.
    Caller,
    /// The runtime filled one in.
    Filled,
    /// None (the action has no token parameter, filling is off, or the request is not an
    /// object).
    Absent,
}

impl Token {
    pub(crate) fn present(self) -> bool {
        self != Token::Absent
    }
}

/// Puts a fresh token under `name` in the top-level object `request` when it is absent, `null`
/// or `""` and `fill` is on.
pub(crate) fn fill(request: &mut Value, name: &str, fill: bool) -> Token {
    let Value::Object(map) = request else { return Token::Absent };
    match map.get(name) {
        Some(Value::String(s)) if !s.is_empty() => Token::Caller,
        Some(Value::String(_) | Value::Null) | None if fill => {
            map.insert(name.to_owned(), Value::String(idempotency_token()));
            Token::Filled
        }
        _ => Token::Absent,
    }
}

/// A fresh idempotency token: 128 bits formatted as a UUID v4 (`8-4-4-4-12` lowercase hex).
///
/// Unique, not secret: the bits come from std's per-process random hash keys mixed with the
/// clock and a process-wide counter, so tokens differ across calls, clients and processes.
pub fn idempotency_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
    let state = std::collections::hash_map::RandomState::new();
    let half = |salt: u64| {
        let mut h = state.build_hasher();
        h.write_u64(salt);
        h.write_u64(n);
        h.write_u64(nanos);
        h.write_u32(std::process::id());
        crate::retry::mix64(h.finish())
    };
    let (hi, lo) = (half(0x5eed_0001), half(0x5eed_0002));
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&hi.to_be_bytes());
    b[8..].copy_from_slice(&lo.to_be_bytes());
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}


#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_look_like_uuids_and_differ() {
        let tokens: std::collections::BTreeSet<String> = (0..1000).map(|_| idempotency_token()).collect();
        assert_eq!(tokens.len(), 1000);
        for t in tokens.iter().take(5) {
            assert_eq!(t.len(), 36, "{t}");
            assert_eq!(t.as_bytes()[14], b'4', "{t}");
            assert!(matches!(t.as_bytes()[19], b'8' | b'9' | b'a' | b'b'), "{t}");
            assert!(t.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{t}");
        }
    }

    #[test]
    fn fills_only_what_is_empty() {
        let mut v = json!({"MachineId": "m-1"});
        assert_eq!(fill(&mut v, "ClientToken", true), Token::Filled);
        assert_eq!(v["ClientToken"].as_str().map(str::len), Some(36));
        let mut v = json!({"ClientToken": ""});
        assert_eq!(fill(&mut v, "ClientToken", true), Token::Filled);
        assert_ne!(v["ClientToken"], "");
        let mut v = json!({"ClientToken": null});
        assert_eq!(fill(&mut v, "ClientToken", true), Token::Filled);
        let mut v = json!({"ClientToken": "mine"});
        assert_eq!(fill(&mut v, "ClientToken", true), Token::Caller);
        assert_eq!(v, json!({"ClientToken": "mine"}));
        let mut v = json!({});
        assert_eq!(fill(&mut v, "ClientToken", false), Token::Absent);
        assert_eq!(v, json!({}));
        let mut v = json!({"ClientToken": 5});
        assert_eq!(fill(&mut v, "ClientToken", true), Token::Absent, "not a string: left to the server to reject");
        assert_eq!(fill(&mut json!([1]), "ClientToken", true), Token::Absent);
    }
}
