//! The credentials file parser (`Credentials::from_profile_text` and the INI parser under it)
//! on arbitrary text and bytes: never a panic; errors name the file (and the line, within the
//! file); nothing ever shows a secret.

use proptest::prelude::*;
use tc_robustness::credentials::{self as c, check_profile};

proptest! {
    #![proptest_config(tc_robustness::config(512))]

    /// Plausible, often broken, profile files with secrets in every position.
    #[test]
    fn profile_like_text(bytes in c::arb_profile(), profile in proptest::option::of(prop_oneof![Just("prod".to_owned()), Just("Default".to_owned()), "[a-z]{1,5}"])) {
        check_profile(&bytes, profile.as_deref());
        check_profile(&bytes, None);
    }

    /// Arbitrary text.
    #[test]
    fn arbitrary_text(text in "\\PC{0,300}") {
        check_profile(text.as_bytes(), None);
    }

    /// Arbitrary bytes.
    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_profile(&bytes, None);
    }
}

/// The generator is not vacuous: it yields accepted files and every kind of error.
#[test]
fn generated_profiles_reach_success_and_errors() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::new(tc_robustness::config(1));
    let (mut ok, mut syntax, mut other) = (0, 0, 0);
    for _ in 0..600 {
        let bytes = c::arb_profile().new_tree(&mut runner).expect("a file").current();
        match tc_runtime::Credentials::from_profile_text(&bytes, std::path::Path::new(c::PATH), None) {
            Ok(_) => ok += 1,
            Err(tc_runtime::CredentialsError::Syntax { .. }) => syntax += 1,
            Err(_) => other += 1,
        }
    }
    assert!(ok > 0 && syntax > 0 && other > 0, "ok {ok}, syntax {syntax}, other {other}");
}

/// Regression for the echo the property found: a secret pasted on its own line twice.
#[test]
fn a_pasted_secret_is_never_echoed() {
    let text = b"[default]\nsecret_id = AKID0123456789abcdef\nAbcd3fgh:ij5lmnop\nAbcd3fgh:ij5lmnop\n";
    check_profile(text, None);
}

/// Regression for what `cargo fuzz run credentials_ini` found (artifact `crash-d3c238c5`): with
/// only `\n` ending lines, everything from a stray `[` to a `]` three `\r`-lines later was a
/// section name, secret included, and the duplicate-key message quoted it.
#[test]
fn a_secret_inside_a_misread_section_header_is_never_echoed() {
    let input = b"[[\r\r\r\r\r\r\r\r\r\r\r\r\r\r\rt\r\r[de_id = AKpqRNo0IDPx3gnPhESA\r\r\rfault]\nsecret_id = AKID\x01=k;\x00\x00ne/.tencentcl[default]\nsecret_id = AKpqRNo0IDPx3gnPhESA\r\r\r\r\r\r\r\r\nsecre";
    check_profile(input, None);
    let text = b"[x = AKpqRNo0IDPx3gnPhESA]\nsecret_id = a\nsecret_id = b\n";
    check_profile(text, None);
    let err = tc_runtime::Credentials::from_profile_text(text, std::path::Path::new(c::PATH), Some("x = AKpqRNo0IDPx3gnPhESA"))
        .expect_err("duplicate key");
    assert!(!err.to_string().contains("AKpq"), "{err}");
}
