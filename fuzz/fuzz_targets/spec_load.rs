//! Fuzz target `spec_load`: the spec loader and checker (`tc_codegen::build`): one real spec file replaced by the input.
//! The oracle (and what it checks) is `tc_robustness::spec`; see `fuzz/README.md`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tc_robustness::spec::fuzz(data));
