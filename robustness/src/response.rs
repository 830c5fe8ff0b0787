//! Replies: every generated action's response decoder, driven through
//! [`tc_runtime::decode_response`] (the exact path `Client::call` takes once the body is read).
//!
//! [`check_decode`] is the oracle: whatever the status and bytes, the result is `Ok` or a
//! typed error consistent with the input (a non-200 status is a transport error, a 200 never
//! is), and every transport or decode error keeps exactly the bounded excerpt
//! [`tc_runtime::error::excerpt`] of what was received, with a bounded `Display`.

use std::fmt::Debug;

use serde::de::DeserializeOwned;
use tc_runtime::error::{EXCERPT_BYTES, MESSAGE_BYTES, REQUEST_ID_BYTES, excerpt};
use tc_runtime::{Error, ErrorCode, decode_response};

/// What a decode came to, for the tests' statistics (so a property cannot pass vacuously).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Decoded.
    Ok,
    /// `Response.Error`.
    Api,
    /// Non-200 status.
    Transport,
    /// Not JSON, not an envelope, or not the action's shape.
    Decode,
}

/// The longest `Display` a transport or decode error may have: escaping (`{:?}`) of the
/// excerpt can expand a byte to six characters; the rest is bounded text.
pub const MAX_DISPLAY: usize = 6 * EXCERPT_BYTES + MESSAGE_BYTES + REQUEST_ID_BYTES + 400;

/// Decodes `body` as action `Resp` with error codes `C` and checks the result.
///
/// # Panics
///
/// When the decoder panics or a property is violated.
pub fn check_decode<Resp, C>(status: u16, body: &[u8]) -> Outcome
where
    Resp: DeserializeOwned + Debug,
    C: ErrorCode,
{
    let result = decode_response::<Resp, C>(status, body);
    let shown = match &result {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    };
    match result {
        Ok(_) => {
            assert_eq!(status, 200, "a non-200 reply decoded");
            Outcome::Ok
        }
        Err(Error::Api(api)) => {
            assert_eq!(status, 200, "a non-200 reply became an API error");
            // The typed code keeps the wire code exactly, documented or not.
            let wire = api.code.as_str().to_owned();
            assert_eq!(C::from_code(&wire).as_str(), wire, "error code does not round-trip");
            Outcome::Api
        }
        Err(Error::Transport(t)) => {
            assert_ne!(status, 200, "a 200 reply became a transport error: {t}");
            assert_eq!(t.status(), Some(status));
            let got = t.body_excerpt().unwrap_or_default();
            assert_eq!(got, excerpt(body), "transport excerpt is not the start of the body");
            assert!(got.chars().count() <= EXCERPT_BYTES, "excerpt too long");
            assert!(shown.len() <= MAX_DISPLAY, "Display is {} bytes", shown.len());
            Outcome::Transport
        }
        Err(Error::Decode(d)) => {
            assert_eq!(status, 200, "a non-200 reply became a decode error: {d}");
            assert_eq!(d.status(), 200);
            assert_eq!(d.body_excerpt(), excerpt(body), "decode excerpt is not the start of the body");
            // U+FFFD replacing one invalid byte is 3 bytes: count characters for the bound.
            assert!(d.body_excerpt().chars().count() <= EXCERPT_BYTES, "excerpt too long");
            assert!(shown.len() <= MAX_DISPLAY, "Display is {} bytes: {}", shown.len(), &shown[..200]);
            if let Some(j) = d.json_error() {
                assert!(j.message().len() <= MESSAGE_BYTES + '…'.len_utf8(), "parser message unbounded");
            }
            if let Some(id) = d.request_id() {
                assert!(!id.is_empty() && id.len() <= REQUEST_ID_BYTES + '…'.len_utf8(), "request id unbounded");
            }
            Outcome::Decode
        }
        Err(Error::Credentials(c)) => panic!("decoding produced a credentials error: {c}"),
    }
}

/// One generated action: its service, wire name and typed decoder.
#[derive(Clone, Copy)]
pub struct ActionDecoder {
    /// Service name (`tcss`).
    pub service: &'static str,
    /// Wire name (`DescribeProVersionInfo`).
    pub action: &'static str,
    /// `check_decode::<Response, ErrorCode>`.
    pub check: fn(u16, &[u8]) -> Outcome,
}

impl Debug for ActionDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.service, self.action)
    }
}

macro_rules! decoder {
    ($service:literal, $krate:ident::$module:ident, $action:ident, $resp:ident, $code:ident) => {
        ActionDecoder {
            service: $service,
            action: stringify!($action),
            check: check_decode::<$krate::$module::models::$resp, $krate::$module::errors::$code>,
        }
    };
}

/// A sample of the generated `tc-sdk`'s actions: the curated ones, whose documented replies
/// the property tests mutate (the tests check that each is an action of the spec).
pub const SDK_ACTIONS: &[ActionDecoder] = &[
    decoder!("cwp", tc_sdk::cwp, DescribeLicenseGeneral, DescribeLicenseGeneralResponse, DescribeLicenseGeneralErrorCode),
    decoder!(
        "tcss",
        tc_sdk::tcss,
        DescribeImageAuthorizedInfo,
        DescribeImageAuthorizedInfoResponse,
        DescribeImageAuthorizedInfoErrorCode
    ),
    decoder!(
        "tcss",
        tc_sdk::tcss,
        DescribeImageAutoAuthorizedTaskList,
        DescribeImageAutoAuthorizedTaskListResponse,
        DescribeImageAutoAuthorizedTaskListErrorCode
    ),
    decoder!("tcss", tc_sdk::tcss, DescribeProVersionInfo, DescribeProVersionInfoResponse, DescribeProVersionInfoErrorCode),
    decoder!(
        "tcss",
        tc_sdk::tcss,
        DescribePurchaseStateInfo,
        DescribePurchaseStateInfoResponse,
        DescribePurchaseStateInfoErrorCode
    ),
];

/// Actions of the constructs fixture crate (every kind of field: nesting five deep, floats,
/// unsigned integers, keyword and colliding names, nullable structures; pagers of both integer
/// widths). A sample like `SDK_ACTIONS`: the tests check each is an action of the fixture.
pub const FIXTURE_ACTIONS: &[ActionDecoder] = &[
    decoder!("demo", tc_fixture_constructs::demo, DescribeDisks, DescribeDisksResponse, DescribeDisksErrorCode),
    decoder!("demo", tc_fixture_constructs::demo, DescribeMachines, DescribeMachinesResponse, DescribeMachinesErrorCode),
    decoder!("demo", tc_fixture_constructs::demo, DescribeNothing, DescribeNothingResponse, DescribeNothingErrorCode),
    decoder!("demo", tc_fixture_constructs::demo, ModifyMachine, ModifyMachineResponse, ModifyMachineErrorCode),
];

/// Runs every decoder (SDK and fixture) on the same reply.
pub fn check_all(status: u16, body: &[u8]) {
    for d in SDK_ACTIONS.iter().chain(FIXTURE_ACTIONS) {
        (d.check)(status, body);
    }
}

/// The fuzz entry: the first two bytes choose the status (mostly 200), the rest is the body.
pub fn fuzz(data: &[u8]) {
    let (status, body) = match data {
        [a, b, rest @ ..] => {
            let status = match a % 4 {
                0..=2 => 200,
                _ => u16::from_le_bytes([*b, a >> 2]),
            };
            (status, rest)
        }
        _ => (200, data),
    };
    check_all(status, body);
}
