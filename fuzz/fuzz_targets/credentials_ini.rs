//! Fuzz target `credentials_ini`: the credentials file parser (`Credentials::from_profile_text`, the INI parser): the input is the file.
//! The oracle (and what it checks) is `tc_robustness::credentials`; see `fuzz/README.md`.
#![no_main]
#![forbid(unsafe_code)]

libfuzzer_sys::fuzz_target!(|data: &[u8]| tc_robustness::credentials::fuzz(data));
