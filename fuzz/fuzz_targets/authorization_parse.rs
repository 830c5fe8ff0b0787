//! Fuzz target `authorization_parse`: the server's `Authorization` parser and verifier: the input is a timestamp and the header.
//! The oracle (and what it checks) is `tc_robustness::auth`; see `fuzz/README.md`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tc_robustness::auth::fuzz(data));
