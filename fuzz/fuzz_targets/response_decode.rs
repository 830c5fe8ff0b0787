//! Fuzz target `response_decode`: every generated action's response decoder (`tc_runtime::decode_response`): the input is a status and a body.
//! The oracle (and what it checks) is `tc_robustness::response`; see `fuzz/README.md`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tc_robustness::response::fuzz(data));
