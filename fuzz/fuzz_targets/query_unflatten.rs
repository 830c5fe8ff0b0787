//! Fuzz target `query_unflatten`: tc-mock's GET un-flattening and validator: the input is a query string.
//! The oracle (and what it checks) is `tc_robustness::query`; see `fuzz/README.md`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tc_robustness::query::fuzz(data));
