//! `Authorization` headers, as the server parses them: [`tc_runtime::sign::parse_authorization`]
//! and [`tc_runtime::sign::verify`].
//!
//! [`check_authorization`] is the oracle: never a panic; a header that parses renders back
//! (canonically) to one that parses to the same value; verifying it against any request
//! never panics; its `Debug` masks the SecretId; error messages are short fixed texts, so they
//! never quote the header.

use proptest::prelude::*;
use tc_runtime::sign::{ParsedAuthorization, VerifyRequest, parse_authorization, verify};

/// The canonical text of a parsed header.
pub fn render(p: &ParsedAuthorization) -> String {
    format!(
        "TC3-HMAC-SHA256 Credential={}/{}/{}/tc3_request, SignedHeaders={}, Signature={}",
        p.secret_id,
        p.date,
        p.service,
        p.signed_headers.join(";"),
        p.signature
    )
}

/// Parses `header` and checks the result; `timestamp` drives the verification attempt.
///
/// # Panics
///
/// When parsing or verifying panics, or a property is violated.
pub fn check_authorization(header: &str, timestamp: i64) {
    match parse_authorization(header) {
        Ok(p) => {
            let again = parse_authorization(&render(&p)).expect("a parsed header renders to a valid one");
            assert_eq!(again, p, "render/parse is not a round trip for {header:?}");
            if p.secret_id.chars().count() >= 16 {
                // The other fields are shown whole and may repeat the id's text: remove them.
                let mut rest = format!("{p:?}");
                for other in [&p.date, &p.service, &p.signature].into_iter().chain(&p.signed_headers) {
                    rest = rest.replace(&format!("{other:?}"), "");
                }
                assert!(!rest.contains(&p.secret_id), "Debug shows the whole SecretId: {p:?}");
            }
            let header = |name: &str| match name {
                "content-type" => Some("application/json".to_owned()),
                "host" => Some("tcss.tencentcloudapi.com".to_owned()),
                n if n.len() % 2 == 0 => Some(n.repeat(2)),
                _ => None,
            };
            let req = VerifyRequest { method: "POST", canonical_query: "", payload: b"{}", timestamp, header: &header };
            let _ = verify(&p, &req, "key");
        }
        Err(e) => {
            // Messages are fixed texts, whatever the header's length: nothing of it is quoted.
            // (Checking `!shown.contains(header)` is not the property: the fuzzer soon sends
            // a header that is a piece of a message.)
            let shown = e.to_string();
            assert!(shown.len() <= 128, "error message of {} bytes: {shown}", shown.len());
        }
    }
}

/// The fuzz entry: the first 8 bytes are the timestamp, the rest the header (lossy UTF-8,
/// as a server decodes header bytes).
pub fn fuzz(data: &[u8]) {
    let (ts, rest) = data.split_at(data.len().min(8));
    let mut buf = [0u8; 8];
    buf[..ts.len()].copy_from_slice(ts);
    check_authorization(&String::from_utf8_lossy(rest), i64::from_le_bytes(buf));
}

/// Headers near the valid shape: each part drawn from valid and broken alternatives.
pub fn arb_header() -> impl Strategy<Value = String> {
    // Each part is valid most of the time, so whole headers are valid often enough to reach
    // the round trip and the verifier.
    let algorithm = prop_oneof![
        6 => Just("TC3-HMAC-SHA256 "),
        1 => proptest::sample::select(&["TC3-HMAC-SHA256", "tc3-hmac-sha256 ", " TC3-HMAC-SHA256  ", ""][..]),
    ];
    let id = prop_oneof![6 => "AKID[A-Za-z0-9]{0,30}", 1 => "\\PC{0,8}", 1 => Just(String::new())];
    let date = prop_oneof![6 => "20[0-9]{2}-[01][0-9]-[0-3][0-9]", 1 => "[0-9-]{0,12}", 1 => "\\PC{0,4}"];
    let service = prop_oneof![6 => "[a-z]{1,6}", 1 => Just(String::new()), 1 => "\\PC{0,4}"];
    let term = prop_oneof![6 => Just("tc3_request"), 1 => proptest::sample::select(&["tc3_request/", "", "TC3_REQUEST"][..])];
    let signed = prop_oneof![
        3 => Just("content-type;host".to_owned()),
        3 => Just("content-type;host;x-tc-action".to_owned()),
        1 => "[a-z;-]{0,20}",
        1 => "\\PC{0,6}"
    ];
    let sig = prop_oneof![6 => "[0-9a-f]{64}", 1 => "[0-9a-fA-F]{60,66}", 1 => "\\PC{0,6}"];
    let sep = prop_oneof![6 => Just(", "), 1 => proptest::sample::select(&[",", " , ", ",,", ", Extra=1, "][..])];
    (algorithm, id, date, service, term, signed, sig, sep, any::<u8>()).prop_map(
        |(alg, id, date, service, term, signed, sig, sep, order)| {
            let parts = [
                format!("Credential={id}/{date}/{service}/{term}"),
                format!("SignedHeaders={signed}"),
                format!("Signature={sig}"),
            ];
            let idx: [usize; 3] = match order % 8 {
                0 => [2, 1, 0],
                1 => [0, 0, 2],
                2 => [0, 1, 1],
                _ => [0, 1, 2],
            };
            let body: Vec<&str> = idx.iter().map(|&i| parts[i].as_str()).collect();
            format!("{alg}{}", body.join(sep))
        },
    )
}

#[cfg(test)]
mod tests {
    /// Regression for the oracle (found by `cargo fuzz run authorization_parse`): a header
    /// that is a piece of an error message is not an echo.
    #[test]
    fn a_header_that_reads_like_a_message() {
        super::check_authorization("Authorization does not start with", 0);
        super::check_authorization(&"x".repeat(10_000), 0);
        // Another field repeating the SecretId's text is not the SecretId shown.
        let id = "AKIDabcdefghijklmnop";
        let sig = "0".repeat(64);
        super::check_authorization(
            &format!("TC3-HMAC-SHA256 Credential={id}/2022-01-01/{id}/tc3_request, SignedHeaders=host, Signature={sig}"),
            0,
        );
    }
}
